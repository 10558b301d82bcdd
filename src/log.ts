import pino, { type Logger, type LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** pino level; derived from nova.conf `debug`/`verbose` unless overridden by `--log-level` or `NOVA_ZMQ_BRIDGE_LOG_LEVEL`. */
  level: LevelWithSilent;
  /** Where JSON lines go; defaults to stdout (fd 1). */
  destination?: pino.DestinationStream;
  /** Extra bindings on the root logger (e.g. `{ host }`). */
  base?: Record<string, unknown>;
}

/**
 * Build the daemon's root logger. There is no module-global logger: the
 * daemon creates one and hands `log.child({ component })` to each part, so
 * tests can capture a component's output in isolation.
 *
 * Levels: a pino child made without options (`child(bindings)`) has no level
 * of its own; it reads the level through its prototype, the parent. So
 * setting the root's level (SIGHUP) moves every component's logger with it,
 * and no part may set `level` on its own child (that would detach it).
 */
export function createLogger(opts: LoggerOptions): Logger {
  const dest = opts.destination ?? pino.destination({ fd: 1, sync: false });
  return pino(
    {
      level: opts.level,
      base: { pid: process.pid, ...(opts.base ?? {}) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    dest,
  );
}

/** A logger that discards everything; for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
