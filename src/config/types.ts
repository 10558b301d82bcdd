/**
 * The daemon's resolved configuration: what `loadConfig()` (config/loader.ts)
 * returns after reading nova.conf the oslo.config way. Every field documents
 * the nova.conf key it mirrors (group `[DEFAULT]` unless stated) and its unit.
 * Defaults live in config/options.ts as named `DEFAULT_*` constants.
 */

/** Canonical matchmaker kinds; `rpc_zmq_matchmaker` accepts short names and legacy class paths for each. */
export type MatchmakerKind =
  | 'local'
  | 'stub'
  | 'ring'
  | 'fanout_ring'
  | 'broker'
  | 'topic_scheduler'
  | 'redis';

/** nova.conf `[matchmaker_redis]` group. */
export interface RedisConfig {
  /** `[matchmaker_redis] host` — Redis server host (default `127.0.0.1`). */
  host: string;
  /** `[matchmaker_redis] port` — Redis server port (default 6379). */
  port: number;
  /** `[matchmaker_redis] password` — empty string / unset means no AUTH. */
  password: string | null;
  /** `[matchmaker_redis] username` — Redis ACL user (Redis >= 6) authenticated with `password`; unset means the `default` user. */
  username: string | null;
}

/** `[zmq_bridge] security`: `none` (plaintext, as the legacy driver) or `curve` (CurveZMQ + ZAP allow-list). */
export type SecurityMode = 'none' | 'curve';

/** Values of the seed's topic flags (`compute_topic`, ...). */
export interface TopicFlags {
  compute: string;
  console: string;
  scheduler: string;
  volume: string;
  network: string;
  vsa: string;
}

/** Settings only this project has; group `[zmq_bridge]` of nova.conf. */
export interface BridgeSettings {
  /** `[zmq_bridge] local_socket` — unix socket path of the local API; default `<rpc_zmq_ipc_dir>/nova-zmq-bridge.sock`. */
  localSocket: string;
  /** `[zmq_bridge] local_socket_mode` — octal file mode of the local API socket (default 0o660). */
  localSocketMode: number;
  /** `[zmq_bridge] reply_hold` — seconds a reply is held on the ipc reply PUB until its caller's subscription arrives (default 5). */
  replyHoldSeconds: number;
  /** `[zmq_bridge] fanout_hold` — seconds messages are held on a new fanout PUB until a first subscriber joins (default 0.5, never blocks other topics). */
  fanoutHoldSeconds: number;
  /** `[zmq_bridge] broker_port` — port of the broker role's control socket (default rpc_zmq_start_port + 2 = 9502). */
  brokerPort: number;
  /** `[zmq_bridge] scheduler_port` — port of the topic scheduler service (default rpc_zmq_start_port + 3 = 9503). */
  schedulerPort: number;
  /** `[zmq_bridge] broker_role` — run the broker / topic scheduler service in this daemon (default false). */
  brokerRole: boolean;
  /** `[zmq_bridge] log_level` — explicit pino level; overrides debug/verbose. Null when unset. */
  logLevel: string | null;
  /** `[zmq_bridge] http_listen` — `HOST:PORT` of the metrics and health listener (normalized text), or null when off (default `127.0.0.1:<rpc_zmq_start_port + 4>`). */
  httpListen: string | null;
  /** `[zmq_bridge] security` — `none` (default) or `curve`. */
  security: SecurityMode;
  /** `[zmq_bridge] curve_certificate` — this host's secret certificate (`NAME.key_secret`, czmq format); null when unset. */
  curveCertificate: string | null;
  /** `[zmq_bridge] curve_trusted_dir` — directory of the trusted hosts' public certificates `<rpc_zmq_host>.key`; null when unset. */
  curveTrustedDir: string | null;
  /** `[zmq_bridge] plaintext_peers` — legacy peers (addresses or names) allowed in plaintext while security is `curve`; empty = none. */
  plaintextPeers: string[];
  /** `[zmq_bridge] plaintext_port` — port of the plaintext listener for legacy peers, and of the legacy peers' receivers (default rpc_zmq_start_port + 1 = 9501). */
  plaintextPort: number;
  /** `[zmq_bridge] ipc_group` — group (name or number) of the ipc dir, ipc files and local API socket, also allowed to use the local API; null = the daemon's own group. */
  ipcGroup: string | null;
  /** `[zmq_bridge] ipc_mode` — octal file mode of the ipc socket files (default 0o660). */
  ipcMode: number;
  /** `[zmq_bridge] max_peers` — most open connections to peer hosts (default 4096; docs/scale.md). */
  maxPeers: number;
  /** `[zmq_bridge] peer_idle_timeout` — seconds without traffic before a peer connection is closed (default 300). */
  peerIdleSeconds: number;
  /** `[zmq_bridge] max_ipc_outlets` — most open ipc outlet sockets (default 4096; docs/scale.md). */
  maxIpcOutlets: number;
  /** `[zmq_bridge] ipc_outlet_idle_timeout` — seconds without a message before an ipc outlet is closed (default 600). */
  ipcOutletIdleSeconds: number;
  /** `[zmq_bridge] max_message_size` — bytes: largest frame (libzmq ZMQ_MAXMSGSIZE) and largest message (all frames) read from the network (default 16 MiB). */
  maxMessageSize: number;
  /** `[zmq_bridge] topic_queue_bytes` — bytes one topic's ipc outlet may hold (queued and held messages; default 64 MiB). */
  topicQueueBytes: number;
  /** `[zmq_bridge] queue_bytes` — bytes all ipc outlets together may hold (default 256 MiB). */
  queueBytes: number;
  /** `[zmq_bridge] local_read_timeout` — seconds a local API client may take to send the rest of a frame it started (default 30). */
  localReadTimeoutSeconds: number;
  /** `[zmq_bridge] local_buffer_bytes` — bytes buffered for all local API sessions together, each direction (default 256 MiB). */
  localBufferBytes: number;
}

