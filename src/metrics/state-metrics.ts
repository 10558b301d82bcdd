/**
 * The metrics that are not counters: gauges read from component state and
 * the call latency histogram, each declared once with its help text and
 * labels (docs/counters.md renders this table too) and read at scrape time
 * from {@link MetricsSources}.
 *
 * Per-topic and per-peer gauges are bounded (see metrics/labels.ts): at most
 * {@link DEFAULT_TOPIC_SERIES_LIMIT} topics and {@link DEFAULT_PEER_SERIES_LIMIT}
 * peers get their own series, the largest (worst, for peers) first; the rest
 * are summed under `other`.
 */
import { METRIC_PREFIX } from './prometheus-map';
import type { MetricType, Sample } from './snapshot-metric';
import type { MetricsSources } from './sources';
import { largestWithOther, OTHER, topicLabels } from './labels';
import { DEFAULT_CALL_SERIES_LIMIT } from './call-latency';
import { histogramLines } from './histogram-text';

/** Topics with their own series in a per-topic gauge. */
export const DEFAULT_TOPIC_SERIES_LIMIT = 50;
/** Peers with their own series in the per-peer gauges. */
export const DEFAULT_PEER_SERIES_LIMIT = 50;

export interface StateMetricDecl {
  readonly name: string;
  readonly type: MetricType;
  readonly labels: readonly string[];
  readonly help: string;
  read(src: MetricsSources): Sample[];
  /**
   * Exposition lines written directly instead of through prom-client (the
   * histogram: formatting thousands of bucket lines one by one was 90% of a
   * scrape's cost).
   */
  text?(src: MetricsSources): string[];
}

const one = (value: number, labels: Record<string, string> = {}): Sample[] => [{ labels, value }];
const byTopic = (values: Map<string, number>): Sample[] =>
  [...largestWithOther(values, DEFAULT_TOPIC_SERIES_LIMIT)].map(([topic, value]) => ({ labels: { topic }, value }));
const MS_PER_SECOND = 1_000;

