import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Context, Dealer, Pull, Push, Router } from 'zeromq';
import { createServer, type Server } from 'node:net';
import pino from 'pino';
import { WorkerRegistry } from '../src/broker/registry';
import { BrokerRole } from '../src/broker/broker-role';
import { BrokerMatchmaker } from '../src/matchmaker/broker';
import { TopicSchedulerMatchmaker } from '../src/matchmaker/topic-scheduler';
import { MatchmakerServiceUnavailableError } from '../src/matchmaker/errors';
import { createMatchmaker } from '../src/matchmaker/factory';
import { BrokerBindFailedError, BrokerPortInUseError } from '../src/broker/errors';
import { EXIT_STARTUP } from '../src/errors';
import type { FrameSender } from '../src/sender/types';
import type { Clock } from '../src/time/clock';
import { Counters } from '../src/metrics/counters';
import { silentLogger } from '../src/log';
import { freePort } from './support/redis';
import { waitFor } from './support/wait';
import { testConfig } from './support/config';
import { ManualClock } from './support/manual-clock';

const PORT_MIN = 21000;
const PORT_MAX = 21099;
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** A real FrameSender over ZeroMQ PUSH sockets to `tcp://<host>:<port>`. */
class PushSender implements FrameSender {
  private readonly socks = new Map<string, Push>();
  private chain: Promise<void> = Promise.resolve();
  constructor(private readonly port: number) {}
  send(host: string, frames: Buffer[]): Promise<void> {
    let s = this.socks.get(host);
    if (!s) {
      s = new Push({ linger: 0 });
      s.connect(`tcp://${host}:${this.port}`);
      this.socks.set(host, s);
    }
    const sock = s;
    this.chain = this.chain.then(() => sock.send(frames));
    return this.chain;
  }
  close(): void {
    for (const s of this.socks.values()) s.close();
  }
}

async function role(counters = new Counters(), sender: FrameSender = new PushSender(1), clock?: Clock) {
  const brokerPort = await freePort(PORT_MIN, PORT_MAX);
  let schedulerPort = await freePort(PORT_MIN, PORT_MAX);
  while (schedulerPort === brokerPort) schedulerPort = await freePort(PORT_MIN, PORT_MAX);
  const r = new BrokerRole({ bindAddress: '127.0.0.1', brokerPort, schedulerPort, log: silentLogger(), counters, sender, clock });
  await r.start();
  cleanups.push(() => r.stop());
  return { r, brokerPort, schedulerPort, counters };
}

function scheduler(port: number, opts: { ttl?: number; freq?: number; counters?: Counters; clock?: Clock; probeMs?: number } = {}) {
  const m = new TopicSchedulerMatchmaker({
    brokerIp: '127.0.0.1',
    schedulerPort: port,
    heartbeatFreq: opts.freq ?? 0.2,
    heartbeatTtl: opts.ttl ?? 5,
    log: silentLogger(),
    counters: opts.counters ?? new Counters(),
    requestTimeoutMs: 500,
    probeMs: opts.probeMs ?? 100,
    clock: opts.clock,
  });
  cleanups.push(() => m.stop());
  return m;
}

function broker(port: number, counters = new Counters()) {
  const m = new BrokerMatchmaker({
    brokerIp: '127.0.0.1',
    brokerPort: port,
    heartbeatFreq: 0.2,
    heartbeatTtl: 5,
    log: silentLogger(),
    counters,
    requestTimeoutMs: 500,
    probeMs: 100,
  });
  cleanups.push(() => m.stop());
  return m;
}

test('registry: refresh, expiry by ttl, round-robin pick', () => {
  const clock = new ManualClock();
  const reg = new WorkerRegistry(clock);
  reg.refresh('compute', 'h2', 2);
  reg.refresh('compute', 'h1', 1);
  assert.deepEqual(reg.live('compute'), ['h1', 'h2']);
  assert.deepEqual([reg.pick('compute'), reg.pick('compute'), reg.pick('compute')], ['h1', 'h2', 'h1']);
  clock.advance(999);
  assert.deepEqual(reg.live('compute'), ['h1', 'h2']);
  clock.advance(501);
  assert.deepEqual(reg.live('compute'), ['h2']);
  reg.refresh('compute', 'h2', 2);
  clock.advance(1900);
  assert.deepEqual(reg.live('compute'), ['h2']);
  clock.advance(100);
  assert.deepEqual(reg.live('compute'), []);
  reg.refresh('compute', 'h2', 2);
  reg.remove('compute', 'h2');
  assert.equal(reg.pick('compute'), null);
});

