// What each matchmaker knows about server names (docs/server-names.md):
// registrations in Redis (this project's own keys, beside the legacy
// layout), at the broker / topic scheduler service (under the directed key
// T.S, expiring with the ttl), and the ring file's static map. Real Redis,
// real ZeroMQ services; expiry of the service's registrations on a manual clock.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { RedisMatchmaker } from '../src/matchmaker/redis';
import { TopicSchedulerMatchmaker } from '../src/matchmaker/topic-scheduler';
import { BrokerMatchmaker } from '../src/matchmaker/broker';
import { RingMatchmaker } from '../src/matchmaker/ring';
import { LocalMatchmaker } from '../src/matchmaker/local';
import { StubMatchmaker } from '../src/matchmaker/stub';
import { BrokerRole } from '../src/broker/broker-role';
import { Counters } from '../src/metrics/counters';
import { silentLogger } from '../src/log';
import { RedisServer } from './support/redis';
import { freeTcpPorts } from './support/ports';
import { waitFor } from './support/wait';
import { ManualClock } from './support/manual-clock';
import { ringProblem } from './support/ring-file';

const cleanups: (() => unknown)[] = [];
let redis: RedisServer;
let raw: ReturnType<typeof rawClient>;

function rawClient(s: RedisServer) {
  const c = createClient({ socket: { host: s.host, port: s.port, reconnectStrategy: 100 } });
  c.on('error', () => {});
  return c;
}

before(async () => {
  redis = await RedisServer.start();
  raw = rawClient(redis);
  await raw.connect();
});

after(async () => {
  for (const c of cleanups.reverse()) await c();
  raw.destroy();
  await redis.stop();
});

async function redisMm(opts: { ttl?: number; clock?: ManualClock; counters?: Counters } = {}) {
  const m = new RedisMatchmaker({
    redis: { host: redis.host, port: redis.port, password: null, username: null },
    heartbeatFreq: 10,
    heartbeatTtl: opts.ttl ?? 30,
    log: silentLogger(),
    counters: opts.counters ?? new Counters(),
    reconnectMs: 100,
    clock: opts.clock ?? new ManualClock(),
  });
  await m.start();
  cleanups.push(() => m.stop());
  return m;
}

test('redis: a server name is registered under its own keys, found, healed by the heartbeat, removed', async () => {
  const clock = new ManualClock();
  const counters = new Counters();
  const a = await redisMm({ clock, counters });
  const reader = await redisMm();
  await a.registerServer('compute', 'compute-a', 'h1');
  await a.registerServer('E:compute', 'compute-a', 'h9');
  // Legacy nodes read set `compute` only: the name is in keys they never look at.
  assert.deepEqual(await raw.sMembers('compute'), []);
  assert.deepEqual(await raw.sMembers('nzb.server:compute.compute-a'), ['h1']);
  assert.equal(await raw.get('nzb.server:compute.compute-a@h1'), 'h1');
  const ttl = Number(await raw.pTTL('nzb.server:compute.compute-a@h1'));
  assert.ok(ttl > 0 && ttl <= 30_000, `expires like a host registration (${ttl} ms)`);
  assert.deepEqual(await reader.serverHosts('compute', 'compute-a'), ['h1']);
  assert.deepEqual(await reader.serverHosts('E:compute', 'compute-a'), ['h9'], 'per exchange-qualified topic');
  assert.deepEqual(await reader.serverHosts('compute', 'compute-b'), []);
  // A removed member comes back with the next heartbeat.
  await raw.sRem('nzb.server:compute.compute-a', 'h1');
  assert.deepEqual(await reader.serverHosts('compute', 'compute-a'), []);
  const beats = counters.get('matchmaker.redis.heartbeats');
  clock.advance(10_000);
  await waitFor(() => counters.get('matchmaker.redis.heartbeats') > beats);
  assert.deepEqual(await reader.serverHosts('compute', 'compute-a'), ['h1']);
  await a.unregisterServer('compute', 'compute-a', 'h1');
  assert.deepEqual(await reader.serverHosts('compute', 'compute-a'), []);
  assert.equal(Number(await raw.exists('nzb.server:compute.compute-a@h1')), 0);
});

test('redis: a server name whose host stopped heartbeating expires; a name served by two hosts lists both', async () => {
  const counters = new Counters();
  const reader = await redisMm({ counters });
  const a = await redisMm({ ttl: 1 });
  const b = await redisMm();
  await a.registerServer('conductor', 'ctl', 'h1');
  await b.registerServer('conductor', 'ctl', 'h2');
  assert.deepEqual(await reader.serverHosts('conductor', 'ctl'), ['h1', 'h2']);
  // a's heartbeats never run (its clock stands still): its key expires after 1 s.
  await waitFor(async () => (await reader.serverHosts('conductor', 'ctl')).length === 1, 10_000, 'h1 to expire');
  assert.deepEqual(await reader.serverHosts('conductor', 'ctl'), ['h2']);
  assert.deepEqual(await raw.sMembers('nzb.server:conductor.ctl'), ['h2'], 'the dead member was cleaned up');
  assert.ok(counters.get('matchmaker.redis.expired') >= 1);
});

