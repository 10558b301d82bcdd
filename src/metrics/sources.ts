/**
 * What the Prometheus exporter reads at scrape time: the daemon's counters
 * and the state its components already keep. The daemon builds one from its
 * parts (src/daemon.ts); nothing here is updated by the exporter.
 */
import type { Counters } from './counters';
import type { CallLatency } from './call-latency';
import type { MatchmakerStatus } from '../matchmaker/types';
import type { PeerSnapshot } from '../sender/peer-pool';
import type { ReadinessReport } from '../health/readiness';

/** An ipc outlet's queue (receiver/outlet.ts). */
export interface OutletQueue {
  /** Wire topic of the outlet (for a fanout outlet, `fanout~<base>`). */
  topic: string;
  /** Messages waiting (and, for replies, held). */
  pending: number;
  /** Bytes waiting. */
  queuedBytes: number;
}

/** What `nova_zmq_bridge_build_info` says. */
export interface BuildInfo {
  /** The daemon's version. */
  version: string;
  /** libzmq version zeromq.js was built with. */
  libzmq: string;
  /** Whether that libzmq supports CURVE. */
  curve: boolean;
}

export interface MetricsSources {
  build: BuildInfo;
  counters: Counters;
  callLatency: CallLatency;
  /** `control_exchange`: the exchange label of unqualified topics. */
  controlExchange: string;
  /** Calls waiting for their reply (reply waiter). */
  pendingReplies(): number;
  /** Shim connections on the local API socket. */
  shims(): number;
  /** Listeners those shims registered. */
  listeners(): number;
  outletQueues(): OutletQueue[];
  /** The sender's open connections (the same snapshots `status` reports). */
  peers(): PeerSnapshot[];
  /** `rpc_zmq_matchmaker` kind, and its status (the same `status` reports; `backend` null: none). */
  matchmakerKind: string;
  matchmakerStatus(): MatchmakerStatus;
  readiness(): ReadinessReport;
}
