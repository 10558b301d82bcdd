/**
 * Every counter the daemon keeps, in one typed table: what it counts, in
 * which unit, which component moves it, and what to do when it moves.
 * `Counters` accepts only these names (the {@link CounterName} type at compile
 * time, {@link resolveCounterName} at run time), docs/counters.md is rendered
 * from it (metrics/docs.ts) and test/counters-catalogue.test.ts checks that
 * the sources use exactly these names.
 *
 * A name may hold `{placeholders}`: a family of counters, one per value of a
 * closed set (`receiver.refused.{problem}`). The sets are closed so that the
 * number of counters stays bounded whatever peers send, and so that an
 * exporter can turn a family into one metric with a label. A family whose
 * value comes from input (`localapi.ops.{op}`) names a `fallback` value of
 * its set: any other value is counted there instead of becoming a counter.
 */

export type CounterUnit =
  | 'messages'
  | 'calls'
  | 'replies'
  | 'heartbeats'
  | 'requests'
  | 'lookups'
  | 'registrations'
  | 'hosts'
  | 'connections'
  | 'sessions'
  | 'listeners'
  | 'sockets'
  | 'errors'
  | 'reloads'
  | 'outages'
  | 'pauses'
  | 'milliseconds'
  | 'bytes';

/** The pino `component` of the code that moves the counter. */
export type CounterComponent = 'receiver' | 'sender' | 'reply-waiter' | 'localapi' | 'listeners' | 'matchmaker' | 'broker-role' | 'control' | 'http' | 'systemd' | 'security' | 'metrics';

export interface CounterSpec {
  readonly unit: CounterUnit;
  readonly component: CounterComponent;
  /** What one increment is, and when it happens. */
  readonly counts: string;
  /** What an operator should look at when it moves; omitted for plain throughput counters. */
  readonly action?: string;
  /** The closed set of values of each `{placeholder}` of the name. */
  readonly vars?: { readonly [placeholder: string]: readonly string[] };
  /**
   * For a family with one placeholder fed by input: the value (one of its
   * set) counted instead of any value outside the set.
   */
  readonly fallback?: string;
}

// ---- closed sets (test/counters-catalogue.test.ts checks them against the types they mirror) ----

/** Why the receiver refuses a message: `RefusalProblem` of receiver.ts (`TopicProblem` of wire/topic.ts plus two). */
export const REFUSAL_PROBLEMS = [
  'too_few_frames',
  'unknown_style',
  'empty',
  'invalid_utf8',
  'nul',
  'path_separator',
  'dot_dot',
  'too_long',
  'control_char',
  'too_large',
] as const;

/**
 * What the receiver can tell a message is from the frames it checks anyway
 * (topic kind and style frame, no body parsing): `rpc` is a call, a cast or
 * a v1 notification (only a shim's delivery tells them apart, see
 * {@link DELIVERED_KINDS}); `notification` is the `impl_zmq_v2` style.
 */
export const RECEIVED_KINDS = ['rpc', 'fanout', 'reply', 'notification', 'heartbeat'] as const;

/**
 * What the sender is handed, as its caller knows it (`SendKind` of
 * sender/types.ts); `forward` is a message re-sent unchanged (the broker
 * role) or sent without a kind.
 */
export const SEND_KINDS = ['call', 'cast', 'fanout', 'notification', 'reply', 'heartbeat', 'forward'] as const;

/** What a shim listener is given: the envelope it unwrapped tells a call from a cast. */
export const DELIVERED_KINDS = ['call', 'cast', 'fanout', 'notification'] as const;

/**
 * How a call made by a shim ended (`CallResult` of localapi/call.ts): a
 * reply with a result or with a remote exception, a timeout (reply or
 * call-monitor), no host to send it to, a request that could not be handed
 * over (queue full, send failed), the shim gone or the daemon stopping, or
 * any other refusal.
 */
export const CALL_RESULTS = ['ok', 'remote_error', 'timeout', 'no_route', 'send_failed', 'cancelled', 'error'] as const;

/** How a matchmaker look-up of the local API ended: hosts found, none, or the matchmaker failed. */
export const LOOKUP_RESULTS = ['found', 'no_host', 'failed'] as const;

/** Paths of the HTTP listener (src/http/server.ts), plus `other` for anything else asked. */
export const HTTP_PATHS = ['metrics', 'livez', 'readyz', 'other'] as const;

/** Operations of the local API (docs/local-api.md), plus `unknown` for anything else a client sends. */
export const LOCAL_API_OPS = ['hello', 'listen', 'unlisten', 'cast', 'call', 'notify', 'reply', 'heartbeat', 'stats', 'status', 'ping', 'unknown'] as const;

/**
 * Error codes a local API operation can answer with (the `code` of the
 * BridgeError that failed it), plus `unknown` for a code not listed here.
 */
export const LOCAL_API_ERROR_CODES = [
  'INVALID',
  'NO_ROUTE',
  'QUEUE_FULL',
  'SEND_FAILED',
  'TIMEOUT',
  'SHUTDOWN',
  'PEER_LIMIT',
  'ENVELOPE_INVALID',
  'MATCHMAKER_SERVICE_UNAVAILABLE',
  'MATCHMAKER_SERVICE_REFUSED',
  'UNAVAILABLE',
  'PEER_KEY_MISSING',
  'REPLY_NOT_OWED',
  'UNKNOWN_SERVER',
  'TOO_LARGE',
  'unknown',
] as const;

/** Why the ZAP handler refused a connection: `DenialReason` of security/zap-handler.ts. */
export const DENIAL_REASONS = ['untrusted_key', 'not_curve', 'address_not_listed', 'unknown_domain', 'malformed'] as const;

