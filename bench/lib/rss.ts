/**
 * Memory of a running process, sampled from /proc/<pid>/status: VmRSS (now)
 * and VmHWM (the kernel's own high-water mark, so a spike between two
 * samples is not missed).
 */
import { readFileSync } from 'node:fs';

/** Milliseconds between two samples. */
export const DEFAULT_RSS_SAMPLE_INTERVAL_MS = 100;

export interface RssReport {
  /** Highest VmHWM seen, MiB. */
  peakMiB: number;
  /** Highest VmRSS sampled, MiB. */
  maxSampledMiB: number;
  /** Last VmRSS sampled, MiB. */
  lastMiB: number;
  samples: number;
}

function readStatusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(text);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

export class RssSampler {
  private timer: NodeJS.Timeout | null = null;
  private hwmKiB = 0;
  private maxKiB = 0;
  private lastKiB = 0;
  private count = 0;

  constructor(readonly pid: number, private readonly intervalMs = DEFAULT_RSS_SAMPLE_INTERVAL_MS) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  sample(): void {
    const rss = readStatusKiB(this.pid, 'VmRSS');
    const hwm = readStatusKiB(this.pid, 'VmHWM');
    if (rss === null) return;
    this.count++;
    this.lastKiB = rss;
    this.maxKiB = Math.max(this.maxKiB, rss);
    if (hwm !== null) this.hwmKiB = Math.max(this.hwmKiB, hwm);
  }

  /** Take a final sample (while the process still runs) and stop. */
  stop(): RssReport {
    this.sample();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    return this.report();
  }

  report(): RssReport {
    const mib = (k: number) => Math.round((k / 1024) * 10) / 10;
    return { peakMiB: mib(Math.max(this.hwmKiB, this.maxKiB)), maxSampledMiB: mib(this.maxKiB), lastMiB: mib(this.lastKiB), samples: this.count };
  }
}
