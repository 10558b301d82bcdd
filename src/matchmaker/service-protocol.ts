/**
 * The small JSON protocol between matchmaker clients (broker and topic
 * scheduler matchmakers, on every daemon) and the matchmaker service of a
 * broker-role daemon. One ZeroMQ message frame of JSON text each way over
 * DEALER (client) -> ROUTER (service); `id` pairs an answer with its request.
 *
 *   {id, op: "ping"}                                  -> {id, ok: true}
 *   {id, op: "register",   topic, host, ttl}          -> {id, ok: true}
 *   {id, op: "unregister", topic, host}               -> {id, ok: true}
 *   {id, op: "heartbeat",  host, topics: [..], ttl}   -> {id, ok: true}
 *   {id, op: "get_worker",  topic}                    -> {id, ok: true, host: string|null}
 *   {id, op: "get_workers", topic}                    -> {id, ok: true, hosts: [..]}
 *   anything malformed                                -> {id?, ok: false, error, message}
 *
 * `ttl` is the client's `matchmaker_heartbeat_ttl` in seconds: a host's
 * registration expires when no register/heartbeat refreshed it for that long.
 *
 * Server names (docs/server-names.md) travel in the same ops: a listener
 * named `S` of topic `T` registers, heartbeats and is looked up
 * (`get_workers`) under the directed key `T.S` ({@link serverKey}). Bare
 * topics hold no `.`, so the two kinds of keys never meet in the service's
 * registry, and the broker role forwards bare topics only; a service of an
 * older daemon keeps and answers them the same way.
 */
import { directedTopic } from '../wire/topic';

/** The registry key of server name `server` of topic `topic`. */
export function serverKey(topic: string, server: string): string {
  return directedTopic(topic, server);
}

export type ServiceRequest =
  | { id: number; op: 'ping' }
  | { id: number; op: 'register'; topic: string; host: string; ttl: number }
  | { id: number; op: 'unregister'; topic: string; host: string }
  | { id: number; op: 'heartbeat'; host: string; topics: string[]; ttl: number }
  | { id: number; op: 'get_worker'; topic: string }
  | { id: number; op: 'get_workers'; topic: string };

export type ServiceReply =
  | { id: number; ok: true; host?: string | null; hosts?: string[] }
  | { id?: number; ok: false; error: string; message: string };

/**
 * Largest frame either end of the service reads, in bytes (1 MiB; libzmq
 * ZMQ_MAXMSGSIZE on both sockets): requests and answers are small JSON, and
 * without a bound libzmq allocates whatever size a peer's frame header declares.
 */
export const MAX_SERVICE_MESSAGE_BYTES = 1024 * 1024;

/** Largest ttl a client may ask for (s): a typo must not pin a dead host for days. */
export const MAX_REGISTRATION_TTL_S = 86400;

function str(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0;
}

function ttlOk(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= MAX_REGISTRATION_TTL_S;
}

/** Parse and validate one request; returns a reason string when it is unusable. */
export function parseRequest(frame: Buffer): ServiceRequest | { bad: string; id?: number } {
  let v: unknown;
  try {
    v = JSON.parse(frame.toString('utf8'));
  } catch {
    return { bad: 'not JSON' };
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return { bad: 'not an object' };
  const r = v as Record<string, unknown>;
  if (typeof r.id !== 'number' || !Number.isSafeInteger(r.id)) return { bad: 'no integer id' };
  const id = r.id;
  switch (r.op) {
    case 'ping':
      return { id, op: 'ping' };
    case 'register':
      if (!str(r.topic) || !str(r.host) || !ttlOk(r.ttl)) return { bad: 'register needs topic, host, ttl', id };
      return { id, op: 'register', topic: r.topic, host: r.host, ttl: r.ttl };
    case 'unregister':
      if (!str(r.topic) || !str(r.host)) return { bad: 'unregister needs topic, host', id };
      return { id, op: 'unregister', topic: r.topic, host: r.host };
    case 'heartbeat':
      if (!str(r.host) || !ttlOk(r.ttl) || !Array.isArray(r.topics) || !r.topics.every(str)) {
        return { bad: 'heartbeat needs host, topics, ttl', id };
      }
      return { id, op: 'heartbeat', host: r.host, topics: r.topics as string[], ttl: r.ttl };
    case 'get_worker':
    case 'get_workers':
      if (!str(r.topic)) return { bad: `${r.op} needs topic`, id };
      return { id, op: r.op, topic: r.topic };
    default:
      return { bad: `unknown op ${JSON.stringify(r.op)}`, id };
  }
}
