/**
 * The local API on a single host, through a real Daemon (real receiver, local
 * matchmaker, real unix socket, local short-circuit) and real TS clients.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Daemon } from '../src/daemon';
import { silentLogger } from '../src/log';
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

describe('local API, single host', () => {
  let dir: string;
  let cfg: BridgeConfig;
  let daemon: Daemon;
  const clients: LocalApiClient[] = [];
  const client = async (): Promise<LocalApiClient> => {
    const c = await LocalApiClient.connect(cfg.bridge.localSocket);
    clients.push(c);
    await c.hello();
    return c;
  };

  before(async () => {
    dir = makeIpcDir();
    cfg = testConfig({ ipcDir: dir, port: randomPort(...PORTS), host: 'localhost', bridge: { replyHoldSeconds: 0.2 } });
    daemon = new Daemon(cfg, silentLogger());
    await daemon.start();
  });

  after(async () => {
    for (const c of clients) await c.close();
    await daemon.stop();
    removeDir(dir);
  });

  test('hello answers host, proto and the default timeout; socket mode is 0660', async () => {
    const c = await LocalApiClient.connect(cfg.bridge.localSocket);
    clients.push(c);
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

  test('a call nobody answers fails with TIMEOUT', async () => {
    const c = await client();
    await assert.rejects(c.call({ topic: 'nobody-home' }, CTX, '{"method": "m", "args": {}}', 0.3), (e: unknown) => e instanceof LocalApiError && e.code === 'TIMEOUT');
    assert.ok(daemon.counters.get('replies.timeouts') >= 1);
  });

  test('call-monitor: heartbeats keep a call alive past monitor_timeout; silence fails it early', async () => {
    const server = await client();
    const caller = await client();
    const hb = collect();
    await server.listen({ topic: 'slow' }, (d) => {
      hb.got.push(d);
      assert.equal(d.monitor, 0.3);
      const timer = setInterval(() => server.heartbeat(d.reply_to!), 100);
      setTimeout(() => {
        clearInterval(timer);
        if (d.msg.includes('"finish"')) server.reply(d.reply_to!, d.ctx, { result: '"done"' });
        // "stall": stop heartbeating, never reply
      }, 700);
    });
    const r = await caller.call({ topic: 'slow' }, CTX, '{"method": "finish", "args": {}}', 10, 0.3);
    assert.equal(r.result, '"done"');
    assert.ok(daemon.counters.get('replies.heartbeats') >= 3);
    await assert.rejects(caller.call({ topic: 'slow' }, CTX, '{"method": "stall", "args": {}}', 30, 0.3), (e: unknown) => e instanceof LocalApiError && e.code === 'TIMEOUT');
    assert.ok(daemon.counters.get('replies.monitor_timeouts') >= 1);
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

  test('a reply for nobody is counted as orphaned', async () => {
    const c = await client();
    const orphaned = daemon.counters.get('replies.orphaned');
    c.reply(['f'.repeat(32), 'zmq_replies.localhost'], CTX, { result: '1' });
    await waitFor(() => daemon.counters.get('replies.orphaned') === orphaned + 1, 5000, 'orphan counted');
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
