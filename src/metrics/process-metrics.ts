/**
 * Node process metrics under the names prom-client's `collectDefaultMetrics`
 * uses (`process_resident_memory_bytes`, `process_open_fds`,
 * `nodejs_eventloop_lag_seconds`, ...), prefixed `nova_zmq_bridge_`, so that
 * the usual Node dashboards read them - collected here rather than by
 * prom-client because its default-metrics module loads @opentelemetry/api
 * and grows the daemon's RSS by ~12 MiB (the daemon idles at ~57 MiB).
 *
 * The event-loop delay is sampled by Node's own histogram
 * (perf_hooks.monitorEventLoopDelay), reset at each scrape as prom-client
 * does; it runs only between {@link ProcessMetrics.start} and
 * {@link ProcessMetrics.stop}.
 *
 * Garbage-collection pauses are observed the same way (a PerformanceObserver
 * of `gc` entries, between start and stop) into
 * `nova_zmq_bridge_nodejs_gc_duration_seconds{kind}`, prom-client's
 * `nodejs_gc_duration_seconds` with its default buckets: the CLI's small
 * young generation (DEFAULT_V8_FLAGS in cli.ts) means a scavenge every ~150
 * calls, and their pauses show in the call latency's tail.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { constants as perfConstants, monitorEventLoopDelay, PerformanceObserver, type IntervalHistogram, type NodeGCPerformanceDetail, type PerformanceEntry } from 'node:perf_hooks';
import { Histogram } from './histogram';
import { histogramSamples } from './histogram-text';
import { METRIC_PREFIX } from './prometheus-map';
import type { MetricType, Sample } from './snapshot-metric';

/** Resolution of the event-loop delay sampling, in milliseconds (a timer that often while metrics are served). */
export const DEFAULT_EVENT_LOOP_RESOLUTION_MS = 20;

const NS_PER_S = 1e9;
const US_PER_S = 1e6;
const MS_PER_S = 1e3;

/** prom-client's `DEFAULT_GC_DURATION_BUCKETS` (lib/metrics/gc.js), upper bounds in seconds; +Inf is implied. */
export const GC_DURATION_BUCKETS_S: readonly number[] = [0.001, 0.01, 0.1, 1, 2, 5];

/** The `kind` label of a GC entry's `detail.kind`, as prom-client names them. */
export const GC_KINDS: ReadonlyMap<number, string> = new Map([
  [perfConstants.NODE_PERFORMANCE_GC_MINOR, 'minor'],
  [perfConstants.NODE_PERFORMANCE_GC_MAJOR, 'major'],
  [perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL, 'incremental'],
  [perfConstants.NODE_PERFORMANCE_GC_WEAKCB, 'weakcb'],
]);

export interface ProcessMetricDecl {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  read(): Sample[];
}

/** `VmRSS`, `VmSize` of /proc/self/status in bytes (null off Linux). */
function procStatus(): { rss: number; vsize: number } | null {
  try {
    const text = readFileSync('/proc/self/status', 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), vsize: kb('VmSize') };
  } catch {
    return null;
  }
}

/** The soft limit of open files (read once: it does not change under a running daemon). */
function maxFds(): number | null {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    return line ? Number(line.split(/\s{2,}/)[1]) : null;
  } catch {
    return null;
  }
}

const one = (value: number, labels: Record<string, string> = {}): Sample[] => (Number.isFinite(value) ? [{ labels, value }] : []);

export class ProcessMetrics {
  private eld: IntervalHistogram | null = null;
  private gcObserver: PerformanceObserver | null = null;
  /** GC pauses in seconds by kind; every kind exported from 0. */
  private readonly gc = new Histogram<{ kind: string }>({ bounds: GC_DURATION_BUCKETS_S });
  private readonly maxFds = maxFds();
  /** Unix time the process started, in seconds. */
  private readonly startTime = Date.now() / 1000 - process.uptime();

  constructor() {
    for (const kind of GC_KINDS.values()) this.gc.touch({ kind });
  }