test('service answers malformed requests with INVALID and counts them', async () => {
  const { schedulerPort, counters } = await role();
  const d = new Dealer({ linger: 0 });
  cleanups.push(() => d.close());
  d.connect(`tcp://127.0.0.1:${schedulerPort}`);
  await d.send('not json');
  const [bad] = await d.receive();
  assert.equal(JSON.parse(bad!.toString()).error, 'INVALID');
  await d.send(JSON.stringify({ id: 7, op: 'register', topic: 'x' }));
  const [bad2] = await d.receive();
  assert.deepEqual(JSON.parse(bad2!.toString()).id, 7);
  assert.equal(JSON.parse(bad2!.toString()).ok, false);
  await d.send(JSON.stringify({ id: 8, op: 'get_worker', topic: 'x' }));
  const [good] = await d.receive();
  assert.deepEqual(JSON.parse(good!.toString()), { id: 8, ok: true, host: null });
  assert.equal(counters.get('matchmaker.scheduler_service.bad_request'), 2);
});

test('topic scheduler: get_worker spreads evenly, fanout reaches all, directed untouched', async () => {
  const { schedulerPort } = await role();
  const a = scheduler(schedulerPort);
  const b = scheduler(schedulerPort);
  const s = scheduler(schedulerPort);
  await Promise.all([a.start(), b.start(), s.start()]);
  await a.register('compute', 'h1');
  await b.register('compute', 'h2');
  const seen = new Map<string, number>();
  for (let i = 0; i < 20; i++) {
    const [q, ...rest] = await s.queues('compute');
    assert.equal(rest.length, 0);
    assert.equal(q!.topic, `compute.${q!.host}`);
    seen.set(q!.host, (seen.get(q!.host) ?? 0) + 1);
  }
  assert.deepEqual(Object.fromEntries(seen), { h1: 10, h2: 10 });
  assert.deepEqual(await s.queues('fanout~compute'), [
    { topic: 'fanout~compute.h1', host: 'h1' },
    { topic: 'fanout~compute.h2', host: 'h2' },
  ]);
  assert.deepEqual(await s.queues('compute.h9'), [{ topic: 'compute.h9', host: 'h9' }]);
  assert.deepEqual(await s.queues('E:compute'), []);
  await a.unregister('compute', 'h1');
  assert.deepEqual((await s.queues('fanout~compute')).map((q) => q.host), ['h2']);
});

test('topic scheduler: a silent host leaves within the ttl, a heartbeating one stays', async () => {
  // One manual clock for the service's registry and the heartbeating host:
  // real sockets, but time moves only when the test says so.
  const clock = new ManualClock();
  const { schedulerPort } = await role(new Counters(), new PushSender(1), clock);
  const liveCounters = new Counters();
  const live = scheduler(schedulerPort, { ttl: 1, freq: 0.2, probeMs: 200, clock, counters: liveCounters });
  const s = scheduler(schedulerPort);
  await Promise.all([live.start(), s.start()]);
  await live.register('beat', 'alive');
  // A host that registered once and died: no heartbeat ever follows.
  const d = new Dealer({ linger: 0 });
  cleanups.push(() => d.close());
  d.connect(`tcp://127.0.0.1:${schedulerPort}`);
  await d.send(JSON.stringify({ id: 1, op: 'register', topic: 'beat', host: 'dead', ttl: 1 }));
  await d.receive();
  assert.deepEqual((await s.queues('fanout~beat')).map((q) => q.host), ['alive', 'dead']);
  // 2.4 s in steps of one heartbeat period; each heartbeat is answered before time moves on.
  const beats = () => liveCounters.get('matchmaker.topic_scheduler.heartbeats');
  for (let step = 1; step <= 12; step++) {
    clock.advance(200);
    await waitFor(() => beats() === step);
    const expected = step * 200 < 1000 ? ['alive', 'dead'] : ['alive'];
    assert.deepEqual((await s.queues('fanout~beat')).map((q) => q.host), expected, `after ${step * 200} ms`);
  }
});

test('topic scheduler down: typed error fast, counted; recovers and re-registers when it comes up', async () => {
  const port = await freePort(PORT_MIN, PORT_MAX);
  const counters = new Counters();
  const s = scheduler(port, { counters });
  await s.start();
  await s.register('late', 'h1');
  await assert.rejects(s.queues('late'), (err: unknown) => {
    assert.ok(err instanceof MatchmakerServiceUnavailableError);
    assert.equal(err.code, 'MATCHMAKER_SERVICE_UNAVAILABLE');
    return true;
  });
  assert.ok(counters.get('matchmaker.topic_scheduler.unavailable') >= 1);
  assert.ok(counters.get('matchmaker.topic_scheduler.register_failed') >= 1);
  const counters2 = new Counters();
  // Nothing is bound on the scheduler port yet: a free-port search may return it.
  let brokerPort = await freePort(PORT_MIN, PORT_MAX);
  while (brokerPort === port) brokerPort = await freePort(PORT_MIN, PORT_MAX);
  const r = new BrokerRole({
    bindAddress: '127.0.0.1',
    brokerPort,
    schedulerPort: port,
    log: silentLogger(),
    counters: counters2,
    sender: new PushSender(1),
  });
  await r.start();
  cleanups.push(() => r.stop());
  await waitFor(async () => {
    try {
      return (await s.queues('late')).length === 1;
    } catch {
      return false;
    }
  });
  assert.deepEqual(await s.queues('late'), [{ topic: 'late.h1', host: 'h1' }]);
});

