/**
 * Every nova.conf option the daemon reads: one declaration each, with the
 * key and group it mirrors, its type, its default (a named `DEFAULT_*`
 * constant with its unit), deprecated aliases and where the name comes from:
 * - `seed`: the Folsom deployment guide this project started from,
 * - `legacy`: the later impl_zmq driver (oslo-incubator / oslo.messaging < 9),
 * - `bridge`: settings only this project has (`[zmq_bridge]`).
 * Each also names the BridgeConfig fields it fills and says when a change
 * applies (`live` on SIGHUP, or `restart`), or why the daemon ignores it
 * (`ignored`: Nova's own options that share nova.conf). restart.ts derives
 * the reload freeze from these flags; docs.ts renders them.
 * Options of the rest of nova.conf are not read at all.
 */
import type { MatchmakerKind, SecurityMode } from './types';
import type { OptName } from './store';
import type { ConfigField } from './fields';
import type { TopicFlags } from './types';
import type { ValueType } from './value-types';
import {
  boolType,
  floatType,
  intType,
  listType,
  octalModeType,
  optionalStrType,
  portType,
  strType,
} from './value-types';
import { matchmakerType } from './matchmaker-names';
import { logLevelType } from './log-level-type';
import { listenAddressType } from './listen-address';
import { LOCAL_SOCKET_NAME } from '../wire/endpoints';

export type Origin = 'seed' | 'legacy' | 'bridge';

/**
 * When a changed value takes effect: `live` on SIGHUP (`Daemon.reload()`),
 * `restart` only when the daemon starts (a SIGHUP keeps the running value and
 * logs a warning; see restart.ts). Ignored options have neither.
 */
export type Applies = 'live' | 'restart';

export interface OptionDecl<T> {
  /** Current name: group as written in nova.conf (`DEFAULT`, `matchmaker_ring`, ...) and key. */
  readonly name: OptName;
  /** Older names still read (last assignment under any name wins). */
  readonly deprecated: readonly OptName[];
  readonly type: ValueType<T>;
  /** Static default; undefined when derived at load time (see `defaultText`). */
  readonly default: T | undefined;
  /** The default as documented. */
  readonly defaultText: string;
  readonly origin: Origin;
  /** One-line meaning, for docs/configuration.md. */
  readonly help: string;
  /** The BridgeConfig fields the loader fills from this option. */
  readonly fields: readonly ConfigField[];
  /** `live`, `restart`, or `ignored` (see {@link ignored}). */
  readonly applies: Applies | 'ignored';
  /** True when a changed value takes effect only after a restart. */
  readonly needsRestart: boolean;
  /**
   * Why the daemon ignores the option, or null when it uses it. Ignored
   * options are still parsed and validated: nova.conf is shared with Nova,
   * which reads them, and a typo should fail the same way everywhere.
   */
  readonly ignored: string | null;
  /** The value must not appear in logs (passwords). */
  readonly secret: boolean;
}

const D = (key: string): OptName => ({ group: 'DEFAULT', key });

interface OptInput<T> {
  name: OptName;
  type: ValueType<T>;
  default: T | undefined;
  defaultText?: string;
  origin: Origin;
  help: string;
  deprecated?: OptName[];
  fields: readonly ConfigField[];
  secret?: boolean;
}

/** Each declaration says either when it applies or why it is ignored, never both. */
type Effect = { applies: Applies; ignored?: never } | { ignored: string; applies?: never };

function opt<T>(o: OptInput<T> & Effect): OptionDecl<T> {
  const text =
    o.defaultText ?? (o.default === null || o.default === undefined ? '(unset)' : `\`${String(o.default)}\``);
  const applies = o.ignored !== undefined ? 'ignored' : o.applies;
  return {
    name: o.name,
    deprecated: o.deprecated ?? [],
    type: o.type,
    default: o.default,
    defaultText: text,
    origin: o.origin,
    help: o.help,
    fields: o.fields,
    applies,
    needsRestart: applies === 'restart',
    ignored: o.ignored ?? null,
    secret: o.secret ?? false,
  };
}

/** Reason shared by the options that select Nova's RPC driver. */
const IGNORED_NOVA_DRIVER = 'only Nova reads it, to load its RPC driver (the shim); the daemon is the far end of that driver';

