/**
 * The daemon's Prometheus exporter: one prom-client Registry per daemon
 * (never prom-client's global one), holding
 *  - every catalogued counter, as mapped by prometheus-map.ts (families
 *    become labels, every value printed from 0 so that `rate()` works from
 *    the first scrape);
 *  - the gauges and the call histogram of state-metrics.ts;
 *  - Node process metrics under prom-client's default names (RSS, CPU, fds,
 *    event-loop lag, heap, GC pauses), prefixed `nova_zmq_bridge_`, when asked for
 *    (process-metrics.ts says why they are not prom-client's own).
 * Only prom-client's Registry (the text format) is loaded: its package
 * index also loads the default-metrics code and @opentelemetry/api, ~12 MiB
 * of RSS the daemon does not need.
 * Everything is read from the daemon's state when scraped (SnapshotMetric),
 * so the exporter adds no work to the message paths.
 */
import type { Registry as RegistryType } from 'prom-client';
import { ProcessMetrics } from './process-metrics';
import { COUNTER_CATALOGUE, placeholders, type CounterName, type CounterPattern, type CounterSpec } from './catalogue';
import type { CounterCell } from './counters';
import { PROMETHEUS_MAP, SHARED_METRIC_HELP } from './prometheus-map';
import { SnapshotMetric, type Sample } from './snapshot-metric';
import { STATE_METRICS, type StateMetricDecl } from './state-metrics';
import type { MetricsSources } from './sources';

/** One catalogued counter as a series of its metric. */
export interface CounterSeries {
  counter: CounterName;
  metric: string;
  labels: Record<string, string>;
  scale: number;
}

/** Every name of a catalogue pattern with the values of its placeholders. */
function expandWithValues(pattern: string, spec: CounterSpec): { name: string; values: Record<string, string> }[] {
  let out = [{ name: pattern, values: {} as Record<string, string> }];
  for (const v of placeholders(pattern)) {
    out = out.flatMap((e) => (spec.vars?.[v] ?? []).map((x) => ({ name: e.name.replace(`{${v}}`, x), values: { ...e.values, [v]: x } })));
  }
  return out;
}

/** Every catalogued counter as a series (metric name and labels), in catalogue order. */
export function counterSeries(): CounterSeries[] {
  const out: CounterSeries[] = [];
  for (const [pattern, spec] of Object.entries(COUNTER_CATALOGUE as Record<string, CounterSpec>)) {
    const map = PROMETHEUS_MAP[pattern as CounterPattern];
    for (const e of expandWithValues(pattern, spec)) {
      const labels: Record<string, string> = { ...map.labels };
      for (const [v, x] of Object.entries(e.values)) labels[map.rename?.[v] ?? v] = x;
      out.push({ counter: e.name as CounterName, metric: map.metric, labels, scale: map.scale ?? 1 });
    }
  }
  return out;
}

/** HELP of a counter metric: the shared text, or its one counter's text from the catalogue. */
export function counterMetricHelp(metric: string): string {
  const shared = SHARED_METRIC_HELP[metric];
  if (shared) return shared;
  const pattern = (Object.keys(PROMETHEUS_MAP) as CounterPattern[]).find((p) => PROMETHEUS_MAP[p].metric === metric);
  return pattern ? (COUNTER_CATALOGUE as Record<string, CounterSpec>)[pattern]!.counts.replace(/`/g, '') : metric;
}

export interface MetricsExporterOptions {
  /** Add the Node process metrics (default false: the event-loop delay sampling is a timer, GC pauses an observer; the daemon asks for them when it serves HTTP). */
  processMetrics?: boolean;
}

/** prom-client's Registry class alone (see the module comment). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Registry = require('prom-client/lib/registry') as typeof RegistryType;

export class MetricsExporter {
  readonly registry: RegistryType = new Registry();
  private readonly process: ProcessMetrics | null;
  /** Metrics written as text after prom-client's (see StateMetricDecl.text). */
  private readonly textMetrics: StateMetricDecl[] = [];

  constructor(private readonly src: MetricsSources, opts: MetricsExporterOptions = {}) {
    const byMetric = new Map<string, { cell: CounterCell; labels: Record<string, string>; scale: number }[]>();
    const all = counterSeries();
    // Cells: a scrape reads fields, no name lookups.
    const cells = src.counters.cells(all.map((s) => s.counter));
    all.forEach((s, i) => {
      const list = byMetric.get(s.metric) ?? [];
      list.push({ cell: cells[i]!, labels: s.labels, scale: s.scale });
      byMetric.set(s.metric, list);
    });
    // registerMetric() is typed for prom-client's own classes; it only needs `name` and `get()` (SnapshotMetric).
    for (const [metric, series] of byMetric) {
      this.registry.registerMetric(
        new SnapshotMetric(metric, counterMetricHelp(metric), 'counter', () => series.map((x): Sample => ({ labels: x.labels, value: x.cell.value * x.scale }))) as never,
      );
    }
    for (const d of STATE_METRICS) {
      if (d.text) this.textMetrics.push(d);
      else this.registry.registerMetric(new SnapshotMetric(d.name, d.help, d.type, () => d.read(this.src)) as never);
    }
    this.process = opts.processMetrics ? new ProcessMetrics() : null;
    if (this.process) {
      for (const d of this.process.decls()) this.registry.registerMetric(new SnapshotMetric(d.name, d.help, d.type, d.read) as never);
    }
  }

  /** Start sampling what needs it (the event-loop delay, GC pauses); the daemon calls it when it starts serving HTTP. */
  start(): void {
    this.process?.start();
  }

  stop(): void {
    this.process?.stop();
  }

  /** Content-Type of {@link scrape}'s text (Prometheus text format 0.0.4). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text of every metric now. */
  async scrape(): Promise<string> {
    let text = await this.registry.metrics();
    for (const d of this.textMetrics) {
      const lines = d.text!(this.src);
      text += `\n# HELP ${d.name} ${d.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${d.name} ${d.type}\n${lines.length ? `${lines.join('\n')}\n` : ''}`;
    }
    return text;
  }
}
