/**
 * Gathers the running daemon's state for the local API's `status` op from
 * the parts that own it. It reads only: every figure comes from a part's
 * own accessor at the moment of the request, so a status never disturbs
 * the message paths.
 */
import type { BridgeConfig } from '../config/types';
import type { Counters } from '../metrics/counters';
import type { Matchmaker, MatchmakerStatus } from '../matchmaker/types';
import type { PeerSnapshot } from '../sender/peer-pool';
import type { Clock } from '../time/clock';
import { IPC_FILE_PREFIX } from '../wire/topic';
import type { DropTracker } from './drops';
import type { DaemonStatus, MatchmakerState, OutletState, PeerState, TopicState } from './types';

/** What the reporter reads; the daemon passes its parts (tests may pass anything with these methods). */
export interface StatusSources {
  config: () => BridgeConfig;
  version: string;
  clock: Clock;
  /** Clock time of the start; null before the daemon started. */
  startedAt: () => number | null;
  counters: Counters;
  matchmaker: Pick<Matchmaker, 'kind' | 'status'>;
  receiver: { readonly endpoint: string; outletStates(): OutletState[] };
  sender: { peerSnapshots(): PeerSnapshot[] };
  registry: { readonly size: number; topics(): { topic: string; listeners: number; servers: string[]; notifyListeners: number }[] };
  server: { readonly path: string; readonly sessionCount: number };
  drops: DropTracker;
}

export class StatusReporter {
  constructor(private readonly s: StatusSources) {}

  report(): DaemonStatus {
    const s = this.s;
    const config = s.config();
    const now = s.clock.now();
    const started = s.startedAt() ?? now;
    return {
      version: s.version,
      host: config.host,
      pid: process.pid,
      started_at: new Date(started).toISOString(),
      uptime_s: Math.max(0, Math.round((now - started) / 1000)),
      config_files: [...config.sources],
      receiver: { endpoint: s.receiver.endpoint, ipc_dir: config.ipcDir },
      local_api: { socket: s.server.path, sessions: s.server.sessionCount, listeners: s.registry.size },
      matchmaker: matchmakerState(s.matchmaker.kind, s.matchmaker.status()),
      peers: s.sender
        .peerSnapshots()
        .map((p) => peerState(p, now))
        .sort((a, b) => a.host.localeCompare(b.host)),
      topics: this.topics(),
      drops: s.drops.report(),
      counters: s.counters.snapshot(),
    };
  }

  /** Shim listeners and ipc outlets, merged by topic, sorted by name. */
  private topics(): TopicState[] {
    const byTopic = new Map<string, TopicState>();
    for (const t of this.s.registry.topics()) {
      byTopic.set(t.topic, { topic: t.topic, listeners: t.listeners, servers: t.servers, notify_listeners: t.notifyListeners, ipc: null });
    }
    for (const o of this.s.receiver.outletStates()) {
      const topic = o.name.startsWith(IPC_FILE_PREFIX) ? o.name.slice(IPC_FILE_PREFIX.length) : o.name;
      const t = byTopic.get(topic);
      if (t) t.ipc = o;
      else byTopic.set(topic, { topic, listeners: 0, servers: [], notify_listeners: 0, ipc: o });
    }
    return [...byTopic.values()].sort((a, b) => a.topic.localeCompare(b.topic));
  }
}

/** The matchmaker's one status (what the metrics and `/readyz` read too) as the `status` op says it. */
export function matchmakerState(kind: string, st: MatchmakerStatus): MatchmakerState {
  return { kind, backend: st.backend?.address ?? null, reachable: st.reachable, detail: st.detail, warning: st.problem };
}

/** A peer's snapshot (what the metrics read too) as the `status` op says it: clock times become ages in seconds. */
export function peerState(p: PeerSnapshot, now: number): PeerState {
  const ago = (t: number | null): number | null => (t === null ? null : Math.max(0, Math.round((now - t) / 1000)));
  return {
    host: p.host,
    endpoint: p.endpoint,
    connection: p.connection,
    queued: p.queued,
    sent: p.sent,
    failed: p.failed,
    last_sent_s_ago: ago(p.lastSentAt),
    last_failure_s_ago: ago(p.lastFailedAt),
    last_failure: p.lastFailure,
  };
}
