/**
 * What the local API's `status` op answers (docs/local-api.md): the running
 * daemon's state, as plain msgpack/JSON data with snake_case names. The
 * daemon fills it (reporter.ts); `nova-zmq-bridge status` prints it and
 * judges it (src/cli/status-checks.ts); `--json` prints it as is.
 */
import type { PeerConnectionState } from '../sender/peer-pool';

/**
 * How the matchmaker's backend looks from this daemon: derived from the
 * matchmaker's one status (`Matchmaker.status()`, src/matchmaker/types.ts),
 * which the metrics and `/readyz` read too.
 */
export interface MatchmakerState {
  /** Canonical kind (`local`, `ring`, `redis`, ...). */
  kind: string;
  /** What it depends on: the ring file, `host:port` of Redis, the broker's endpoint; null when nothing. */
  backend: string | null;
  /**
   * Whether that backend serves now - the same fact as the
   * `nova_zmq_bridge_matchmaker_backend_up` gauge and the `matchmaker`
   * readiness check; false too for a ring file refused at its last reload.
   * Null when the kind has no backend, or before the service first answered.
   */
  reachable: boolean | null;
  /** One line for humans: topics known, registrations. */
  detail: string;
  /** What the operator should fix (why the backend does not serve, e.g. a refused ring file reload); null when nothing. */
  warning: string | null;
}

/**
 * An open peer connection (src/sender/peer-pool.ts PeerSnapshot). `connection`
 * is the tcp connection as ZeroMQ reports it - the same as the metrics'
 * `nova_zmq_bridge_peers{state}` and `peer_connected` - and the send figures
 * say whether messages get through: a connection may be up while messages
 * fail, or never connect while they pile up as failures.
 */
export interface PeerState {
  /** The peer's host name (as the matchmaker named it). */
  host: string;
  endpoint: string;
  /** `connected` (handshake done), `connecting` (not yet), `disconnected` (lost, reconnecting). */
  connection: PeerConnectionState;
  /** Messages waiting to be handed to ZeroMQ. */
  queued: number;
  /** Messages handed over / failed since the connection was opened. */
  sent: number;
  failed: number;
  /** Seconds since the last hand-over / failure; null if none. */
  last_sent_s_ago: number | null;
  last_failure_s_ago: number | null;
  /** Why the last failure happened. */
  last_failure: string | null;
}

/** A legacy ipc outlet (`zmq_topic_<topic>`). */
export interface OutletState {
  /** ipc file name. */
  name: string;
  kind: 'direct' | 'fanout' | 'reply';
  /** Messages waiting in the daemon's queue of the outlet (the one being handed to ZeroMQ, if any, is not counted). */
  queued: number;
  queued_bytes: number;
  /** False while binding, or when binding failed. */
  bound: boolean;
  /** Seconds since a consumer last took a message; null if never. */
  last_sent_s_ago: number | null;
}

/** A topic this host serves: shim listeners (from the registry) and the ipc outlet of legacy consumers. */
export interface TopicState {
  /** Wire base topic (exchange-qualified off the default exchange), or the outlet's topic. */
  topic: string;
  /** Shim RPC listeners of the topic. */
  listeners: number;
  /** Server names those listeners gave (empty: topic-wide only). */
  servers: string[];
  /** Shim notification listeners. */
  notify_listeners: number;
  /** The ipc outlet, when legacy traffic went to one. */
  ipc: OutletState | null;
}

/** A counter of lost or refused messages that moved since start. */
export interface DropState {
  counter: string;
  total: number;
  /** Seconds since the daemon last saw it increase (sampled: may be up to one sample period later than the drop). */
  last_increase_s_ago: number;
}

export interface DaemonStatus {
  version: string;
  /** `rpc_zmq_host`. */
  host: string;
  pid: number;
  /** ISO 8601 time of the start. */
  started_at: string;
  uptime_s: number;
  /** The config files read, in order. */
  config_files: string[];
  receiver: { endpoint: string; ipc_dir: string };
  local_api: { socket: string; sessions: number; listeners: number };
  matchmaker: MatchmakerState;
  peers: PeerState[];
  topics: TopicState[];
  drops: DropState[];
  /** Every counter (as the `stats` op). */
  counters: Record<string, number>;
}
