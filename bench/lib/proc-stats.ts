/**
 * What a bench step costs a process, read from /proc: CPU time (user +
 * system), resident memory, open file descriptors. A sampler keeps the
 * peaks of a step, since a burst's peak falls between start and end.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

/** Milliseconds between two samples of a step. */
export const DEFAULT_STEP_SAMPLE_MS = 100;

let ticksPerSecond: number | null = null;

/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat (100 on Linux almost everywhere). */
function clockTicks(): number {
  if (ticksPerSecond === null) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** CPU time (user + system) the process used so far, in milliseconds; null once it is gone. */
export function cpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at state (field 3); utime and stime are 14 and 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(rest[11]) + Number(rest[12])) * 1000) / clockTicks();
  } catch {
    return null;
  }
}

/**
 * CPU time (user + system) of the process so far, in milliseconds: in all,
 * and in libzmq's own threads (`ZMQbg/...`: the I/O threads and the
 * reaper), which do the socket work behind every send; null once it is gone.
 */
export function cpuSplitMs(pid: number): { total: number; zmq: number } | null {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return null;
  }
  let total = 0;
  let zmq = 0;
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ms = ((Number(rest[11]) + Number(rest[12])) * 1000) / clockTicks();
      total += ms;
      if (comm.startsWith('ZMQbg')) zmq += ms;
    } catch {
      // the thread ended meanwhile: its time is in no task any more
    }
  }
  return { total, zmq };
}

/** Resident memory now (VmRSS) and the kernel's high-water mark (VmHWM), in MiB. */
export function memoryMiB(pid: number): { rss: number; hwm: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (f: string) => Number(new RegExp(`^${f}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
    return { rss: kib('VmRSS') / 1024, hwm: kib('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

/** Open file descriptors of the process; null once it is gone. */
export function fdCount(pid: number): number | null {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null;
  }
}

export interface StepPeaks {
  /** Highest VmRSS sampled during the step, MiB. */
  rssMiB: number;
  fds: number;
  /** Highest value of the extra gauge (e.g. ZeroMQ sockets from the daemon's counters), if any. */
  gauge: number | null;
}

/**
 * Samples one process's memory and file descriptors (and an optional async
 * gauge) while a step runs; {@link stop} returns the peaks.
 */
export class StepSampler {
  private timer: NodeJS.Timeout | null = null;
  private peaks: StepPeaks = { rssMiB: 0, fds: 0, gauge: null };
  private gaugeBusy = false;

  constructor(
    private readonly pid: number,
    private readonly gauge: (() => Promise<number>) | null = null,
    private readonly intervalMs = DEFAULT_STEP_SAMPLE_MS,
  ) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  private sample(): void {
    const m = memoryMiB(this.pid);
    if (m) this.peaks.rssMiB = Math.max(this.peaks.rssMiB, m.rss);
    const fds = fdCount(this.pid);
    if (fds !== null) this.peaks.fds = Math.max(this.peaks.fds, fds);
    if (this.gauge && !this.gaugeBusy) {
      this.gaugeBusy = true;
      this.gauge().then(
        (v) => {
          this.peaks.gauge = Math.max(this.peaks.gauge ?? 0, v);
          this.gaugeBusy = false;
        },
        () => {
          this.gaugeBusy = false;
        },
      );
    }
  }

  /** A last sample, then the peaks. */
  async stop(): Promise<StepPeaks> {
    this.sample();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.gauge) {
      try {
        const v = await this.gauge();
        this.peaks.gauge = Math.max(this.peaks.gauge ?? 0, v);
      } catch {
        // the process went away: keep what was sampled
      }
    }
    return { ...this.peaks };
  }
}
