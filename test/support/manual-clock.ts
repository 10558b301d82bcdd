/**
 * A {@link Clock} that only moves when a test says so: `advance(ms)` runs,
 * in due order, every timer that falls due, so timeouts, holds and
 * heartbeats are tested without sleeping and without timing assertions.
 */
import type { Clock, Timer, TimerOptions } from '../../src/time/clock';

interface Entry {
  due: number;
  seq: number;
  fn: () => void;
  ms: number;
  live: boolean;
}

export class ManualClock implements Clock {
  private t: number;
  private seq = 0;
  private readonly entries = new Set<Entry>();

  constructor(start = 1_700_000_000_000) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number, _opts?: TimerOptions): Timer {
    const delay = Number.isFinite(ms) ? Math.max(0, ms) : Number.MAX_SAFE_INTEGER;
    const e: Entry = { due: this.t + delay, seq: this.seq++, fn, ms: delay, live: true };
    this.entries.add(e);
    return {
      cancel: () => {
        e.live = false;
        this.entries.delete(e);
      },
      refresh: () => {
        e.due = this.t + e.ms;
        e.seq = this.seq++;
        if (!e.live) {
          e.live = true;
          this.entries.add(e);
        }
      },
    };
  }

  /** Timers not yet run or cancelled. */
  get pending(): number {
    return this.entries.size;
  }

  /** Move time forward by `ms`, running each timer that falls due (timers they set run too, if due). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: Entry | null = null;
      for (const e of this.entries) if (e.due <= end && (!next || e.due < next.due || (e.due === next.due && e.seq < next.seq))) next = e;
      if (!next) break;
      this.t = Math.max(this.t, next.due);
      next.live = false;
      this.entries.delete(next);
      next.fn();
    }
    this.t = end;
  }
}
