/**
 * The local API on a single host, through a real Daemon (real receiver, local
 * matchmaker, real unix socket, local short-circuit) and real TS clients.
 * Call timeouts and the call-monitor run on a real Daemon given a
 * ManualClock (DaemonOptions.clock reaches every part).
 * The request parser (protocol.ts) is also tested on its own.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Daemon } from '../src/daemon';
import { createLogger, silentLogger, type Logger } from '../src/log';
import { Counters } from '../src/metrics/counters';
import { buildRpcParts, type RpcParts } from '../src/localapi/wiring';
import { isRejected, parseRequest, type LocalRequest, type RejectedRequest } from '../src/localapi/protocol';
import { ManualClock } from './support/manual-clock';
import { Call, type CallOwner } from '../src/localapi/call';
import { ReplyWaiter } from '../src/sender/reply-waiter';
import { Sender } from '../src/sender/sender';
import { buildReplyFrames, type ReplyOutcome } from '../src/wire/envelope';
import { makeIpcDir, removeDir, testConfig, randomPort } from './support/config';
import { waitFor } from './support/zmq-helpers';
import { LocalApiClient, LocalApiError, type Delivery } from './support/localapi-client';
import type { BridgeConfig } from '../src/config/types';

const CTX = '{"user_id": "u1", "big": 9223372036854775807}';
const PORTS = [23000, 23299] as const;

function collect(): { got: Delivery[]; fn: (d: Delivery) => void } {
  const got: Delivery[] = [];
  return { got, fn: (d) => got.push(d) };
}

/** The local API clients a describe block opens, closed together in its `after`. */
class ShimClients {
  private readonly open: LocalApiClient[] = [];
  constructor(private readonly socketPath: () => string) {}

  async connect(opts: { hello?: boolean } = {}): Promise<LocalApiClient> {
    const c = await LocalApiClient.connect(this.socketPath());
    this.open.push(c);
    if (opts.hello !== false) await c.hello();
    return c;
  }

  async closeAll(): Promise<void> {
    for (const c of this.open.splice(0)) await c.close();
  }
}

