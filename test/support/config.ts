/**
 * BridgeConfig objects for tests, built directly (no nova.conf parsing) from
 * the daemon's own defaults (the `DEFAULT_*` constants and option declarations
 * of src/config/options.ts), so a changed default is what tests run with.
 * Tests then override what they need. Only five values differ from the
 * defaults, for isolation: loopback bind address, `localhost` as rpc_zmq_host,
 * a test port instead of 9501, an ipc dir under the OS temp dir, and no HTTP
 * listener (`[zmq_bridge] http_listen` empty).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BridgeConfig } from '../../src/config/types';
import * as O from '../../src/config/options';
import { localSocketPath } from '../../src/wire/endpoints';
import { freeTcpPort } from './ports';

export { freeTcpPort, freeTcpPorts, isAddressInUse } from './ports';

/** Address the test daemons bind unless told otherwise (the default, `*`, would expose them). */
export const TEST_BIND_ADDRESS = '127.0.0.1';
/** rpc_zmq_host of test daemons (the default is the machine's hostname). */
export const TEST_HOST = 'localhost';

/** The receiver tests' port range (inclusive), for {@link randomPort}. */
export const TEST_PORT_MIN = 20000;
export const TEST_PORT_MAX = 20999;

/**
 * A random port of a fixed range. Prefer {@link freeTcpPort} (the OS picks a
 * free one) whenever the test binds the port itself; this stays for
 * synchronous callers and ports nothing binds.
 */
export function randomPort(min = TEST_PORT_MIN, max = TEST_PORT_MAX): number {
  return min + Math.floor(Math.random() * (max - min + 1));
}

