/**
 * Latency of the calls shims make through this daemon, as a histogram per
 * (exchange, topic, method), in oslo.metrics' buckets so that dashboards
 * built for `oslo_messaging_rpc_client_processing_seconds` read it the same
 * way. One instance per daemon, a {@link Histogram} (histogram.ts) turned
 * into Prometheus text only when scraped; observing a call is a few array
 * increments.
 *
 * Bounded: at most `seriesLimit` label combinations, the first ones seen;
 * later ones are observed under exchange, topic and method `other`.
 */
import { Histogram, type HistogramSeries } from './histogram';
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

/** One series of the call histogram. */
export type LatencySeries = HistogramSeries<CallLabels>;

export class CallLatency extends Histogram<CallLabels> {
  constructor(opts: { seriesLimit?: number; bounds?: readonly number[] } = {}) {
    super({
      bounds: opts.bounds ?? OSLO_RPC_BUCKETS_S,
      seriesLimit: opts.seriesLimit ?? DEFAULT_CALL_SERIES_LIMIT,
      overflow: { exchange: OTHER, topic: OTHER, method: OTHER },
    });
  }

  /** Record one call that took `seconds` (label values clipped, see labels.ts). */
  override observe(labels: CallLabels, seconds: number): void {
    super.observe({ exchange: clip(labels.exchange), topic: clip(labels.topic), method: clip(labels.method) }, seconds);
  }
}