// ---- defaults (units in the names or comments) ----
/** Legacy module path of the RPC backend; informational for the daemon. */
export const DEFAULT_RPC_BACKEND = 'nova.openstack.common.rpc.impl_kombu';
/** Bind to every address, as the seed did. */
export const DEFAULT_BIND_ADDRESS = '*';
/** TCP port of the receiver's PULL socket. */
export const DEFAULT_ZMQ_PORT = 9501;
/** First TCP port of the seed's reserved range 9500-9550. */
export const DEFAULT_ZMQ_START_PORT = 9500;
/** Directory of the ipc sockets. */
export const DEFAULT_IPC_DIR = '/var/run/openstack';
/** Messages buffered per topic; null = unlimited. */
export const DEFAULT_TOPIC_BACKLOG: number | null = null;
/** ZeroMQ I/O threads. */
export const DEFAULT_ZMQ_CONTEXTS = 1;
/** Matchmaker kind. */
export const DEFAULT_MATCHMAKER = 'local';
/** Ring file path. */
export const DEFAULT_RINGFILE = '/etc/oslo/matchmaker_ring.json';
/** Redis host of the redis matchmaker. */
export const DEFAULT_REDIS_HOST = '127.0.0.1';
/** Redis TCP port. */
export const DEFAULT_REDIS_PORT = 6379;
/** Seconds between matchmaker heartbeats. */
export const DEFAULT_HEARTBEAT_FREQ_S = 300;
/** Seconds after which a silent host's registrations expire. */
export const DEFAULT_HEARTBEAT_TTL_S = 600;
/** Worker pool size (count); the seed's value for Nova. */
export const DEFAULT_THREAD_POOL_SIZE = 1024;
/** Pooled connections per peer (count). */
export const DEFAULT_CONN_POOL_SIZE = 30;
/** Seconds a cast may wait to be handed to its peer. */
export const DEFAULT_CAST_TIMEOUT_S = 30;
/** Seconds a call waits for its reply. */
export const DEFAULT_RESPONSE_TIMEOUT_S = 60;
/** Default exchange (Nova's value; oslo's own default is `openstack`). */
export const DEFAULT_CONTROL_EXCHANGE = 'nova';
/** Topic flag defaults from the seed. */
export const DEFAULT_COMPUTE_TOPIC = 'compute';
export const DEFAULT_CONSOLE_TOPIC = 'console';
export const DEFAULT_SCHEDULER_TOPIC = 'scheduler';
export const DEFAULT_VOLUME_TOPIC = 'volume';
export const DEFAULT_NETWORK_TOPIC = 'network';
export const DEFAULT_VSA_TOPIC = 'vsa';
/** File name of the local API socket inside `rpc_zmq_ipc_dir` (formatted by wire/endpoints.ts). */
export const DEFAULT_LOCAL_SOCKET_NAME = LOCAL_SOCKET_NAME;
/** File mode of the local API socket (octal 0660). */
export const DEFAULT_LOCAL_SOCKET_MODE = 0o660;
/** Seconds a reply is held until its caller subscribes. */
export const DEFAULT_REPLY_HOLD_S = 5;
/** Seconds a new fanout PUB holds messages until a first subscriber joins. */
export const DEFAULT_FANOUT_HOLD_S = 0.5;
/** Open connections (PUSH sockets) to peer hosts at most (count); see docs/scale.md. */
export const DEFAULT_MAX_PEERS = 4_096;
/** Seconds without traffic after which a peer connection is closed. */
export const DEFAULT_PEER_IDLE_S = 300;
/** ipc outlet sockets (topics of legacy consumers) open at most (count); see docs/scale.md. */
export const DEFAULT_MAX_IPC_OUTLETS = 4_096;
/** Seconds without a message after which an ipc outlet is closed and its file removed. */
export const DEFAULT_IPC_OUTLET_IDLE_S = 600;
/** Largest frame, and message (all frames), read from the network, in bytes (16 MiB: above Nova's largest real messages). */
export const DEFAULT_MAX_MESSAGE_SIZE_BYTES = 16 * 1024 * 1024;
/** Bytes one topic's ipc outlet may hold (queued and held), in bytes (64 MiB). */
export const DEFAULT_TOPIC_QUEUE_BYTES = 64 * 1024 * 1024;
/** Bytes all ipc outlets together may hold, in bytes (256 MiB). */
export const DEFAULT_QUEUE_BYTES = 256 * 1024 * 1024;
/** Seconds a local API client may take to complete a frame it started. */
export const DEFAULT_LOCAL_READ_TIMEOUT_S = 30;
/** Bytes buffered for all local API sessions together, per direction (256 MiB). */
export const DEFAULT_LOCAL_BUFFER_BYTES = 256 * 1024 * 1024;
/** Smallest accepted `max_message_size`, in bytes: below it even a heartbeat would not fit. */
export const MIN_MAX_MESSAGE_SIZE_BYTES = 1024;
/** Offsets from `rpc_zmq_start_port` of the broker and topic scheduler ports. */
export const BROKER_PORT_OFFSET = 2;
export const SCHEDULER_PORT_OFFSET = 3;
/** Offset from `rpc_zmq_start_port` of the HTTP port (metrics and health). */
export const HTTP_PORT_OFFSET = 4;
/** Address the HTTP listener binds by default: loopback, so metrics are not exposed unless asked. */
export const DEFAULT_HTTP_HOST = '127.0.0.1';
/** Offset from `rpc_zmq_start_port` of the plaintext port: 9501, the legacy nodes' `rpc_zmq_port`. */
export const PLAINTEXT_PORT_OFFSET = 1;
/** Security of the tcp transport: plaintext, as the legacy driver. */
export const DEFAULT_SECURITY: SecurityMode = 'none';
/** The values of `[zmq_bridge] security`. */
export const SECURITY_MODES: readonly SecurityMode[] = ['none', 'curve'];
/** File mode of the ipc socket files (octal 0660: the daemon's user and the ipc group). */
export const DEFAULT_IPC_MODE = 0o660;

// ---- [DEFAULT] ----

/** `[DEFAULT] rpc_backend` — string, default {@link DEFAULT_RPC_BACKEND}; seed (`nova.rpc.impl_zmq` selected the zmq driver). */
export const OPT_RPC_BACKEND = opt({
  name: D('rpc_backend'), type: strType(), default: DEFAULT_RPC_BACKEND, origin: 'seed',
  fields: ['rpcBackend'], ignored: IGNORED_NOVA_DRIVER,
  help: "Nova's RPC backend module before oslo.messaging (`nova_zmq_bridge.impl_zmq` makes old Nova use the shim).",
});

