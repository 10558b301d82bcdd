// Redis matchmaker registrations heal themselves (issue 12, item 6): a host
// whose membership was lost - an external SREM, a Redis stalled (SIGSTOP)
// past the ttl while look-ups cleaned up, a Redis restart - is routable
// again within one heartbeat. Real redis-server processes; the registrant's
// heartbeats run on a manual clock, Redis's expiry is its own real one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import { RedisMatchmaker } from '../src/matchmaker/redis';
import { Counters } from '../src/metrics/counters';
import { silentLogger } from '../src/log';
import { RedisServer } from './support/redis';
import { waitFor } from './support/wait';
import { ManualClock } from './support/manual-clock';

/** Heartbeat period of the registrants (s, on their manual clock). */
const FREQ_S = 10;

let server: RedisServer;
let raw: ReturnType<typeof rawClient>;
const made: RedisMatchmaker[] = [];
const servers: RedisServer[] = [];

before(async () => {
  server = await RedisServer.start();
  raw = rawClient(server);
  await raw.connect();
});

after(async () => {
  for (const mm of made) await mm.stop().catch(() => undefined);
  raw.destroy();
  for (const s of [server, ...servers]) await s.stop();
});

function rawClient(s: RedisServer) {
  const c = createClient({ socket: { host: s.host, port: s.port, reconnectStrategy: 100 } });
  c.on('error', () => {});
  return c;
}

async function mm(port: number, opts: { ttl?: number; clock?: ManualClock; counters?: Counters } = {}) {
  const m = new RedisMatchmaker({
    redis: { host: '127.0.0.1', port, password: null, username: null },
    heartbeatFreq: FREQ_S,
    heartbeatTtl: opts.ttl ?? 30,
    log: silentLogger(),
    counters: opts.counters ?? new Counters(),
    reconnectMs: 100,
    startWaitMs: 2000,
    clock: opts.clock ?? new ManualClock(),
  });
  made.push(m);
  await m.start();
  return m;
}

const hostsOf = async (m: RedisMatchmaker, topic: string) => (await m.queues(topic)).map((q) => q.host);

/** Advance one heartbeat period and wait until that heartbeat round finished. */
async function oneHeartbeat(clock: ManualClock, counters: Counters): Promise<void> {
  const before = counters.get('matchmaker.redis.heartbeats');
  clock.advance(FREQ_S * 1000);
  await waitFor(() => counters.get('matchmaker.redis.heartbeats') > before, 10_000, 'a heartbeat round');
}

test('an external SREM of a live member is undone by the next heartbeat', async () => {
  const clock = new ManualClock();
  const counters = new Counters();
  const reg = await mm(server.port, { clock, counters });
  const reader = await mm(server.port);
  await reg.register('heal-srem', 'h1');
  assert.deepEqual(await hostsOf(reader, 'heal-srem'), ['h1']);
  // Someone (an operator, a legacy node's cleanup) removes the member; the liveness key stays.
  await raw.sRem('heal-srem', 'heal-srem.h1');
  assert.equal(await raw.get('heal-srem.h1'), 'h1', 'the liveness key is still there');
  assert.deepEqual(await hostsOf(reader, 'heal-srem'), [], 'the loss: no route while the member is missing');
  await oneHeartbeat(clock, counters);
  assert.deepEqual(await raw.sMembers('heal-srem'), ['heal-srem.h1']);
  assert.deepEqual(await hostsOf(reader, 'heal-srem'), ['h1']);
});

test('a look-up never removes a member whose liveness key exists', async () => {
  const reg = await mm(server.port);
  const reader = await mm(server.port);
  await reg.register('heal-keep', 'h1');
  // A member without its key is dead and goes; the live one stays.
  await raw.sAdd('heal-keep', 'heal-keep.gone');
  assert.deepEqual(await hostsOf(reader, 'heal-keep'), ['h1']);
  assert.deepEqual(await raw.sMembers('heal-keep'), ['heal-keep.h1']);
});

test('Redis frozen (SIGSTOP) past the ttl under look-ups: routable within one heartbeat after SIGCONT', async () => {
  const own = await RedisServer.start();
  servers.push(own);
  const clock = new ManualClock();
  const counters = new Counters();
  // A 1 s ttl, so the freeze outlives the liveness key.
  const reg = await mm(own.port, { ttl: 1, clock, counters });
  const reader = await mm(own.port);
  await reg.register('stall', 'h1');
  assert.deepEqual(await hostsOf(reader, 'stall'), ['h1']);

  let lookups: Promise<unknown>[] = [];
  own.pause();
  try {
    // The freeze outlasts the ttl (the fault's length, not an assertion).
    await new Promise((r) => setTimeout(r, 1500));
    // A busy host's sends keep asking for the topic's hosts meanwhile.
    lookups = Array.from({ length: 3000 }, () => reader.queues('stall'));
    await new Promise((r) => setTimeout(r, 100));
  } finally {
    own.resume();
  }
  // The heartbeat falls due as Redis wakes up: it finds the liveness key
  // expired and registers again while the queued look-ups are still
  // cleaning up the member they saw expire - the race that left the set
  // empty for good under a live, refreshed key.
  clock.advance(FREQ_S * 1000);
  await Promise.all(lookups);
  await waitFor(() => counters.get('matchmaker.redis.heartbeats') >= 1, 10_000, 'the heartbeat at the thaw');
  // Whatever the race left behind, the next heartbeat makes the host routable.
  await oneHeartbeat(clock, counters);
  assert.deepEqual(await hostsOf(reader, 'stall'), ['h1']);
  const ownRaw = rawClient(own);
  await ownRaw.connect();
  try {
    assert.deepEqual(await ownRaw.sMembers('stall'), ['stall.h1']);
    assert.equal(await ownRaw.get('stall.h1'), 'h1');
  } finally {
    ownRaw.destroy();
  }
});

test('Redis restarted empty: routable again within one heartbeat of reconnecting', async () => {
  const own = await RedisServer.start();
  servers.push(own);
  const clock = new ManualClock();
  const counters = new Counters();
  const reg = await mm(own.port, { clock, counters });
  const reader = await mm(own.port);
  await reg.register('restarted', 'h1');
  await reg.register('restarted-too', 'h1');
  await own.stop();
  await waitFor(() => !reg.up && !reader.up, 10_000, 'both clients to see Redis gone');
  await own.launch();
  await waitFor(() => reg.up && reader.up, 10_000, 'both clients reconnected');
  await oneHeartbeat(clock, counters);
  assert.deepEqual(await hostsOf(reader, 'restarted'), ['h1']);
  assert.deepEqual(await hostsOf(reader, 'restarted-too'), ['h1']);
});