/** A fresh ipc dir under the OS temp dir; remove it with {@link removeDir}. */
export function makeIpcDir(): string {
  return mkdtempSync(join(tmpdir(), 'nzb-'));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Field-by-field overrides of a test config (nested groups partially). */
export type ConfigOverrides = Partial<Omit<BridgeConfig, 'bridge' | 'redis' | 'topics'>> & {
  bridge?: Partial<BridgeConfig['bridge']>;
  redis?: Partial<BridgeConfig['redis']>;
  topics?: Partial<BridgeConfig['topics']>;
};

/** Merge two override sets; `b` wins, nested groups merged key by key. */
export function mergeOverrides(a: ConfigOverrides = {}, b: ConfigOverrides = {}): ConfigOverrides {
  return {
    ...a,
    ...b,
    bridge: { ...a.bridge, ...b.bridge },
    redis: { ...a.redis, ...b.redis },
    topics: { ...a.topics, ...b.topics },
  };
}

/**
 * A complete config: the daemon's defaults, loopback-bound, overridable field
 * by field. The port is a {@link randomPort} unless given; tests whose daemon
 * binds it should use {@link testConfigOnFreePort}.
 */
export function testConfig(overrides: ConfigOverrides = {}): BridgeConfig {
  const ipcDir = overrides.ipcDir ?? join(tmpdir(), 'nzb-unset-ipc-dir');
  const { bridge, redis, topics, ...rest } = overrides;
  return {
    sources: [],
    rpcBackend: O.DEFAULT_RPC_BACKEND,
    transportUrl: O.OPT_TRANSPORT_URL.default ?? null,
    bindAddressRaw: TEST_BIND_ADDRESS,
    bindAddress: TEST_BIND_ADDRESS,
    port: randomPort(),
    startPort: O.DEFAULT_ZMQ_START_PORT,
    host: TEST_HOST,
    ipcDir,
    topicBacklog: O.DEFAULT_TOPIC_BACKLOG,
    contexts: O.DEFAULT_ZMQ_CONTEXTS,
    matchmaker: O.DEFAULT_MATCHMAKER,
    matchmakerRaw: O.DEFAULT_MATCHMAKER,
    ringfile: O.DEFAULT_RINGFILE,
    brokerIp: O.OPT_BROKER_IP.default ?? null,
    heartbeatFreq: O.DEFAULT_HEARTBEAT_FREQ_S,
    heartbeatTtl: O.DEFAULT_HEARTBEAT_TTL_S,
    threadPoolSize: O.DEFAULT_THREAD_POOL_SIZE,
    connPoolSize: O.DEFAULT_CONN_POOL_SIZE,
    castTimeout: O.DEFAULT_CAST_TIMEOUT_S,
    responseTimeout: O.DEFAULT_RESPONSE_TIMEOUT_S,
    controlExchange: O.DEFAULT_CONTROL_EXCHANGE,
    debug: O.OPT_DEBUG.default ?? false,
    verbose: O.OPT_VERBOSE.default ?? false,
    ...rest,
    redis: {
      host: O.DEFAULT_REDIS_HOST,
      port: O.DEFAULT_REDIS_PORT,
      password: O.OPT_REDIS_PASSWORD.default ?? null,
      username: O.OPT_REDIS_USERNAME.default ?? null,
      ...redis,
    },
    topics: {
      compute: O.DEFAULT_COMPUTE_TOPIC,
      console: O.DEFAULT_CONSOLE_TOPIC,
      scheduler: O.DEFAULT_SCHEDULER_TOPIC,
      volume: O.DEFAULT_VOLUME_TOPIC,
      network: O.DEFAULT_NETWORK_TOPIC,
      vsa: O.DEFAULT_VSA_TOPIC,
      ...topics,
    },
    bridge: {
      localSocket: localSocketPath(ipcDir),
      localSocketMode: O.DEFAULT_LOCAL_SOCKET_MODE,
      replyHoldSeconds: O.DEFAULT_REPLY_HOLD_S,
      fanoutHoldSeconds: O.DEFAULT_FANOUT_HOLD_S,
      brokerPort: (overrides.startPort ?? O.DEFAULT_ZMQ_START_PORT) + O.BROKER_PORT_OFFSET,
      schedulerPort: (overrides.startPort ?? O.DEFAULT_ZMQ_START_PORT) + O.SCHEDULER_PORT_OFFSET,
      brokerRole: O.OPT_BROKER_ROLE.default ?? false,
      logLevel: O.OPT_LOG_LEVEL.default ?? null,
      // Off: parallel test daemons must not meet on the default port (tests that scrape set their own).
      httpListen: null,
      security: O.DEFAULT_SECURITY,
      curveCertificate: null,
      curveTrustedDir: null,
      plaintextPeers: [],
      plaintextPort: (overrides.startPort ?? O.DEFAULT_ZMQ_START_PORT) + O.PLAINTEXT_PORT_OFFSET,
      ipcGroup: null,
      ipcMode: O.DEFAULT_IPC_MODE,
      maxPeers: O.DEFAULT_MAX_PEERS,
      peerIdleSeconds: O.DEFAULT_PEER_IDLE_S,
      maxIpcOutlets: O.DEFAULT_MAX_IPC_OUTLETS,
      ipcOutletIdleSeconds: O.DEFAULT_IPC_OUTLET_IDLE_S,
      maxMessageSize: O.DEFAULT_MAX_MESSAGE_SIZE_BYTES,
      topicQueueBytes: O.DEFAULT_TOPIC_QUEUE_BYTES,
      queueBytes: O.DEFAULT_QUEUE_BYTES,
      localReadTimeoutSeconds: O.DEFAULT_LOCAL_READ_TIMEOUT_S,
      localBufferBytes: O.DEFAULT_LOCAL_BUFFER_BYTES,
      ...bridge,
    },
  };
}

/**
 * {@link testConfig} with a receiver port the OS picked as free on the bind
 * address (unless `overrides.port` is given): for tests whose daemon binds it.
 */
export async function testConfigOnFreePort(overrides: ConfigOverrides = {}): Promise<BridgeConfig> {
  const bind = overrides.bindAddress ?? TEST_BIND_ADDRESS;
  const port = overrides.port ?? (await freeTcpPort(bind === '*' ? '0.0.0.0' : bind));
  return testConfig({ ...overrides, port });
}