describe('local API, single host', () => {
  let dir: string;
  let cfg: BridgeConfig;
  let daemon: Daemon;
  const shims = new ShimClients(() => cfg.bridge.localSocket);
  const client = () => shims.connect();

  before(async () => {
    dir = makeIpcDir();
    cfg = testConfig({ ipcDir: dir, port: randomPort(...PORTS), host: 'localhost', bridge: { replyHoldSeconds: 0.2 } });
    daemon = new Daemon(cfg, silentLogger());
    await daemon.start();
  });

  after(async () => {
    await shims.closeAll();
    await daemon.stop();
    removeDir(dir);
  });

  test('hello answers host, proto and the default timeout; socket mode is 0660', async () => {
    const c = await shims.connect({ hello: false });
    const h = await c.hello();
    assert.equal(h.op, 'ok');
    assert.equal(h.host, 'localhost');
    assert.equal(h.proto, 1);
    assert.equal(h.response_timeout, 60);
    assert.equal(statSync(cfg.bridge.localSocket).mode & 0o777, 0o660);
  });

  test('call: a listener replies; result text survives exactly; failures come back as failure', async () => {
    const server = await client();
    const caller = await client();
    await server.listen({ topic: 'calc' }, (d) => {
      assert.ok(d.reply_to);
      assert.equal(d.ctx, CTX);
      if (d.msg.includes('"boom"')) server.reply(d.reply_to!, d.ctx, { failure: '{"class": "ValueError", "module": "builtins", "message": "boom", "tb": [], "args": ["boom"], "kwargs": {}}' });
      else server.reply(d.reply_to!, d.ctx, { result: '[1.0, 18446744073709551616, "\\u00e9"]' });
    });
    const r = await caller.call({ topic: 'calc' }, CTX, '{"method": "add", "args": {"x": 1.0}, "version": "1.0"}', 5);
    assert.equal(r.op, 'reply');
    assert.equal(r.result, '[1.0, 18446744073709551616, "\\u00e9"]');
    const f = await caller.call({ topic: 'calc' }, CTX, '{"method": "boom", "args": {}}', 5);
    assert.equal(f.op, 'reply');
    assert.equal(f.result, undefined);
    assert.match(f.failure, /^\{"class": "ValueError"/);
    assert.ok(daemon.counters.get('replies.matched') >= 2);
    assert.ok(daemon.counters.get('sender.local') >= 4);
  });

  test('cast is delivered with reply_to null and the exact msg text', async () => {
    const l = await client();
    const { got, fn } = collect();
    await l.listen({ topic: 'casty' }, fn);
    const msg = '{"method": "note", "args": {"n": 1.0, "s": "\\ud83d\\ude00"}}';
    const ok = await l.cast({ topic: 'casty' }, CTX, msg);
    assert.equal(ok.op, 'ok');
    await waitFor(() => got.length === 1, 5000, 'cast delivery');
    assert.equal(got[0]!.msg, msg);
    assert.equal(got[0]!.ctx, CTX);
    assert.equal(got[0]!.reply_to, null);
    assert.equal(got[0]!.monitor, null);
  });

  test('fanout reaches all 3 listeners (3 shims)', async () => {
    const cs = [await client(), await client(), await client()];
    const got: Delivery[][] = [[], [], []];
    for (let i = 0; i < 3; i++) await cs[i]!.listen({ topic: 'fan' }, (d) => got[i]!.push(d));
    await cs[0]!.cast({ topic: 'fan', fanout: true, server: 'ignored-when-fanout' }, CTX, '{"method": "f", "args": {}}');
    await waitFor(() => got.every((g) => g.length === 1), 5000, 'fanout copies');
    // one more cast without fanout goes to exactly one of them
    await cs[0]!.cast({ topic: 'fan' }, CTX, '{"method": "g", "args": {}}');
    await waitFor(() => got.reduce((n, g) => n + g.length, 0) === 4, 5000, 'single delivery');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(got.reduce((n, g) => n + g.length, 0), 4);
  });

  test('directed by server: the listener with that server gets every message', async () => {
    const any = await client();
    const named = await client();
    const a = collect();
    const n = collect();
    await any.listen({ topic: 'dir' }, a.fn);
    await named.listen({ topic: 'dir', server: 'localhost' }, n.fn);
    for (let i = 0; i < 4; i++) await any.cast({ topic: 'dir', server: 'localhost' }, CTX, `{"method": "d", "args": {"i": ${i}}}`);
    await waitFor(() => n.got.length === 4, 5000, 'directed deliveries');
    assert.equal(a.got.length, 0);
  });

  test('exchanges are isolated; control_exchange is the default exchange', async () => {
    const c = await client();
    const e1 = collect();
    const def = collect();
    await c.listen({ topic: 'ex', exchange: 'other' }, e1.fn);
    await c.listen({ topic: 'ex', exchange: null }, def.fn);
    await c.cast({ topic: 'ex', exchange: 'other' }, CTX, '{"method": "one", "args": {}}');
    await c.cast({ topic: 'ex', exchange: 'nova' }, CTX, '{"method": "two", "args": {}}');
    await c.cast({ topic: 'ex' }, CTX, '{"method": "three", "args": {}}');
    await waitFor(() => e1.got.length + def.got.length === 3, 5000, 'exchange deliveries');
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(e1.got.map((d) => d.msg), ['{"method": "one", "args": {}}']);
    assert.deepEqual(def.got.map((d) => d.msg), ['{"method": "two", "args": {}}', '{"method": "three", "args": {}}']);
  });

  test('notifications: one listener per pool, v1 and v2 styles', async () => {
    const c = await client();
    const p1a = collect();
    const p1b = collect();
    const p2 = collect();
    await c.listenNotify({ topic: 'notifications', priority: 'info', pool: 'p1' }, p1a.fn);
    await c.listenNotify({ topic: 'notifications', priority: 'info', pool: 'p1' }, p1b.fn);
    await c.listenNotify({ topic: 'notifications', priority: 'info', pool: null }, p2.fn);
    const body = '{"event_type": "x.y", "payload": {"v": 2.50}}';
    await c.notify({ topic: 'notifications', priority: 'info', version: '2.0' }, CTX, body);
    await c.notify({ topic: 'notifications', priority: 'info', version: '1.0' }, CTX, body);
    await waitFor(() => p2.got.length === 2 && p1a.got.length + p1b.got.length === 2, 5000, 'notifications');
    for (const d of [...p2.got, ...p1a.got, ...p1b.got]) {
      assert.equal(d.msg, body);
      assert.equal(d.ctx, CTX);
    }
    assert.equal(p1a.got.length, 1, 'round-robin inside a pool');
  });

  test('a disconnecting shim loses its listeners and its pending calls', async () => {
    const before = daemon.rpc.registry.size;
    const gone = await LocalApiClient.connect(cfg.bridge.localSocket);
    await gone.listen({ topic: 'ephemeral' }, () => {});
    await gone.listen({ topic: 'ephemeral2', server: 'x' }, () => {});
    assert.equal(daemon.rpc.registry.size, before + 2);
    const pending = gone.call({ topic: 'nobody-home-2' }, CTX, '{"method": "m", "args": {}}', 30).catch((e) => e);
    await waitFor(() => daemon.rpc.waiter.size >= 1, 5000, 'pending call');
    const cancelled = daemon.counters.get('replies.cancelled');
    await gone.close();
    await pending;
    await waitFor(() => daemon.rpc.registry.size === before, 5000, 'listeners removed');
    await waitFor(() => daemon.counters.get('replies.cancelled') === cancelled + 1, 5000, 'call dropped');
    assert.equal(daemon.rpc.waiter.size, 0);
  });

  test('a reply for a call this connection never received is refused (REPLY_NOT_OWED), counted, and not sent', async () => {
    const c = await client();
    const refused = daemon.counters.get('security.local.reply_not_owed');
    const local = daemon.counters.get('sender.local');
    const orphaned = daemon.counters.get('replies.orphaned');
    c.reply(['f'.repeat(32), 'zmq_replies.localhost'], CTX, { result: '1' });
    await waitFor(() => daemon.counters.get('security.local.reply_not_owed') === refused + 1, 5000, 'forged reply counted');
    // With a rid the refusal is answered.
    await assert.rejects(
      c.request({ op: 'reply', reply_to: ['e'.repeat(32), 'zmq_replies.localhost'], ctx: CTX, result: '1' }),
      (e: unknown) => e instanceof LocalApiError && e.code === 'REPLY_NOT_OWED',
    );
    assert.equal(daemon.counters.get('localapi.errors.REPLY_NOT_OWED'), 2);
    assert.equal(daemon.counters.get('sender.local'), local, 'nothing was sent');
    assert.equal(daemon.counters.get('replies.orphaned'), orphaned);
  });

  test('bad requests get INVALID / NO_ROUTE; malformed frames PROTOCOL and a closed connection', async () => {
    const c = await client();
    await assert.rejects(c.cast({ topic: 'x' }, CTX, '{not json'), (e: unknown) => e instanceof LocalApiError && e.code === 'INVALID');
    await assert.rejects(c.request({ op: 'listen', lid: 'x', kind: 'rpc' }), (e: unknown) => e instanceof LocalApiError && e.code === 'INVALID');
    await assert.rejects(c.request({ op: 'frobnicate' }), (e: unknown) => e instanceof LocalApiError && e.code === 'INVALID');
    await assert.rejects(c.cast({ topic: 'a.b' }, CTX, '{}'), (e: unknown) => e instanceof LocalApiError && e.code === 'INVALID');
    const bad = await LocalApiClient.connect(cfg.bridge.localSocket);
    const errors = daemon.counters.get('localapi.protocol_errors');
    bad.writeRaw(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x00]));
    await waitFor(() => bad.closed, 5000, 'connection closed');
    assert.equal(bad.unsolicited[0]?.code, 'PROTOCOL');
    assert.equal(daemon.counters.get('localapi.protocol_errors'), errors + 1);
    // the daemon still serves others
    assert.equal((await c.hello()).op, 'ok');
  });

  test('an unknown op of 100 000 characters is answered INVALID without being repeated whole', async () => {
    const c = await client();
    const invalid = daemon.counters.get('localapi.errors.INVALID');
    await assert.rejects(c.request({ op: 'y'.repeat(100_000) }), (e: unknown) => e instanceof LocalApiError && e.code === 'INVALID' && e.message.length < 300);
    assert.equal(daemon.counters.get('localapi.errors.INVALID'), invalid + 1);
    assert.ok(daemon.counters.get('localapi.ops.unknown') >= 1);
  });
});

