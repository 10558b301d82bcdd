/**
 * Latency of the calls shims make through this daemon, as a histogram per
 * (exchange, topic, method), in oslo.metrics' buckets so that dashboards
 * built for `oslo_messaging_rpc_client_processing_seconds` read it the same
 * way. Kept here (one instance per daemon) and turned into Prometheus text
 * only when scraped; observing a call is a few array increments.
 *
 * Bounded: at most `seriesLimit` label combinations, the first ones seen;
 * later ones are observed under exchange, topic and method `other`.
 */
import { clip, OTHER } from './labels';

/** oslo.metrics' `rpc_processing_seconds_buckets` (oslo_metrics/metrics/oslo_messaging.py), upper bounds in seconds; +Inf is implied. */
export const OSLO_RPC_BUCKETS_S: readonly number[] = [0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 25.0, 50.0, 75.0, 100];

/** Label combinations (series) kept before new ones go to `other`. */
export const DEFAULT_CALL_SERIES_LIMIT = 128;

export interface CallLabels {
  exchange: string;
  topic: string;
  method: string;
}

/** One series: counts per bucket (not cumulative; the last one is +Inf), sum and count. */
export interface LatencySeries {
  readonly labels: CallLabels;
  readonly buckets: readonly number[];
  readonly sum: number;
  readonly count: number;
}

interface MutableSeries {
  labels: CallLabels;
  buckets: number[];
  sum: number;
  count: number;
}

export class CallLatency {
  readonly bounds: readonly number[];
  private readonly limit: number;
  private readonly byKey = new Map<string, MutableSeries>();

  constructor(opts: { seriesLimit?: number; bounds?: readonly number[] } = {}) {
    this.limit = opts.seriesLimit ?? DEFAULT_CALL_SERIES_LIMIT;
    this.bounds = opts.bounds ?? OSLO_RPC_BUCKETS_S;
  }

  /** Record one call that took `seconds`. */
  observe(labels: CallLabels, seconds: number): void {
    const s = this.seriesOf(labels);
    let i = 0;
    while (i < this.bounds.length && seconds > this.bounds[i]!) i++;
    s.buckets[i]!++;
    s.sum += seconds;
    s.count++;
  }

  /** Every series, in the order first seen (`other` last once it exists). */
  series(): LatencySeries[] {
    return [...this.byKey.values()];
  }

  private seriesOf(labels: CallLabels): MutableSeries {
    const l = { exchange: clip(labels.exchange), topic: clip(labels.topic), method: clip(labels.method) };
    const key = `${l.exchange}\0${l.topic}\0${l.method}`;
    let s = this.byKey.get(key);
    if (s) return s;
    if (this.byKey.size >= this.limit) {
      const otherKey = `${OTHER}\0${OTHER}\0${OTHER}`;
      s = this.byKey.get(otherKey);
      if (s) return s;
      s = this.fresh({ exchange: OTHER, topic: OTHER, method: OTHER });
      this.byKey.set(otherKey, s);
      return s;
    }
    s = this.fresh(l);
    this.byKey.set(key, s);
    return s;
  }

  private fresh(labels: CallLabels): MutableSeries {
    return { labels, buckets: new Array<number>(this.bounds.length + 1).fill(0), sum: 0, count: 0 };
  }
}
