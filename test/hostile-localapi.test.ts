/**
 * The local API against hostile or careless clients, on a real Daemon with
 * real unix-socket clients (issue 12, items 2-5 and 7): a frame left
 * unfinished is cut after `local_read_timeout`; partial frames and unread
 * answers of all connections together stay under `local_buffer_bytes`;
 * answers never repeat unbounded input; 300,000 made-up op names leave the
 * counters and `stats` bounded; call timeouts beyond what Node's timers
 * hold are honoured (and capped); a connection that broke the protocol but
 * stays open loses its listeners at once, so nothing is counted delivered
 * and dropped; messages a shim cannot read are bounded and counted.
 * Time is a ManualClock wherever the test waits for a timeout.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as zmq from 'zeromq';
import { Daemon } from '../src/daemon';
import { silentLogger, type Logger } from '../src/log';
import { ALL_COUNTER_NAMES } from '../src/metrics/catalogue';
import { MAX_CALL_TIMEOUT_S } from '../src/localapi/protocol';
import type { BridgeConfig } from '../src/config/types';
import { ManualClock } from './support/manual-clock';
import { captureLog, type LogCapture } from './support/log-capture';
import { makeIpcDir, removeDir, testConfigOnFreePort, type ConfigOverrides } from './support/config';
import { waitFor } from './support/wait';
import { LocalApiClient, LocalApiError, type Delivery, type Frame } from './support/localapi-client';

const KIB = 1024;
const MIB = 1024 * KIB;
const CTX = '{}';

/** A frame header declaring `n` bytes. */
function header(n: number): Buffer {
  const h = Buffer.alloc(4);
  h.writeUInt32BE(n);
  return h;
}

interface Host {
  dir: string;
  cfg: BridgeConfig;
  daemon: Daemon;
  clients: LocalApiClient[];
  client(opts?: { allowHalfOpen?: boolean; hello?: boolean }): Promise<LocalApiClient>;
  close(): Promise<void>;
}

async function host(over: ConfigOverrides = {}, opts: { clock?: ManualClock; log?: Logger } = {}): Promise<Host> {
  const dir = makeIpcDir();
  const cfg = await testConfigOnFreePort({ ipcDir: dir, host: 'localhost', ...over });
  const daemon = new Daemon(cfg, opts.log ?? silentLogger(), { clock: opts.clock });
  await daemon.start();
  const clients: LocalApiClient[] = [];
  return {
    dir,
    cfg,
    daemon,
    clients,
    async client(o = {}) {
      const c = await LocalApiClient.connect(cfg.bridge.localSocket, { allowHalfOpen: o.allowHalfOpen });
      clients.push(c);
      if (o.hello !== false) await c.hello();
      return c;
    },
    async close() {
      for (const c of clients) {
        c.resume();
        await Promise.race([c.close(), new Promise((r) => setTimeout(r, 1000))]);
      }
      await daemon.stop();
      removeDir(dir);
    },
  };
}

/** Settles to 'pending' when `p` has not settled by the time a later round-trip on the same connection came back. */
async function stateAfter(p: Promise<unknown>, roundTrip: Promise<unknown>): Promise<'pending' | 'settled'> {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  await roundTrip;
  return settled ? 'settled' : 'pending';
}

describe('local API: a frame left unfinished (local_read_timeout)', () => {
  let h: Host;
  let clock: ManualClock;
  before(async () => {
    clock = new ManualClock();
    h = await host({ bridge: { localReadTimeoutSeconds: 30 } }, { clock });
  });
  after(() => h.close());

  test('a client that sends part of a frame and hangs is answered PROTOCOL and cut after the timeout; sending more does not extend it', async () => {
    const c = await h.client();
    c.writeRaw(Buffer.concat([header(1 * MIB), Buffer.alloc(100 * KIB, 0x61)]));
    await waitFor(() => h.daemon.rpc.server.bufferedInputBytes >= 100 * KIB, 10_000, 'the daemon to buffer the partial frame');
    clock.advance(20_000);
    c.writeRaw(Buffer.alloc(100 * KIB, 0x61));
    await waitFor(() => h.daemon.rpc.server.bufferedInputBytes >= 200 * KIB, 10_000, 'more of the partial frame');
    assert.equal(c.closed, false);
    clock.advance(10_000);
    await waitFor(() => c.closed, 10_000, 'the daemon to close the connection');
    const answer = c.unsolicited.find((f) => f.op === 'error');
    assert.equal(answer?.code, 'PROTOCOL');
    assert.match(answer!.message, /local_read_timeout/);
    assert.equal(h.daemon.counters.get('localapi.read_timeouts'), 1);
    assert.equal(h.daemon.rpc.server.bufferedInputBytes, 0, 'its bytes were released');
  });

  test('a connection idle between frames is never cut', async () => {
    const c = await h.client();
    clock.advance(10 * 30_000);
    const r = await c.request({ op: 'stats' });
    assert.equal(r.op, 'ok');
    assert.equal(c.closed, false);
  });
});