/** Kinds of failed handshake seen by the socket monitor: `HandshakeFailure` of security/handshake-monitor.ts. */
export const HANDSHAKE_FAILURES = ['protocol', 'auth', 'other'] as const;


/** How a directed target's server name was resolved: `ResolvedVia` of localapi/server-resolver.ts. */
export const ROUTE_VIAS = ['local', 'matchmaker', 'host'] as const;

/** Matchmakers that are clients of a broker-role daemon's services (`service` of service-client.ts). */
export const SERVICE_CLIENTS = ['broker', 'topic_scheduler'] as const;

/** The two services of a broker-role daemon (`name` of matchmaker/service.ts). */
export const SERVICES = ['broker', 'scheduler'] as const;

/** Requests of the matchmaker service protocol (`ServiceRequest['op']` of service-protocol.ts). */
export const SERVICE_OPS = ['ping', 'register', 'unregister', 'heartbeat', 'get_worker', 'get_workers'] as const;

// ---- the catalogue ----

export const COUNTER_CATALOGUE = {
  // receiver: the tcp PULL socket and the ipc outlets of legacy consumers
  'receiver.received': {
    unit: 'messages', component: 'receiver',
    counts: 'Messages read from the tcp PULL socket (`rpc_zmq_port`) or short-circuited by this host\'s sender, before any check.',
  },
  'receiver.refused.{problem}': {
    unit: 'messages', component: 'receiver', vars: { problem: REFUSAL_PROBLEMS },
    counts: 'Messages refused before routing, by problem: fewer than 3 frames, an unknown style frame, a topic that cannot safely name an ipc socket (empty, not UTF-8, NUL, `/` or `\\`, `..`, a control character, or an ipc path longer than the system allows), or frames adding up to more than `[zmq_bridge] max_message_size` (`too_large`).',
    action: 'The warning log line (at most one per problem every few seconds, with the count of lines suppressed) carries msg_id, topic and style: find the peer sending them (a wrong driver, or someone probing the port).',
  },
  'receiver.disconnects': {
    unit: 'connections', component: 'receiver',
    counts: 'tcp connections to the receiver that ended: the peer closed it, or libzmq cut it because the peer sent a frame larger than `[zmq_bridge] max_message_size` (libzmq does not say which; that frame is lost).',
    action: 'Growing much faster than peers restart: a peer sends oversized frames; find it by its traffic (`receiver.received` stalls for it) or raise `max_message_size` if the messages are legitimate.',
  },
  'receiver.received.{kind}': {
    unit: 'messages', component: 'receiver', vars: { kind: RECEIVED_KINDS },
    counts: 'Messages accepted by the receiver (tcp or short-circuited), by what their topic and style frame say they are; refused ones are not counted here.',
  },
  'receiver.received_bytes.{kind}': {
    unit: 'bytes', component: 'receiver', vars: { kind: RECEIVED_KINDS },
    counts: 'Bytes (all frames) of the messages counted by `receiver.received.{kind}`.',
  },
  'receiver.claimed': {
    unit: 'messages', component: 'receiver',
    counts: 'Messages a local sink took: a reply for a waiting call, a message for a shim listener, or a bare topic the broker role forwards.',
  },
  'receiver.forwarded': {
    unit: 'messages', component: 'receiver',
    counts: 'Messages handed to an ipc outlet socket of legacy local consumers (`zmq_topic_<topic>` under `rpc_zmq_ipc_dir`).',
  },
  'receiver.receive_errors': {
    unit: 'errors', component: 'receiver',
    counts: 'Failed reads of the tcp PULL socket; the receiver keeps reading.',
    action: 'Look at the error log line; repeated errors mean a ZeroMQ problem (memory, file descriptors).',
  },
  'receiver.sink_errors': {
    unit: 'errors', component: 'receiver',
    counts: 'Times a local sink threw while offered a message (the message then goes on to the next sink or the ipc outlet).',
    action: 'A bug: report it with the error log line.',
  },
  'receiver.heartbeat.unclaimed': {
    unit: 'heartbeats', component: 'receiver',
    counts: 'Call heartbeats that arrived for no waiting call (it already ended, or it was made by another host); dropped.',
  },
  'receiver.paused': {
    unit: 'pauses', component: 'receiver',
    counts: 'Times the receiver stopped reading tcp because the messages waiting for live ipc consumers passed its memory budget (`DEFAULT_QUEUE_BUDGET_BYTES` of receiver.ts).',
    action: 'Frequent pauses: local consumers are slower than the inflow (bursts then wait in ZeroMQ and the senders rather than in the daemon); see `receiver.paused_ms`.',
  },
  'receiver.paused_ms': {
    unit: 'milliseconds', component: 'receiver',
    counts: 'Time spent paused (see `receiver.paused`), added when each pause ends.',
    action: 'Growing steadily: the local consumers cannot keep up; add workers or find the slow one.',
  },
  'receiver.outlets.created': {
    unit: 'sockets', component: 'receiver',
    counts: 'ipc outlet sockets created (one per topic seen, on first use).',
  },
  'receiver.outlets.closed_idle': {
    unit: 'sockets', component: 'receiver',
    counts: 'ipc outlets closed (and their files removed) after `[zmq_bridge] ipc_outlet_idle_timeout` without a message; the next message binds the outlet again.',
  },
  'receiver.outlets.evicted': {
    unit: 'sockets', component: 'receiver',
    counts: 'ipc outlets with nothing queued closed, least recently active first, to make room for a new topic at `[zmq_bridge] max_ipc_outlets`.',
    action: 'Steadily growing: more topics are in use at once than `max_ipc_outlets`, and their consumers reconnect each time; raise it (docs/scale.md), or find who sends to so many topics.',
  },
  'receiver.outlets.open_failed': {
    unit: 'sockets', component: 'receiver',
    counts: 'ipc outlet sockets libzmq refused to create (out of sockets or file descriptors); the message is dropped (`receiver.dropped.outlet_limit`).',
    action: 'The socket budget is too small for what runs in the process: check LimitNOFILE and `[zmq_bridge] max_peers` / `max_ipc_outlets` (docs/scale.md).',
  },
  'receiver.outlets.open_interrupted': {
    unit: 'calls', component: 'receiver',
    counts: 'libzmq calls setting up an ipc outlet socket that a signal interrupted (EINTR) and that were made again (src/util/interrupted.ts).',
    action: 'None: each was retried. Many at once mean the daemon receives signals at a high rate (a profiler, a supervisor sending SIGHUP in a loop).',
  },
  'receiver.ipc.stale_removed': {
    unit: 'sockets', component: 'receiver',
    counts: 'Stale ipc socket files (`zmq_topic_*`, owned by the daemon\'s user, that no process serves) removed at start-up, left by a daemon that did not stop cleanly.',
  },
  'receiver.outlet.bind_failed': {
    unit: 'sockets', component: 'receiver',
    counts: 'ipc outlets that could not bind their socket file; their queued messages are dropped (`receiver.dropped.outlet_failed`).',
    action: 'Check the error log line: permissions or free space of `rpc_zmq_ipc_dir`, or another process owning the file.',
  },
  'receiver.dropped.backlog': {
    unit: 'messages', component: 'receiver',
    counts: 'Messages dropped because their topic already had `rpc_zmq_topic_backlog` messages waiting.',
    action: 'The topic\'s consumer is gone or too slow: restart it, or raise the backlog.',
  },
  'receiver.dropped.topic_bytes': {
    unit: 'messages', component: 'receiver',
    counts: 'Messages dropped because their topic\'s ipc outlet already held `[zmq_bridge] topic_queue_bytes` (queued and held messages).',
    action: 'The topic\'s consumer is gone or too slow (or someone floods the topic): restart the consumer, or raise the budget.',
  },
  'receiver.dropped.queue_bytes': {
    unit: 'messages', component: 'receiver',
    counts: 'Messages dropped because all ipc outlets together held `[zmq_bridge] queue_bytes`: the oldest of the topic holding the most, or the new one when its own topic holds the most.',
    action: 'Several topics have no live consumer: see the warning log lines (topic) and restart their consumers, or raise the budget.',
  },
  'receiver.dropped.outlet_failed': {
    unit: 'messages', component: 'receiver',
    counts: 'Messages dropped with an outlet that failed to bind.',
    action: 'See `receiver.outlet.bind_failed`.',
  },
  'receiver.dropped.outlet_limit': {
    unit: 'messages', component: 'receiver',
    counts: 'Messages for a topic without an outlet dropped because `[zmq_bridge] max_ipc_outlets` outlets all held messages (or libzmq refused another socket).',
    action: 'Many topics have messages nobody takes (consumers gone?) or someone sends to many topics: look at the warning log lines (topic), set `rpc_zmq_topic_backlog`, or raise `max_ipc_outlets` (docs/scale.md).',
  },
  'receiver.dropped.outlet_evicted': {
    unit: 'messages', component: 'receiver',
    counts: 'Messages dropped with an ipc outlet closed at `[zmq_bridge] max_ipc_outlets` because its consumer took nothing for `ipc_outlet_idle_timeout` while every outlet held messages.',
    action: 'Topics nobody consumes fill the outlets (consumers gone, or someone sends to many topics): look at the warning log lines (ipc name); set `rpc_zmq_topic_backlog`, or raise `max_ipc_outlets` (docs/scale.md).',
  },
  'receiver.dropped.send_failed': {
    unit: 'messages', component: 'receiver',
    counts: 'Messages an ipc outlet socket failed to send; dropped.',
    action: 'Look at the warning log line (topic, msg_id).',
  },
  'receiver.dropped.shutdown': {
    unit: 'messages', component: 'receiver',
    counts: 'Messages still queued for ipc consumers when the daemon stopped; dropped.',
  },
  'receiver.fanout.unheard': {
    unit: 'messages', component: 'receiver',
    counts: 'Fanout messages published after `[zmq_bridge] fanout_hold` with no subscriber on their PUB socket: nobody heard them, as with the legacy receiver.',
    action: 'Expected while no consumer of that fanout topic runs on this host; otherwise raise `fanout_hold`.',
  },
  'replies.orphaned': {
    unit: 'replies', component: 'receiver',
    counts: 'Replies for legacy callers on this host dropped because no caller subscribed to their msg_id within `[zmq_bridge] reply_hold` (or the daemon stopped).',
    action: 'The caller gave up or died before its reply came; if callers are alive, raise `reply_hold`.',
  },

  // sender: outgoing PUSH connections to peers
  'sender.sent': {
    unit: 'messages', component: 'sender',
    counts: 'Messages handed to ZeroMQ for a peer\'s receiver.',
  },
  'sender.messages.{kind}': {
    unit: 'messages', component: 'sender', vars: { kind: SEND_KINDS },
    counts: 'Messages the sender accepted for a peer or for this host (one per copy), by kind; refused ones (`QUEUE_FULL`, `SHUTDOWN`) are not counted.',
  },
  'sender.bytes.{kind}': {
    unit: 'bytes', component: 'sender', vars: { kind: SEND_KINDS },
    counts: 'Bytes (all frames) of the messages counted by `sender.messages.{kind}`.',
  },
  'sender.local': {
    unit: 'messages', component: 'sender',
    counts: 'Messages for this host, short-circuited into its own receiver instead of the network.',
  },
  'sender.no_route': {
    unit: 'messages', component: 'localapi',
    counts: 'Casts, calls and notifications refused with `NO_ROUTE`: the matchmaker knows no host for the topic.',
    action: 'Is a server of the topic running, and does the matchmaker (ring file, Redis, broker) know it?',
  },
  'sender.queue_full': {
    unit: 'messages', component: 'sender',
    counts: 'Messages refused with `QUEUE_FULL` because the peer\'s send queue was full (`DEFAULT_PEER_QUEUE_LIMIT` of sender/peer-pool.ts).',
    action: 'The peer is down or slow: check its receiver.',
  },
  'sender.cast.failed': {
    unit: 'messages', component: 'sender',
    counts: 'Messages that could not be handed to their peer within `rpc_cast_timeout`, or were still queued when the daemon stopped.',
    action: 'Is the peer\'s receiver running and reachable on `rpc_zmq_port`? The error log line names peer and endpoint.',
  },
  'sender.peers.opened': {
    unit: 'connections', component: 'sender',
    counts: 'Connections opened to peers (one per peer host, on first use).',
  },
  'sender.peers.closed_idle': {
    unit: 'connections', component: 'sender',
    counts: 'Peer connections closed after `[zmq_bridge] peer_idle_timeout` without traffic.',
  },
  'sender.peers.evicted': {
    unit: 'connections', component: 'sender',
    counts: 'Idle peer connections closed, least recently used first, to make room for a new host at `[zmq_bridge] max_peers`.',
    action: 'Steadily growing: this host talks to more hosts than `max_peers` in turn, and reconnects each time; raise `max_peers` (docs/scale.md).',
  },
  'sender.peers.slot_waits': {
    unit: 'messages', component: 'sender',
    counts: 'Messages for a host without a connection that had to wait for one because `[zmq_bridge] max_peers` connections were open and busy.',
    action: 'See `sender.peer_limit`; raise `max_peers` if this host must reach that many hosts at once.',
  },
  'sender.peer_limit': {
    unit: 'messages', component: 'sender',
    counts: 'Messages failed with `PEER_LIMIT`: no peer connection freed up within `rpc_cast_timeout`, or `DEFAULT_SLOT_WAIT_LIMIT` of sender/peer-pool.ts messages already waited for one.',
    action: 'Many peers do not take their messages (down, or slow) while this host needs connections to others: find them (`sender.cast.failed` log lines), or raise `[zmq_bridge] max_peers` and LimitNOFILE (docs/scale.md).',
  },
  'sender.peers.open_failed': {
    unit: 'sockets', component: 'sender',
    counts: 'Peer sockets libzmq refused to create (out of sockets or file descriptors); the message waits for a free connection instead.',
    action: 'The socket budget is too small for what runs in the process: check LimitNOFILE and `[zmq_bridge] max_peers` / `max_ipc_outlets` (docs/scale.md).',
  },
  'sender.peers.open_interrupted': {
    unit: 'calls', component: 'sender',
    counts: 'Peer connection set-ups (socket, monitor, connect) that a signal interrupted inside libzmq (EINTR) and that were made again with a new socket (src/util/interrupted.ts).',
    action: 'None: each was retried. Many at once mean the daemon receives signals at a high rate (a profiler, a supervisor sending SIGHUP in a loop).',
  },

  // reply waiter: calls made through the local API
  'replies.matched': {
    unit: 'replies', component: 'reply-waiter',
    counts: 'Replies delivered to a waiting call.',
  },
  'replies.heartbeats': {
    unit: 'heartbeats', component: 'reply-waiter',
    counts: 'Call-monitor heartbeats received for a waiting call.',
  },
  'replies.malformed': {
    unit: 'replies', component: 'reply-waiter',
    counts: 'Replies for a waiting call that could not be read; the call keeps waiting (and times out).',
    action: 'The callee\'s side sends a broken reply: the error log line has the msg_id.',
  },
  'replies.timeouts': {
    unit: 'calls', component: 'reply-waiter',
    counts: 'Calls answered `TIMEOUT` after their timeout (`rpc_response_timeout` by default).',
    action: 'The callee is slow, down, or its reply was lost; look at `replies.orphaned` and `sender.cast.failed` on the other hosts.',
  },
  'replies.monitor_timeouts': {
    unit: 'calls', component: 'reply-waiter',
    counts: 'Calls answered `TIMEOUT` because their call-monitor heartbeats stopped.',
    action: 'The callee died or hangs while handling the call.',
  },
  'replies.cancelled': {
    unit: 'calls', component: 'reply-waiter',
    counts: 'Calls forgotten before an answer: the caller\'s connection closed, the request could not be sent, or the daemon stopped.',
  },

  // local API: the unix socket of the shims
  'localapi.sessions.opened': {
    unit: 'sessions', component: 'localapi',
    counts: 'Shim connections accepted on the local API socket.',
  },
  'localapi.sessions.closed': {
    unit: 'sessions', component: 'localapi',
    counts: 'Shim connections closed (their listeners are removed, their pending calls forgotten).',
  },
  'localapi.ops.{op}': {
    unit: 'requests', component: 'localapi', vars: { op: LOCAL_API_OPS }, fallback: 'unknown',
    counts: 'Requests received, by operation; any other op name is counted as `unknown` (and answered `INVALID`).',
  },
  'localapi.errors.{code}': {
    unit: 'requests', component: 'localapi', vars: { code: LOCAL_API_ERROR_CODES }, fallback: 'unknown',
    counts: 'Requests that failed, by the error code answered (or that would have been, for requests without rid); a code outside the list is counted as `unknown`.',
    action: 'Mostly the caller\'s problem (`INVALID`) or the network\'s (`NO_ROUTE`, `SEND_FAILED`, `TIMEOUT`); `unknown` is a bug: report it.',
  },
  'localapi.calls.{result}': {
    unit: 'calls', component: 'localapi', vars: { result: CALL_RESULTS },
    counts: 'Calls made by shims, by how they ended (see the `{result}` values; `remote_error` is a reply carrying the callee\'s exception).',
    action: '`timeout`: see `replies.timeouts`; `no_route`: see `sender.no_route`; `send_failed`: see `sender.queue_full` and `sender.cast.failed`.',
  },
  'localapi.protocol_errors': {
    unit: 'sessions', component: 'localapi',
    counts: 'Connections closed because they sent a malformed frame (answered `PROTOCOL`).',
    action: 'Something other than a matching shim talks to the socket: check the shim version, or who can open the socket.',
  },
  'localapi.read_timeouts': {
    unit: 'sessions', component: 'localapi',
    counts: 'Connections answered `PROTOCOL` and closed because a frame they started was not complete within `[zmq_bridge] local_read_timeout`.',
    action: 'A client that hangs mid-frame, or holds memory on purpose: check who connects to the socket.',
  },
  'localapi.input_paused': {
    unit: 'pauses', component: 'localapi',
    counts: 'Times reading from a connection paused because the partial frames of all connections together held `[zmq_bridge] local_buffer_bytes`.',
    action: 'Clients send very large frames slowly, or hold them on purpose (`localapi.read_timeouts` ends them).',
  },
  'localapi.reply.failed': {
    unit: 'replies', component: 'localapi',
    counts: 'Replies from a shim server that could not be sent to the calling host.',
    action: 'See `sender.cast.failed`: the caller\'s host is unreachable.',
  },
  'localapi.heartbeat.failed': {
    unit: 'heartbeats', component: 'localapi',
    counts: 'Call heartbeats from a shim server that could not be sent to the calling host.',
  },
  'localapi.route.{via}': {
    unit: 'messages', component: 'localapi', vars: { via: ROUTE_VIAS },
    counts: 'Directed casts and calls (a target with a server) routed, by how the server name was resolved: a listener on this host (`local`), a host the matchmaker knows for the name (`matchmaker`), or the name taken as a host, the legacy way (`host`). See docs/server-names.md.',
  },
  'localapi.route.unknown_server': {
    unit: 'messages', component: 'localapi',
    counts: 'Directed casts and calls refused with `UNKNOWN_SERVER`: the server name is no listener here, the matchmaker knows no host for it, and it does not resolve as a host name.',
    action: 'Is the server running? Its name must be registered (redis, broker, topic_scheduler), in the ring file\'s `"zmq_bridge.servers"`, or resolve as a host name; the warning log line lists what was tried.',
  },
  'localapi.route.matchmaker_failed': {
    unit: 'lookups', component: 'localapi',
    counts: 'Server-name look-ups the matchmaker could not answer (its service or Redis is down); the name was then tried as a host.',
    action: 'See the matchmaker\'s outage counters (`matchmaker.{client}.outages`, `matchmaker.redis.disconnects`).',
  },
  'localapi.route.host_lookups': {
    unit: 'lookups', component: 'localapi',
    counts: 'System resolver look-ups (getaddrinfo) of server names tried as host names; answers are cached (`DEFAULT_HOST_LOOKUP_TTL_MS` of localapi/host-lookup.ts).',
  },
  'localapi.listeners.added': {
    unit: 'listeners', component: 'listeners',
    counts: 'Listeners registered by shims (`listen`).',
  },
  'localapi.listeners.removed': {
    unit: 'listeners', component: 'listeners',
    counts: 'Listeners removed (`unlisten`, or their connection closed).',
  },
  'localapi.delivered.{kind}': {
    unit: 'messages', component: 'listeners', vars: { kind: DELIVERED_KINDS },
    counts: 'Messages delivered to shim listeners, by kind: a call or cast to one listener of its topic, a fanout to every listener of its topic, a notification to one listener per pool (counted once per message).',
  },
  'localapi.delivered_bytes.{kind}': {
    unit: 'bytes', component: 'listeners', vars: { kind: DELIVERED_KINDS },
    counts: 'Bytes (all frames, as received) of the messages counted by `localapi.delivered.{kind}`.',
  },
  'localapi.deliver.no_server': {
    unit: 'messages', component: 'listeners',
    counts: 'Messages `T.S` for a server name no listener on this host has (and `S` is not this host\'s name): not handed to another server of `T`, left to the legacy ipc socket.',
    action: 'The server stopped, or a stale registration (or ring file entry) points its name here: the warning log line names it.',
  },
  'localapi.deliver.bad_envelope': {
    unit: 'messages', component: 'listeners',
    counts: 'Messages for a shim listener whose envelope could not be read; left to the legacy ipc socket instead.',
    action: 'A peer sends envelopes this daemon cannot parse: the warning log line has topic and msg_id.',
  },
  'localapi.deliver.errors': {
    unit: 'messages', component: 'listeners',
    counts: 'Deliveries to a shim that threw while being written.',
    action: 'A bug, or a connection closing at that moment: check the error log line.',
  },
  'localapi.deliver.overflow': {
    unit: 'messages', component: 'localapi',
    counts: 'Deliveries and answers dropped because the shim does not read its socket: its own output backlog passed its limit, or it has a backlog while the backlogs of all shims together passed `[zmq_bridge] local_buffer_bytes`.',
    action: 'The shim process hangs or is overloaded: look at it (its pid is in the error log line).',
  },

  // matchmakers
  'matchmaker.lookups.{result}': {
    unit: 'lookups', component: 'localapi', vars: { result: LOOKUP_RESULTS },
    counts: 'Matchmaker look-ups for casts, calls and notifications of the shims: hosts found, no host (answered `NO_ROUTE`), or the matchmaker failed (e.g. `MATCHMAKER_SERVICE_UNAVAILABLE`).',
    action: '`no_host`: see `sender.no_route`; `failed`: see the matchmaker\'s own counters (broker, topic scheduler).',
  },
  'matchmaker.ring.no_topic': {
    unit: 'lookups', component: 'matchmaker',
    counts: 'Look-ups of a topic the ring file does not list (no host; the sender answers `NO_ROUTE`).',
    action: 'Add the topic to the ring file (keys must match what Nova sends).',
  },
  'matchmaker.ring.reloaded': {
    unit: 'reloads', component: 'matchmaker',
    counts: 'Ring file loads that succeeded (start-up, SIGHUP, file changed).',
  },
  'matchmaker.ring.reload_failed': {
    unit: 'reloads', component: 'matchmaker',
    counts: 'Ring file reloads refused (unreadable or invalid); the previous ring stays in force.',
    action: 'Fix the ring file: the warning log line says what is wrong.',
  },
  'matchmaker.redis.registered': {
    unit: 'registrations', component: 'matchmaker',
    counts: 'Registrations (topic, host) written to Redis.',
  },
  'matchmaker.redis.heartbeats': {
    unit: 'heartbeats', component: 'matchmaker',
    counts: 'Heartbeat rounds that refreshed every registration of this host in Redis.',
  },
  'matchmaker.redis.expired': {
    unit: 'hosts', component: 'matchmaker',
    counts: 'Hosts dropped from a topic because they stopped heartbeating for `matchmaker_heartbeat_ttl`.',
    action: 'Expected when a host stops; otherwise its daemon cannot reach Redis.',
  },
  'matchmaker.redis.no_host': {
    unit: 'lookups', component: 'matchmaker',
    counts: 'Look-ups of a topic with no live host in Redis.',
    action: 'No server of the topic is registered: is one running?',
  },
  'matchmaker.redis.stale': {
    unit: 'lookups', component: 'matchmaker',
    counts: 'Look-ups answered from the last hosts seen because Redis was unreachable.',
    action: 'See `matchmaker.redis.disconnects`.',
  },
  'matchmaker.redis.disconnects': {
    unit: 'outages', component: 'matchmaker',
    counts: 'Losses of the Redis connection (or failed first connects), once per outage.',
    action: 'Check Redis and `[matchmaker_redis]` host, port and password.',
  },
  'matchmaker.redis.reconnects': {
    unit: 'outages', component: 'matchmaker',
    counts: 'Redis outages that ended (this host\'s registrations are written again).',
  },
  'matchmaker.broker.unavailable': {
    unit: 'lookups', component: 'matchmaker',
    counts: 'Look-ups that failed with `MATCHMAKER_SERVICE_UNAVAILABLE` because the broker service does not answer.',
    action: 'Is the broker-role daemon at `rpc_zmq_broker_ip` running, and `[zmq_bridge] broker_port` the same on both?',
  },
  'matchmaker.topic_scheduler.unavailable': {
    unit: 'lookups', component: 'matchmaker',
    counts: 'Look-ups that failed with `MATCHMAKER_SERVICE_UNAVAILABLE` because the topic scheduler service does not answer.',
    action: 'Is the broker-role daemon at `rpc_zmq_broker_ip` running, and `[zmq_bridge] scheduler_port` the same on both?',
  },
  'matchmaker.topic_scheduler.no_worker': {
    unit: 'lookups', component: 'matchmaker',
    counts: 'Bare-topic look-ups for which the topic scheduler knows no live worker.',
    action: 'No server of the topic is registered with the scheduler: is one running?',
  },
  'matchmaker.{client}.timeouts': {
    unit: 'requests', component: 'matchmaker', vars: { client: SERVICE_CLIENTS },
    counts: 'Requests to the broker / topic scheduler service that got no answer in time.',
    action: 'See `matchmaker.{client}.outages`.',
  },
  'matchmaker.{client}.refused': {
    unit: 'requests', component: 'matchmaker', vars: { client: SERVICE_CLIENTS },
    counts: 'Requests the service answered with an error.',
    action: 'Version mismatch between this daemon and the broker-role daemon: the error log line has the reason.',
  },
  'matchmaker.{client}.bad_reply': {
    unit: 'replies', component: 'matchmaker', vars: { client: SERVICE_CLIENTS },
    counts: 'Unreadable answers from the service; ignored.',
    action: 'Something other than a broker-role daemon answers on that port.',
  },
  'matchmaker.{client}.register_failed': {
    unit: 'registrations', component: 'matchmaker', vars: { client: SERVICE_CLIENTS },
    counts: 'Registrations the service did not confirm; kept and sent again with the next heartbeat.',
  },
  'matchmaker.{client}.heartbeats': {
    unit: 'heartbeats', component: 'matchmaker', vars: { client: SERVICE_CLIENTS },
    counts: 'Heartbeat rounds sent to the service (every `matchmaker_heartbeat_freq`).',
  },
  'matchmaker.{client}.outages': {
    unit: 'outages', component: 'matchmaker', vars: { client: SERVICE_CLIENTS },
    counts: 'Times the service became unreachable (once per outage; sends fail at once until it answers again).',
    action: 'Check the broker-role daemon at `rpc_zmq_broker_ip` and the network to it.',
  },

  // broker role: the services a broker-role daemon runs
  'matchmaker.{service}_service.{op}': {
    unit: 'requests', component: 'matchmaker', vars: { service: SERVICES, op: SERVICE_OPS },
    counts: 'Requests answered by the broker-role daemon\'s broker or scheduler service, by operation.',
  },
  'matchmaker.{service}_service.bad_request': {
    unit: 'requests', component: 'matchmaker', vars: { service: SERVICES },
    counts: 'Malformed requests to a broker-role service; answered `INVALID` (or dropped without a usable identity).',
    action: 'Something other than a matching daemon sends to the service port.',
  },
  'broker.forwarded': {
    unit: 'messages', component: 'broker-role',
    counts: 'Bare-topic messages the broker role forwarded to a live worker.',
  },
  'broker.no_worker': {
    unit: 'messages', component: 'broker-role',
    counts: 'Bare-topic messages dropped by the broker role because no worker of the topic is live.',
    action: 'No server of the topic is registered: is one running?',
  },
  'broker.forward_failed': {
    unit: 'messages', component: 'broker-role',
    counts: 'Messages the broker role could not hand to the chosen worker.',
    action: 'See `sender.cast.failed`: the worker\'s host is unreachable.',
  },

  // control endpoint: `nova_zmq_bridge.<host>`, answered by every daemon (`nova-zmq-bridge ping`)
  'control.answered': {
    unit: 'calls', component: 'control',
    counts: 'Ping calls to this daemon\'s control endpoint answered (`nova-zmq-bridge ping` from this or another host).',
  },
  'control.unknown_method': {
    unit: 'calls', component: 'control',
    counts: 'Calls to the control endpoint for a method it does not have; answered with an oslo `NoSuchMethod` failure.',
    action: 'A newer `nova-zmq-bridge ping` against an older daemon, or something probing the endpoint.',
  },
  'control.bad_request': {
    unit: 'messages', component: 'control',
    counts: 'Messages on the control topic that are not a readable call (a cast, an unreadable envelope); dropped.',
    action: 'The warning log line has the topic: find who sends casts to `nova_zmq_bridge.<host>`.',
  },
  'control.reply_failed': {
    unit: 'replies', component: 'control',
    counts: 'Answers of the control endpoint that could not be handed to the caller\'s host.',
    action: 'See `sender.cast.failed`: the caller\'s host is unreachable from here (its `rpc_zmq_host` must resolve on this host).',
  },
  // the HTTP listener (metrics and health) and systemd
  'http.requests.{path}': {
    unit: 'requests', component: 'http', vars: { path: HTTP_PATHS }, fallback: 'other',
    counts: 'Requests to the HTTP listener (`[zmq_bridge] http_listen`), by path: `/metrics`, `/livez`, `/readyz`, anything else (answered 404).',
  },
  'http.bind_failed': {
    unit: 'errors', component: 'http',
    counts: 'Start-ups whose HTTP listener could not bind `[zmq_bridge] http_listen`; the daemon then runs without metrics and health endpoints.',
    action: 'The error log line names the address: another process holds the port; set `http_listen` to a free port (or empty).',
  },
  'systemd.notify_failed': {
    unit: 'errors', component: 'systemd',
    counts: 'Messages to systemd (`$NOTIFY_SOCKET`: READY, STATUS, WATCHDOG, STOPPING) that could not be sent.',
    action: 'A missed WATCHDOG=1 gets the daemon restarted: check the warning log line (socket path, error).',
  },
  // security: CURVE, ZAP, the trusted keys, the local API's peers (docs/security.md)
  'security.zap.allowed': {
    unit: 'connections', component: 'security',
    counts: 'Connections the ZAP handler let in (a trusted CURVE key, or a listed plaintext legacy address).',
  },
  'security.denied.{reason}': {
    unit: 'connections', component: 'security', vars: { reason: DENIAL_REASONS },
    counts: 'Connection attempts the ZAP handler refused, by reason: a CURVE key not in `curve_trusted_dir` (`untrusted_key`), a non-CURVE client at a CURVE door (`not_curve`), a plaintext peer address not in `plaintext_peers` (`address_not_listed`), or a request it could not read.',
    action: 'The warning log line names the peer address and its Z85 key: add the key to the trusted directory if the host is yours, otherwise someone is knocking.',
  },
  'security.handshake_failed.{kind}': {
    unit: 'connections', component: 'security', vars: { kind: HANDSHAKE_FAILURES },
    counts: 'Failed handshakes on a secured socket, from its monitor: `protocol` (a plaintext client, or one without this host\'s public key), `auth` (refused by the ZAP handler, also counted in `security.denied.*`), `other` (e.g. no ZAP handler: everyone refused).',
    action: 'A peer that keeps failing reconnects every few hundred ms: the warning log line says what it lacks (CURVE, or this host\'s current key).',
  },
  'security.peer_key_missing': {
    unit: 'messages', component: 'security',
    counts: 'Messages (casts, calls, replies) not sent because the peer\'s public certificate `<host>.key` is not in `curve_trusted_dir` (answered `PEER_KEY_MISSING`).',
    action: 'The error log line names the file expected: copy the host\'s public certificate there, or list the host in `plaintext_peers` if it is a legacy node.',
  },
  'security.trusted.reloaded': {
    unit: 'reloads', component: 'security',
    counts: 'Reloads of the trusted-keys directory (SIGHUP, or a change in it).',
  },
  'security.trusted.reload_failed': {
    unit: 'reloads', component: 'security',
    counts: 'Reloads of the trusted-keys directory refused (unreadable, or writable by others); the previous keys stay in force.',
    action: 'The error log line says what is wrong with the directory.',
  },
  'security.trusted.bad_files': {
    unit: 'errors', component: 'security',
    counts: 'Files `*.key` of the trusted-keys directory that are not valid public certificates; skipped (their host is not trusted).',
    action: 'The warning log line names the file: replace it with the host\'s `NAME.key` from `nova-zmq-bridge keygen`.',
  },
  'security.plaintext.received': {
    unit: 'messages', component: 'security',
    counts: 'Messages received from listed legacy peers on the plaintext listener (`plaintext_port`).',
    action: 'Migration traffic: when it stays at 0, the legacy nodes are gone and `plaintext_peers` can be emptied.',
  },
  'security.local.refused': {
    unit: 'connections', component: 'security',
    counts: 'Local API connections refused because the connecting process is neither root, the daemon\'s user, nor in `ipc_group` (SO_PEERCRED).',
    action: 'The warning log line has its pid and uid: add the service\'s user to `ipc_group` if it is yours.',
  },
  'security.local.reply_not_owed': {
    unit: 'replies', component: 'security',
    counts: 'Local API `reply` and `heartbeat` ops refused because the call was not delivered to that connection (a forged reply, or one sent after its connection closed).',
    action: 'The warning log line names the process: a process answering calls it never received is misbehaving or hostile.',
  },
  'security.local.owed_evicted': {
    unit: 'calls', component: 'security',
    counts: 'Calls a connection never answered, forgotten because it owed more than `DEFAULT_MAX_OWED_REPLIES` (security/reply-ledger.ts); a later reply to one is refused.',
    action: 'A shim server that never replies to calls: look at its service.',
  },
  'security.ipc.access_failed': {
    unit: 'errors', component: 'security',
    counts: 'ipc socket files whose group or mode (`ipc_group`, `ipc_mode`) could not be set after binding.',
    action: 'The daemon must belong to `ipc_group`; the error log line names the file.',
  },

  // the counters themselves
  'metrics.uncatalogued': {
    unit: 'errors', component: 'metrics',
    counts: 'Increments of a counter name missing from this catalogue; counted here instead of creating a counter.',
    action: 'A bug (the type checker and test/counters-catalogue.test.ts should have caught it): report it.',
  },
} as const satisfies Record<string, CounterSpec>;

