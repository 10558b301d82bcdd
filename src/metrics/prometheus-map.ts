/**
 * Every catalogued counter as a Prometheus metric: its name, the constant
 * labels it adds, and the labels its family placeholders become. The type
 * requires one entry per catalogue pattern, so a new counter cannot be added
 * without deciding how it is exported; test/metrics-map.test.ts checks the
 * Prometheus naming rules (prefix, `_total`, base units) and that no two
 * counters land on the same series. docs/counters.md lists the mapping next
 * to each counter (metrics/docs.ts).
 *
 * Several counters share a metric where an operator wants one place to look:
 * every message lost is in `nova_zmq_bridge_messages_dropped_total{reason}`,
 * every message refused at the door in `..._messages_refused_total{reason}`
 * (reasons do not overlap, so summing over them counts each message once).
 */
import type { CounterPattern } from './catalogue';

/** Prefix of every metric this daemon exports. */
export const METRIC_PREFIX = 'nova_zmq_bridge_';

export interface MetricMapping {
  /** Full metric name. */
  readonly metric: string;
  /** Constant labels this counter adds to the metric. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Label name of a family placeholder, where it differs from the placeholder's name. */
  readonly rename?: Readonly<Record<string, string>>;
  /** Factor applied to the counter's value (milliseconds -> seconds). */
  readonly scale?: number;
}

const m = (name: string, labels?: Record<string, string>, more: Omit<MetricMapping, 'metric' | 'labels'> = {}): MetricMapping => ({
  metric: METRIC_PREFIX + name,
  ...(labels ? { labels } : {}),
  ...more,
});
const dropped = (reason: string): MetricMapping => m('messages_dropped_total', { reason });
const refused = (reason: string): MetricMapping => m('messages_refused_total', { reason });

