/**
 * The sender over real tcp: a raw zeromq PULL plays the legacy receiver and
 * checks our frames against the captures' bytes; a dead peer is counted and
 * never hangs; idle connections close; two daemons on 127.0.0.2 / 127.0.0.3
 * call each other. Queue deadlines and idle closes run on a ManualClock; a
 * message already handed to ZeroMQ waits out ZeroMQ's own (real) send timeout.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as zmq from 'zeromq';
import { Daemon } from '../src/daemon';
import { silentLogger } from '../src/log';
import { Counters } from '../src/metrics/counters';
import { Sender } from '../src/sender/sender';
import { buildCastFrames } from '../src/wire/envelope';
import { makeIpcDir, removeDir, testConfig, randomPort } from './support/config';
import { receiveWithin, waitFor } from './support/zmq-helpers';
import { LocalApiClient, LocalApiError, type Delivery } from './support/localapi-client';
import { loadVectors } from './support/vectors';
import { ManualClock } from './support/manual-clock';

const PORTS = [23300, 23599] as const;
const vectors = loadVectors();
const vec = (file: string) => vectors.find((v) => v.file === file)!;

/** Split a capture's cast body back into ctx and message texts (the codec is tested byte-for-byte in envelope.test.ts). */
function castParts(body: Buffer): { ctx: string; msg: string } {
  const m = /^\["((?:[^"\\]|\\.)*)", (.*)\]$/s.exec(body.toString('utf8'))!;
  return { ctx: JSON.parse(`"${m[1]}"`) as string, msg: m[2]! };
}

async function daemonOn(ip: string, port: number, extra: Parameters<typeof testConfig>[0] = {}): Promise<{ d: Daemon; dir: string; sock: string }> {
  const dir = makeIpcDir();
  const cfg = testConfig({ ipcDir: dir, port, host: ip, bindAddress: ip, bindAddressRaw: ip, castTimeout: 2, ...extra });
  const d = new Daemon(cfg, silentLogger());
  await d.start();
  return { d, dir, sock: cfg.bridge.localSocket };
}

