/**
 * The one polling wait of the test suite: unit, integration and interop
 * tests all wait for conditions through {@link waitFor}. The timeout is a
 * hang guard, never a timing assertion.
 */

/** Default hang guard (ms): at least as long as any of the copies this replaced. */
export const DEFAULT_WAIT_TIMEOUT_MS = 10_000;
/** Default pause between two evaluations of the predicate (ms). */
export const DEFAULT_WAIT_INTERVAL_MS = 25;

/** A predicate: sync or async; an exception it throws ends the wait with that exception. */
export type Condition = () => boolean | Promise<boolean>;

/** What the wait is for, in the failure message; a function is evaluated at failure time (to show current state). */
export type Description = string | (() => string);

export interface WaitOptions {
  /** Give up after this many ms (default {@link DEFAULT_WAIT_TIMEOUT_MS}). */
  timeoutMs?: number;
  /** What is awaited, for the failure message (default `condition`). */
  what?: Description;
  /** Pause between evaluations in ms (default {@link DEFAULT_WAIT_INTERVAL_MS}). */
  intervalMs?: number;
}

/** The error of a wait that timed out; its message names what was awaited. */
export class WaitTimeoutError extends Error {
  readonly code = 'TEST_WAIT_TIMEOUT';
  constructor(readonly what: string, readonly timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms waiting for ${what}`);
    this.name = 'WaitTimeoutError';
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Evaluate `cond` until it returns true; fail with a {@link WaitTimeoutError}
 * naming `what` once `timeoutMs` passed. Either `waitFor(cond, ms, what)` or
 * `waitFor(cond, { timeoutMs, what, intervalMs })`.
 */
export async function waitFor(cond: Condition, timeoutMs?: number, what?: Description): Promise<void>;
export async function waitFor(cond: Condition, opts?: WaitOptions): Promise<void>;
export async function waitFor(cond: Condition, a?: number | WaitOptions, b?: Description): Promise<void> {
  const opts: WaitOptions = typeof a === 'object' ? a : { timeoutMs: a, what: b };
  const timeoutMs = opts.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
  const intervalMs = opts.intervalMs ?? DEFAULT_WAIT_INTERVAL_MS;
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() >= until) {
      const what = opts.what ?? 'condition';
      throw new WaitTimeoutError(typeof what === 'function' ? what() : what, timeoutMs);
    }
    await sleep(intervalMs);
  }
}

/**
 * Like {@link waitFor}, for a value: evaluate `probe` until it returns
 * something other than undefined, and return that.
 */
export async function waitForValue<T>(probe: () => T | undefined | Promise<T | undefined>, opts: WaitOptions = {}): Promise<T> {
  let found: T | undefined;
  await waitFor(async () => (found = await probe()) !== undefined, opts);
  return found as T;
}