/** `[DEFAULT] transport_url` — string or unset; legacy (oslo.messaging). `zmq://host:port` is informational only. */
export const OPT_TRANSPORT_URL = opt<string | null>({
  name: D('transport_url'), type: optionalStrType(), default: null, origin: 'legacy',
  fields: ['transportUrl'], ignored: IGNORED_NOVA_DRIVER,
  help: "Nova's oslo.messaging transport URL (`zmq://` selects the shim).",
});

/** `[DEFAULT] rpc_zmq_bind_address` — `*`, an IP literal or an interface name; default {@link DEFAULT_BIND_ADDRESS}; seed. */
export const OPT_BIND_ADDRESS = opt({
  name: D('rpc_zmq_bind_address'), type: strType({ nonEmpty: true }), default: DEFAULT_BIND_ADDRESS, origin: 'seed',
  fields: ['bindAddressRaw', 'bindAddress'], applies: 'restart',
  help: 'Address the receiver binds: `*`, an IP address, or an interface name (its first IPv4 address).',
});

/** `[DEFAULT] rpc_zmq_port` — port, default {@link DEFAULT_ZMQ_PORT}; legacy. */
export const OPT_ZMQ_PORT = opt({
  name: D('rpc_zmq_port'), type: portType(), default: DEFAULT_ZMQ_PORT, origin: 'legacy',
  fields: ['port'], applies: 'restart',
  help: 'TCP port of the receiver (PULL) on every host.',
});

/** `[DEFAULT] rpc_zmq_start_port` — port, default {@link DEFAULT_ZMQ_START_PORT}; seed. */
export const OPT_ZMQ_START_PORT = opt({
  name: D('rpc_zmq_start_port'), type: portType(), default: DEFAULT_ZMQ_START_PORT, origin: 'seed',
  fields: ['startPort'], applies: 'restart',
  help: 'First port of the range the seed reserved (start .. start+50); the daemon binds nothing on it and uses it only to derive the defaults of `broker_port` and `scheduler_port`.',
});

/** `[DEFAULT] rpc_zmq_host` — non-empty string, default: the machine's hostname; legacy. */
export const OPT_ZMQ_HOST = opt<string>({
  name: D('rpc_zmq_host'), type: strType({ nonEmpty: true }), default: undefined, defaultText: 'hostname of the machine', origin: 'legacy',
  fields: ['host'], applies: 'restart',
  help: "This node's name on the wire (directed topics, reply topics, matchmaker registrations); must resolve to it on peers.",
});

/** `[DEFAULT] rpc_zmq_ipc_dir` — directory, default {@link DEFAULT_IPC_DIR}; legacy. */
export const OPT_IPC_DIR = opt({
  name: D('rpc_zmq_ipc_dir'), type: strType({ nonEmpty: true }), default: DEFAULT_IPC_DIR, origin: 'legacy',
  fields: ['ipcDir'], applies: 'restart',
  help: 'Directory of the ipc sockets (legacy local consumers, local API socket).',
});

/** `[DEFAULT] rpc_zmq_topic_backlog` — int >= 1 or unset (unlimited), default {@link DEFAULT_TOPIC_BACKLOG}; legacy. */
export const OPT_TOPIC_BACKLOG = opt<number | null>({
  name: D('rpc_zmq_topic_backlog'), type: intType({ min: 1 }), default: DEFAULT_TOPIC_BACKLOG, defaultText: '(unset: unlimited)', origin: 'legacy',
  fields: ['topicBacklog'], applies: 'live',
  help: 'Maximum messages buffered per topic; unset means unlimited.',
});

/** `[DEFAULT] rpc_zmq_contexts` — int >= 1, default {@link DEFAULT_ZMQ_CONTEXTS}; legacy. */
export const OPT_ZMQ_CONTEXTS = opt({
  name: D('rpc_zmq_contexts'), type: intType({ min: 1 }), default: DEFAULT_ZMQ_CONTEXTS, origin: 'legacy',
  fields: ['contexts'], applies: 'restart',
  help: 'Number of ZeroMQ I/O threads.',
});

/** `[DEFAULT] rpc_zmq_matchmaker` — short name, class name or legacy class path; default {@link DEFAULT_MATCHMAKER}; seed. */
export const OPT_MATCHMAKER = opt<MatchmakerKind>({
  name: D('rpc_zmq_matchmaker'), type: matchmakerType(), default: 'local', defaultText: '`local`', origin: 'seed',
  fields: ['matchmaker', 'matchmakerRaw'], applies: 'restart',
  help: 'Matchmaker: local, stub, ring, fanout_ring, broker, topic_scheduler, redis; also MatchMaker* class names and legacy class paths.',
});

/**
 * `[matchmaker_ring] ringfile` — path, default {@link DEFAULT_RINGFILE}; legacy name, deprecated aliases
 * `[DEFAULT] rpc_zmq_matchmaker_ringfile` (seed) and `[DEFAULT] matchmaker_ringfile` (legacy).
 * A relative path is resolved against the directory of the file that set it.
 */
export const OPT_RINGFILE = opt({
  name: { group: 'matchmaker_ring', key: 'ringfile' }, type: strType({ nonEmpty: true }), default: DEFAULT_RINGFILE, origin: 'legacy',
  fields: ['ringfile'], applies: 'restart',
  deprecated: [D('rpc_zmq_matchmaker_ringfile'), D('matchmaker_ringfile')],
  help: 'JSON ring file (`{"topic": ["host", ...]}`) of the ring matchmakers; relative paths are resolved against the directory of the file that set it. Its contents are re-read on SIGHUP and when it changes; a new path needs a restart.',
});

