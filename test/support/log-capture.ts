/**
 * A real logger (src/log.ts `createLogger`) whose JSON lines are kept in
 * memory, for tests that assert what the daemon logs.
 */
import { Writable } from 'node:stream';
import { createLogger, type Logger, type LoggerOptions } from '../../src/log';

export interface LogCapture {
  log: Logger;
  /** Every line written so far, parsed. */
  lines: () => Record<string, unknown>[];
  /** How many characters were written so far. */
  bytes: () => number;
}

export function captureLog(level: LoggerOptions['level'] = 'info'): LogCapture {
  const out: string[] = [];
  const dest = new Writable({
    write(chunk, _enc, cb) {
      out.push(chunk.toString());
      cb();
    },
  });
  return {
    log: createLogger({ level, destination: dest }),
    lines: () =>
      out
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    bytes: () => out.reduce((n, s) => n + s.length, 0),
  };
}