describe('sender against a legacy-style PULL receiver', () => {
  test('cast, call and reply frames are the captures bytes; a legacy-style reply resolves the call', async () => {
    const port = randomPort(...PORTS);
    const pull = new zmq.Pull();
    pull.linger = 0;
    await pull.bind(`tcp://127.0.0.1:${port}`);
    const { d, dir, sock } = await daemonOn('127.0.0.2', port);
    const c = await LocalApiClient.connect(sock);
    try {
      // cast to a server: byte-identical to ring/cast_direct (topic anchor.127.0.0.1)
      const castCap = vec('ring/cast_direct.json').messages[0]!.frames;
      const cp = castParts(castCap[3]!);
      await c.cast({ topic: 'anchor', server: '127.0.0.1' }, cp.ctx, cp.msg);
      const got = await receiveWithin(pull, 5000);
      assert.equal(got.length, 4);
      for (let i = 0; i < 4; i++) assert.ok(got[i]!.equals(castCap[i]!), `cast frame ${i}: ${got[i]} != ${castCap[i]}`);

      // reply to a caller on 127.0.0.1: byte-identical to ring/call's reply. The
      // call must first be delivered to this connection (only it may answer it).
      const replyCap = vec('ring/call.json').messages[1]!.frames;
      const msgId = replyCap[0]!.toString();
      const delivered: Delivery[] = [];
      // The captured call names server 127.0.0.1 (`anchor.127.0.0.1`): a listener of that name takes it here.
      const lid = await c.listen({ topic: 'anchor', server: '127.0.0.1' }, (dl) => delivered.push(dl));
      const legacyCaller = new zmq.Push({ linger: 0 });
      legacyCaller.connect(`tcp://127.0.0.2:${port}`);
      await legacyCaller.send(vec('ring/call.json').messages[0]!.frames);
      await waitFor(() => delivered.length === 1, 5000, 'legacy call delivered');
      legacyCaller.close();
      assert.deepEqual(delivered[0]!.reply_to, [msgId, 'zmq_replies.127.0.0.1']);
      c.reply([msgId, 'zmq_replies.127.0.0.1'], cp.ctx, { result: '"hello"' });
      const rep = await receiveWithin(pull, 5000);
      for (let i = 0; i < 4; i++) assert.ok(rep[i]!.equals(replyCap[i]!), `reply frame ${i}: ${rep[i]} != ${replyCap[i]}`);
      // Gone again, so the next call to server 127.0.0.1 goes over tcp to the legacy-style receiver.
      await c.unlisten(lid);

      // call: the capture's request with our msg_id and reply topic; answered like a legacy callee would
      const callCap = vec('ring/call.json').messages[0]!.frames;
      const capBody = callCap[3]!.toString('utf8');
      const capId = /"msg_id": "([0-9a-f]{32})"/.exec(capBody)![1]!;
      const inner = /"msg": \["((?:[^"\\]|\\.)*)", (\{.*\})\]\}\}\]$/.exec(capBody)!;
      const call = c.call({ topic: 'anchor', server: '127.0.0.1' }, JSON.parse(`"${inner[1]}"`), inner[2]!, 5);
      const req = await receiveWithin(pull, 5000);
      const ourId = /"msg_id": "([0-9a-f]{32})"/.exec(req[3]!.toString())![1]!;
      const expected = capBody.replace(capId, ourId).replace('zmq_replies.127.0.0.1', 'zmq_replies.127.0.0.2');
      assert.equal(req[0]!.toString(), '0');
      assert.equal(req[1]!.toString(), 'anchor.127.0.0.1');
      assert.equal(req[3]!.toString('utf8'), expected);
      const push = new zmq.Push();
      push.linger = 0;
      push.connect(`tcp://127.0.0.2:${port}`);
      const legacyReply = replyCap.map((f) => Buffer.from(f.toString('utf8').split(msgId).join(ourId).replace('zmq_replies.127.0.0.1', 'zmq_replies.127.0.0.2')));
      await push.send(legacyReply);
      const r = await call;
      assert.equal(r.result, '"hello"');
      push.close();
      assert.equal(d.counters.get('sender.peers.opened'), 1, 'one persistent connection for every message to the peer');
    } finally {
      await c.close();
      await d.stop();
      pull.close();
      removeDir(dir);
    }
  });
});