/** `[DEFAULT] rpc_zmq_broker_ip` — host or unset; seed. */
export const OPT_BROKER_IP = opt<string | null>({
  name: D('rpc_zmq_broker_ip'), type: optionalStrType(), default: null, origin: 'seed',
  fields: ['brokerIp'], applies: 'restart',
  help: 'Host of the broker / topic scheduler service (broker and topic_scheduler matchmakers).',
});

/** `[matchmaker_redis] host` — string, default {@link DEFAULT_REDIS_HOST}; legacy. */
export const OPT_REDIS_HOST = opt({
  name: { group: 'matchmaker_redis', key: 'host' }, type: strType({ nonEmpty: true }), default: DEFAULT_REDIS_HOST, origin: 'legacy',
  fields: ['redis.host'], applies: 'restart',
  help: 'Redis server host of the redis matchmaker.',
});

/** `[matchmaker_redis] port` — port, default {@link DEFAULT_REDIS_PORT}; legacy. */
export const OPT_REDIS_PORT = opt({
  name: { group: 'matchmaker_redis', key: 'port' }, type: portType(), default: DEFAULT_REDIS_PORT, origin: 'legacy',
  fields: ['redis.port'], applies: 'restart',
  help: 'Redis server port.',
});

/** `[matchmaker_redis] password` — string, empty/unset = no AUTH; legacy. */
export const OPT_REDIS_PASSWORD = opt<string | null>({
  name: { group: 'matchmaker_redis', key: 'password' }, type: optionalStrType(), default: null, origin: 'legacy',
  fields: ['redis.password'], applies: 'restart', secret: true,
  help: 'Redis password; empty means no AUTH.',
});

/** `[matchmaker_redis] username` — string, empty/unset = the `default` user; bridge (Redis >= 6 ACL users; the legacy driver knew only the password). */
export const OPT_REDIS_USERNAME = opt<string | null>({
  name: { group: 'matchmaker_redis', key: 'username' }, type: optionalStrType(), default: null, origin: 'bridge',
  fields: ['redis.username'], applies: 'restart',
  help: 'Redis ACL user (Redis >= 6) authenticated with `password`; empty means the `default` user (password-only AUTH). Anyone who can write the matchmaker keys in Redis steers traffic: give this user only what the matchmaker needs (docs/security.md).',
});

/** `[DEFAULT] matchmaker_heartbeat_freq` — int seconds >= 1, default {@link DEFAULT_HEARTBEAT_FREQ_S}; legacy (a `[DEFAULT]` option in impl_zmq's matchmaker). */
export const OPT_HEARTBEAT_FREQ = opt({
  name: D('matchmaker_heartbeat_freq'), type: intType({ min: 1 }), default: DEFAULT_HEARTBEAT_FREQ_S, origin: 'legacy',
  fields: ['heartbeatFreq'], applies: 'restart',
  help: 'Seconds between matchmaker heartbeats (redis registrations are refreshed this often).',
});

/** `[DEFAULT] matchmaker_heartbeat_ttl` — int seconds >= 1, default {@link DEFAULT_HEARTBEAT_TTL_S}; legacy. */
export const OPT_HEARTBEAT_TTL = opt({
  name: D('matchmaker_heartbeat_ttl'), type: intType({ min: 1 }), default: DEFAULT_HEARTBEAT_TTL_S, origin: 'legacy',
  fields: ['heartbeatTtl'], applies: 'restart',
  help: 'Seconds after which a host that stopped heartbeating expires.',
});

/** `[DEFAULT] rpc_thread_pool_size` — int >= 1, default {@link DEFAULT_THREAD_POOL_SIZE}; seed; alias `executor_thread_pool_size` (the newer oslo.messaging name; whichever is set last wins). */
export const OPT_THREAD_POOL_SIZE = opt({
  name: D('rpc_thread_pool_size'), type: intType({ min: 1 }), default: DEFAULT_THREAD_POOL_SIZE, origin: 'seed',
  fields: ['threadPoolSize'], ignored: 'the daemon has no worker pool: the receiver hands each message on as it arrives and shim listeners run in their own processes',
  deprecated: [D('executor_thread_pool_size')],
  help: "Size of Nova's RPC worker pool (alias `executor_thread_pool_size`).",
});

/** `[DEFAULT] rpc_conn_pool_size` — int >= 1, default {@link DEFAULT_CONN_POOL_SIZE}; legacy. */
export const OPT_CONN_POOL_SIZE = opt({
  name: D('rpc_conn_pool_size'), type: intType({ min: 1 }), default: DEFAULT_CONN_POOL_SIZE, origin: 'legacy',
  fields: ['connPoolSize'], ignored: 'the sender keeps one connection (PUSH socket) per peer host, opened on first use and closed when idle',
  help: "Size of Nova's pool of RPC connections.",
});

/** `[DEFAULT] rpc_cast_timeout` — int seconds >= 1, default {@link DEFAULT_CAST_TIMEOUT_S}; legacy. */
export const OPT_CAST_TIMEOUT = opt({
  name: D('rpc_cast_timeout'), type: intType({ min: 1 }), default: DEFAULT_CAST_TIMEOUT_S, origin: 'legacy',
  fields: ['castTimeout'], applies: 'restart',
  help: 'Seconds an outgoing message (cast, call, reply, notification) may wait to be handed to its peer before it is dropped (counted as `sender.cast.failed`).',
});

