/**
 * Rate limit for log lines that input can repeat at will: a refused, an
 * unreadable or an orphaned message writes one warning, so a peer sending
 * 100k of them would write 100k lines (45 MB in the hostile-input tests)
 * and make the logs a weapon. The counters always count every event; only
 * the lines are thinned.
 *
 * One line per (reason, peer) per interval: the first event of a key is
 * written; the next ones within the interval are only counted, and that
 * count is added as `suppressed` to the next line written for the same key.
 * Events are never delayed, and no timer runs: a key that never recurs
 * simply takes its count with it (the counters still hold the total).
 *
 * The keys are bounded: peers come from input (topics, sessions), so past
 * {@link DEFAULT_LOG_LIMITER_MAX_KEYS} a new peer shares one key per reason
 * with every other newcomer, {@link OTHER_PEERS}.
 */
import type { Logger } from '../log';
import type { Clock } from '../time/clock';

/** Interval of one line per reason and peer, in milliseconds. */
export const DEFAULT_LOG_REPEAT_INTERVAL_MS = 10_000;
/** Distinct (reason, peer) keys remembered before newcomers share {@link OTHER_PEERS}. */
export const DEFAULT_LOG_LIMITER_MAX_KEYS = 1_024;
/** Longest peer text kept in a key, in characters (peers may be input). */
export const MAX_PEER_KEY_CHARS = 128;
/** The peer of events whose own peer no longer gets a key of its own. */
export const OTHER_PEERS = '(other peers)';

export interface LogLimiterOptions {
  clock: Clock;
  /** Default {@link DEFAULT_LOG_REPEAT_INTERVAL_MS}. */
  intervalMs?: number;
  /** Default {@link DEFAULT_LOG_LIMITER_MAX_KEYS}. */
  maxKeys?: number;
}

interface Window {
  /** Clock time until which further events of this key are only counted. */
  until: number;
  /** Events counted but not written since the last written line. */
  suppressed: number;
}

/** What {@link LogLimiter.admit} decides for one event. */
export const SUPPRESSED = -1;

export type LogLevelName = 'warn' | 'error' | 'info';

export class LogLimiter {
  readonly intervalMs: number;
  private readonly clock: Clock;
  private readonly maxKeys: number;
  private readonly windows = new Map<string, Window>();

  constructor(opts: LogLimiterOptions) {
    this.clock = opts.clock;
    this.intervalMs = opts.intervalMs ?? DEFAULT_LOG_REPEAT_INTERVAL_MS;
    this.maxKeys = opts.maxKeys ?? DEFAULT_LOG_LIMITER_MAX_KEYS;
  }

  /** Keys remembered now (bounded by `maxKeys` plus one per reason). */
  get size(): number {
    return this.windows.size;
  }

  /**
   * One event of `reason` from `peer`: {@link SUPPRESSED} when its line must
   * not be written, else the number of lines suppressed for the same key
   * since its last written line (0 if none).
   */
  admit(reason: string, peer = ''): number {
    const now = this.clock.now();
    let key = keyOf(reason, peer);
    let w = this.windows.get(key);
    if (!w && this.windows.size >= this.maxKeys) {
      this.prune(now);
      if (this.windows.size >= this.maxKeys) {
        key = keyOf(reason, OTHER_PEERS);
        w = this.windows.get(key);
      }
    }
    if (!w) {
      this.windows.set(key, { until: now + this.intervalMs, suppressed: 0 });
      return 0;
    }
    if (now < w.until) {
      w.suppressed++;
      return SUPPRESSED;
    }
    const n = w.suppressed;
    w.until = now + this.intervalMs;
    w.suppressed = 0;
    return n;
  }

  /**
   * Write `msg` at `level` unless a line of the same reason and peer was
   * written within the interval; a written line carries `suppressed` (the
   * lines skipped since the previous one) when there were any.
   * Returns whether the line was written.
   */
  log(log: Logger, level: LogLevelName, reason: string, peer: string, fields: Record<string, unknown>, msg: string): boolean {
    const n = this.admit(reason, peer);
    if (n === SUPPRESSED) return false;
    log[level](n > 0 ? { ...fields, suppressed: n, suppressed_interval_s: this.intervalMs / 1000 } : fields, msg);
    return true;
  }

  warn(log: Logger, reason: string, peer: string, fields: Record<string, unknown>, msg: string): boolean {
    return this.log(log, 'warn', reason, peer, fields, msg);
  }

  error(log: Logger, reason: string, peer: string, fields: Record<string, unknown>, msg: string): boolean {
    return this.log(log, 'error', reason, peer, fields, msg);
  }

  /** Forget keys whose interval has passed with nothing suppressed: nothing of theirs is lost. */
  private prune(now: number): void {
    for (const [k, w] of this.windows) if (now >= w.until && w.suppressed === 0) this.windows.delete(k);
  }
}

function keyOf(reason: string, peer: string): string {
  return `${reason}\u0000${peer.length > MAX_PEER_KEY_CHARS ? peer.slice(0, MAX_PEER_KEY_CHARS) : peer}`;
}
