/**
 * `rpc_zmq_matchmaker` accepted spellings: the short names, the seed's class
 * names, and the legacy class paths of every release that shipped the zmq
 * driver (nova.rpc, oslo-incubator copied into nova, oslo.messaging).
 */
import type { MatchmakerKind } from './types';
import type { ValueType } from './value-types';
import { ValueMismatch } from './value-types';

/** Short names (compared ignoring case, `-` and `_`). */
export const MATCHMAKER_SHORT_NAMES: Readonly<Record<string, MatchmakerKind>> = {
  local: 'local',
  localhost: 'local',
  stub: 'stub',
  ring: 'ring',
  fanout_ring: 'fanout_ring',
  broker: 'broker',
  topic_scheduler: 'topic_scheduler',
  redis: 'redis',
};

/** Class names of the seed and the legacy driver. */
export const MATCHMAKER_CLASS_NAMES: Readonly<Record<string, MatchmakerKind>> = {
  MatchMakerLocalhost: 'local',
  MatchMakerStub: 'stub',
  MatchMakerRing: 'ring',
  MatchMakerFanoutRing: 'fanout_ring',
  MatchMakerBroker: 'broker',
  MatchMakerTopicScheduler: 'topic_scheduler',
  MatchMakerRedis: 'redis',
};

/** Module paths a class name may be prefixed with (legacy `rpc_zmq_matchmaker` values were import paths). */
export const MATCHMAKER_MODULE_PREFIXES: readonly string[] = [
  'nova.rpc.matchmaker',
  'nova.openstack.common.rpc.matchmaker',
  'nova.openstack.common.rpc.matchmaker_ring',
  'nova.openstack.common.rpc.matchmaker_redis',
  'oslo.messaging._drivers.matchmaker',
  'oslo.messaging._drivers.matchmaker_ring',
  'oslo.messaging._drivers.matchmaker_redis',
  'oslo_messaging._drivers.matchmaker',
  'oslo_messaging._drivers.matchmaker_ring',
  'oslo_messaging._drivers.matchmaker_redis',
];

const squash = (s: string): string => s.toLowerCase().replace(/[-_]/g, '');

const SHORT_BY_SQUASHED = new Map(Object.entries(MATCHMAKER_SHORT_NAMES).map(([k, v]) => [squash(k), v]));
const CLASS_BY_LOWER = new Map(Object.entries(MATCHMAKER_CLASS_NAMES).map(([k, v]) => [k.toLowerCase(), v]));

/** Words for error messages and docs. */
export const MATCHMAKER_ACCEPTED =
  `a short name (${Object.keys(MATCHMAKER_SHORT_NAMES).join(', ')}; any case, - or _), ` +
  `a class name (${Object.keys(MATCHMAKER_CLASS_NAMES).join(', ')}), ` +
  `or a class path <module>.<class> with module one of ${MATCHMAKER_MODULE_PREFIXES.join(', ')}`;

/** The kind a spelling names, or null when it names none. */
export function matchmakerKind(raw: string): MatchmakerKind | null {
  const s = raw.trim();
  if (s === '') return null;
  const dot = s.lastIndexOf('.');
  if (dot >= 0) {
    const module = s.slice(0, dot);
    if (!MATCHMAKER_MODULE_PREFIXES.includes(module)) return null;
    return CLASS_BY_LOWER.get(s.slice(dot + 1).toLowerCase()) ?? null;
  }
  return CLASS_BY_LOWER.get(s.toLowerCase()) ?? SHORT_BY_SQUASHED.get(squash(s)) ?? null;
}

/** `rpc_zmq_matchmaker` as a value type. */
export function matchmakerType(): ValueType<MatchmakerKind> {
  return {
    name: 'matchmaker',
    accepted: MATCHMAKER_ACCEPTED,
    blankIsUnset: false,
    parse(raw) {
      const kind = matchmakerKind(raw);
      if (kind === null) throw new ValueMismatch('unknown matchmaker');
      return kind;
    },
  };
}