describe('local API socket file', () => {
  test('a stale socket file is replaced; a live one refuses start-up', async () => {
    const dir = makeIpcDir();
    const sockPath = join(dir, 'api.sock');
    try {
      writeFileSync(sockPath, '');
      const cfg = testConfig({ ipcDir: dir, port: randomPort(...PORTS), host: 'localhost', bridge: { localSocket: sockPath, localSocketMode: 0o600 } });
      const d = new Daemon(cfg, silentLogger());
      await d.start();
      try {
        assert.equal(statSync(sockPath).mode & 0o777, 0o600);
        const c = await LocalApiClient.connect(sockPath);
        assert.equal((await c.hello()).op, 'ok');
        await c.close();
      } finally {
        await d.stop();
      }
      assert.equal(existsSync(sockPath), false);
      // someone alive on the path
      const squatter = createServer(() => {});
      await new Promise<void>((r) => squatter.listen(sockPath, () => r()));
      const d2 = new Daemon({ ...cfg, port: randomPort(...PORTS) }, silentLogger());
      await assert.rejects(d2.start(), (e: unknown) => (e as { code?: string }).code === 'STARTUP_LOCAL_SOCKET_IN_USE');
      await d2.stop();
      await new Promise<void>((r) => squatter.close(() => r()));
    } finally {
      removeDir(dir);
    }
  });
});

