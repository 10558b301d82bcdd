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
  | 'milliseconds';

/** The pino `component` of the code that moves the counter. */
export type CounterComponent = 'receiver' | 'sender' | 'reply-waiter' | 'localapi' | 'listeners' | 'matchmaker' | 'broker-role' | 'metrics';

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

/** Operations of the local API (docs/local-api.md), plus `unknown` for anything else a client sends. */
export const LOCAL_API_OPS = ['hello', 'listen', 'unlisten', 'cast', 'call', 'notify', 'reply', 'heartbeat', 'stats', 'unknown'] as const;

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
  'ENVELOPE_INVALID',
  'MATCHMAKER_SERVICE_UNAVAILABLE',
  'MATCHMAKER_SERVICE_REFUSED',
  'TOO_LARGE',
  'unknown',
] as const;

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
    counts: 'Peer connections closed after a while without traffic (`DEFAULT_PEER_IDLE_MS` of sender/peer-pool.ts).',
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
  'localapi.listeners.added': {
    unit: 'listeners', component: 'listeners',
    counts: 'Listeners registered by shims (`listen`).',
  },
  'localapi.listeners.removed': {
    unit: 'listeners', component: 'listeners',
    counts: 'Listeners removed (`unlisten`, or their connection closed).',
  },
  'localapi.delivered.rpc': {
    unit: 'messages', component: 'listeners',
    counts: 'Casts and calls delivered to a shim listener (one of the topic\'s listeners).',
  },
  'localapi.delivered.fanout': {
    unit: 'messages', component: 'listeners',
    counts: 'Fanout messages delivered to every shim listener of their topic.',
  },
  'localapi.delivered.notify': {
    unit: 'messages', component: 'listeners',
    counts: 'Notifications delivered to shim notification listeners (one per pool).',
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
