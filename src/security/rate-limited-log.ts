/**
 * A warning that can repeat many times a second (a misconfigured peer
 * reconnects every 100 ms and is refused each time) is logged once per key
 * and interval; the next line says how many were not logged. Counters count
 * every occurrence.
 */
import type { Clock } from '../time/clock';

/** Interval between two log lines of one key, in milliseconds. */
export const DEFAULT_LOG_INTERVAL_MS = 60_000;
/** Keys remembered at most; beyond it the memory starts over (a flood of distinct keys logs again). */
export const MAX_REMEMBERED_KEYS = 1_024;

export class RateLimitedLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs = DEFAULT_LOG_INTERVAL_MS,
  ) {}

  /** Call `emit(suppressed)` unless `key` was logged within the interval (then count it as suppressed). */
  log(key: string, emit: (suppressed: number) => void): void {
    const now = this.clock.now();
    const seen = this.last.get(key);
    if (seen && now - seen.at < this.intervalMs) {
      seen.suppressed++;
      return;
    }
    if (!seen && this.last.size >= MAX_REMEMBERED_KEYS) this.last.clear();
    this.last.set(key, { at: now, suppressed: 0 });
    emit(seen?.suppressed ?? 0);
  }
}