/** A catalogue key: a counter name, or a family pattern with `{placeholders}`. */
export type CounterPattern = keyof typeof COUNTER_CATALOGUE;

type Spec<P extends CounterPattern> = (typeof COUNTER_CATALOGUE)[P];
type VarsOf<P extends CounterPattern> = Spec<P> extends { vars: infer V } ? V : Record<never, never>;
type Fill<S extends string, V> = S extends `${infer A}{${infer K}}${infer B}`
  ? K extends keyof V
    ? V[K] extends readonly (infer X extends string)[]
      ? `${A}${X}${Fill<B, V>}`
      : never
    : never
  : S;
type Open<S extends string> = S extends `${infer A}{${string}}${infer B}` ? `${A}${string}${B}` : never;

/** Every counter name: plain names, and each family expanded over its closed sets. */
export type CounterName = { [P in CounterPattern]: Fill<P, VarsOf<P>> }[CounterPattern];

/**
 * What `Counters.inc/cell/get` accept: a {@link CounterName}, or a member of
 * a family with a fallback whose value is only known at run time
 * (`localapi.ops.${string}`); values outside the set count as the fallback.
 */
export type CounterInput = CounterName | { [P in CounterPattern]: Spec<P> extends { fallback: string } ? Open<P> : never }[CounterPattern];

