/**
 * Dotted paths into a {@link BridgeConfig} (`port`, `bridge.replyHoldSeconds`,
 * `redis.host`, ...): how an option declaration (options.ts) names the config
 * fields it fills, so that code needing "the fields of option X" (the reload
 * freeze, the docs tests) asks the declaration instead of keeping its own list.
 */
import type { BridgeConfig, BridgeSettings, RedisConfig, TopicFlags } from './types';

/** The nested groups of a BridgeConfig. */
type Group = 'redis' | 'topics' | 'bridge';

/** A leaf field of a BridgeConfig (every field but `sources`, which no option fills). */
export type ConfigField =
  | Exclude<keyof BridgeConfig, 'sources' | Group>
  | `redis.${keyof RedisConfig}`
  | `topics.${keyof TopicFlags}`
  | `bridge.${keyof BridgeSettings}`;

const GROUPS: ReadonlySet<string> = new Set<Group>(['redis', 'topics', 'bridge']);

function split(field: ConfigField): [Group | null, string] {
  const dot = field.indexOf('.');
  if (dot === -1) return [null, field];
  const group = field.slice(0, dot);
  if (!GROUPS.has(group)) throw new Error(`not a config field: ${field}`);
  return [group as Group, field.slice(dot + 1)];
}

/** The value of `field` in `config`. */
export function getField(config: BridgeConfig, field: ConfigField): unknown {
  const [group, key] = split(field);
  const holder = (group === null ? config : config[group]) as unknown as Record<string, unknown>;
  return holder[key];
}

/**
 * Set `field` of `config` in place. Callers own `config` and its groups
 * (see {@link copyConfig}): a shared nested group would be changed for its
 * other holders too.
 */
export function setField(config: BridgeConfig, field: ConfigField, value: unknown): void {
  const [group, key] = split(field);
  const holder = (group === null ? config : config[group]) as unknown as Record<string, unknown>;
  holder[key] = value;
}

/** A copy of `config` whose nested groups are copies too (safe to change with {@link setField}). */
export function copyConfig(config: BridgeConfig): BridgeConfig {
  return {
    ...config,
    sources: [...config.sources],
    redis: { ...config.redis },
    topics: { ...config.topics },
    bridge: { ...config.bridge },
  };
}