export interface BridgeConfig {
  /** Files actually read, in the order they were applied (later wins). */
  sources: string[];

  /** `rpc_backend` — legacy module path of the RPC backend (default `nova.openstack.common.rpc.impl_kombu`; informational for the daemon). */
  rpcBackend: string;
  /** `transport_url` — oslo.messaging transport URL, or null when unset (informational for the daemon; the shim reads it). */
  transportUrl: string | null;
  /** `rpc_zmq_bind_address` as written (`*`, an IP, or an interface name). */
  bindAddressRaw: string;
  /** `rpc_zmq_bind_address` resolved: `*` or an IP literal (interface names resolved to their first IPv4 address). */
  bindAddress: string;
  /** `rpc_zmq_port` — tcp port of the receiver's PULL socket (default 9501). */
  port: number;
  /** `rpc_zmq_start_port` — first port of the seed's reserved range 9500-9550 (default 9500). */
  startPort: number;
  /** `rpc_zmq_host` — this node's name on the wire (reply topics, matchmaker registrations); default: the machine's hostname. */
  host: string;
  /** `rpc_zmq_ipc_dir` — directory of the ipc sockets (default `/var/run/openstack`). */
  ipcDir: string;
  /** `rpc_zmq_topic_backlog` — max messages buffered per topic; null = unlimited (default). */
  topicBacklog: number | null;
  /** `rpc_zmq_contexts` — number of ZeroMQ I/O threads (default 1). */
  contexts: number;
  /** `rpc_zmq_matchmaker` normalized to its kind (default `local`). */
  matchmaker: MatchmakerKind;
  /** `rpc_zmq_matchmaker` as written (for messages). */
  matchmakerRaw: string;
  /** `[matchmaker_ring] ringfile`, alias `[DEFAULT] rpc_zmq_matchmaker_ringfile` / `matchmaker_ringfile` (default `/etc/oslo/matchmaker_ring.json`). */
  ringfile: string;
  /** `rpc_zmq_broker_ip` — host of the broker / topic scheduler; null when unset. */
  brokerIp: string | null;
  /** `[matchmaker_redis]` group. */
  redis: RedisConfig;
  /** `matchmaker_heartbeat_freq` — seconds between matchmaker heartbeats (default 300). */
  heartbeatFreq: number;
  /** `matchmaker_heartbeat_ttl` — seconds after which a silent host expires (default 600). */
  heartbeatTtl: number;
  /** `rpc_thread_pool_size`, alias `executor_thread_pool_size` (default 1024 per the seed). */
  threadPoolSize: number;
  /** `rpc_conn_pool_size` — max pooled connections per peer (default 30). */
  connPoolSize: number;
  /** `rpc_cast_timeout` — seconds a cast may wait to be handed to its peer (default 30). */
  castTimeout: number;
  /** `rpc_response_timeout` — default call timeout in seconds (default 60). */
  responseTimeout: number;
  /** `control_exchange` — the default exchange; messages on it are wire-identical to legacy nodes (default `nova`). */
  controlExchange: string;
  /** `debug` (default false). */
  debug: boolean;
  /** `verbose` (default false). */
  verbose: boolean;
  /** The seed's topic flags. */
  topics: TopicFlags;
  /** `[zmq_bridge]` group. */
  bridge: BridgeSettings;
}
