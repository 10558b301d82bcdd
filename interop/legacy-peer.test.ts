// A legacy impl_zmq node (Debian python3 + pyzmq, frames built with
// json.dumps, its own receiver PULL on 127.0.0.4) talking to a bridge daemon
// on 127.0.0.2 with shim RPC servers and clients: the frames each side sees
// must be those of the golden captures (local/call.json, cast.json).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Hosts, Peer, PYDIR, type Peer as PeerT } from './support/shim-hosts';
import { loadVectors, type Vector } from '../test/support/vectors';

const A = '127.0.0.2';
const P = '127.0.0.4'; // the legacy node
const PORT = 25100;
const SYSTEM_PY = '/usr/bin/python3';
// The captures' context, key order included.
const CTX = { user_id: 'u-anchor', project_id: 'p-anchor', request_id: 'req-00000000-0000-0000-0000-000000000001' };

let hosts: Hosts;
let legacy: PeerT;
let srvA: PeerT;
const vectors = new Map<string, Vector>();

const frames = (b64: string[]) => b64.map((b) => Buffer.from(b, 'base64'));
const text = (f: Buffer[]) => f.map((x) => x.toString('utf8'));
/** A capture's frames with its host names and msg_id swapped for this run's. */
function fromCapture(file: string, idx: number, swaps: Array<[string, string]>): string[] {
  const v = vectors.get(file);
  assert.ok(v, `capture ${file}`);
  return v.messages[idx]!.frames.map((f) => swaps.reduce((s, [a, b]) => s.split(a).join(b), f.toString('utf8')));
}
function send(cmd: object): void {
  legacy.proc.stdin!.write(`${JSON.stringify(cmd)}\n`);
}

before(async () => {
  for (const v of loadVectors()) vectors.set(v.file, v);
  hosts = new Hosts(PORT, [A], { ltopic: [A], anchor: [P] });
  await hosts.startDaemon(hosts.host(A));
  srvA = await hosts.startPeer('rpc_server.py', [hosts.host(A).conf, 'ltopic', A, 'srvA', 'threading']);
  const proc = spawn(SYSTEM_PY, [join(PYDIR, 'legacy_peer.py'), P, String(PORT)], { stdio: ['pipe', 'pipe', 'pipe'] });
  legacy = new Peer(proc);
  await legacy.waitFor((e) => e.event === 'ready');
});

after(async () => {
  await legacy?.stop().catch(() => undefined);
  await srvA?.stop().catch(() => undefined);
  await hosts?.close();
});

test('legacy caller -> shim RPCServer: the reply is the one a legacy callee sends, byte for byte', async () => {
  const msgId = randomBytes(16).toString('hex');
  send({
    cmd: 'call', to: `tcp://${A}:${PORT}`, topic: `ltopic.${A}`, ctx: CTX, msg_id: msgId,
    msg: { method: 'echo', args: { value: 'hello' }, version: '1.0' }, expect_result: 'hello',
  });
  const got = await legacy.waitFor((e) => e.event === 'recv' && frames(e.frames_b64)[0]!.toString() === msgId);
  const expected = await legacy.waitFor((e) => e.event === 'expected' && e.msg_id === msgId);
  const reply = frames(got.frames_b64);
  assert.deepEqual(reply, frames(expected.frames_b64));
  // and it is the captured legacy reply (local/call.json, message 1) for this host and msg_id
  const capturedId = vectors.get('local/call.json')!.messages[1]!.frames[0]!.toString();
  assert.deepEqual(text(reply), fromCapture('local/call.json', 1, [[capturedId, msgId], ['zmq_replies.localhost', `zmq_replies.${P}`]]));
  const redumped = await legacy.waitFor((e) => e.event === 'reply' && e.msg_id === msgId);
  assert.deepEqual(frames(redumped.redumped_b64)[0], reply[3]);
});