test('broker: bare topics go to the broker, directed stay direct, fanout asks the broker; down broker is a typed error', async () => {
  const { brokerPort } = await role();
  const a = broker(brokerPort);
  const s = broker(brokerPort);
  await Promise.all([a.start(), s.start()]);
  await a.register('compute', 'h1');
  assert.deepEqual(await s.queues('compute'), [{ topic: 'compute', host: '127.0.0.1' }]);
  assert.deepEqual(await s.queues('E:compute'), [{ topic: 'E:compute', host: '127.0.0.1' }]);
  assert.deepEqual(await s.queues('compute.h4'), [{ topic: 'compute.h4', host: 'h4' }]);
  assert.deepEqual(await s.queues('fanout~compute'), [{ topic: 'fanout~compute.h1', host: 'h1' }]);

  const counters = new Counters();
  const down = broker(await freePort(PORT_MIN, PORT_MAX), counters);
  await down.start();
  assert.equal(down.brokerUp, false);
  await assert.rejects(down.queues('compute'), MatchmakerServiceUnavailableError);
  assert.deepEqual(await down.queues('compute.h4'), [{ topic: 'compute.h4', host: 'h4' }]);
  assert.equal(counters.get('matchmaker.broker.unavailable'), 1);
});

test('broker role forwards each bare-topic message to one live registered host, round-robin', async () => {
  const port = await freePort(PORT_MIN, PORT_MAX, '127.0.0.2');
  const sender = new PushSender(port);
  cleanups.push(() => sender.close());
  const pulls = ['127.0.0.2', '127.0.0.3'].map((h) => {
    const p = new Pull({ linger: 0 });
    cleanups.push(() => p.close());
    return { h, p };
  });
  for (const { h, p } of pulls) await p.bind(`tcp://${h}:${port}`);
  const { r, brokerPort, counters } = await role(new Counters(), sender);
  const a = broker(brokerPort);
  await a.start();
  await a.register('compute', '127.0.0.2');
  await a.register('compute', '127.0.0.3');

  const frames = (i: number) => [Buffer.from('0'), Buffer.from('compute'), Buffer.from('cast'), Buffer.from(`{"n": ${i}}`)];
  for (let i = 0; i < 4; i++) {
    assert.equal(r.offer({ frames: frames(i), topic: 'compute', msgId: '0' }), true);
  }
  for (const { h, p } of pulls) {
    for (let i = 0; i < 2; i++) {
      const got = await p.receive();
      assert.equal(got.length, 4);
      assert.equal(got[1]!.toString(), `compute.${h}`);
      assert.equal(got[2]!.toString(), 'cast');
    }
  }
  assert.equal(counters.get('broker.forwarded'), 4);
  // Not the broker's: directed, fanout and reply topics.
  assert.equal(r.offer({ frames: frames(9), topic: 'compute.h1', msgId: '0' }), false);
  assert.equal(r.offer({ frames: frames(9), topic: 'fanout~compute', msgId: '0' }), false);
  assert.equal(r.offer({ frames: frames(9), topic: 'zmq_replies.h1', msgId: 'ab' }), false);
  // No worker: claimed, dropped, counted.
  assert.equal(r.offer({ frames: frames(9), topic: 'nobody', msgId: '0' }), true);
  assert.equal(counters.get('broker.no_worker'), 1);
});

function listenOn(port: number, host = '127.0.0.1'): Promise<Server> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(port, host, () => resolve(srv));
  });
}

