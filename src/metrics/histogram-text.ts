/**
 * A {@link Histogram} as Prometheus exposition, in two forms:
 *  - text lines, written directly (the call latency histogram): each
 *    series' label text is escaped once and kept (series and their labels
 *    never change), so a scrape only appends `le` and the counts.
 *    prom-client formatted every bucket line label by label, which was most
 *    of the cost of a scrape with that histogram at its series bound;
 *  - samples that prom-client's Registry formats (`_bucket{le}`, `_sum`,
 *    `_count`), for a small histogram served with the other process
 *    metrics (the GC pauses).
 */
import type { Histogram, HistogramSeries } from './histogram';
import type { Sample } from './snapshot-metric';

/** What is exported of a histogram: its bounds and series, whatever its label names. */
type AnyHistogram = Pick<Histogram<object>, 'bounds' | 'series'>;

/** A label value escaped as the text format wants (backslash, double quote, newline). */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** A sample value as Prometheus writes it. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

const prefixCache = new WeakMap<HistogramSeries<object>, string>();

/** `name_bucket{...,le="x"} n` lines (cumulative), then `_sum` and `_count`, for every series. */
export function histogramLines(name: string, constant: Record<string, string>, histogram: AnyHistogram): string[] {
  const bounds = histogram.bounds.map((b) => `le="${formatValue(b)}"`);
  bounds.push('le="+Inf"');
  const out: string[] = [];
  for (const s of histogram.series()) {
    let labels = prefixCache.get(s);
    if (labels === undefined) {
      labels = Object.entries({ ...constant, ...s.labels })
        .map(([k, v]) => `${k}="${escapeLabelValue(v)}"`)
        .join(',');
      prefixCache.set(s, labels);
    }
    let cumulative = 0;
    for (let i = 0; i < bounds.length; i++) {
      cumulative += s.buckets[i]!;
      out.push(`${name}_bucket{${labels},${bounds[i]}} ${cumulative}`);
    }
    out.push(`${name}_sum{${labels}} ${formatValue(s.sum)}`);
    out.push(`${name}_count{${labels}} ${s.count}`);
  }
  return out;
}

/** The same as {@link histogramLines}, as samples for prom-client's Registry (which escapes and formats them). */
export function histogramSamples(name: string, constant: Record<string, string>, histogram: AnyHistogram): Sample[] {
  const bounds: (number | string)[] = [...histogram.bounds, '+Inf'];
  const out: Sample[] = [];
  for (const s of histogram.series()) {
    const labels: Record<string, string> = { ...constant, ...(s.labels as Record<string, string>) };
    let cumulative = 0;
    for (let i = 0; i < bounds.length; i++) {
      cumulative += s.buckets[i]!;
      out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: bounds[i]! }, value: cumulative });
    }
    out.push({ metricName: `${name}_sum`, labels, value: s.sum });
    out.push({ metricName: `${name}_count`, labels, value: s.count });
  }
  return out;
}
