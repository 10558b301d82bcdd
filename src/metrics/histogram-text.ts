/**
 * Prometheus text lines of the call latency histogram, written directly:
 * each series' label text is escaped once and kept (series and their labels
 * never change), so a scrape only appends `le` and the counts. prom-client
 * formatted every bucket line label by label, which was most of the cost of
 * a scrape with the histogram at its series bound.
 */
import type { CallLatency, LatencySeries } from './call-latency';

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

const prefixCache = new WeakMap<LatencySeries, string>();

/** `name_bucket{...,le="x"} n` lines (cumulative), then `_sum` and `_count`, for every series. */
export function histogramLines(name: string, constant: Record<string, string>, latency: CallLatency): string[] {
  const bounds = latency.bounds.map((b) => `le="${formatValue(b)}"`);
  bounds.push('le="+Inf"');
  const out: string[] = [];
  for (const s of latency.series()) {
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