/** `[DEFAULT] rpc_response_timeout` — int seconds >= 1, default {@link DEFAULT_RESPONSE_TIMEOUT_S}; legacy. */
export const OPT_RESPONSE_TIMEOUT = opt({
  name: D('rpc_response_timeout'), type: intType({ min: 1 }), default: DEFAULT_RESPONSE_TIMEOUT_S, origin: 'legacy',
  fields: ['responseTimeout'], applies: 'restart',
  help: 'Default seconds a call waits for its reply.',
});

/** `[DEFAULT] control_exchange` — string, default {@link DEFAULT_CONTROL_EXCHANGE}; legacy. */
export const OPT_CONTROL_EXCHANGE = opt({
  name: D('control_exchange'), type: strType({ nonEmpty: true }), default: DEFAULT_CONTROL_EXCHANGE, origin: 'legacy',
  fields: ['controlExchange'], applies: 'restart',
  help: 'Default exchange; messages on it are wire-identical to legacy nodes, others are sent as `exchange:topic`.',
});

/** `[DEFAULT] debug` — bool, default false; legacy. */
export const OPT_DEBUG = opt({
  name: D('debug'), type: boolType(), default: false, origin: 'legacy',
  fields: ['debug'], applies: 'live',
  help: 'Log level `debug` (unless a log level is set explicitly).',
});

/** `[DEFAULT] verbose` — bool, default false; legacy. */
export const OPT_VERBOSE = opt({
  name: D('verbose'), type: boolType(), default: false, origin: 'legacy',
  fields: ['verbose'], applies: 'live',
  help: 'Log level `info` (already the default; kept for old nova.conf files).',
});

/** Why the daemon ignores the seed's topic flags. */
const IGNORED_TOPIC_FLAG =
  'the daemon routes whatever topics the shims and peers name; only Nova uses these to build them (ring file keys must still match what Nova sends)';

const topicOpt = (service: keyof TopicFlags, def: string) =>
  opt({
    name: D(`${service}_topic`), type: strType({ nonEmpty: true }), default: def, origin: 'seed',
    fields: [`topics.${service}`], ignored: IGNORED_TOPIC_FLAG,
    help: `Nova's base topic of the ${service} service.`,
  });

/** `[DEFAULT] compute_topic` — string, default {@link DEFAULT_COMPUTE_TOPIC}; seed. */
export const OPT_COMPUTE_TOPIC = topicOpt('compute', DEFAULT_COMPUTE_TOPIC);
/** `[DEFAULT] console_topic` — string, default {@link DEFAULT_CONSOLE_TOPIC}; seed. */
export const OPT_CONSOLE_TOPIC = topicOpt('console', DEFAULT_CONSOLE_TOPIC);
/** `[DEFAULT] scheduler_topic` — string, default {@link DEFAULT_SCHEDULER_TOPIC}; seed. */
export const OPT_SCHEDULER_TOPIC = topicOpt('scheduler', DEFAULT_SCHEDULER_TOPIC);
/** `[DEFAULT] volume_topic` — string, default {@link DEFAULT_VOLUME_TOPIC}; seed. */
export const OPT_VOLUME_TOPIC = topicOpt('volume', DEFAULT_VOLUME_TOPIC);
/** `[DEFAULT] network_topic` — string, default {@link DEFAULT_NETWORK_TOPIC}; seed. */
export const OPT_NETWORK_TOPIC = topicOpt('network', DEFAULT_NETWORK_TOPIC);
/** `[DEFAULT] vsa_topic` — string, default {@link DEFAULT_VSA_TOPIC}; seed. */
export const OPT_VSA_TOPIC = topicOpt('vsa', DEFAULT_VSA_TOPIC);

// ---- [zmq_bridge] ----
const B = (key: string): OptName => ({ group: 'zmq_bridge', key });

/** `[zmq_bridge] local_socket` — path, default `<rpc_zmq_ipc_dir>/`{@link DEFAULT_LOCAL_SOCKET_NAME}; bridge. */
export const OPT_LOCAL_SOCKET = opt<string>({
  name: B('local_socket'), type: strType({ nonEmpty: true }), default: undefined, defaultText: '`<rpc_zmq_ipc_dir>/nova-zmq-bridge.sock`', origin: 'bridge',
  fields: ['bridge.localSocket'], applies: 'restart',
  help: 'Unix socket of the local API the shims connect to.',
});

/** `[zmq_bridge] local_socket_mode` — octal mode, default {@link DEFAULT_LOCAL_SOCKET_MODE} (0660); bridge. */
export const OPT_LOCAL_SOCKET_MODE = opt({
  name: B('local_socket_mode'), type: octalModeType(), default: DEFAULT_LOCAL_SOCKET_MODE, defaultText: '`0660`', origin: 'bridge',
  fields: ['bridge.localSocketMode'], applies: 'restart',
  help: "File mode (octal) of the local API socket: only the daemon's user and group may connect.",
});

/** `[zmq_bridge] reply_hold` — float seconds >= 0, default {@link DEFAULT_REPLY_HOLD_S}; bridge. */
export const OPT_REPLY_HOLD = opt({
  name: B('reply_hold'), type: floatType({ min: 0 }), default: DEFAULT_REPLY_HOLD_S, origin: 'bridge',
  fields: ['bridge.replyHoldSeconds'], applies: 'live',
  help: "Seconds a reply is held on the ipc reply PUB until its caller's subscription arrives.",
});

/** `[zmq_bridge] fanout_hold` — float seconds >= 0, default {@link DEFAULT_FANOUT_HOLD_S}; bridge. */
export const OPT_FANOUT_HOLD = opt({
  name: B('fanout_hold'), type: floatType({ min: 0 }), default: DEFAULT_FANOUT_HOLD_S, origin: 'bridge',
  fields: ['bridge.fanoutHoldSeconds'], applies: 'live',
  help: 'Seconds messages are held on a new fanout PUB until a first subscriber joins (never blocks other topics).',
});