describe('local API: bytes buffered for all connections (local_buffer_bytes)', () => {
  let h: Host;
  let clock: ManualClock;
  before(async () => {
    clock = new ManualClock();
    h = await host({ bridge: { localBufferBytes: 1 * MIB, localReadTimeoutSeconds: 30 } }, { clock });
  });
  after(() => h.close());

  test('partial frames of all clients stay under the cap: reading pauses, and resumes once a hung client is cut', async () => {
    const hung = await h.client();
    hung.writeRaw(Buffer.concat([header(4 * MIB), Buffer.alloc(900 * KIB, 0x61)]));
    await waitFor(() => h.daemon.rpc.server.bufferedInputBytes >= 900 * KIB, 10_000, 'the hung client to be buffered');
    // The second client starts its frame 20 s later: the hung one's time ends first.
    clock.advance(20_000);
    const good = await h.client();
    const l = await good.listen({ topic: 'bulk' }, () => {});
    assert.ok(l > 0);
    const big = JSON.stringify({ method: 'm', args: { blob: 'x'.repeat(600 * KIB) } });
    const cast = good.cast({ topic: 'bulk' }, CTX, big);
    await waitFor(() => h.daemon.counters.get('localapi.input_paused') >= 1, 10_000, 'reading of the second client to pause');
    assert.ok(h.daemon.rpc.server.bufferedInputBytes <= 1 * MIB + 64 * KIB, `${h.daemon.rpc.server.bufferedInputBytes} bytes buffered`);
    clock.advance(10_000);
    await waitFor(() => hung.closed, 10_000, 'the hung client to be cut');
    const ok = await cast;
    assert.equal(ok.op, 'ok', 'the paused client went on once there was room');
  });

  test('a single frame larger than the cap still gets through when nothing else is buffered', async () => {
    const c = await h.client();
    await c.listen({ topic: 'solo' }, () => {});
    const paused = h.daemon.counters.get('localapi.input_paused');
    const r = await c.cast({ topic: 'solo' }, CTX, JSON.stringify({ method: 'm', args: { blob: 'z'.repeat(1536 * KIB) } }));
    assert.equal(r.op, 'ok');
    assert.equal(h.daemon.counters.get('localapi.input_paused'), paused);
  });

  test('clients that do not read their deliveries hold at most the cap together; the rest is dropped and counted', async () => {
    const before = h.daemon.counters.get('localapi.deliver.overflow');
    const readers = await Promise.all([0, 1, 2, 3].map(() => h.client()));
    const blob = JSON.stringify({ method: 'm', args: { blob: 'y'.repeat(100 * KIB) } });
    for (const [i, r] of readers.entries()) {
      await r.listen({ topic: `sink${i}` }, () => {});
      r.pause();
    }
    const sender = await h.client();
    for (let n = 0; n < 40; n++) for (let i = 0; i < 4; i++) await sender.cast({ topic: `sink${i}` }, CTX, blob);
    await waitFor(() => h.daemon.counters.get('localapi.deliver.overflow') > before, 10_000, 'deliveries to be dropped');
    // 16 MiB were sent to clients that read nothing; the cap is 1 MiB, plus 1 MiB of slack per connection.
    const out = h.daemon.rpc.server.bufferedOutputBytes;
    assert.ok(out <= 1 * MIB + 4 * (1 * MIB + 110 * KIB), `${out} bytes waiting for the clients`);
  });
});

