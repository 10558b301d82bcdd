import type { Clock, Timer } from '../time/clock';

/**
 * Run `fn` every `ms` on `clock` until the returned timer is cancelled (the
 * matchmakers' heartbeats and probes). The next run is armed before `fn`
 * runs, as with `setInterval`: a slow `fn` does not stretch the period, and
 * a caller whose runs must not overlap guards itself. Never keeps the
 * process alive on its own.
 */
export function every(clock: Clock, ms: number, fn: () => void): Timer {
  const timer = clock.setTimeout(
    () => {
      timer.refresh();
      fn();
    },
    ms,
    { ref: false },
  );
  return timer;
}