/** `[zmq_bridge] broker_port` — port, default `rpc_zmq_start_port` + {@link BROKER_PORT_OFFSET} (9502); bridge. */
export const OPT_BROKER_PORT = opt<number>({
  name: B('broker_port'), type: portType(), default: undefined, defaultText: '`rpc_zmq_start_port + 2` (9502)', origin: 'bridge',
  fields: ['bridge.brokerPort'], applies: 'restart',
  help: 'Port of the broker matchmaker service: a broker-role daemon binds it, broker matchmakers connect to it on `rpc_zmq_broker_ip`.',
});

/** `[zmq_bridge] scheduler_port` — port, default `rpc_zmq_start_port` + {@link SCHEDULER_PORT_OFFSET} (9503); bridge. */
export const OPT_SCHEDULER_PORT = opt<number>({
  name: B('scheduler_port'), type: portType(), default: undefined, defaultText: '`rpc_zmq_start_port + 3` (9503)', origin: 'bridge',
  fields: ['bridge.schedulerPort'], applies: 'restart',
  help: 'Port of the topic scheduler service: a broker-role daemon binds it, topic_scheduler matchmakers connect to it on `rpc_zmq_broker_ip`.',
});

/** `[zmq_bridge] broker_role` — bool, default false; bridge. */
export const OPT_BROKER_ROLE = opt({
  name: B('broker_role'), type: boolType(), default: false, origin: 'bridge',
  fields: ['bridge.brokerRole'], applies: 'restart',
  help: 'Run the broker / topic scheduler service in this daemon.',
});

/** `[zmq_bridge] log_level` — pino level or unset; bridge. Overrides debug/verbose; overridden by `--log-level` and `NOVA_ZMQ_BRIDGE_LOG_LEVEL`. */
export const OPT_LOG_LEVEL = opt<string | null>({
  name: B('log_level'), type: logLevelType(), default: null, origin: 'bridge',
  fields: ['bridge.logLevel'], applies: 'live',
  help: 'Log level (trace, debug, info, warn, error, fatal, silent); overrides debug/verbose.',
});

/** `[zmq_bridge] http_listen` — `HOST:PORT` or empty (off), default {@link DEFAULT_HTTP_HOST}:`rpc_zmq_start_port` + {@link HTTP_PORT_OFFSET} (9504); bridge. */
export const OPT_HTTP_LISTEN = opt<string | null>({
  name: B('http_listen'), type: listenAddressType(), default: undefined, defaultText: '`127.0.0.1:<rpc_zmq_start_port + 4>` (127.0.0.1:9504)', origin: 'bridge',
  fields: ['bridge.httpListen'], applies: 'restart',
  help: 'Where the HTTP listener serves Prometheus metrics (`/metrics`) and health (`/livez`, `/readyz`): `HOST:PORT`; empty turns it off. A port already in use is logged and the daemon runs without it.',
});

/** `[zmq_bridge] security` — `none` or `curve`, default {@link DEFAULT_SECURITY}; bridge. */
export const OPT_SECURITY = opt<SecurityMode>({
  name: B('security'), type: strType({ choices: SECURITY_MODES, ignoreCase: true }) as ValueType<SecurityMode>, default: DEFAULT_SECURITY, origin: 'bridge',
  fields: ['bridge.security'], applies: 'restart',
  help: 'Security of the tcp transport: `none` (plaintext, as legacy nodes) or `curve` (CurveZMQ encryption, and only hosts whose key is in `curve_trusted_dir` get in). See docs/security.md.',
});

/** `[zmq_bridge] curve_certificate` — path of this host's secret certificate; bridge. Relative paths are resolved against the file that set it. */
export const OPT_CURVE_CERTIFICATE = opt<string | null>({
  name: B('curve_certificate'), type: optionalStrType(), default: null, origin: 'bridge',
  fields: ['bridge.curveCertificate'], applies: 'restart',
  help: "This host's secret certificate (`NAME.key_secret`, czmq format, made by `nova-zmq-bridge keygen NAME`), used as CURVE server and client; must not be readable by group or others. Needed when `security = curve`; relative paths are resolved against the directory of the file that set it.",
});

/** `[zmq_bridge] curve_trusted_dir` — directory of public certificates; bridge. */
export const OPT_CURVE_TRUSTED_DIR = opt<string | null>({
  name: B('curve_trusted_dir'), type: optionalStrType(), default: null, origin: 'bridge',
  fields: ['bridge.curveTrustedDir'], applies: 'restart',
  help: 'Directory of the public certificates `<rpc_zmq_host>.key` of every trusted host: the only clients let in, and where the sender finds the key of the peer it connects to. Needed when `security = curve`; its contents are re-read on SIGHUP and when they change (a new path needs a restart); relative paths are resolved against the directory of the file that set it.',
});

/** `[zmq_bridge] plaintext_peers` — list of addresses or names; bridge. */
export const OPT_PLAINTEXT_PEERS = opt<string[]>({
  name: B('plaintext_peers'), type: listType(), default: [], defaultText: '(empty)', origin: 'bridge',
  fields: ['bridge.plaintextPeers'], applies: 'restart',
  help: 'Migration from legacy nodes, with `security = curve`: legacy peers (IP addresses, or names resolved at start-up) allowed to send in plaintext to the listener on `plaintext_port`, and to which this host sends in plaintext. Empty: no plaintext at all. See docs/security.md for the risk.',
});