describe('dead peer', () => {
  test('SEND_FAILED after rpc_cast_timeout and QUEUE_FULL at once, counted, no hang', async () => {
    const counters = new Counters();
    const clock = new ManualClock();
    const cfg = testConfig({ port: randomPort(...PORTS), host: 'me', castTimeout: 0.3 });
    const sender = new Sender({ config: cfg, log: silentLogger(), counters, local: null, pool: { queueLimit: 2 }, clock });
    const sendFailed = (why: RegExp) => (e: unknown) => (e as { code?: string }).code === 'SEND_FAILED' && why.test((e as Error).message);
    try {
      const frames = buildCastFrames('t.127.0.0.9', '{}', '{"method": "m", "args": {}}');
      const a = sender.submit('127.0.0.9', frames, { topic: 't.127.0.0.9', msgId: '0' });
      // the first is in flight in the pump; two more fill the queue
      await new Promise((r) => setImmediate(r));
      const b = sender.submit('127.0.0.9', frames);
      const c = sender.submit('127.0.0.9', frames);
      assert.throws(() => sender.submit('127.0.0.9', frames), (e: unknown) => (e as { code?: string }).code === 'QUEUE_FULL');
      assert.equal(counters.get('sender.queue_full'), 1);
      // rpc_cast_timeout passes for the queued two; the first is ZeroMQ's until its send timeout
      clock.advance(300);
      await assert.rejects(a, sendFailed(/not accepted by the connection within rpc_cast_timeout/));
      for (const p of [b, c]) await assert.rejects(p, sendFailed(/timed out waiting in the peer queue/));
      assert.equal(counters.get('sender.cast.failed'), 3);
    } finally {
      sender.close();
    }
  });

  test('a peer with nothing to send for the idle time is closed, and reopened on the next message', async () => {
    const port = randomPort(...PORTS);
    const pull = new zmq.Pull();
    pull.linger = 0;
    await pull.bind(`tcp://127.0.0.1:${port}`);
    const counters = new Counters();
    const clock = new ManualClock();
    const sender = new Sender({ config: testConfig({ port, host: 'me' }), log: silentLogger(), counters, local: null, pool: { idleMs: 10_000 }, clock });
    try {
      const frames = buildCastFrames('t.127.0.0.1', '{}', '{"method": "m", "args": {}}');
      await sender.submit('127.0.0.1', frames);
      await receiveWithin(pull, 5000);
      assert.deepEqual(sender.peers(), ['127.0.0.1']);
      clock.advance(9_999);
      assert.deepEqual(sender.peers(), ['127.0.0.1'], 'not idle yet');
      assert.equal(counters.get('sender.peers.closed_idle'), 0);
      // a sweep (every idle/4) at or after the idle time closes it
      clock.advance(2_501);
      assert.deepEqual(sender.peers(), []);
      assert.equal(counters.get('sender.peers.closed_idle'), 1);
      await sender.submit('127.0.0.1', frames);
      const again = await receiveWithin(pull, 5000);
      assert.equal(again[1]!.toString(), 't.127.0.0.1');
      assert.equal(counters.get('sender.peers.opened'), 2);
    } finally {
      sender.close();
      pull.close();
    }
  });

  test('through the local API: a cast is accepted then counted as failed; a call answers SEND_FAILED', async () => {
    const port = randomPort(...PORTS);
    const { d, dir, sock } = await daemonOn('127.0.0.2', port, { castTimeout: 0.3 });
    const c = await LocalApiClient.connect(sock);
    try {
      const ok = await c.cast({ topic: 'x', server: '127.0.0.9' }, '{}', '{"method": "m", "args": {}}');
      assert.equal(ok.op, 'ok');
      await waitFor(() => d.counters.get('sender.cast.failed') === 1, 5000, 'cast failure counted');
      await assert.rejects(c.call({ topic: 'x', server: '127.0.0.9' }, '{}', '{"method": "m", "args": {}}', 10), (e: unknown) => e instanceof LocalApiError && e.code === 'SEND_FAILED');
      assert.equal(d.rpc.waiter.size, 0);
    } finally {
      await c.close();
      await d.stop();
      removeDir(dir);
    }
  });
});

describe('two daemons', () => {
  test('127.0.0.2 and 127.0.0.3 (same port, own ipc dirs) call each other over tcp', async () => {
    const port = randomPort(...PORTS);
    const A = await daemonOn('127.0.0.2', port);
    const B = await daemonOn('127.0.0.3', port);
    const ca = await LocalApiClient.connect(A.sock);
    const cb = await LocalApiClient.connect(B.sock);
    try {
      await ca.listen({ topic: 'svc' }, (dl) => ca.reply(dl.reply_to!, dl.ctx, { result: '"from A"' }));
      await cb.listen({ topic: 'svc' }, (dl) => cb.reply(dl.reply_to!, dl.ctx, { result: `{"echo": ${dl.msg}}` }));
      const msg = '{"method": "ping", "args": {"f": 1.0}}';
      const r1 = await ca.call({ topic: 'svc', server: '127.0.0.3' }, '{}', msg, 5);
      assert.equal(r1.result, `{"echo": ${msg}}`);
      const r2 = await cb.call({ topic: 'svc', server: '127.0.0.2' }, '{}', msg, 5);
      assert.equal(r2.result, '"from A"');
      assert.equal(A.d.counters.get('replies.matched'), 1);
      assert.equal(B.d.counters.get('replies.matched'), 1);
      assert.ok(A.d.rpc.sender.peers().includes('127.0.0.3'));
    } finally {
      await ca.close();
      await cb.close();
      await A.d.stop();
      await B.d.stop();
      removeDir(A.dir);
      removeDir(B.dir);
    }
  });
});