  /** Start sampling the event-loop delay and observing GC pauses. */
  start(): void {
    if (this.eld) return;
    this.eld = monitorEventLoopDelay({ resolution: DEFAULT_EVENT_LOOP_RESOLUTION_MS });
    this.eld.enable();
    this.gcObserver = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) this.observeGc(e);
    });
    this.gcObserver.observe({ entryTypes: ['gc'] });
  }

  stop(): void {
    this.eld?.disable();
    this.eld = null;
    this.gcObserver?.disconnect();
    this.gcObserver = null;
  }

  /** One `gc` entry (Node delivers them in batches); a kind outside {@link GC_KINDS} is not counted. */
  private observeGc(e: PerformanceEntry): void {
    // Node 20's typings leave `detail` off PerformanceEntry; a gc entry has one (kind, flags).
    const detail = (e as PerformanceEntry & { detail?: NodeGCPerformanceDetail }).detail;
    const kind = detail ? GC_KINDS.get(detail.kind) : undefined;
    if (kind !== undefined) this.gc.observe({ kind }, e.duration / MS_PER_S);
  }

  /** Every process metric, read when scraped. */
  decls(): ProcessMetricDecl[] {
    const p = METRIC_PREFIX;
    const cpu = () => process.cpuUsage();
    const mem = () => process.memoryUsage();
    const lag = (stat: (h: IntervalHistogram) => number) => (): Sample[] => (this.eld && this.eld.count > 0 ? one(stat(this.eld) / NS_PER_S) : []);
    return [
      { name: `${p}process_cpu_user_seconds_total`, type: 'counter', help: 'Total user CPU time spent in seconds.', read: () => one(cpu().user / US_PER_S) },
      { name: `${p}process_cpu_system_seconds_total`, type: 'counter', help: 'Total system CPU time spent in seconds.', read: () => one(cpu().system / US_PER_S) },
      {
        name: `${p}process_cpu_seconds_total`,
        type: 'counter',
        help: 'Total user and system CPU time spent in seconds.',
        read: () => {
          const c = cpu();
          return one((c.user + c.system) / US_PER_S);
        },
      },
      { name: `${p}process_start_time_seconds`, type: 'gauge', help: 'Start time of the process since unix epoch in seconds.', read: () => one(Math.round(this.startTime)) },
      { name: `${p}process_resident_memory_bytes`, type: 'gauge', help: 'Resident memory size in bytes.', read: () => one(procStatus()?.rss ?? mem().rss) },
      { name: `${p}process_virtual_memory_bytes`, type: 'gauge', help: 'Virtual memory size in bytes.', read: () => one(procStatus()?.vsize ?? NaN) },
      {
        name: `${p}process_open_fds`,
        type: 'gauge',
        help: 'Number of open file descriptors.',
        read: () => {
          try {
            // The directory's own descriptor, open while it is read, is not one of ours.
            return one(readdirSync('/proc/self/fd').length - 1);
          } catch {
            return [];
          }
        },
      },
      { name: `${p}process_max_fds`, type: 'gauge', help: 'Maximum number of open file descriptors.', read: () => one(this.maxFds ?? NaN) },
      { name: `${p}nodejs_heap_size_total_bytes`, type: 'gauge', help: 'Process heap size from Node.js in bytes.', read: () => one(mem().heapTotal) },
      { name: `${p}nodejs_heap_size_used_bytes`, type: 'gauge', help: 'Process heap size used from Node.js in bytes.', read: () => one(mem().heapUsed) },
      { name: `${p}nodejs_external_memory_bytes`, type: 'gauge', help: 'Node.js external memory size in bytes.', read: () => one(mem().external) },
      {
        name: `${p}nodejs_active_resources_total`,
        type: 'gauge',
        help: 'Total number of active resources keeping the event loop alive.',
        read: () => one(process.getActiveResourcesInfo().length),
      },
      { name: `${p}nodejs_eventloop_lag_seconds`, type: 'gauge', help: 'Mean event loop delay since the last scrape, in seconds.', read: lag((h) => h.mean) },
      { name: `${p}nodejs_eventloop_lag_min_seconds`, type: 'gauge', help: 'The minimum recorded event loop delay since the last scrape.', read: lag((h) => h.min) },
      { name: `${p}nodejs_eventloop_lag_max_seconds`, type: 'gauge', help: 'The maximum recorded event loop delay since the last scrape.', read: lag((h) => h.max) },
      { name: `${p}nodejs_eventloop_lag_p50_seconds`, type: 'gauge', help: 'The 50th percentile of the recorded event loop delays.', read: lag((h) => h.percentile(50)) },
      { name: `${p}nodejs_eventloop_lag_p90_seconds`, type: 'gauge', help: 'The 90th percentile of the recorded event loop delays.', read: lag((h) => h.percentile(90)) },
      {
        name: `${p}nodejs_eventloop_lag_p99_seconds`,
        type: 'gauge',
        help: 'The 99th percentile of the recorded event loop delays.',
        // Last of the lag metrics: the window restarts after it is read.
        read: () => {
          const out = lag((h) => h.percentile(99))();
          this.eld?.reset();
          return out;
        },
      },
      {
        name: `${p}nodejs_gc_duration_seconds`,
        type: 'histogram',
        help: 'Garbage collection duration by kind, one of major, minor, incremental or weakcb.',
        read: () => histogramSamples(`${p}nodejs_gc_duration_seconds`, {}, this.gc),
      },
      {
        name: `${p}nodejs_version_info`,
        type: 'gauge',
        help: 'Node.js version info.',
        read: () => {
          const [major, minor, patch] = process.versions.node.split('.');
          return one(1, { version: process.version, major: major!, minor: minor!, patch: patch! });
        },
      },
    ];
  }
}