/** Peers worst first (not connected, then the deepest queue, then by name); the first `limit` by name, the rest summed. */
function peerSeries(src: MetricsSources): { named: ReturnType<MetricsSources['peers']>; restQueued: number; rest: number } {
  const peers = src.peers().sort((a, b) => Number(a.connection === 'connected') - Number(b.connection === 'connected') || b.queued - a.queued || (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
  const named = peers.slice(0, DEFAULT_PEER_SERIES_LIMIT);
  let restQueued = 0;
  for (const p of peers.slice(DEFAULT_PEER_SERIES_LIMIT)) restQueued += p.queued;
  return { named, restQueued, rest: peers.length - named.length };
}

export const STATE_METRICS: readonly StateMetricDecl[] = [
  {
    name: METRIC_PREFIX + 'build_info',
    type: 'gauge',
    labels: ['version', 'libzmq', 'curve', 'node'],
    help: 'Always 1; the labels say what runs: daemon version, libzmq version, whether libzmq has CURVE, Node version.',
    read: (s) => one(1, { version: s.build.version, libzmq: s.build.libzmq, curve: String(s.build.curve), node: process.version }),
  },
  {
    name: METRIC_PREFIX + 'ready',
    type: 'gauge',
    labels: ['check'],
    help: 'Readiness by check (1 ready, 0 not): what /readyz answers (receiver, localapi, matchmaker, daemon, and any check other parts add).',
    read: (s) => s.readiness().checks.map((c) => ({ labels: { check: c.name }, value: c.ready ? 1 : 0 })),
  },
  {
    name: METRIC_PREFIX + 'pending_replies',
    type: 'gauge',
    labels: [],
    help: 'Calls of this host\'s shims waiting for their reply.',
    read: (s) => one(s.pendingReplies()),
  },
  {
    name: METRIC_PREFIX + 'shims_connected',
    type: 'gauge',
    labels: [],
    help: 'Shim connections on the local API socket.',
    read: (s) => one(s.shims()),
  },
  {
    name: METRIC_PREFIX + 'shim_listeners',
    type: 'gauge',
    labels: [],
    help: 'Listeners (RPC servers, notification listeners) registered by the connected shims.',
    read: (s) => one(s.listeners()),
  },
  {
    name: METRIC_PREFIX + 'ipc_outlets',
    type: 'gauge',
    labels: [],
    help: 'ipc outlet sockets of legacy consumers open now (one per topic seen; fanout topics share one).',
    read: (s) => one(s.outletQueues().length),
  },
  {
    name: METRIC_PREFIX + 'ipc_queue_messages',
    type: 'gauge',
    labels: ['topic'],
    help: `Messages waiting in the ipc outlets for legacy consumers, by base topic (the ${DEFAULT_TOPIC_SERIES_LIMIT} deepest; the rest summed as "${OTHER}").`,
    read: (s) => {
      const v = new Map<string, number>();
      for (const o of s.outletQueues()) {
        const t = topicLabels(o.topic, s.controlExchange).topic;
        v.set(t, (v.get(t) ?? 0) + o.pending);
      }
      return byTopic(v);
    },
  },
  {
    name: METRIC_PREFIX + 'ipc_queue_bytes',
    type: 'gauge',
    labels: [],
    help: 'Bytes waiting in all ipc outlets (what the receiver\'s queue budget looks at).',
    read: (s) => one(s.outletQueues().reduce((n, o) => n + o.queuedBytes, 0)),
  },
  {
    name: METRIC_PREFIX + 'peers',
    type: 'gauge',
    labels: ['state'],
    help: 'Peer connections of the sender by state: connected (ZMTP handshake done), connecting (not yet), disconnected (lost, reconnecting); the `connection` of each peer in `status`.',
    read: (s) => {
      const n = { connected: 0, connecting: 0, disconnected: 0 };
      for (const p of s.peers()) n[p.connection]++;
      return Object.entries(n).map(([state, value]) => ({ labels: { state }, value }));
    },
  },
  {
    name: METRIC_PREFIX + 'peer_send_queue_messages',
    type: 'gauge',
    labels: ['server'],
    help: `Messages waiting in this daemon's send queue of each peer host (${DEFAULT_PEER_SERIES_LIMIT} peers, worst first; the rest summed as "${OTHER}").`,
    read: (s) => {
      const { named, restQueued, rest } = peerSeries(s);
      const out: Sample[] = named.map((p) => ({ labels: { server: p.host }, value: p.queued }));
      if (rest > 0) out.push({ labels: { server: OTHER }, value: restQueued });
      return out;
    },
  },
  {
    name: METRIC_PREFIX + 'peer_connected',
    type: 'gauge',
    labels: ['server'],
    help: `1 when the connection to a peer host is up (handshake done), 0 otherwise; the same ${DEFAULT_PEER_SERIES_LIMIT} peers as the send queue gauge.`,
    read: (s) => peerSeries(s).named.map((p) => ({ labels: { server: p.host }, value: p.connection === 'connected' ? 1 : 0 })),
  },
  {
    name: METRIC_PREFIX + 'matchmaker_info',
    type: 'gauge',
    labels: ['kind', 'backend'],
    help: 'Always 1; the matchmaker (`rpc_zmq_matchmaker`) and what it depends on (`none` for local and stub).',
    read: (s) => one(1, { kind: s.matchmakerKind, backend: s.matchmakerStatus().backend?.name ?? 'none' }),
  },
  {
    name: METRIC_PREFIX + 'matchmaker_backend_up',
    type: 'gauge',
    labels: [],
    help: '1 while the matchmaker\'s backend (Redis, broker, topic scheduler, ring file) serves, 0 while not (a Redis matchmaker then answers from its last view, a ring matchmaker whose file was refused from the previous ring); `reachable` in `status`. Absent without a backend.',
    read: (s) => {
      const st = s.matchmakerStatus();
      // A service that has not answered yet (reachable null) does not serve: 0, as /readyz says not ready.
      return st.backend ? one(st.reachable === true ? 1 : 0) : [];
    },
  },
  {
    name: METRIC_PREFIX + 'matchmaker_last_refresh_timestamp_seconds',
    type: 'gauge',
    labels: [],
    help: 'Unix time of the matchmaker\'s last successful refresh: ring file loaded, Redis answered, service probe answered. Absent until the first one.',
    read: (s) => {
      const t = s.matchmakerStatus().lastRefresh;
      return t === null ? [] : one(t / MS_PER_SECOND);
    },
  },
  {
    name: METRIC_PREFIX + 'matchmaker_topics',
    type: 'gauge',
    labels: [],
    help: 'Base topics the matchmaker keeps hosts for (ring file keys, topics looked up in Redis). Absent for matchmakers without such a view.',
    read: (s) => {
      const topics = s.matchmakerStatus().topics;
      return topics ? one(topics.size) : [];
    },
  },
  {
    name: METRIC_PREFIX + 'matchmaker_topic_hosts',
    type: 'gauge',
    labels: ['topic'],
    help: `Hosts the matchmaker knows per base topic (the ${DEFAULT_TOPIC_SERIES_LIMIT} topics with the most hosts; the rest summed as "${OTHER}").`,
    read: (s) => {
      const topics = s.matchmakerStatus().topics;
      if (!topics) return [];
      const v = new Map<string, number>();
      for (const [topic, n] of topics) {
        const t = topicLabels(topic, s.controlExchange).topic;
        v.set(t, (v.get(t) ?? 0) + n);
      }
      return byTopic(v);
    },
  },
  {
    name: METRIC_PREFIX + 'rpc_client_processing_seconds',
    type: 'histogram',
    labels: ['call_type', 'exchange', 'topic', 'method'],
    help: `Time from a shim's call request to its reply (result or remote exception), in oslo.metrics' buckets; the first ${DEFAULT_CALL_SERIES_LIMIT} (exchange, topic, method) seen get their own series, later ones are "${OTHER}".`,
    // Rendered as text by histogram-text.ts: up to 20 lines per series, the bulk of a scrape.
    read: () => [],
    text: (s) => histogramLines(METRIC_PREFIX + 'rpc_client_processing_seconds', { call_type: 'call' }, s.callLatency),
  },
];
