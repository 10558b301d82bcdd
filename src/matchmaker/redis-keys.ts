/**
 * The Redis matchmaker's key layout, in one place.
 *
 * Host registrations keep the legacy `MatchMakerRedis` layout, so legacy
 * nodes and this daemon see each other's hosts:
 *  - a set named after the topic `T`, with members `T.<host>`;
 *  - a liveness key `T.<host>` (value `<host>`) expiring after
 *    `matchmaker_heartbeat_ttl`: the member is its own liveness key.
 *
 * Server-name registrations (docs/server-names.md) are this project's own,
 * under a prefix no legacy topic can have (it holds `.` and `:`), so legacy
 * nodes never read them:
 *  - a set `nzb.server:<T>.<S>` per (topic, server name), with the hosts
 *    serving that name as members;
 *  - a liveness key `nzb.server:<T>.<S>@<host>` (value `<host>`) per host,
 *    expiring like a host registration. The host is the text after the set
 *    name and its `@`, so a server name holding `@` stays unambiguous.
 */
import { directedTopic } from '../wire/topic';

/** Prefix of the server-name sets and their liveness keys. */
export const SERVER_KEY_PREFIX = 'nzb.server:';

/** One registration: a member of a set, alive while its liveness key exists. */
export interface RedisRegistration {
  /** The set the member belongs to. */
  readonly set: string;
  readonly member: string;
  /** The key whose existence says the member is alive (expires with the ttl). */
  readonly live: string;
  /** Value of the liveness key: the host. */
  readonly value: string;
}

/** `T.<host>` in set `T`, alive while key `T.<host>` exists (the legacy layout). */
export function hostRegistration(topic: string, host: string): RedisRegistration {
  const member = directedTopic(topic, host);
  return { set: topic, member, live: member, value: host };
}

/** The set of the hosts serving server name `server` of topic `topic`. */
export function serverSetKey(topic: string, server: string): string {
  return SERVER_KEY_PREFIX + directedTopic(topic, server);
}

/** What turns a member of `set` into its liveness key: nothing for topic sets, `<set>@` for server sets. */
export function livenessPrefix(set: string): string {
  return set.startsWith(SERVER_KEY_PREFIX) ? `${set}@` : '';
}

/** `<host>` in set `nzb.server:T.S`, alive while key `nzb.server:T.S@<host>` exists. */
export function serverRegistration(topic: string, server: string, host: string): RedisRegistration {
  const set = serverSetKey(topic, server);
  return { set, member: host, live: livenessPrefix(set) + host, value: host };
}
