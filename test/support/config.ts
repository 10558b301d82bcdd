/**
 * BridgeConfig objects for tests, built directly (no nova.conf parsing), with
 * a random receiver port inside the receiver's test range and a fresh ipc dir.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BridgeConfig } from '../../src/config/types';

/** The receiver tests' port range (inclusive). */
export const TEST_PORT_MIN = 20000;
export const TEST_PORT_MAX = 20999;

/** A random port of the receiver tests' range. */
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

type Overrides = Partial<Omit<BridgeConfig, 'bridge' | 'redis' | 'topics'>> & {
  bridge?: Partial<BridgeConfig['bridge']>;
  redis?: Partial<BridgeConfig['redis']>;
  topics?: Partial<BridgeConfig['topics']>;
};

/** A complete config with the legacy defaults, loopback-bound, overridable field by field. */
export function testConfig(overrides: Overrides = {}): BridgeConfig {
  const ipcDir = overrides.ipcDir ?? join(tmpdir(), 'nzb-unset-ipc-dir');
  const { bridge, redis, topics, ...rest } = overrides;
  return {
    sources: [],
    rpcBackend: 'nova.openstack.common.rpc.impl_kombu',
    transportUrl: null,
    bindAddressRaw: '127.0.0.1',
    bindAddress: '127.0.0.1',
    port: randomPort(),
    startPort: 9500,
    host: 'localhost',
    ipcDir,
    topicBacklog: null,
    contexts: 1,
    matchmaker: 'local',
    matchmakerRaw: 'local',
    ringfile: '/etc/oslo/matchmaker_ring.json',
    brokerIp: null,
    heartbeatFreq: 300,
    heartbeatTtl: 600,
    threadPoolSize: 1024,
    connPoolSize: 30,
    castTimeout: 30,
    responseTimeout: 60,
    controlExchange: 'nova',
    debug: false,
    verbose: false,
    ...rest,
    redis: { host: '127.0.0.1', port: 6379, password: null, ...redis },
    topics: { compute: 'compute', console: 'console', scheduler: 'scheduler', volume: 'volume', network: 'network', vsa: 'vsa', ...topics },
    bridge: {
      localSocket: join(ipcDir, 'nova-zmq-bridge.sock'),
      localSocketMode: 0o660,
      replyHoldSeconds: 5,
      fanoutHoldSeconds: 0.5,
      brokerPort: 9502,
      schedulerPort: 9503,
      brokerRole: false,
      logLevel: null,
      ...bridge,
    },
  };
}
