/** Public surface of the configuration layer. */
export type { BridgeConfig, BridgeSettings, MatchmakerKind, RedisConfig, TopicFlags } from './types';
export { loadConfig, readConfigStore, type LoadConfigOptions } from './loader';
export { parseArgs, USAGE, type CliArgs } from './cli-args';
export { resolveLogLevel, LOG_LEVEL_ENV, DEFAULT_LOG_LEVEL } from './log-level';
export { matchmakerKind, MATCHMAKER_ACCEPTED } from './matchmaker-names';
export { freezeRestartOptions, restartOnlyFields, type FrozenConfig, type RestartChange } from './restart';
export * from './errors';