/** The counter that absorbs names missing from the catalogue. */
export const UNCATALOGUED: CounterName = 'metrics.uncatalogued';

/** `{x}` placeholders of a pattern, in order. */
export function placeholders(pattern: string): string[] {
  return [...pattern.matchAll(/\{([a-z_]+)\}/g)].map((m) => m[1]!);
}

/** Every name of a pattern: the pattern itself, or a family expanded over its closed sets. */
export function expandPattern(pattern: string, spec: CounterSpec): string[] {
  let names = [pattern];
  for (const v of placeholders(pattern)) {
    const values = spec.vars?.[v];
    if (!values) throw new Error(`counter ${pattern}: no closed set for {${v}}`);
    names = names.flatMap((n) => values.map((x) => n.replace(`{${v}}`, x)));
  }
  return names;
}

/** Every counter name of the catalogue, sorted. */
export const ALL_COUNTER_NAMES: readonly CounterName[] = Object.entries(COUNTER_CATALOGUE as Record<string, CounterSpec>)
  .flatMap(([p, s]) => expandPattern(p, s))
  .sort() as CounterName[];

const KNOWN: ReadonlySet<string> = new Set(ALL_COUNTER_NAMES);

/** Families with a fallback: prefix and suffix around their one placeholder, and the name to count instead. */
const FALLBACKS: readonly { prefix: string; suffix: string; name: string }[] = Object.entries(
  COUNTER_CATALOGUE as Record<string, CounterSpec>,
)
  .filter(([, s]) => s.fallback !== undefined)
  .map(([p, s]) => {
    const at = p.indexOf('{');
    const close = p.indexOf('}', at);
    return { prefix: p.slice(0, at), suffix: p.slice(close + 1), name: p.slice(0, at) + s.fallback + p.slice(close + 1) };
  });

/**
 * The counter that `name` is counted as: itself when catalogued; a family's
 * fallback (`localapi.ops.unknown`) for a value outside its set; otherwise
 * {@link UNCATALOGUED}. Never returns a name outside the catalogue, so input
 * cannot make the number of counters grow.
 */
export function resolveCounterName(name: string): CounterName {
  if (KNOWN.has(name)) return name as CounterName;
  for (const f of FALLBACKS) {
    if (name.length >= f.prefix.length + f.suffix.length && name.startsWith(f.prefix) && name.endsWith(f.suffix)) return f.name as CounterName;
  }
  return UNCATALOGUED;
}

/** The catalogue entry (pattern and spec) a counter name belongs to, or null. */
export function specOf(name: string): { pattern: CounterPattern; spec: CounterSpec } | null {
  for (const [p, s] of Object.entries(COUNTER_CATALOGUE as Record<string, CounterSpec>)) {
    if (expandPattern(p, s).includes(name)) return { pattern: p as CounterPattern, spec: s };
  }
  return null;
}