describe('local API: hostile requests', () => {
  let h: Host;
  let cap: LogCapture;
  before(async () => {
    cap = captureLog();
    h = await host({}, { log: cap.log });
  });
  after(() => h.close());

  test('an op name of 10 MiB is answered INVALID in a short message, and logged short', async () => {
    const c = await h.client();
    const before = cap.bytes();
    await assert.rejects(c.request({ op: 'o'.repeat(10 * MIB) }), (err: unknown) => err instanceof LocalApiError && err.code === 'INVALID' && err.message.length < 512);
    const bad = Buffer.concat([Buffer.from([0xc1]), Buffer.alloc(10 * KIB, 0x61)]);
    c.writeRaw(Buffer.concat([header(bad.length), bad]));
    await waitFor(() => c.closed, 10_000, 'the PROTOCOL close');
    const answer = c.unsolicited.find((f) => f.op === 'error');
    assert.equal(answer?.code, 'PROTOCOL');
    assert.ok(answer!.message.length < 512, answer!.message);
    assert.ok(cap.bytes() - before < 8 * KIB, `${cap.bytes() - before} bytes of logs`);
  });

  test('300,000 made-up op names: counters stay those of the catalogue, stats answers, and the warnings are thinned', async () => {
    const c = await h.client();
    const linesBefore = cap.lines().length;
    const unknownBefore = h.daemon.counters.get('localapi.ops.unknown');
    const invalidBefore = h.daemon.counters.get('localapi.errors.INVALID');
    const total = 300_000;
    const batch = 10_000;
    for (let sent = 0; sent < total; sent += batch) {
      // Without rid: nothing is answered, each failure is counted and (thinned) logged.
      for (let i = sent; i < sent + batch; i++) c.send({ op: `op_${i}` });
      await c.request({ op: 'hello', pid: 1 });
    }
    const counters = (await c.request({ op: 'stats' })).counters as Record<string, number>;
    assert.equal(counters['localapi.ops.unknown'], unknownBefore + total);
    assert.equal(counters['localapi.errors.INVALID'], invalidBefore + total);
    assert.ok(Object.keys(counters).length <= ALL_COUNTER_NAMES.length);
    assert.ok(Object.keys(counters).every((k) => (ALL_COUNTER_NAMES as readonly string[]).includes(k)));
    const lines = cap.lines().length - linesBefore;
    assert.ok(lines < 100, `${lines} log lines for ${total} bad requests`);
  });
});

describe('local API: call timeouts beyond what a Node timer holds', () => {
  const cases: [string, number][] = [
    ['2^31 ms', 2 ** 31 / 1000],
    ['30 days', 30 * 86_400],
    ['1e7 s', 1e7],
    ['Infinity', Infinity],
  ];

  test('on the system clock, a call with each of these timeouts gets its reply (no early TIMEOUT)', async () => {
    const h = await host();
    try {
      const server = await h.client();
      await server.listen({ topic: 'slow' }, (d: Delivery) => {
        // Answer a little later, on a real timer: a clamped timeout would have fired by then.
        setTimeout(() => server.reply(d.reply_to!, d.ctx, { result: d.msg }), 50);
      });
      const caller = await h.client();
      for (const [name, seconds] of cases) {
        const r = await caller.call({ topic: 'slow' }, CTX, JSON.stringify({ method: name }), seconds);
        assert.equal(r.op, 'reply', name);
        assert.equal(r.result, JSON.stringify({ method: name }), name);
      }
      assert.equal(h.daemon.counters.get('replies.timeouts'), 0);
    } finally {
      await h.close();
    }
  });

  test('on a manual clock, each times out exactly at its timeout, capped at MAX_CALL_TIMEOUT_S', async () => {
    const clock = new ManualClock();
    const h = await host({}, { clock });
    try {
      await (await h.client()).listen({ topic: 'silent' }, () => {});
      const caller = await h.client();
      for (const [name, seconds] of cases) {
        const due = Math.min(seconds, MAX_CALL_TIMEOUT_S) * 1000;
        const call: Promise<Frame> = caller.call({ topic: 'silent' }, CTX, '{"method": "m"}', seconds);
        await waitFor(() => h.daemon.rpc.waiter.size === 1, 10_000, `the ${name} call to wait`);
        clock.advance(due - 1);
        assert.equal(await stateAfter(call, caller.request({ op: 'stats' })), 'pending', `${name}: not before its timeout`);
        clock.advance(1);
        await assert.rejects(call, (err: unknown) => err instanceof LocalApiError && err.code === 'TIMEOUT' && !/Infinity|NaN/.test(err.message), name);
      }
      assert.equal(h.daemon.counters.get('replies.timeouts'), cases.length);
    } finally {
      await h.close();
    }
  });

  test('a timeout that is not a positive number is INVALID', async () => {
    const h = await host();
    try {
      const c = await h.client();
      for (const bad of [0, -1, NaN, -Infinity, 'forever']) {
        await assert.rejects(c.call({ topic: 'x' }, CTX, '{}', bad as number), (err: unknown) => err instanceof LocalApiError && err.code === 'INVALID', String(bad));
      }
    } finally {
      await h.close();
    }
  });
});

