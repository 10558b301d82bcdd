/**
 * Time as a dependency. Every part whose behaviour hangs on elapsed time
 * (the reply waiter's call timeouts and call-monitor, the outlets' fanout and
 * reply holds, the sender's peer deadlines and idle closes, the matchmakers'
 * heartbeats) takes a {@link Clock} instead of calling `Date.now()` and
 * `setTimeout` itself, so a test drives time with a manual clock
 * (test/support/manual-clock.ts) instead of sleeping. The daemon passes
 * {@link systemClock}.
 */

/** A scheduled callback. */
export interface Timer {
  /** Do not run the callback (no-op once it ran or was cancelled). */
  cancel(): void;
  /** Restart the countdown with the original delay, from now. */
  refresh(): void;
}

export interface TimerOptions {
  /**
   * Whether this timer alone keeps the process alive (Node's `ref`). Default
   * true; holds and housekeeping pass false so they never delay an exit.
   */
  ref?: boolean;
}

export interface Clock {
  /** Milliseconds since the epoch (`Date.now()` for the system clock). */
  now(): number;
  /** Run `fn` once after `ms` milliseconds (clamped to >= 0; any finite length, see {@link MAX_NODE_TIMER_MS}). */
  setTimeout(fn: () => void, ms: number, opts?: TimerOptions): Timer;
}

/**
 * Longest delay Node's `setTimeout` honours (2^31 - 1 ms, ~24.8 days): a
 * longer one fires after 1 ms with a warning. The system clock splits longer
 * delays into steps of at most this, so a 30-day call timeout means 30 days.
 */
export const MAX_NODE_TIMER_MS = 2 ** 31 - 1;

class SystemTimer implements Timer {
  private handle: NodeJS.Timeout | null = null;
  private due = 0;

  constructor(
    private readonly fn: () => void,
    private readonly ms: number,
    private readonly ref: boolean,
  ) {
    this.refresh();
  }

  refresh(): void {
    this.cancel();
    this.due = Date.now() + this.ms;
    this.arm(this.ms);
  }

  cancel(): void {
    if (this.handle) clearTimeout(this.handle);
    this.handle = null;
  }

  private arm(ms: number): void {
    this.handle = setTimeout(this.step, Math.min(ms, MAX_NODE_TIMER_MS));
    if (!this.ref) this.handle.unref();
  }

  private readonly step = (): void => {
    const left = this.due - Date.now();
    if (left > 0) {
      this.arm(left);
      return;
    }
    this.handle = null;
    this.fn();
  };
}

/** Wall-clock time and Node timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms, opts) {
    const delay = Number.isFinite(ms) ? Math.max(0, ms) : Number.MAX_SAFE_INTEGER;
    return new SystemTimer(fn, delay, opts?.ref ?? true);
  },
};
