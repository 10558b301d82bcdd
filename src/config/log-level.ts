/**
 * The daemon's log level. Precedence: `--log-level` > env
 * `NOVA_ZMQ_BRIDGE_LOG_LEVEL` > `[zmq_bridge] log_level` > `debug = true`
 * (debug) > `verbose = true` (info) > `info`. The fallback is `info` rather
 * than oslo's WARNING because a daemon's start-up and peer lines are what an
 * operator looks for first.
 */
import type { LevelWithSilent } from 'pino';
import type { BridgeConfig } from './types';
import { ConfigInvalidValueError } from './errors';
import { LOG_LEVELS_ACCEPTED, normalizeLogLevel } from './log-level-type';

export const LOG_LEVEL_ENV = 'NOVA_ZMQ_BRIDGE_LOG_LEVEL';
export const DEFAULT_LOG_LEVEL: LevelWithSilent = 'info';

export function resolveLogLevel(
  cfg: Pick<BridgeConfig, 'debug' | 'verbose' | 'bridge'>,
  cliLevel: string | null,
  env: NodeJS.ProcessEnv = process.env,
): LevelWithSilent {
  const explicit = (raw: string, option: string): LevelWithSilent => {
    const lvl = normalizeLogLevel(raw);
    if (lvl === null) {
      throw new ConfigInvalidValueError({ file: null, option, value: raw, reason: 'unknown log level', accepted: LOG_LEVELS_ACCEPTED });
    }
    return lvl as LevelWithSilent;
  };
  if (cliLevel !== null && cliLevel !== undefined) return explicit(cliLevel, '--log-level');
  const fromEnv = env[LOG_LEVEL_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '') return explicit(fromEnv, LOG_LEVEL_ENV);
  if (cfg.bridge.logLevel !== null) return explicit(cfg.bridge.logLevel, '[zmq_bridge] log_level');
  if (cfg.debug) return 'debug';
  if (cfg.verbose) return 'info';
  return DEFAULT_LOG_LEVEL;
}