describe('local API: a connection that broke the protocol but stays open', () => {
  test('its listeners go at once: every cast reaches the healthy listener, and delivered counts what was delivered', async () => {
    const h = await host();
    try {
      const good = await h.client();
      const got: Delivery[] = [];
      await good.listen({ topic: 'shared' }, (d) => got.push(d));
      const broken = await h.client({ allowHalfOpen: true });
      await broken.listen({ topic: 'shared' }, () => assert.fail('the broken connection got a delivery'));
      broken.writeRaw(Buffer.concat([header(1), Buffer.from([0xc1])]));
      await waitFor(() => broken.endedByDaemon, 10_000, 'the PROTOCOL answer and end');
      assert.equal(broken.closed, false, 'the client keeps its side open');
      assert.equal(h.daemon.rpc.server.sessionCount, 1, 'the daemon forgot the broken session at once');
      const caster = await h.client();
      for (let i = 0; i < 100; i++) await caster.cast({ topic: 'shared' }, CTX, JSON.stringify({ method: 'm', args: { i } }));
      await waitFor(() => got.length === 100, 10_000, () => `100 deliveries to the healthy listener (got ${got.length})`);
      assert.equal(h.daemon.counters.get('localapi.delivered.cast'), 100);
      assert.equal(h.daemon.counters.get('localapi.protocol_errors'), 1);
      assert.equal(h.daemon.counters.get('localapi.listeners.removed'), 1);
    } finally {
      await h.close();
    }
  });
});

describe('local API host: messages a shim cannot read', () => {
  test('they are counted, warned about once per interval, and the legacy outlet nobody reads keeps at most its byte budget', async () => {
    const cap = captureLog();
    const h = await host({ bridge: { topicQueueBytes: 1 * MIB } }, { log: cap.log });
    const push = new zmq.Push({ linger: 0 });
    try {
      const shim = await h.client();
      const got: Delivery[] = [];
      await shim.listen({ topic: 'compute' }, (d) => got.push(d));
      push.connect(`tcp://127.0.0.1:${h.cfg.port}`);
      const junk = Buffer.alloc(64 * KIB, 0x7b); // '{{{{...': not JSON
      const count = 200;
      for (let i = 0; i < count; i++) await push.send([Buffer.from('0'), Buffer.from('compute'), Buffer.from('cast'), junk]);
      await push.send([Buffer.from('0'), Buffer.from('compute'), Buffer.from('cast'), Buffer.from(JSON.stringify(['{}', { method: 'ok', args: {} }]))]);
      await waitFor(() => got.length === 1, 10_000, 'the readable message to reach the shim');
      assert.equal(h.daemon.counters.get('localapi.deliver.bad_envelope'), count);
      const kept = count - h.daemon.counters.get('receiver.dropped.topic_bytes');
      assert.ok(kept * 64 * KIB <= 1 * MIB + 64 * KIB, `${kept} unreadable messages kept for nobody`);
      const warnings = cap.lines().filter((l) => typeof l.msg === 'string' && (l.msg as string).startsWith('unreadable message for a shim listener'));
      assert.equal(warnings.length, 1);
    } finally {
      push.close();
      await h.close();
    }
  });
});
