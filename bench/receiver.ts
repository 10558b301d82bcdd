/**
 * Rows (1) and (2): the raw zeromq.js PUSH -> PULL ceiling and the receiver
 * (legacy cast frames over tcp into the daemon, counted out of its ipc
 * socket), plus the minimal relay baseline, measured by the functions of
 * bench/receiver-throughput.ts (owned by the receiver) on this bench's
 * ports, interleaved round by round so load changes hit all three alike.
 * The daemon those functions start is a child of this process; its memory
 * is sampled by finding it under /proc.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { measureRawPushPull, measureRawRelay, measureReceiver, DEFAULT_BENCH_BODY_BYTES, type ThroughputResult } from './receiver-throughput';
import { pickPorts } from './lib/net';
import { RssSampler, type RssReport } from './lib/rss';
import { summarize, type Summary } from './lib/stats';

/** First port tried for the throughput runs. */
export const DEFAULT_THROUGHPUT_BASE_PORT = 24300;

export interface ThroughputSizes {
  rounds: number;
  messages: number;
  warmup: number;
  /** Include the minimal relay baseline (informational). */
  relay: boolean;
}

export interface ThroughputReport {
  bodyBytes: number;
  messages: number;
  ceiling: Summary;
  receiver: Summary;
  relay: Summary | null;
  /** receiver / ceiling, per round and summarized. */
  ratio: Summary;
  daemonRss: RssReport | null;
}

/** Samples every child of this process whose command line names the daemon's CLI. */
class ChildDaemonWatcher {
  private readonly samplers = new Map<number, RssSampler>();
  private timer: NodeJS.Timeout | null = null;
  private peak: RssReport | null = null;

  start(): this {
    this.timer = setInterval(() => this.scan(), 50);
    this.timer.unref();
    return this;
  }

  private scan(): void {
    for (const s of this.samplers.values()) s.sample();
    let entries: string[];
    try {
      entries = readdirSync('/proc');
    } catch {
      return;
    }
    for (const name of entries) {
      if (!/^\d+$/.test(name)) continue;
      const pid = Number(name);
      if (this.samplers.has(pid)) continue;
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (ppid !== process.pid) continue;
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        if (cmd.includes('cli.ts') || cmd.includes('cli.js')) this.samplers.set(pid, new RssSampler(pid));
      } catch {
        // the process went away between readdir and read
      }
    }
  }

  stop(): RssReport | null {
    if (this.timer) clearInterval(this.timer);
    for (const s of this.samplers.values()) {
      const r = s.report();
      if (r.samples > 0 && (!this.peak || r.peakMiB > this.peak.peakMiB)) this.peak = r;
    }
    return this.peak;
  }
}

export async function runThroughput(sizes: ThroughputSizes, log: (s: string) => void): Promise<ThroughputReport> {
  const runs = { ceiling: [] as number[], receiver: [] as number[], relay: [] as number[], ratio: [] as number[] };
  const watcher = new ChildDaemonWatcher().start();
  let daemonRss: RssReport | null = null;
  const opts = (port: number) => ({ messages: sizes.messages, warmup: sizes.warmup, bodyBytes: DEFAULT_BENCH_BODY_BYTES, port });
  const rate = (r: ThroughputResult) => r.messages / r.seconds;
  try {
    for (let i = 0; i < sizes.rounds; i++) {
      const [p1, p2, p3] = await pickPorts(DEFAULT_THROUGHPUT_BASE_PORT, 3);
      const ceiling = rate(await measureRawPushPull(opts(p1!)));
      const receiver = rate(await measureReceiver(opts(p2!)));
      runs.ceiling.push(ceiling);
      runs.receiver.push(receiver);
      runs.ratio.push(receiver / ceiling);
      if (sizes.relay) runs.relay.push(rate(await measureRawRelay(opts(p3!))));
      log(`  round ${i + 1}/${sizes.rounds}: ceiling ${Math.round(ceiling)} msgs/s, receiver ${Math.round(receiver)} msgs/s (${((100 * receiver) / ceiling).toFixed(0)}%)`);
    }
  } finally {
    daemonRss = watcher.stop();
  }
  return {
    bodyBytes: DEFAULT_BENCH_BODY_BYTES,
    messages: sizes.messages,
    ceiling: summarize(runs.ceiling),
    receiver: summarize(runs.receiver),
    relay: sizes.relay ? summarize(runs.relay) : null,
    ratio: summarize(runs.ratio),
    daemonRss,
  };
}