test('legacy caller -> shim RPCServer: exact values and a failing method as [{"exc": ...}]', async () => {
  const value = { f: 1.5, big: '9223372036854775807', s: 'Grüße ☃' };
  const okId = randomBytes(16).toString('hex');
  send({ cmd: 'call', to: `tcp://${A}:${PORT}`, topic: `ltopic.${A}`, ctx: CTX, msg_id: okId,
    msg: { method: 'echo', args: { value }, version: '1.0' }, expect_result: value });
  const ok = await legacy.waitFor((e) => e.event === 'recv' && frames(e.frames_b64)[0]!.toString() === okId);
  const okExpected = await legacy.waitFor((e) => e.event === 'expected' && e.msg_id === okId);
  assert.deepEqual(frames(ok.frames_b64), frames(okExpected.frames_b64));

  const failId = randomBytes(16).toString('hex');
  send({ cmd: 'call', to: `tcp://${A}:${PORT}`, topic: `ltopic.${A}`, ctx: CTX, msg_id: failId,
    msg: { method: 'fail_builtin', args: { message: 'legacy-caller-boom' } } });
  const got = await legacy.waitFor((e) => e.event === 'recv' && frames(e.frames_b64)[0]!.toString() === failId);
  const f = text(frames(got.frames_b64));
  assert.equal(f.length, 4);
  assert.deepEqual(f.slice(0, 3), [failId, `zmq_replies.${P}`, 'cast']);
  const [ctxText, body] = JSON.parse(f[3]!);
  assert.equal(ctxText, JSON.stringify(CTX).replace(/,/g, ', ').replace(/":/g, '": '));
  assert.deepEqual(Object.keys(body), ['method', 'args']);
  assert.equal(body.method, '-process_reply');
  assert.deepEqual(Object.keys(body.args), ['msg_id', 'response']);
  assert.equal(body.args.msg_id, failId);
  assert.equal(body.args.response.length, 1);
  assert.deepEqual(Object.keys(body.args.response[0]), ['exc']);
  const exc = JSON.parse(body.args.response[0].exc);
  assert.equal(exc.class, 'ValueError');
  assert.equal(exc.module, 'builtins');
  assert.match(exc.message, /legacy-caller-boom/);
  for (const k of ['tb', 'args', 'kwargs']) assert.ok(k in exc, k);
  const redumped = await legacy.waitFor((e) => e.event === 'reply' && e.msg_id === failId);
  assert.deepEqual(frames(redumped.redumped_b64)[0], frames(got.frames_b64)[3]);
});

test('shim RPCClient -> legacy node: requests are the captured frames; results and failures come back', async () => {
  const before = legacy.events.length;
  const r = await hosts.run('legacy_calls.py', [hosts.host(A).conf, 'anchor']);
  assert.equal(r.echo, 'hello');
  assert.equal(r.echo_exact_ok, true, JSON.stringify(r.echo_exact));
  assert.ok(r.fail, 'the failing call raised');
  assert.ok(r.fail.mro.includes('ValueError'), JSON.stringify(r.fail));
  assert.match(r.fail.str, /legacy-boom/);

  const cast = await legacy.waitFor((e) => e.event === 'recv' && text(frames(e.frames_b64))[3]!.includes('"record"'));
  assert.deepEqual(text(frames(cast.frames_b64)), fromCapture('local/cast.json', 0, [['anchor.localhost', `anchor.${P}`]]));

  const recvd = legacy.events.slice(before).filter((e) => e.event === 'recv').map((e) => text(frames(e.frames_b64)));
  const hello = recvd.find((f) => f[3]!.includes('"value": "hello"'));
  assert.ok(hello, 'the echo call arrived');
  const msgId = JSON.parse(hello[3]!)[1].args.msg_id as string;
  assert.match(msgId, /^[0-9a-f]{32}$/);
  const capturedId = JSON.parse(vectors.get('local/call.json')!.messages[0]!.frames[3]!.toString())[1].args.msg_id;
  assert.deepEqual(hello, fromCapture('local/call.json', 0, [
    ['anchor.localhost', `anchor.${P}`], [capturedId, msgId], ['zmq_replies.localhost', `zmq_replies.${A}`]]));
  // every request reached the legacy node on its directed topic, in the cast style
  for (const f of recvd) assert.deepEqual(f.slice(0, 3), ['0', `anchor.${P}`, 'cast']);
  assert.equal(recvd.length, 4); // three calls and one cast
});