test('broker role: a scheduler port in use is a typed start-up error naming the option; the broker port is released', async () => {
  const brokerPort = await freePort(PORT_MIN, PORT_MAX);
  let schedulerPort = await freePort(PORT_MIN, PORT_MAX);
  while (schedulerPort === brokerPort) schedulerPort = await freePort(PORT_MIN, PORT_MAX);
  const taken = await listenOn(schedulerPort);
  try {
    const r = new BrokerRole({ bindAddress: '127.0.0.1', brokerPort, schedulerPort, log: silentLogger(), counters: new Counters(), sender: new PushSender(1) });
    await assert.rejects(r.start(), (err: unknown) => {
      assert.ok(err instanceof BrokerPortInUseError);
      assert.equal(err.code, 'STARTUP_PORT_IN_USE');
      assert.equal(err.exitCode, EXIT_STARTUP);
      assert.equal(err.service, 'scheduler');
      assert.match(err.message, new RegExp(`tcp://127\\.0\\.0\\.1:${schedulerPort}: address already in use`));
      assert.match(err.message, /\[zmq_bridge\] scheduler_port/);
      return true;
    });
    // The broker service bound first and was closed again: its port can be bound again. libzmq
    // releases a closed socket's port on its I/O thread, a moment later: retried until then.
    await waitFor(
      async () => {
        const again = new Router({ linger: 0 });
        try {
          await again.bind(`tcp://127.0.0.1:${brokerPort}`);
          return true;
        } catch (err) {
          if ((err as { code?: string }).code !== 'EADDRINUSE') throw err;
          return false;
        } finally {
          again.close();
        }
      },
      5000,
      'the broker port to be released',
    );
  } finally {
    taken.close();
  }
});

test('broker role and service clients open their sockets in the ZeroMQ context they are given', async () => {
  // Only an IPv6-enabled context binds and connects on ::1: whether the
  // sockets work there tells which context they were created in.
  const port = await freePort(PORT_MIN, PORT_MAX, '::1');
  const ports = { brokerPort: await freePort(PORT_MIN, PORT_MAX, '::1'), schedulerPort: port };
  while (ports.brokerPort === port) ports.brokerPort = await freePort(PORT_MIN, PORT_MAX, '::1');
  const global = new BrokerRole({ bindAddress: '::1', ...ports, log: silentLogger(), counters: new Counters(), sender: new PushSender(1) });
  await assert.rejects(global.start(), (err: unknown) => err instanceof BrokerBindFailedError && err.exitCode === EXIT_STARTUP);

  const context = new Context({ ipv6: true });
  const r = new BrokerRole({ bindAddress: '::1', ...ports, log: silentLogger(), counters: new Counters(), sender: new PushSender(1), context });
  await r.start();
  cleanups.push(() => r.stop());
  const config = testConfig({ matchmaker: 'topic_scheduler', matchmakerRaw: 'topic_scheduler', brokerIp: '::1', bridge: ports });
  const worker = createMatchmaker(config, { log: silentLogger(), counters: new Counters(), context });
  const asker = createMatchmaker(config, { log: silentLogger(), counters: new Counters(), context });
  cleanups.push(() => worker.stop(), () => asker.stop());
  await Promise.all([worker.start(), asker.start()]);
  await worker.register('six', 'h6');
  assert.deepEqual(await asker.queues('six'), [{ topic: 'six.h6', host: 'h6' }]);
  const broker = createMatchmaker({ ...config, matchmaker: 'broker', matchmakerRaw: 'broker' }, { log: silentLogger(), counters: new Counters(), context });
  cleanups.push(() => broker.stop());
  await broker.start();
  assert.deepEqual(await broker.queues('fanout~six'), [{ topic: 'fanout~six.h6', host: 'h6' }]);
});

test('the broker role and its services log with the component their creator bound, once', async () => {
  const lines: string[] = [];
  const root = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
  const counters = new Counters();
  const brokerPort = await freePort(PORT_MIN, PORT_MAX);
  let schedulerPort = await freePort(PORT_MIN, PORT_MAX);
  while (schedulerPort === brokerPort) schedulerPort = await freePort(PORT_MIN, PORT_MAX);
  const r = new BrokerRole({ bindAddress: '127.0.0.1', brokerPort, schedulerPort, log: root.child({ component: 'broker-role' }), counters, sender: new PushSender(1) });
  await r.start();
  cleanups.push(() => r.stop());
  assert.equal(r.offer({ frames: [Buffer.from('0'), Buffer.from('gone'), Buffer.from('cast'), Buffer.from('{}')], topic: 'gone', msgId: '0' }), true);
  const d = new Dealer({ linger: 0 });
  cleanups.push(() => d.close());
  d.connect(`tcp://127.0.0.1:${brokerPort}`);
  await d.send('{"id": 1, "op": "nope"}');
  await d.receive();
  assert.ok(lines.some((l) => /no live worker/.test(l)), 'the role logged the dropped message');
  assert.ok(lines.some((l) => /malformed matchmaker request/.test(l) && /"service":"broker"/.test(l)), 'the service logged the bad request');
  assert.ok(lines.length >= 4, `${lines.length} lines`);
  for (const l of lines) {
    assert.equal(l.match(/"component":/g)?.length, 1, l);
    assert.equal(JSON.parse(l).component, 'broker-role');
  }
});