/** `[zmq_bridge] plaintext_port` — port, default `rpc_zmq_start_port` + {@link PLAINTEXT_PORT_OFFSET} (9501); bridge. */
export const OPT_PLAINTEXT_PORT = opt<number>({
  name: B('plaintext_port'), type: portType(), default: undefined, defaultText: '`rpc_zmq_start_port + 1` (9501)', origin: 'bridge',
  fields: ['bridge.plaintextPort'], applies: 'restart',
  help: "With `plaintext_peers`: the port of this host's plaintext listener, and the receiver port of the legacy peers (their `rpc_zmq_port`); must differ from `rpc_zmq_port`.",
});

/** `[zmq_bridge] ipc_group` — group name or number; bridge. */
export const OPT_IPC_GROUP = opt<string | null>({
  name: B('ipc_group'), type: optionalStrType(), default: null, defaultText: "(unset: the daemon's group)", origin: 'bridge',
  fields: ['bridge.ipcGroup'], applies: 'restart',
  help: "Group (name or number) given the ipc dir the daemon creates, the ipc socket files and the local API socket; its members (with the daemon's user and root) may use the local API. The daemon must belong to it.",
});

/** `[zmq_bridge] ipc_mode` — octal mode, default {@link DEFAULT_IPC_MODE} (0660); bridge. */
export const OPT_IPC_MODE = opt({
  name: B('ipc_mode'), type: octalModeType(), default: DEFAULT_IPC_MODE, defaultText: '`0660`', origin: 'bridge',
  fields: ['bridge.ipcMode'], applies: 'restart',
  help: "File mode (octal) of the ipc socket files (`zmq_topic_*`) of legacy consumers: the daemon's user and `ipc_group`.",
});

/** `[zmq_bridge] max_peers` — int >= 1, default {@link DEFAULT_MAX_PEERS}; bridge. */
export const OPT_MAX_PEERS = opt({
  name: B('max_peers'), type: intType({ min: 1 }), default: DEFAULT_MAX_PEERS, origin: 'bridge',
  fields: ['bridge.maxPeers'], applies: 'restart',
  help: 'Most connections (PUSH sockets) open to peer hosts at once. At the cap the least recently used idle one is closed for a new host; while every one is busy, messages for a new host wait for one (up to `rpc_cast_timeout`), then fail with `PEER_LIMIT` (`sender.peer_limit`). Lowered at start-up if the open-file limit cannot hold it (docs/scale.md).',
});

/** `[zmq_bridge] peer_idle_timeout` — float seconds > 0, default {@link DEFAULT_PEER_IDLE_S}; bridge. */
export const OPT_PEER_IDLE_TIMEOUT = opt({
  name: B('peer_idle_timeout'), type: floatType({ min: 1 }), default: DEFAULT_PEER_IDLE_S, origin: 'bridge',
  fields: ['bridge.peerIdleSeconds'], applies: 'restart',
  help: 'Seconds without traffic after which a connection to a peer host is closed (`sender.peers.closed_idle`); the next message reopens it.',
});

/** `[zmq_bridge] max_ipc_outlets` — int >= 1, default {@link DEFAULT_MAX_IPC_OUTLETS}; bridge. */
export const OPT_MAX_IPC_OUTLETS = opt({
  name: B('max_ipc_outlets'), type: intType({ min: 1 }), default: DEFAULT_MAX_IPC_OUTLETS, origin: 'bridge',
  fields: ['bridge.maxIpcOutlets'], applies: 'restart',
  help: 'Most ipc outlet sockets (`zmq_topic_<topic>` of legacy consumers) open at once. At the cap the least recently used outlet with nothing queued is closed (its consumers reconnect when it comes back); when every one holds messages, a new topic\'s message is dropped and counted (`receiver.dropped.outlet_limit`). Lowered at start-up if the open-file limit cannot hold it (docs/scale.md).',
});

/** `[zmq_bridge] ipc_outlet_idle_timeout` — float seconds > 0, default {@link DEFAULT_IPC_OUTLET_IDLE_S}; bridge. */
export const OPT_IPC_OUTLET_IDLE_TIMEOUT = opt({
  name: B('ipc_outlet_idle_timeout'), type: floatType({ min: 1 }), default: DEFAULT_IPC_OUTLET_IDLE_S, origin: 'bridge',
  fields: ['bridge.ipcOutletIdleSeconds'], applies: 'restart',
  help: 'Seconds without a message after which an ipc outlet is closed and its file removed (`receiver.outlets.closed_idle`); its next message binds it again and connected consumers reconnect by themselves.',
});

/** `[zmq_bridge] max_message_size` — int bytes >= {@link MIN_MAX_MESSAGE_SIZE_BYTES}, default {@link DEFAULT_MAX_MESSAGE_SIZE_BYTES} (16 MiB); bridge. */
export const OPT_MAX_MESSAGE_SIZE = opt({
  name: B('max_message_size'), type: intType({ min: MIN_MAX_MESSAGE_SIZE_BYTES }), default: DEFAULT_MAX_MESSAGE_SIZE_BYTES, defaultText: '`16777216` (16 MiB)', origin: 'bridge',
  fields: ['bridge.maxMessageSize'], applies: 'restart',
  help: 'Bytes: the largest frame (libzmq `ZMQ_MAXMSGSIZE`) and the largest message (all frames) read from the network, and the largest message a shim may send. A peer sending a bigger frame is disconnected by libzmq (`receiver.disconnects`); a bigger message is refused (`receiver.refused.too_large`, `TOO_LARGE` to a shim).',
});

