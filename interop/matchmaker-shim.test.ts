/**
 * The registering matchmakers end to end with real oslo.messaging RPC
 * servers and clients through the shim: daemons (the real CLI) on
 * 127.0.0.2..4; servers on .2 and .3 register their topic through their
 * daemon's listener registry; a client on .4 calls the bare topic and fans
 * out. Redis: a real redis-server. Broker: .4 runs the broker role.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { Hosts, type Peer } from './support/shim-hosts';
import { RedisServer } from '../test/support/redis';
import { ADDRS, SERVICE_PORT_MAX, SERVICE_PORT_MIN, portOnAll } from './support/matchmaker-hosts';

const RECEIVER_PORT_MIN = 21300;
const RECEIVER_PORT_MAX = 21399;
const [A, B, C] = ADDRS as [string, string, string];

function conf(h: { addr: string; ipcDir: string }, port: number, extra: string[]): string {
  return [
    '[DEFAULT]',
    'transport_url = zmq://',
    `rpc_zmq_bind_address = ${h.addr}`,
    `rpc_zmq_host = ${h.addr}`,
    `rpc_zmq_port = ${port}`,
    `rpc_zmq_ipc_dir = ${h.ipcDir}`,
    'rpc_response_timeout = 30',
    'matchmaker_heartbeat_freq = 1',
    'matchmaker_heartbeat_ttl = 3',
    ...extra,
    '',
  ].join('\n');
}

async function cluster(extra: (addr: string) => string[]): Promise<{ hosts: Hosts; servers: Peer[] }> {
  const port = await portOnAll(RECEIVER_PORT_MIN, RECEIVER_PORT_MAX);
  const hosts = new Hosts(port, ADDRS, {});
  const servers: Peer[] = [];
  try {
    for (const h of hosts.hosts) writeFileSync(h.conf, conf(h, port, extra(h.addr)));
    // The broker-role host first, so the others find it at once.
    for (const addr of [C, A, B]) await hosts.startDaemon(hosts.host(addr));
    for (const addr of [A, B]) {
      servers.push(await hosts.startPeer('rpc_server.py', [hosts.host(addr).conf, 'mmt', addr, `srv-${addr}`, 'threading']));
    }
  } catch (err) {
    await hosts.close();
    throw err;
  }
  return { hosts, servers };
}

async function spreadAndFanout(hosts: Hosts, servers: Peer[]): Promise<void> {
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
  let hosts: Hosts;
  let servers: Peer[] = [];
  before(async () => {
    redis = await RedisServer.start();
    ({ hosts, servers } = await cluster(() => ['rpc_zmq_matchmaker = redis', '[matchmaker_redis]', 'host = 127.0.0.1', `port = ${redis.port}`]));
  });
  after(async () => {
    for (const s of servers) await s.stop().catch(() => undefined);
    await hosts?.close();
    await redis?.stop();
  });

  test('bare calls spread over the registered servers, fanout reaches both', () => spreadAndFanout(hosts, servers));
});

describe('broker matchmaker with oslo.messaging servers through the shim', () => {
  let hosts: Hosts;
  let servers: Peer[] = [];
  before(async () => {
    const brokerPort = await portOnAll(SERVICE_PORT_MIN, SERVICE_PORT_MAX, [C]);
    let schedulerPort = await portOnAll(SERVICE_PORT_MIN, SERVICE_PORT_MAX, [C]);
    while (schedulerPort === brokerPort) schedulerPort = await portOnAll(SERVICE_PORT_MIN, SERVICE_PORT_MAX, [C]);
    ({ hosts, servers } = await cluster((addr) => [
      'rpc_zmq_matchmaker = MatchMakerBroker',
      `rpc_zmq_broker_ip = ${C}`,
      '[zmq_bridge]',
      `broker_port = ${brokerPort}`,
      `scheduler_port = ${schedulerPort}`,
      `broker_role = ${addr === C}`,
    ]));
  });
  after(async () => {
    for (const s of servers) await s.stop().catch(() => undefined);
    await hosts?.close();
  });

  test('bare calls go through the broker to each registered server in turn, fanout reaches both', () => spreadAndFanout(hosts, servers));
});