/** A real daemon (receiver, local matchmaker, unix socket) whose every timer runs on a manual clock. */
async function manualClockHost(cfg: BridgeConfig, clock: ManualClock, root: Logger = silentLogger()): Promise<{ counters: Counters; rpc: RpcParts; stop(): Promise<void> }> {
  const daemon = new Daemon(cfg, root, { clock });
  await daemon.start();
  return { counters: daemon.counters, rpc: daemon.rpc, stop: () => daemon.stop() };
}

describe('local API call timeouts, on a manual clock', () => {
  let dir: string;
  let cfg: BridgeConfig;
  let clock: ManualClock;
  let host: Awaited<ReturnType<typeof manualClockHost>>;
  const shims = new ShimClients(() => cfg.bridge.localSocket);
  const client = () => shims.connect();
  const isTimeout = (e: unknown) => e instanceof LocalApiError && e.code === 'TIMEOUT';

  before(async () => {
    dir = makeIpcDir();
    cfg = testConfig({ ipcDir: dir, port: randomPort(...PORTS), host: 'localhost', bridge: { replyHoldSeconds: 0.2 } });
    clock = new ManualClock();
    host = await manualClockHost(cfg, clock);
  });

  after(async () => {
    await shims.closeAll();
    await host.stop();
    removeDir(dir);
  });

  test('a call nobody answers fails with TIMEOUT when its timeout has passed, not before', async () => {
    const c = await client();
    const call = c.call({ topic: 'nobody-home' }, CTX, '{"method": "m", "args": {}}', 0.3);
    await waitFor(() => host.rpc.waiter.size === 1, 5000, 'call registered');
    clock.advance(299);
    assert.equal(host.rpc.waiter.size, 1);
    clock.advance(1);
    await assert.rejects(call, isTimeout);
    assert.equal(host.counters.get('replies.timeouts'), 1);
  });

  test('a reply after the timeout is orphaned: the shim got exactly one answer', async () => {
    const server = await client();
    const caller = await client();
    const got: Delivery[] = [];
    await server.listen({ topic: 'late' }, (d) => got.push(d));
    const call = caller.call({ topic: 'late' }, CTX, '{"method": "m", "args": {}}', 2);
    await waitFor(() => got.length === 1, 5000, 'request delivered');
    const timeouts = host.counters.get('replies.timeouts');
    clock.advance(2000);
    await assert.rejects(call, isTimeout);
    const orphaned = host.counters.get('replies.orphaned');
    server.reply(got[0]!.reply_to!, CTX, { result: '"too late"' });
    // The late reply waits out the reply hold (on the same clock) for a subscriber that never comes.
    const holdMs = cfg.bridge.replyHoldSeconds * 1000;
    await waitFor(
      () => {
        clock.advance(holdMs);
        return host.counters.get('replies.orphaned') === orphaned + 1;
      },
      5000,
      'late reply counted',
    );
    assert.deepEqual(caller.unsolicited, []);
    // the connection still works
    assert.equal((await caller.stats())['replies.timeouts'], timeouts + 1);
  });

  test('call-monitor: heartbeats keep a call alive past monitor_timeout; silence fails it early', async () => {
    const server = await client();
    const caller = await client();
    const got: Delivery[] = [];
    await server.listen({ topic: 'slow' }, (d) => got.push(d));
    const heartbeats = () => host.counters.get('replies.heartbeats');

    const finish = caller.call({ topic: 'slow' }, CTX, '{"method": "finish", "args": {}}', 10, 0.3);
    await waitFor(() => got.length === 1, 5000, 'finish delivered');
    const d = got[0]!;
    assert.equal(d.monitor, 0.3);
    // before the first heartbeat only the overall timeout applies
    clock.advance(500);
    for (let i = 1; i <= 4; i++) {
      server.heartbeat(d.reply_to!);
      await waitFor(() => heartbeats() === i, 5000, `heartbeat ${i}`);
      clock.advance(250);
    }
    // 1.5 s in, five times the monitor timeout: still alive
    server.reply(d.reply_to!, d.ctx, { result: '"done"' });
    assert.equal((await finish).result, '"done"');

    const stall = caller.call({ topic: 'slow' }, CTX, '{"method": "stall", "args": {}}', 30, 0.3);
    await waitFor(() => got.length === 2, 5000, 'stall delivered');
    server.heartbeat(got[1]!.reply_to!);
    await waitFor(() => heartbeats() === 5, 5000, 'stall heartbeat');
    clock.advance(299);
    assert.equal(host.rpc.waiter.size, 1);
    clock.advance(1);
    await assert.rejects(stall, isTimeout);
    assert.equal(host.counters.get('replies.monitor_timeouts'), 1);
    assert.deepEqual(caller.unsolicited, []);
  });

  test('a disconnecting caller cancels its call: no timer is left behind', async () => {
    const gone = await LocalApiClient.connect(cfg.bridge.localSocket);
    const pending = gone.call({ topic: 'nobody-home-3' }, CTX, '{"method": "m", "args": {}}', 30 * 24 * 3600).catch((e: unknown) => e);
    await waitFor(() => host.rpc.waiter.size === 1, 5000, 'call registered');
    const timers = clock.pending;
    await gone.close();
    await pending;
    await waitFor(() => host.rpc.waiter.size === 0, 5000, 'call cancelled');
    assert.equal(clock.pending, timers - 1, "the call's timeout timer is gone");
  });
});

