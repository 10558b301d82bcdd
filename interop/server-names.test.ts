// oslo.messaging's driver contract through the shim, with server names that
// are not host names (issue 9, docs/server-names.md): real RPCServers,
// RPCClients, Notifiers and notification listeners (oslo.messaging 14 in
// .venv) on two CLI daemons (hosts A and B of a cluster). The whole contract
// runs over the redis matchmaker (a real redis-server); named servers across
// hosts run over the ring (its server map) and the broker too, and on one
// host over the local matchmaker.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ShimHosts, type Peer } from './support/shim-hosts';
import type { ClusterMatchmaker } from '../test/support/cluster';
import { RedisServer } from '../test/support/redis';

const TOPIC = 'ncontract';
const NOTES = 'nnotes';

const casts = (p: Peer, note: string) => p.events.filter((e) => e.event === 'cast' && e.note === note);

describe('the driver contract with named servers (redis matchmaker)', () => {
  let redis: RedisServer;
  let hosts: ShimHosts;
  let srvA: Peer; // threading: svc-a1 (A1), svc-a2 (A2)
  let srvB: Peer; // eventlet: svc-b1 (B1), svc-slow (SLOW, one worker), svc-x1 (X1, exchange "other"), notification pools
  let confA = '';
  let confB = '';

  before(async () => {
    redis = await RedisServer.start();
    hosts = await ShimHosts.start({ hosts: 2, matchmaker: { kind: 'redis', redis: { host: redis.host, port: redis.port } } });
    confA = hosts.host(0).conf;
    confB = hosts.host(1).conf;
    srvA = await hosts.startPeer('named_server.py', [confA, 'threading', `rpc:${TOPIC}:svc-a1:A1`, `rpc:${TOPIC}:svc-a2:A2`]);
    srvB = await hosts.startPeer('named_server.py', [
      confB,
      'eventlet',
      `rpc:${TOPIC}:svc-b1:B1`,
      `rpc:${TOPIC}:svc-slow:SLOW:-:1`,
      `rpc:${TOPIC}:svc-x1:X1:other`,
      `notify:${NOTES}:p1:N1`,
      `notify:${NOTES}:p1:N2`,
      `notify:${NOTES}:p2:N3`,
    ]);
  });

  after(async () => {
    for (const p of [srvA, srvB]) await p?.stop().catch(() => undefined);
    await hosts?.close();
    await redis?.stop();
  });

  const client = (conf: string, ...args: string[]) => hosts.run('named_client.py', [conf, ...args]);

  test('calls reach the named server among several of one topic, on this host and across hosts', async () => {
    const fromA = await client(confA, 'whoami', TOPIC, '5', 'svc-a1', 'svc-a2', 'svc-b1', 'svc-slow');
    assert.deepEqual(fromA, { 'svc-a1': Array(5).fill('A1'), 'svc-a2': Array(5).fill('A2'), 'svc-b1': Array(5).fill('B1'), 'svc-slow': Array(5).fill('SLOW') });
    const fromB = await client(confB, 'whoami', TOPIC, '3', 'svc-a2', 'svc-b1');
    assert.deepEqual(fromB, { 'svc-a2': ['A2', 'A2', 'A2'], 'svc-b1': ['B1', 'B1', 'B1'] });
  });

  test('a cast reaches the named server only', async () => {
    const r = await client(confA, 'cast', TOPIC, 'svc-b1', 'cast-b1');
    assert.deepEqual(r.recorded, ['cast-b1']);
    const r2 = await client(confB, 'cast', TOPIC, 'svc-a2', 'cast-a2');
    assert.deepEqual(r2.recorded, ['cast-a2']);
    assert.deepEqual(casts(srvB, 'cast-b1').map((e) => e.name), ['B1']);
    await srvA.waitFor((e) => e.event === 'cast' && e.note === 'cast-a2');
    assert.deepEqual(casts(srvA, 'cast-a2').map((e) => e.name), ['A2']);
  });

  test('fanout reaches every server of the topic on its exchange, on both hosts', async () => {
    await client(confA, 'fanout', TOPIC, 'fan-1');
    await srvA.waitFor(() => casts(srvA, 'fan-1').length >= 2);
    await srvB.waitFor(() => casts(srvB, 'fan-1').length >= 2);
    assert.deepEqual(casts(srvA, 'fan-1').map((e) => e.name).sort(), ['A1', 'A2']);
    assert.deepEqual(casts(srvB, 'fan-1').map((e) => e.name).sort(), ['B1', 'SLOW'], 'X1 listens on another exchange');
  });

  test('exchanges are isolated: a name is known on its own exchange only', async () => {
    const there = await client(confA, 'call', TOPIC, 'svc-x1', 'other', '10');
    assert.equal(there.result, 'X1', JSON.stringify(there));
    for (const [server, exchange] of [['svc-x1', '-'], ['svc-b1', 'other']]) {
      const r = await client(confA, 'call', TOPIC, server!, exchange!, '10');
      assert.ok(r.error, JSON.stringify(r));
      assert.ok(r.error.mro.includes('MessageDeliveryFailure'), JSON.stringify(r.error));
      assert.match(r.error.str, /UNKNOWN_SERVER/);
    }
  });

  test('a server name that resolves nowhere fails fast as a delivery failure naming it, not a timeout', async () => {
    const r = await client(confA, 'call', TOPIC, 'compute-nowhere', '-', '30');
    assert.ok(r.error, JSON.stringify(r));
    assert.ok(!r.error.mro.includes('MessagingTimeout'), JSON.stringify(r.error));
    assert.ok(r.error.mro.includes('MessageDeliveryFailure'), JSON.stringify(r.error));
    assert.match(r.error.str, /compute-nowhere/);
    assert.match(r.error.str, /matchmaker redis/);
  });

  test('endpoint version and namespace dispatch', async () => {
    const r = await client(confA, 'versions', TOPIC, 'svc-b1');
    assert.equal(r.v1_3.result, 'B1', 'a compatible older minor version is served');
    assert.equal(r.admin_2_0.result, 'secret-of-B1', 'the admin namespace endpoint');
    for (const k of ['v1_6', 'v2_0', 'admin_2_2', 'nope_ns']) {
      assert.ok(r[k].error, `${k}: ${JSON.stringify(r[k])}`);
      assert.match(r[k].error.str, /UnsupportedVersion/, k);
    }
    assert.ok(r.admin_whoami.error && /NoSuchMethod|UnsupportedVersion/.test(r.admin_whoami.error.str), JSON.stringify(r.admin_whoami));
    assert.ok(r.no_method.error && /NoSuchMethod/.test(r.no_method.error.str), JSON.stringify(r.no_method));
  });

  test('expected exceptions and remote exceptions', async () => {
    const r = await client(confB, 'errors', TOPIC, 'svc-a1');
    assert.ok(r.fail_expected.error.mro.includes('ValueError'), JSON.stringify(r.fail_expected));
    assert.match(r.fail_expected.error.str, /boom-fail_expected/);
    assert.ok(r.fail_allowed.error.mro.includes('BridgeTestError'), JSON.stringify(r.fail_allowed));
    assert.equal(r.fail_allowed.code, 42);
    assert.equal(r.fail_hidden.error.type, 'RemoteError');
    assert.match(r.fail_hidden.error.str, /HiddenError/);
  });

  test('a call that times out while casts for the same server queue behind it: the casts are still processed', async () => {
    const r = await client(confA, 'queued', TOPIC, 'svc-slow', 'q');
    assert.ok(r.slow.error && r.slow.error.mro.includes('MessagingTimeout'), JSON.stringify(r.slow));
    // In order, after the slow call finished (svc-slow has one worker); the fanout test's cast came before.
    assert.deepEqual(r.sent, ['q-0', 'q-1', 'q-2']);
    assert.deepEqual(r.recorded.filter((n: string) => n.startsWith('q-')), r.sent);
  });

  test('notifications go to one listener per pool', async () => {
    const N = 6;
    await client(confA, 'notify', NOTES, String(N), 'pools');
    const got = (name: string) => srvB.events.filter((e) => e.event === 'notification' && e.name === name && e.payload?.tag === 'pools').map((e) => e.payload.i as number);
    await srvB.waitFor(() => got('N3').length >= N && got('N1').length + got('N2').length >= N);
    const all = [...Array(N).keys()];
    assert.deepEqual(got('N3').sort(), all, 'pool p2 (one listener) gets every notification');
    assert.deepEqual([...got('N1'), ...got('N2')].sort(), all, 'pool p1 (two listeners) gets each notification once');
  });

  test('transport_url zmq:// with hosts and query parameters, parsed as oslo parses it', async () => {
    const sock = hosts.host(0).config.bridge.localSocket;
    const url = `zmq://ignored-a:9501,ignored-b/?local_socket=${encodeURIComponent(sock)}`;
    const r = await client(confA, 'url', TOPIC, 'svc-b1', url);
    assert.deepEqual(r.hosts, [['ignored-a', 9501], ['ignored-b', null]]);
    assert.deepEqual(r.query, { local_socket: sock });
    assert.equal(r.result, 'B1', JSON.stringify(r));
  });
});

