/**
 * A metric whose samples are read from the daemon's own state when scraped,
 * in the shape prom-client's Registry formats (`registerMetric` accepts any
 * object with a name and `get()`). The daemon's counters, gauges and the call
 * histogram all live outside prom-client; only their text comes from it, so a
 * scrape costs reading them and nothing is updated on the message paths.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram';

/** One line of the exposition: labels and value, under the metric's name or `metricName` (histogram `_bucket`, `_sum`, `_count`). */
export interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

export class SnapshotMetric {
  /** prom-client's cluster aggregation (unused here, but part of the shape). */
  readonly aggregator = 'sum';

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: MetricType,
    private readonly read: () => Sample[],
  ) {}

  async get(): Promise<{ name: string; help: string; type: MetricType; values: Sample[]; aggregator: string }> {
    return { name: this.name, help: this.help, type: this.type, values: this.read(), aggregator: this.aggregator };
  }

  /** Values belong to the daemon's state; prom-client's `resetMetrics()` leaves them alone. */
  reset(): void {}
}
