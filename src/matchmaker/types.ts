/**
 * The matchmaker decides which hosts receive a message: given a wire topic
 * before matchmaking (bare `compute`, directed `compute.h1`, fanout
 * `fanout~compute`, possibly exchange-qualified `E:compute`) it returns the
 * `(topic, host)` pairs to send one copy each to, with the topic as it must
 * appear in frame 1 (`compute.h2`, `fanout~compute.h1`, ...).
 *
 * One module per kind (local.ts, stub.ts, ring.ts, fanout-ring.ts, broker.ts,
 * topic-scheduler.ts, redis.ts), chosen by `rpc_zmq_matchmaker` in factory.ts.
 */
export interface Queue {
  /** Topic to put in frame 1. */
  topic: string;
  /** Host whose receiver gets the copy (`tcp://<host>:<rpc_zmq_port>`). */
  host: string;
}

export interface Matchmaker {
  /** Canonical kind (see config/types.ts MatchmakerKind). */
  readonly kind: string;
  /** Connect / load / start heartbeats. Rejects with a typed error when it cannot start. */
  start(): Promise<void>;
  /** Stop timers, unregister this host where the kind keeps registrations, close connections. */
  stop(): Promise<void>;
  /** The pairs for a topic; an empty array means "no route" (calls fail with NO_ROUTE, casts are counted and logged). */
  queues(topic: string): Promise<Queue[]>;
  /** A listener for base topic `topic` appeared on `host` (this host). Idempotent. */
  register(topic: string, host: string): Promise<void>;
  /** The last listener for `topic` on `host` went away. Idempotent. */
  unregister(topic: string, host: string): Promise<void>;
  /**
   * Where this kind learns which host serves a server name, for logs and
   * the error of a name that resolves nowhere (`redis registrations`,
   * `the ring file's server map`, `nothing: the local matchmaker keeps no
   * registrations`).
   */
  readonly serverSource: string;
  /**
   * A listener named `server` (oslo.messaging's `target.server`, Nova's
   * `[DEFAULT] host`) for base topic `topic` appeared on `host` (this host).
   * Kinds that keep registrations record it, expiring like host
   * registrations; the others ignore it. Idempotent. See docs/server-names.md.
   */
  registerServer(topic: string, server: string, host: string): Promise<void>;
  /** The last listener named `server` of `topic` on `host` went away. Idempotent. */
  unregisterServer(topic: string, server: string, host: string): Promise<void>;
  /**
   * Hosts known to serve the listener named `server` of base topic `topic`
   * (exchange-qualified as on the wire), sorted; `[]` when this matchmaker
   * knows none - the caller then tries other ways (docs/server-names.md).
   * Rejects only where bare look-ups would (e.g. the broker service down).
   */
  serverHosts(topic: string, server: string): Promise<string[]>;
  /** Re-read whatever can change live (ring file); called on SIGHUP. */
  reload?(): Promise<void>;
}