/** Named servers across hosts (or on one host) over another matchmaker. */
function acrossHosts(kind: string, mm: ClusterMatchmaker, hostsCount: number): void {
  describe(`named servers over the ${kind} matchmaker`, () => {
    let hosts: ShimHosts;
    const peers: Peer[] = [];

    before(async () => {
      hosts = await ShimHosts.start({ hosts: hostsCount, matchmaker: mm });
      peers.push(await hosts.startPeer('named_server.py', [hosts.host(0).conf, 'threading', `rpc:${TOPIC}:svc-a1:A1`, `rpc:${TOPIC}:svc-a2:A2`]));
      if (hostsCount > 1) peers.push(await hosts.startPeer('named_server.py', [hosts.host(1).conf, 'eventlet', `rpc:${TOPIC}:svc-b1:B1`]));
    });

    after(async () => {
      for (const p of peers) await p.stop().catch(() => undefined);
      await hosts?.close();
    });

    test('each named server answers its own calls and casts', async () => {
      const names = hostsCount > 1 ? ['svc-a1', 'svc-a2', 'svc-b1'] : ['svc-a1', 'svc-a2'];
      const want = Object.fromEntries(names.map((n) => [n, Array(3).fill(n === 'svc-b1' ? 'B1' : n === 'svc-a1' ? 'A1' : 'A2')]));
      assert.deepEqual(await hosts.run('named_client.py', [hosts.host(hostsCount - 1).conf, 'whoami', TOPIC, '3', ...names]), want);
      const r = await hosts.run('named_client.py', [hosts.host(hostsCount - 1).conf, 'cast', TOPIC, 'svc-a2', `cast-${kind}`]);
      assert.deepEqual(r.recorded, [`cast-${kind}`]);
    });
  });
}

acrossHosts('ring', { kind: 'ring', ring: ([a, b]) => ({ [TOPIC]: [a!, b!], 'zmq_bridge.servers': { 'svc-a1': a!, 'svc-a2': a!, 'svc-b1': b! } }) }, 2);
acrossHosts('broker', { kind: 'broker', brokerHost: 1 }, 2);
acrossHosts('local', { kind: 'local' }, 1);