export const PROMETHEUS_MAP: { readonly [P in CounterPattern]: MetricMapping } = {
  'receiver.received': m('receiver_messages_total'),
  'receiver.refused.{problem}': m('messages_refused_total', undefined, { rename: { problem: 'reason' } }),
  'receiver.received.{kind}': m('messages_received_total'),
  'receiver.received_bytes.{kind}': m('messages_received_bytes_total'),
  'receiver.claimed': m('receiver_claimed_total'),
  'receiver.forwarded': m('ipc_forwarded_total'),
  'receiver.receive_errors': m('receiver_receive_errors_total'),
  'receiver.sink_errors': m('receiver_sink_errors_total'),
  'receiver.heartbeat.unclaimed': dropped('heartbeat_unclaimed'),
  'receiver.paused': m('receiver_pauses_total'),
  'receiver.paused_ms': m('receiver_paused_seconds_total', undefined, { scale: 1 / 1000 }),
  'receiver.outlets.created': m('ipc_outlets_created_total'),
  'receiver.disconnects': m('receiver_disconnects_total'),
  'receiver.dropped.queue_bytes': dropped('queue_bytes'),
  'receiver.dropped.topic_bytes': dropped('topic_bytes'),
  'receiver.outlets.closed_idle': m('ipc_outlets_closed_total', { reason: 'idle' }),
  'receiver.outlets.evicted': m('ipc_outlets_closed_total', { reason: 'evicted' }),
  'receiver.outlets.open_failed': m('ipc_outlet_open_failures_total'),
  'receiver.outlets.open_interrupted': m('ipc_outlet_open_interrupted_calls_total'),
  'receiver.ipc.stale_removed': m('ipc_stale_files_removed_total'),
  'receiver.dropped.outlet_limit': dropped('outlet_limit'),
  'receiver.dropped.outlet_evicted': dropped('outlet_evicted'),
  'receiver.outlet.bind_failed': m('ipc_outlet_bind_failures_total'),
  'receiver.dropped.backlog': dropped('backlog_full'),
  'receiver.dropped.outlet_failed': dropped('outlet_failed'),
  'receiver.dropped.send_failed': dropped('ipc_send_failed'),
  'receiver.dropped.shutdown': dropped('shutdown'),
  'receiver.fanout.unheard': dropped('fanout_unheard'),
  'replies.orphaned': dropped('reply_orphaned'),

  'sender.sent': m('sender_handed_over_total', { path: 'tcp' }),
  'sender.messages.{kind}': m('messages_sent_total'),
  'sender.bytes.{kind}': m('messages_sent_bytes_total'),
  'sender.local': m('sender_handed_over_total', { path: 'local' }),
  'sender.no_route': refused('no_route'),
  'sender.queue_full': refused('queue_full'),
  'sender.cast.failed': dropped('send_failed'),
  'sender.peers.opened': m('peer_connections_opened_total'),
  'sender.peers.evicted': m('peer_connections_evicted_total'),
  'sender.peers.slot_waits': m('peer_slot_waits_total'),
  'sender.peer_limit': refused('peer_limit'),
  'sender.peers.open_failed': m('peer_connection_open_failures_total'),
  'sender.peers.open_interrupted': m('peer_connection_open_interrupted_total'),
  'sender.peers.closed_idle': m('peer_connections_closed_idle_total'),

  'replies.matched': m('rpc_client_replies_total'),
  'replies.heartbeats': m('call_monitor_heartbeats_received_total'),
  'replies.malformed': m('rpc_client_malformed_replies_total'),
  'replies.timeouts': m('rpc_client_timeouts_total', { cause: 'no_reply' }),
  'replies.monitor_timeouts': m('rpc_client_timeouts_total', { cause: 'heartbeat_missed' }),
  'replies.cancelled': m('rpc_client_cancelled_total'),

  'localapi.sessions.opened': m('shim_sessions_opened_total'),
  'localapi.sessions.closed': m('shim_sessions_closed_total'),
  'localapi.ops.{op}': m('local_api_requests_total'),
  'localapi.errors.{code}': m('local_api_errors_total'),
  'localapi.calls.{result}': m('rpc_client_calls_total'),
  'localapi.protocol_errors': m('local_api_protocol_errors_total'),
  'localapi.reply.failed': m('rpc_server_reply_failures_total'),
  'localapi.heartbeat.failed': m('call_monitor_heartbeat_failures_total'),
  'localapi.listeners.added': m('shim_listeners_added_total'),
  'localapi.listeners.removed': m('shim_listeners_removed_total'),
  'localapi.delivered.{kind}': m('messages_delivered_total'),
  'localapi.delivered_bytes.{kind}': m('messages_delivered_bytes_total'),
  'localapi.deliver.bad_envelope': m('shim_bad_envelopes_total'),
  'localapi.deliver.errors': m('shim_delivery_errors_total'),
  'localapi.deliver.overflow': dropped('shim_overflow'),

  'matchmaker.lookups.{result}': m('matchmaker_lookups_total'),
  'matchmaker.ring.no_topic': m('matchmaker_ring_missing_topic_lookups_total'),
  'matchmaker.ring.reloaded': m('matchmaker_ring_reloads_total', { result: 'ok' }),
  'matchmaker.ring.reload_failed': m('matchmaker_ring_reloads_total', { result: 'refused' }),
  'matchmaker.redis.registered': m('matchmaker_redis_registrations_total'),
  'matchmaker.redis.heartbeats': m('matchmaker_heartbeats_total', { backend: 'redis' }),
  'matchmaker.redis.expired': m('matchmaker_redis_expired_hosts_total'),
  'matchmaker.redis.no_host': m('matchmaker_redis_no_host_lookups_total'),
  'matchmaker.redis.stale': m('matchmaker_redis_stale_lookups_total'),
  'matchmaker.redis.disconnects': m('matchmaker_outages_total', { backend: 'redis' }),
  'matchmaker.redis.reconnects': m('matchmaker_recoveries_total', { backend: 'redis' }),
  'matchmaker.broker.unavailable': m('matchmaker_unavailable_lookups_total', { backend: 'broker' }),
  'matchmaker.topic_scheduler.unavailable': m('matchmaker_unavailable_lookups_total', { backend: 'topic_scheduler' }),
  'matchmaker.topic_scheduler.no_worker': m('matchmaker_no_worker_lookups_total'),
  'matchmaker.{client}.timeouts': m('matchmaker_service_timeouts_total', undefined, { rename: { client: 'backend' } }),
  'matchmaker.{client}.refused': m('matchmaker_service_refused_total', undefined, { rename: { client: 'backend' } }),
  'matchmaker.{client}.bad_reply': m('matchmaker_service_bad_replies_total', undefined, { rename: { client: 'backend' } }),
  'matchmaker.{client}.register_failed': m('matchmaker_service_register_failures_total', undefined, { rename: { client: 'backend' } }),
  'matchmaker.{client}.heartbeats': m('matchmaker_heartbeats_total', undefined, { rename: { client: 'backend' } }),
  'matchmaker.{client}.outages': m('matchmaker_outages_total', undefined, { rename: { client: 'backend' } }),

  'matchmaker.{service}_service.{op}': m('broker_service_requests_total'),
  'matchmaker.{service}_service.bad_request': m('broker_service_bad_requests_total'),
  'localapi.route.{via}': m('localapi_directed_routes_total'),
  'localapi.route.unknown_server': refused('unknown_server'),
  'localapi.route.matchmaker_failed': m('localapi_server_lookup_failures_total'),
  'localapi.route.host_lookups': m('localapi_server_host_lookups_total'),
  'localapi.deliver.no_server': m('localapi_deliveries_no_server_total'),
  'localapi.input_paused': m('local_api_input_pauses_total'),
  'localapi.read_timeouts': m('local_api_read_timeouts_total'),
  'control.answered': m('control_pings_answered_total'),
  'control.unknown_method': m('control_unknown_methods_total'),
  'control.bad_request': refused('control_bad_request'),
  'control.reply_failed': dropped('control_reply_failed'),
  'security.zap.allowed': m('auth_allowed_total'),
  'security.denied.{reason}': m('auth_denied_total'),
  'security.handshake_failed.{kind}': m('auth_handshake_failures_total'),
  'security.peer_key_missing': refused('peer_key_missing'),
  'security.trusted.reloaded': m('auth_trusted_reloads_total', { result: 'ok' }),
  'security.trusted.reload_failed': m('auth_trusted_reloads_total', { result: 'refused' }),
  'security.trusted.bad_files': m('auth_trusted_bad_files_total'),
  'security.plaintext.received': m('plaintext_legacy_messages_total'),
  'security.local.refused': m('localapi_connections_refused_total'),
  'security.local.reply_not_owed': refused('reply_not_owed'),
  'security.local.owed_evicted': m('localapi_owed_replies_evicted_total'),
  'security.ipc.access_failed': m('ipc_access_failures_total'),
  'broker.forwarded': m('broker_forwarded_total'),
  'broker.no_worker': dropped('no_worker'),
  'broker.forward_failed': m('broker_forward_failures_total'),

  'http.requests.{path}': m('http_requests_total'),
  'http.bind_failed': m('http_bind_failures_total'),
  'systemd.notify_failed': m('systemd_notify_failures_total'),

  'metrics.uncatalogued': m('uncatalogued_increments_total'),
};

