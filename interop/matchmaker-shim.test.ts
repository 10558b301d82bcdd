/**
 * The registering matchmakers end to end with real oslo.messaging RPC
 * servers and clients through the shim: daemons (the real CLI) on three
 * loopback addresses A, B, C; servers on A and B register their topic
 * through their daemon's listener registry; a client on C calls the bare
 * topic and fans out. Redis: a real redis-server. Broker: C runs the broker role.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ShimHosts, type Peer, type ShimHostsOptions } from './support/shim-hosts';
import { RedisServer } from '../test/support/redis';

const HEARTBEAT = { freqS: 1, ttlS: 3 };

/** Three hosts (the broker-role host C first, so the others find it at once) and servers on A and B. */
async function cluster(matchmaker: ShimHostsOptions['matchmaker']): Promise<{ hosts: ShimHosts; servers: Peer[] }> {
  const hosts = await ShimHosts.start({ hosts: 3, matchmaker, heartbeat: HEARTBEAT, startOrder: [2, 0, 1] });
  const servers: Peer[] = [];
  try {
    for (const addr of hosts.addrs.slice(0, 2)) {
      servers.push(await hosts.startPeer('rpc_server.py', [hosts.host(addr).conf, 'mmt', addr, `srv-${addr}`, 'threading']));
    }
  } catch (err) {
    await hosts.close();
    throw err;
  }
  return { hosts, servers };
}

async function spreadAndFanout(hosts: ShimHosts, servers: Peer[]): Promise<void> {
  const [A, B, C] = hosts.addrs as [string, string, string];
  const client = (...args: string[]) => hosts.run('rpc_client.py', [hosts.host(C).conf, ...args]);
  const seen: string[] = [];
  for (let i = 0; i < 4; i++) {
    const r = await client('whoami_retry', 'mmt', '-', '20');
    seen.push(r.whoami);
  }
  assert.deepEqual([...new Set(seen)].sort(), [`srv-${A}`, `srv-${B}`], `calls went to ${seen.join(', ')}`);
  assert.equal(seen.filter((s) => s === `srv-${A}`).length, 2);
  await client('fanout', 'mmt', '-', 'fan-1');
  for (const s of servers) await s.waitFor((e) => e.event === 'cast' && e.note === 'fan-1');
}

describe('redis matchmaker with oslo.messaging servers through the shim', () => {
  let redis: RedisServer;
  let hosts: ShimHosts;
  let servers: Peer[] = [];
  before(async () => {
    redis = await RedisServer.start();
    ({ hosts, servers } = await cluster({ kind: 'redis', redis: { host: redis.host, port: redis.port } }));
  });
  after(async () => {
    for (const s of servers) await s.stop().catch(() => undefined);
    await hosts?.close();
    await redis?.stop();
  });

  test('bare calls spread over the registered servers, fanout reaches both', () => spreadAndFanout(hosts, servers));
});

describe('broker matchmaker with oslo.messaging servers through the shim', () => {
  let hosts: ShimHosts;
  let servers: Peer[] = [];
  before(async () => {
    // the legacy class name, as old nova.conf files spell it
    ({ hosts, servers } = await cluster({ kind: 'broker', raw: 'MatchMakerBroker', brokerHost: 2 }));
  });
  after(async () => {
    for (const s of servers) await s.stop().catch(() => undefined);
    await hosts?.close();
  });

  test('bare calls go through the broker to each registered server in turn, fanout reaches both', () => spreadAndFanout(hosts, servers));
});