describe('local API request parser', () => {
  const parsed = (f: Record<string, unknown>): LocalRequest => {
    const r = parseRequest(f);
    if (isRejected(r)) throw r.bad;
    return r;
  };
  const rejected = (f: Record<string, unknown>): RejectedRequest => {
    const r = parseRequest(f);
    assert.ok(isRejected(r), `expected a rejection of ${JSON.stringify(f)}`);
    return r;
  };
  const T = { exchange: null, topic: 'compute', server: null, fanout: false };

  test('every op becomes its typed request', () => {
    assert.deepEqual(parsed({ op: 'hello', rid: 1, pid: 42, client: 'nova_zmq_bridge/0.1', proto: 1 }), { op: 'hello', rid: 1, pid: 42, client: 'nova_zmq_bridge/0.1', proto: 1 });
    assert.deepEqual(parsed({ op: 'listen', rid: 2, lid: 7, target: { ...T, exchange: '', server: '' } }), { op: 'listen', kind: 'rpc', rid: 2, lid: 7, target: T });
    assert.deepEqual(parsed({ op: 'listen', rid: 3, lid: 8, kind: 'notify', exchange: 'E', topic: 'notifications', priority: 'info', pool: null }), {
      op: 'listen', kind: 'notify', rid: 3, lid: 8, exchange: 'E', topic: 'notifications', priority: 'info', pool: null,
    });
    assert.deepEqual(parsed({ op: 'unlisten', rid: 4, lid: 8 }), { op: 'unlisten', rid: 4, lid: 8 });
    assert.deepEqual(parsed({ op: 'cast', target: { ...T, fanout: true }, ctx: '{}', msg: '{"method": "m"}' }), { op: 'cast', rid: undefined, target: { ...T, fanout: true }, ctx: '{}', msg: '{"method": "m"}' });
    assert.deepEqual(parsed({ op: 'call', rid: 5, target: T, ctx: '{}', msg: '{}', timeout: null }), { op: 'call', rid: 5, target: T, ctx: '{}', msg: '{}', timeout: null, monitorTimeout: null });
    assert.deepEqual(parsed({ op: 'call', rid: 6, target: T, ctx: '{}', msg: '{}', timeout: 2.5, monitor_timeout: 0.5 }), { op: 'call', rid: 6, target: T, ctx: '{}', msg: '{}', timeout: 2.5, monitorTimeout: 0.5 });
    const n = { op: 'notify', rid: 7, exchange: null, topic: 'notifications', priority: 'error', ctx: '{}', msg: '{}' };
    assert.equal((parsed({ ...n, version: '2.0' }) as { version: string }).version, '2.0');
    assert.equal((parsed({ ...n, version: 'x' }) as { version: string }).version, '1.0');
    const to = ['f'.repeat(32), 'zmq_replies.h1'];
    assert.deepEqual(parsed({ op: 'reply', reply_to: to, ctx: '{}', result: '[1.0]' }), { op: 'reply', rid: undefined, replyTo: to, ctx: '{}', outcome: { result: '[1.0]' } });
    assert.deepEqual((parsed({ op: 'reply', reply_to: to, ctx: '{}' }) as { outcome: unknown }).outcome, { result: 'null' });
    assert.deepEqual((parsed({ op: 'reply', reply_to: to, ctx: '{}', result: '1', failure: '{"class": "E"}' }) as { outcome: unknown }).outcome, { failure: '{"class": "E"}' });
    assert.deepEqual(parsed({ op: 'heartbeat', reply_to: to }), { op: 'heartbeat', rid: undefined, replyTo: to });
    assert.deepEqual(parsed({ op: 'stats', rid: 9 }), { op: 'stats', rid: 9 });
  });

  test('bad fields are INVALID with the field named, first bad field first', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ op: 'cast', rid: 1, target: T, ctx: '{not json', msg: '{}' }, 'local API op cast: field ctx must be a JSON text (as json.dumps writes it)'],
      [{ op: 'cast', rid: 1, target: { ...T, topic: 'a.b' }, ctx: 'x', msg: '{}' }, "local API op cast: field target.topic must be a topic without '.', '~', ':' or path separators"],
      [{ op: 'cast', rid: 1, target: [], ctx: '{}', msg: '{}' }, 'local API op cast: field target must be a map {exchange, topic, server, fanout}'],
      [{ op: 'cast', rid: 1, target: { ...T, exchange: 'a:b' }, ctx: '{}', msg: '{}' }, "local API op cast: field exchange must be a name without '.', ':', '~' or path separators"],
      [{ op: 'listen', rid: 1, lid: 'x', kind: 'rpc' }, 'local API op listen: field lid must be an integer'],
      [{ op: 'listen', rid: 1, lid: 1, kind: 'other' }, 'local API op listen: field kind must be "rpc" or "notify"'],
      [{ op: 'listen', rid: 1, lid: 1, kind: 'notify', topic: 't', priority: 'info', pool: 3 }, 'local API op listen: field pool must be a string or null'],
      [{ op: 'call', target: T, ctx: '{}', msg: '{}' }, 'local API op call: field rid must be an integer'],
      [{ op: 'call', rid: 1, target: T, ctx: '{}', msg: '{}', timeout: 0 }, 'local API op call: field timeout must be a positive number of seconds or null'],
      [{ op: 'call', rid: 1, target: T, ctx: '{}', msg: '{}', timeout: 1, monitor_timeout: -1 }, 'local API op call: field monitor_timeout must be a positive number of seconds or null'],
      [{ op: 'notify', rid: 1, topic: '', priority: 'info', ctx: '{}', msg: '{}' }, 'local API op notify: field topic must be a non-empty string'],
      [{ op: 'reply', reply_to: ['x', 'compute.h1'], ctx: '{}' }, 'local API op reply: field reply_to must be [msg_id, "zmq_replies.<host>"]'],
      [{ op: 'reply', reply_to: ['x', 'zmq_replies.h1'], ctx: '{}', failure: 'nope' }, 'local API op reply: field failure must be a JSON text (as json.dumps writes it)'],
      [{ op: 'heartbeat', reply_to: 'x' }, 'local API op heartbeat: field reply_to must be [msg_id, "zmq_replies.<host>"]'],
      [{ op: 'frobnicate', rid: 1 }, 'local API op frobnicate: field op must be one of hello, listen, unlisten, cast, call, notify, reply, heartbeat, stats, status, ping'],
      [{ op: 'ping', rid: 1 }, 'local API op ping: field host must be a non-empty string'],
      [{ op: 'ping', rid: 1, host: 'h1', topic: 'a.b' }, "local API op ping: field topic must be null, or a topic without '.', '~', ':' or path separators"],
      [{ op: 'ping', host: 'h1' }, 'local API op ping: field rid must be an integer'],
    ];
    for (const [frame, message] of cases) {
      const r = rejected(frame);
      assert.equal(r.bad.code, 'INVALID', message);
      assert.equal(r.bad.message, message);
      assert.equal(r.op, frame.op);
      assert.equal(r.rid, frame.rid);
    }
  });

  test('an unknown op is repeated back cut to 64 characters', () => {
    const op = 'x'.repeat(100_000);
    const r = rejected({ op, rid: 1 });
    assert.equal(r.bad.code, 'INVALID');
    assert.ok(r.bad.message.includes('x'.repeat(64)));
    assert.ok(!r.bad.message.includes('x'.repeat(65)));
    assert.ok(r.bad.message.length < 300, `message of ${r.bad.message.length} chars`);
    assert.ok(r.op.length < 100);
  });
});