/**
 * HELP text of the metrics that several counters share (the others take
 * their counter's own text from the catalogue).
 */
export const SHARED_METRIC_HELP: Readonly<Record<string, string>> = {
  [METRIC_PREFIX + 'ipc_outlets_closed_total']: 'ipc outlets closed before shutdown, by reason: idle (`ipc_outlet_idle_timeout`), or evicted at the cap (`max_ipc_outlets`); their files are removed.',
  [METRIC_PREFIX + 'auth_trusted_reloads_total']: 'Reloads of the trusted-keys directory (`curve_trusted_dir`), by result: ok, or refused (the previous keys stay in force).',
  [METRIC_PREFIX + 'messages_dropped_total']:
    'Messages lost, by reason: topic backlog full, ipc outlet or send failure, stopped, fanout nobody heard, orphaned reply, unclaimed heartbeat, not handed to a peer in time, shim not reading, no broker worker.',
  [METRIC_PREFIX + 'messages_refused_total']:
    'Messages refused at the door, by reason: malformed input from the network (too few frames, unknown style, unusable topic), no route for a shim\'s message, a peer\'s send queue full, no trusted key for the peer (CURVE), a shim reply for a call it was not given, an unreadable message to the control endpoint.',
  [METRIC_PREFIX + 'sender_handed_over_total']: 'Messages handed over by the sender: to ZeroMQ for a peer (`path="tcp"`), or short-circuited into this host\'s receiver (`path="local"`).',
  [METRIC_PREFIX + 'rpc_client_timeouts_total']: 'Calls of shims answered TIMEOUT: no reply within the timeout, or the callee\'s call-monitor heartbeats missed.',
  [METRIC_PREFIX + 'matchmaker_ring_reloads_total']: 'Ring file loads, by result: ok, or refused (the previous ring stays in force).',
  [METRIC_PREFIX + 'matchmaker_heartbeats_total']: 'Matchmaker heartbeat rounds of this host, by backend.',
  [METRIC_PREFIX + 'matchmaker_outages_total']: 'Times the matchmaker\'s backend became unreachable, by backend (once per outage).',
  [METRIC_PREFIX + 'matchmaker_unavailable_lookups_total']: 'Look-ups failed with MATCHMAKER_SERVICE_UNAVAILABLE, by backend.',
};
