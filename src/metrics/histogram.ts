/**
 * The daemon's one histogram: counts per bucket for a bounded set of label
 * combinations (series), kept as plain arrays and turned into Prometheus
 * text or samples only when scraped (histogram-text.ts), so observing a
 * value is a few array increments. The call latency histogram
 * (call-latency.ts) and the GC pause histogram (process-metrics.ts) are
 * both this.
 *
 * Bounded: at most `seriesLimit` label combinations, the first ones seen;
 * later ones are observed under the `overflow` labels.
 */

/** One series: counts per bucket (not cumulative; the last one is +Inf), sum and count. */
export interface HistogramSeries<L extends object = Record<string, string>> {
  readonly labels: L;
  readonly buckets: readonly number[];
  readonly sum: number;
  readonly count: number;
}

interface MutableSeries<L> {
  labels: L;
  buckets: number[];
  sum: number;
  count: number;
}

export interface HistogramOptions<L> {
  /** Upper bounds of the buckets, ascending, in the unit observed; +Inf is implied. */
  bounds: readonly number[];
  /** Label combinations kept before new ones go to `overflow` (default: unbounded). */
  seriesLimit?: number;
  /** Labels of the series that takes observations beyond `seriesLimit` (required with it). */
  overflow?: L;
}

/** The label values of a series, in its labels' order, as one map key. */
const keyOf = (labels: object): string => Object.values(labels).join('\0');

export class Histogram<L extends object = Record<string, string>> {
  readonly bounds: readonly number[];
  private readonly limit: number;
  private readonly overflow: L | undefined;
  private readonly byKey = new Map<string, MutableSeries<L>>();

  constructor(opts: HistogramOptions<L>) {
    this.bounds = opts.bounds;
    this.limit = opts.seriesLimit ?? Infinity;
    this.overflow = opts.overflow;
  }

  /** Record one value under `labels`. */
  observe(labels: L, value: number): void {
    const s = this.seriesOf(labels);
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]!) i++;
    s.buckets[i]!++;
    s.sum += value;
    s.count++;
  }

  /** Create the series of `labels` (if it does not exist) without observing anything, so that it is exported from 0. */
  touch(labels: L): void {
    this.seriesOf(labels);
  }

  /** Every series, in the order first seen (the overflow series last once it exists). */
  series(): HistogramSeries<L>[] {
    return [...this.byKey.values()];
  }

  private seriesOf(labels: L): MutableSeries<L> {
    const key = keyOf(labels);
    let s = this.byKey.get(key);
    if (s) return s;
    if (this.byKey.size >= this.limit && this.overflow) {
      const otherKey = keyOf(this.overflow);
      s = this.byKey.get(otherKey);
      if (s) return s;
      s = this.fresh(this.overflow);
      this.byKey.set(otherKey, s);
      return s;
    }
    s = this.fresh(labels);
    this.byKey.set(key, s);
    return s;
  }

  private fresh(labels: L): MutableSeries<L> {
    return { labels, buckets: new Array<number>(this.bounds.length + 1).fill(0), sum: 0, count: 0 };
  }
}