describe('local API logs', () => {
  test('each line of the RPC parts (local API, reply waiter, sender, listeners) names its component once; the shim pid is shim_pid', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter((l) => l.length > 0));
        done();
      },
    });
    const dir = makeIpcDir();
    const cfg = testConfig({ ipcDir: dir, port: randomPort(...PORTS), host: 'localhost' });
    const clock = new ManualClock();
    const host = await manualClockHost(cfg, clock, createLogger({ level: 'debug', destination: sink }));
    const c = await LocalApiClient.connect(cfg.bridge.localSocket);
    try {
      await c.request({ op: 'hello', pid: 4242, client: 'test', proto: 1 });
      const call = c.call({ topic: 'nobody-home' }, CTX, '{"method": "m", "args": {}}', 1);
      await waitFor(() => host.rpc.waiter.size === 1, 5000, 'call registered');
      clock.advance(1000);
      await assert.rejects(call, (e: unknown) => e instanceof LocalApiError && e.code === 'TIMEOUT');
      await waitFor(() => lines.some((l) => l.includes('call timed out')), 5000, 'timeout logged');
    } finally {
      await c.close();
      await host.stop();
      removeDir(dir);
    }
    // The RPC parts' lines (the receiver's and matchmaker's are checked by test/logs.test.ts).
    const ours = lines.filter((l) => /"component":"(localapi|reply-waiter|sender|listeners)"/.test(l));
    assert.ok(ours.length >= 3, `lines of the RPC parts: ${ours.length}`);
    for (const l of ours) assert.equal((l.match(/"component":/g) ?? []).length, 1, `component bound twice: ${l}`);
    const connected = JSON.parse(lines.find((l) => l.includes('shim connected'))!) as Record<string, unknown>;
    assert.equal(connected.shim_pid, 4242);
    assert.equal(connected.pid, process.pid, "pino's pid is the daemon's");
    assert.equal(connected.component, 'localapi');
    const timedOut = JSON.parse(lines.find((l) => l.includes('call timed out'))!) as Record<string, unknown>;
    assert.equal(timedOut.component, 'reply-waiter');
  });
});

