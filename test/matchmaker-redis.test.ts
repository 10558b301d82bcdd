import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import pino from 'pino';
import { RedisMatchmaker } from '../src/matchmaker/redis';
import { Counters } from '../src/metrics/counters';
import { silentLogger } from '../src/log';
import { RedisServer, freePort, REDIS_PORT_MIN, REDIS_PORT_MAX } from './support/redis';
import { waitFor } from './support/wait';
import { ManualClock } from './support/manual-clock';
import type { Logger } from '../src/log';

let server: RedisServer;
let raw: ReturnType<typeof createClient>;
const made: RedisMatchmaker[] = [];

before(async () => {
  server = await RedisServer.start();
  raw = createClient({ socket: { host: server.host, port: server.port, reconnectStrategy: 200 } });
  raw.on('error', () => {});
  await raw.connect();
});

after(async () => {
  for (const mm of made) await mm.stop();
  raw.destroy();
  await server.stop();
});

async function mm(opts: { ttl?: number; freq?: number; port?: number; counters?: Counters; clock?: ManualClock; log?: Logger } = {}) {
  const m = new RedisMatchmaker({
    redis: { host: '127.0.0.1', port: opts.port ?? server.port, password: null, username: null },
    heartbeatFreq: opts.freq ?? 0.3,
    heartbeatTtl: opts.ttl ?? 2,
    log: opts.log ?? silentLogger(),
    counters: opts.counters ?? new Counters(),
    reconnectMs: 100,
    startWaitMs: 500,
    clock: opts.clock,
  });
  made.push(m);
  await m.start();
  return m;
}

test('register writes the legacy key layout; unregister removes it', async () => {
  const a = await mm({ ttl: 30 });
  await a.register('layout', 'h1');
  assert.deepEqual(await raw.sMembers('layout'), ['layout.h1']);
  assert.equal(await raw.get('layout.h1'), 'h1');
  const ttl = Number(await raw.ttl('layout.h1'));
  assert.ok(ttl > 0 && ttl <= 30, `ttl ${ttl}`);
  await a.unregister('layout', 'h1');
  assert.deepEqual(await raw.sMembers('layout'), []);
  assert.equal(Number(await raw.exists('layout.h1')), 0);
});

test('bare spreads over live hosts, fanout reaches all, directed goes to its host', async () => {
  const a = await mm();
  const b = await mm();
  const sender = await mm();
  await a.register('spread', 'h1');
  await b.register('spread', 'h2');
  const seen = new Map<string, number>();
  for (let i = 0; i < 20; i++) {
    const q = await sender.queues('spread');
    assert.equal(q.length, 1);
    assert.equal(q[0]!.topic, `spread.${q[0]!.host}`);
    seen.set(q[0]!.host, (seen.get(q[0]!.host) ?? 0) + 1);
  }
  assert.deepEqual(Object.fromEntries(seen), { h1: 10, h2: 10 });
  assert.deepEqual(await sender.queues('fanout~spread'), [
    { topic: 'fanout~spread.h1', host: 'h1' },
    { topic: 'fanout~spread.h2', host: 'h2' },
  ]);
  assert.deepEqual(await sender.queues('spread.h7'), [{ topic: 'spread.h7', host: 'h7' }]);
  assert.deepEqual(await sender.queues('nobody'), []);
});

test('exchange-qualified topics register and resolve under their qualified name', async () => {
  const a = await mm();
  await a.register('E:qual', 'h1');
  assert.deepEqual(await raw.sMembers('E:qual'), ['E:qual.h1']);
  assert.deepEqual(await a.queues('E:qual'), [{ topic: 'E:qual.h1', host: 'h1' }]);
  assert.deepEqual(await a.queues('qual'), []);
  assert.deepEqual(await a.queues('fanout~E:qual'), [{ topic: 'fanout~E:qual.h1', host: 'h1' }]);
});

test('a legacy node registered by hand is seen, and dropped from the set once its key expires', async () => {
  const counters = new Counters();
  const sender = await mm({ counters });
  // What a legacy MatchMakerRedis.register does, with a 1 s ttl and no heartbeat.
  await raw.multi().sAdd('legacy', 'legacy.old1').set('legacy.old1', 'old1').expire('legacy.old1', 1).exec();
  assert.deepEqual(await sender.queues('legacy'), [{ topic: 'legacy.old1', host: 'old1' }]);
  await waitFor(async () => (await sender.queues('legacy')).length === 0);
  assert.deepEqual(await raw.sMembers('legacy'), []);
  assert.ok(counters.get('matchmaker.redis.expired') >= 1);
});

