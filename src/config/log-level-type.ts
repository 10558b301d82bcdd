/** Log level names accepted in nova.conf, on the command line and in the environment. */
import type { ValueType } from './value-types';
import { ValueMismatch } from './value-types';

/** pino levels, plus the Python spellings operators know from oslo.log. */
export const LOG_LEVEL_ALIASES: Readonly<Record<string, string>> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  fatal: 'fatal',
  critical: 'fatal',
  silent: 'silent',
};

export const LOG_LEVELS_ACCEPTED = 'trace, debug, info, warn (warning), error, fatal (critical), silent (any case)';

/** The pino level a name means, or null. */
export function normalizeLogLevel(raw: string): string | null {
  return LOG_LEVEL_ALIASES[raw.trim().toLowerCase()] ?? null;
}

/** `[zmq_bridge] log_level`: blank = unset (null). */
export function logLevelType(): ValueType<string | null> {
  return {
    name: 'log level',
    accepted: LOG_LEVELS_ACCEPTED,
    blankIsUnset: true,
    parse(raw) {
      const lvl = normalizeLogLevel(raw);
      if (lvl === null) throw new ValueMismatch('unknown log level');
      return lvl;
    },
  };
}