/** The shim side of a Call, recording what it is told. */
class RecordingOwner implements CallOwner {
  readonly id = 1;
  open = true;
  readonly live = new Set<Call>();
  readonly answers: { rid: number; outcome?: ReplyOutcome; code?: string }[] = [];
  adopt(call: Call): boolean {
    if (!this.open) return false;
    this.live.add(call);
    return true;
  }
  release(call: Call): void {
    this.live.delete(call);
  }
  reply(rid: number, outcome: ReplyOutcome): void {
    this.answers.push({ rid, outcome });
  }
  refuse(rid: number, _op: string, err: unknown): void {
    this.answers.push({ rid, code: (err as { code?: string }).code });
  }
}

describe('Call: one call, one answer', () => {
  const DEAD = '127.0.0.9';
  const queues = [{ host: DEAD, topic: `svc.${DEAD}` }];
  const spec = { rid: 7, ctx: '{}', request: '{"method": "m", "args": {}}', timeout: 5, monitorTimeout: null };
  let counters: Counters;
  let clock: ManualClock;
  let waiter: ReplyWaiter;
  let sender: Sender;
  const parts = () => ({ sender, waiter, replyTopic: 'zmq_replies.me', log: silentLogger() });
  const setUp = (queueLimit?: number) => {
    counters = new Counters();
    clock = new ManualClock();
    waiter = new ReplyWaiter({ log: silentLogger(), counters, clock });
    sender = new Sender({ config: testConfig({ port: randomPort(...PORTS), host: 'me', castTimeout: 30 }), log: silentLogger(), counters, local: null, clock, pool: queueLimit === undefined ? {} : { queueLimit } });
  };
  const tick = () => new Promise((r) => setImmediate(r));

  test('the reply answers the call once; a later cancel changes nothing', async () => {
    setUp();
    try {
      const owner = new RecordingOwner();
      const call = new Call(parts(), owner, spec);
      call.start(queues);
      assert.equal(owner.live.size, 1);
      assert.equal(waiter.size, 1);
      assert.equal(waiter.offer({ frames: buildReplyFrames(call.msgId, 'zmq_replies.me', '{}', { result: '"ok"' }), topic: 'zmq_replies.me', msgId: call.msgId }), true);
      await tick();
      call.cancel('too late');
      await tick();
      assert.deepEqual(owner.answers, [{ rid: 7, outcome: { result: '"ok"' } }]);
      assert.equal(owner.live.size, 0);
      assert.equal(counters.get('replies.cancelled'), 0);
    } finally {
      sender.close();
    }
  });

  test('a copy refused at once (QUEUE_FULL) fails the call and it stops waiting', async () => {
    setUp(0);
    try {
      const owner = new RecordingOwner();
      new Call(parts(), owner, spec).start(queues);
      await tick();
      assert.deepEqual(owner.answers, [{ rid: 7, code: 'QUEUE_FULL' }]);
      assert.equal(waiter.size, 0);
      assert.equal(counters.get('replies.cancelled'), 1);
      assert.equal(owner.live.size, 0);
      // its timeout timer went with it: advancing past it answers nothing more
      clock.advance(10_000);
      await tick();
      assert.equal(owner.answers.length, 1);
    } finally {
      sender.close();
    }
  });

  test('a call whose shim already left is neither registered nor sent', async () => {
    setUp();
    try {
      const owner = new RecordingOwner();
      owner.open = false;
      new Call(parts(), owner, spec).start(queues);
      await tick();
      assert.equal(waiter.size, 0);
      assert.deepEqual(sender.peers(), []);
      assert.equal(counters.get('sender.peers.opened'), 0);
      assert.deepEqual(owner.answers, []);
    } finally {
      sender.close();
    }
  });

  test('a msg_id already waiting is refused (DUPLICATE_MSG_ID) before anything is sent', async () => {
    setUp();
    try {
      const id = 'e'.repeat(32);
      const first = waiter.wait(id, { timeout: 5 });
      const owner = new RecordingOwner();
      new Call(parts(), owner, spec, id).start(queues);
      await tick();
      assert.deepEqual(owner.answers, [{ rid: 7, code: 'DUPLICATE_MSG_ID' }]);
      assert.deepEqual(sender.peers(), []);
      assert.equal(waiter.size, 1, 'the first call still waits');
      waiter.cancel(id);
      await assert.rejects(first);
    } finally {
      sender.close();
    }
  });
});