test('topic scheduler and broker services: server names registered as T.S, expiring with the ttl, removed on unregister', async () => {
  const clock = new ManualClock();
  const [brokerPort, schedulerPort] = await freeTcpPorts(['127.0.0.1'], 2);
  const role = new BrokerRole({ bindAddress: '127.0.0.1', brokerPort: brokerPort!, schedulerPort: schedulerPort!, log: silentLogger(), counters: new Counters(), sender: { send: async () => {} }, clock });
  await role.start();
  cleanups.push(() => role.stop());
  const common = { brokerIp: '127.0.0.1', heartbeatFreq: 10, heartbeatTtl: 2, log: silentLogger(), requestTimeoutMs: 2000, probeMs: 60_000 };
  const sched = new TopicSchedulerMatchmaker({ ...common, schedulerPort: schedulerPort!, counters: new Counters() });
  const brk = new BrokerMatchmaker({ ...common, brokerPort: brokerPort!, counters: new Counters() });
  await Promise.all([sched.start(), brk.start()]);
  cleanups.push(() => sched.stop(), () => brk.stop());
  await sched.registerServer('compute', 'compute-a', 'h1');
  await brk.registerServer('compute', 'compute-b', 'h2');
  assert.deepEqual(await brk.serverHosts('compute', 'compute-a'), ['h1']);
  assert.deepEqual(await sched.serverHosts('compute', 'compute-b'), ['h2']);
  assert.deepEqual(await sched.serverHosts('compute', 'nobody'), []);
  // The registry holds the name under the directed key; bare look-ups never see it.
  assert.deepEqual(role.registry.live('compute.compute-a'), ['h1']);
  assert.equal(role.registry.pick('compute'), null);
  await brk.unregisterServer('compute', 'compute-b', 'h2');
  assert.deepEqual(await sched.serverHosts('compute', 'compute-b'), []);
  // No heartbeat within the 2 s ttl (the clients' probes are an hour away on the system clock).
  clock.advance(2000);
  assert.deepEqual(await brk.serverHosts('compute', 'compute-a'), []);
});

test('ring: the "zmq_bridge.servers" map names the hosts of server names, for every topic', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nzb-ringnames-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'ring.json');
  writeFileSync(file, JSON.stringify({ compute: ['h1', 'h2'], 'zmq_bridge.servers': { 'compute-a': 'h1', 'ctl': ['h3', 'h4'] } }));
  const mm = new RingMatchmaker({ ringfile: file, log: silentLogger(), counters: new Counters(), watch: false });
  await mm.start();
  cleanups.push(() => mm.stop());
  assert.deepEqual(await mm.serverHosts('compute', 'compute-a'), ['h1']);
  assert.deepEqual(await mm.serverHosts('E:conductor', 'ctl'), ['h3', 'h4']);
  assert.deepEqual(await mm.serverHosts('compute', 'compute-z'), []);
  assert.deepEqual(mm.hosts('compute'), ['h1', 'h2'], 'the map is no topic');
  assert.deepEqual(await mm.queues('zmq_bridge.servers'), [{ topic: 'zmq_bridge.servers', host: 'servers' }], 'a dotted topic stays directed');
});

test('ring file: a bad server map is refused with its own reason', () => {
  assert.equal(ringProblem('{"zmq_bridge.servers": ["h1"]}'), 'servers_not_object');
  assert.equal(ringProblem('{"zmq_bridge.servers": {"a": []}}'), 'server_hosts_invalid');
  assert.equal(ringProblem('{"zmq_bridge.servers": {"a": [7]}}'), 'server_hosts_invalid');
  assert.equal(ringProblem('{"zmq_bridge.servers": {"": "h1"}}'), 'server_hosts_invalid');
  assert.equal(ringProblem('{"zmq_bridge.servers": {"a": "h1", "b": ["h2", "h3"]}}'), 'accepted');
  assert.equal(ringProblem('{"other.key": {"a": "h1"}}'), 'topic_with_dot');
});

test('local and stub matchmakers know no server names', async () => {
  for (const mm of [new LocalMatchmaker('h1'), new StubMatchmaker('h1')]) {
    await mm.registerServer('compute', 'compute-a', 'h1');
    assert.deepEqual(await mm.serverHosts('compute', 'compute-a'), [], mm.kind);
    assert.match(mm.serverSource, /keeps no registrations/);
  }
});