test('heartbeats keep a host alive past its ttl and re-register a vanished key', async () => {
  // Heartbeats run on a manual clock; the expiry is Redis's own (real) one.
  const clock = new ManualClock();
  const counters = new Counters();
  const a = await mm({ ttl: 30, freq: 10, clock, counters });
  await a.register('beat', 'h1');
  // As if 28 of the 30 s had passed: 2 s left on the liveness key.
  await raw.pExpire('beat.h1', 2000);
  clock.advance(9_999);
  assert.equal(counters.get('matchmaker.redis.heartbeats'), 0, 'no heartbeat before matchmaker_heartbeat_freq');
  assert.ok(Number(await raw.pTTL('beat.h1')) <= 2000);
  clock.advance(1);
  await waitFor(() => counters.get('matchmaker.redis.heartbeats') === 1);
  const pttl = Number(await raw.pTTL('beat.h1'));
  assert.ok(pttl > 2000 && pttl <= 30_000, `ttl refreshed to the full matchmaker_heartbeat_ttl (${pttl} ms left)`);
  assert.deepEqual(await a.queues('beat'), [{ topic: 'beat.h1', host: 'h1' }]);
  // The key vanished (expired, or Redis lost it): the next heartbeat registers again.
  await raw.del(['beat.h1']);
  await raw.sRem('beat', 'beat.h1');
  clock.advance(10_000);
  await waitFor(() => counters.get('matchmaker.redis.heartbeats') === 2);
  assert.deepEqual(await raw.sMembers('beat'), ['beat.h1']);
  assert.equal(await raw.get('beat.h1'), 'h1');
  assert.ok(Number(await raw.pTTL('beat.h1')) > 2000);
});

test('a stopped host unregisters and stops receiving at once', async () => {
  const a = await mm({ ttl: 1, freq: 0.2 });
  const b = await mm({ ttl: 1, freq: 0.2 });
  const sender = await mm();
  await a.register('dead', 'h1');
  await b.register('dead', 'h2');
  assert.equal((await sender.queues('fanout~dead')).length, 2);
  await a.stop();
  assert.deepEqual((await sender.queues('fanout~dead')).map((q) => q.host), ['h2']);
});

test('Redis stopped and restarted: last view keeps serving, registrations come back', async () => {
  const own = await RedisServer.start(await freePort(REDIS_PORT_MIN, REDIS_PORT_MAX));
  try {
    const counters = new Counters();
    const a = await mm({ port: own.port, ttl: 5, freq: 0.2, counters });
    const sender = await mm({ port: own.port });
    await a.register('restart', 'h1');
    assert.deepEqual(await sender.queues('restart'), [{ topic: 'restart.h1', host: 'h1' }]);
    await own.stop();
    await waitFor(() => !sender.up && !a.up);
    assert.deepEqual(await sender.queues('restart'), [{ topic: 'restart.h1', host: 'h1' }]);
    assert.deepEqual(await sender.queues('fanout~restart'), [{ topic: 'fanout~restart.h1', host: 'h1' }]);
    assert.equal(counters.get('matchmaker.redis.disconnects'), 1);
    await own.launch();
    await waitFor(() => a.up && sender.up);
    // The restarted Redis is empty: a re-registers on reconnect.
    await waitFor(async () => (await sender.queues('restart')).length === 1);
    assert.equal(counters.get('matchmaker.redis.reconnects'), 1);
  } finally {
    await own.stop();
  }
});

test('starts while Redis is down, registers once it appears', async () => {
  const port = await freePort(REDIS_PORT_MIN, REDIS_PORT_MAX);
  const a = await mm({ port });
  await a.register('late', 'h1');
  assert.equal(a.up, false);
  assert.deepEqual(await a.queues('late'), []);
  const own = RedisServer.unstarted(port);
  try {
    await own.launch();
    await waitFor(async () => (await a.queues('late')).length === 1);
  } finally {
    await own.stop();
  }
});

test('logs with the component its creator bound, once', async () => {
  const lines: string[] = [];
  const root = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
  await mm({ log: root.child({ component: 'matchmaker' }) });
  await waitFor(() => lines.some((l) => /connected to Redis/.test(l)));
  for (const l of lines) {
    assert.equal(l.match(/"component":/g)?.length, 1, l);
    assert.equal(JSON.parse(l).matchmaker, 'redis');
  }
});
