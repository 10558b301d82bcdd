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

/** What a matchmaker depends on: the ring file, Redis, or a broker-role daemon's service. */
export interface MatchmakerBackend {
  /** `ringfile`, `redis`, `broker`, `topic_scheduler` (the metrics' `backend` label). */
  name: string;
  /** Where: the ring file's path, Redis `host:port`, the service's endpoint (the `status` op's `backend`). */
  address: string;
}

/**
 * A matchmaker's one state, read by `status` (src/status/reporter.ts), the
 * metrics (src/metrics/state-metrics.ts) and the readiness check
 * (src/daemon.ts), so none of them can disagree with another. Read at
 * request / scrape / probe time: it must be cheap and must not do I/O.
 */
export interface MatchmakerStatus {
  /** Null when the kind depends on nothing (local, stub). */
  backend: MatchmakerBackend | null;
  /**
   * Whether the backend serves now: Redis connected, the service answered
   * its last request, the ring file accepted at its last (re)load. While
   * false the matchmaker answers from its last good view (ring, Redis) or
   * fails look-ups (services). Null without a backend, or before a service
   * first answered or failed to.
   */
  reachable: boolean | null;
  /** Why the backend does not serve, for operators; null when it does. */
  problem: string | null;
  /** Clock time (ms since the epoch) of the last successful refresh: ring loaded, Redis answered, service probe answered; null if never. */
  lastRefresh: number | null;
  /** Hosts known per base topic where the kind keeps a view (ring, redis); null where it keeps none (services, local). */
  topics: ReadonlyMap<string, number> | null;
  /** One line for humans: topics known, registrations. */
  detail: string;
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
  /** Its state, the one source of `status`, the metrics and readiness (see {@link MatchmakerStatus}). */
  status(): MatchmakerStatus;
}
