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
import type { MatchmakerState } from '../status/types';

export interface Queue {
  /** Topic to put in frame 1. */
  topic: string;
  /** Host whose receiver gets the copy (`tcp://<host>:<rpc_zmq_port>`). */
  host: string;
}

/**
 * What a matchmaker tells the metrics and the readiness check (read at
 * scrape / probe time, so it must be cheap and must not do I/O).
 */
export interface MatchmakerStatus {
  /** What it depends on (`redis`, `broker`, `topic_scheduler`, `ringfile`). */
  backend: string;
  /** Whether that backend serves now; while false the matchmaker answers from its last good view, or fails look-ups. */
  reachable: boolean;
  /** Why not, in a few words, when unreachable. */
  problem?: string;
  /** Clock time (ms since the epoch) of the last successful refresh: ring loaded, Redis answered, service probe answered; null if never. */
  lastRefresh: number | null;
  /** Hosts known per base topic where it keeps a view (ring, redis); empty for the services, which keep none here. */
  topics: ReadonlyMap<string, number>;
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
  /** Its backend's state, for `nova-zmq-bridge status`; kinds without one may leave it out. */
  describe?(): MatchmakerState;
  /** Backend state for metrics and readiness; absent for matchmakers without a backend (local, stub). */
  status?(): MatchmakerStatus;
}