/** `[zmq_bridge] topic_queue_bytes` — int bytes >= 1, default {@link DEFAULT_TOPIC_QUEUE_BYTES} (64 MiB); bridge. */
export const OPT_TOPIC_QUEUE_BYTES = opt({
  name: B('topic_queue_bytes'), type: intType({ min: 1 }), default: DEFAULT_TOPIC_QUEUE_BYTES, defaultText: '`67108864` (64 MiB)', origin: 'bridge',
  fields: ['bridge.topicQueueBytes'], applies: 'live',
  help: 'Bytes one topic\'s ipc outlet may hold for its legacy consumers (queued and held messages; one message is always accepted into an empty queue). Beyond it new messages of the topic are dropped (`receiver.dropped.topic_bytes`).',
});

/** `[zmq_bridge] queue_bytes` — int bytes >= 1, default {@link DEFAULT_QUEUE_BYTES} (256 MiB); bridge. */
export const OPT_QUEUE_BYTES = opt({
  name: B('queue_bytes'), type: intType({ min: 1 }), default: DEFAULT_QUEUE_BYTES, defaultText: '`268435456` (256 MiB)', origin: 'bridge',
  fields: ['bridge.queueBytes'], applies: 'live',
  help: 'Bytes all ipc outlets together may hold. Beyond it the oldest messages of the topic holding the most are dropped to make room (`receiver.dropped.queue_bytes`), so a topic nobody consumes cannot starve the others.',
});

/** `[zmq_bridge] local_read_timeout` — float seconds > 0, default {@link DEFAULT_LOCAL_READ_TIMEOUT_S}; bridge. */
export const OPT_LOCAL_READ_TIMEOUT = opt({
  name: B('local_read_timeout'), type: floatType({ min: 0.001 }), default: DEFAULT_LOCAL_READ_TIMEOUT_S, origin: 'bridge',
  fields: ['bridge.localReadTimeoutSeconds'], applies: 'restart',
  help: 'Seconds a local API client may take to send the rest of a frame it started; then it is answered `PROTOCOL` and disconnected (`localapi.read_timeouts`). Idle connections between frames are not limited.',
});

/** `[zmq_bridge] local_buffer_bytes` — int bytes >= 1, default {@link DEFAULT_LOCAL_BUFFER_BYTES} (256 MiB); bridge. */
export const OPT_LOCAL_BUFFER_BYTES = opt({
  name: B('local_buffer_bytes'), type: intType({ min: 1 }), default: DEFAULT_LOCAL_BUFFER_BYTES, defaultText: '`268435456` (256 MiB)', origin: 'bridge',
  fields: ['bridge.localBufferBytes'], applies: 'restart',
  help: 'Bytes the local API buffers for all shim connections together, in each direction: partial frames being read (beyond it reading pauses, `localapi.input_paused`) and answers and deliveries not yet taken by slow shims (beyond it deliveries to a shim with a backlog are dropped, `localapi.deliver.overflow`).',
});

/** Every declaration, in documentation order. */
export const ALL_OPTIONS: readonly OptionDecl<unknown>[] = [
  OPT_RPC_BACKEND, OPT_TRANSPORT_URL, OPT_BIND_ADDRESS, OPT_ZMQ_PORT, OPT_ZMQ_START_PORT, OPT_ZMQ_HOST,
  OPT_IPC_DIR, OPT_TOPIC_BACKLOG, OPT_ZMQ_CONTEXTS, OPT_MATCHMAKER, OPT_RINGFILE, OPT_BROKER_IP,
  OPT_REDIS_HOST, OPT_REDIS_PORT, OPT_REDIS_PASSWORD, OPT_REDIS_USERNAME, OPT_HEARTBEAT_FREQ, OPT_HEARTBEAT_TTL,
  OPT_THREAD_POOL_SIZE, OPT_CONN_POOL_SIZE, OPT_CAST_TIMEOUT, OPT_RESPONSE_TIMEOUT, OPT_CONTROL_EXCHANGE,
  OPT_DEBUG, OPT_VERBOSE, OPT_COMPUTE_TOPIC, OPT_CONSOLE_TOPIC, OPT_SCHEDULER_TOPIC, OPT_VOLUME_TOPIC,
  OPT_NETWORK_TOPIC, OPT_VSA_TOPIC, OPT_LOCAL_SOCKET, OPT_LOCAL_SOCKET_MODE, OPT_REPLY_HOLD, OPT_FANOUT_HOLD,
  OPT_BROKER_PORT, OPT_SCHEDULER_PORT, OPT_BROKER_ROLE, OPT_LOG_LEVEL, OPT_HTTP_LISTEN,
  OPT_SECURITY, OPT_CURVE_CERTIFICATE, OPT_CURVE_TRUSTED_DIR, OPT_PLAINTEXT_PEERS, OPT_PLAINTEXT_PORT,
  OPT_IPC_GROUP, OPT_IPC_MODE,
  OPT_MAX_PEERS, OPT_PEER_IDLE_TIMEOUT, OPT_MAX_IPC_OUTLETS, OPT_IPC_OUTLET_IDLE_TIMEOUT,
  OPT_MAX_MESSAGE_SIZE, OPT_TOPIC_QUEUE_BYTES, OPT_QUEUE_BYTES, OPT_LOCAL_READ_TIMEOUT, OPT_LOCAL_BUFFER_BYTES,
] as readonly OptionDecl<unknown>[];
