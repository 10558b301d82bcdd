// A legacy impl_zmq node (Debian python3 + pyzmq, frames built with
// json.dumps, its own receiver PULL on address P) talking to a bridge daemon
// on address A with shim RPC servers and clients: the frames each side sees
// must be those of the golden captures (local/call.json, cast.json).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ShimHosts, SYSTEM_PY, type Peer as PeerT } from './support/shim-hosts';
import { loadVectors, type Vector } from '../test/support/vectors';

// Addresses of the cluster's block, set in before():
let A = ''; // a bridge daemon with shim servers and clients
let C = ''; // a legacy host whose receiver is a bridge daemon
let P = ''; // the legacy node (no daemon: it binds the port itself)
let PORT = 0;
// The captures' context, key order included.
const CTX = { user_id: 'u-anchor', project_id: 'p-anchor', request_id: 'req-00000000-0000-0000-0000-000000000001' };

let hosts: ShimHosts;
let legacy: PeerT;
let relay: PeerT; // legacy consumer on C's ipc sockets
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
  hosts = await ShimHosts.start({
    hosts: 2,
    spareAddrs: 1,
    matchmaker: { kind: 'ring', ring: ([a, c, p]) => ({ ltopic: [a!], anchor: [p!], relay: [c!], 'notifications-info': [p!] }) },
  });
  [A, C] = hosts.addrs as [string, string];
  P = hosts.spareAddrs[0]!;
  PORT = hosts.port;
  srvA = await hosts.startPeer('rpc_server.py', [hosts.host(A).conf, 'ltopic', A, 'srvA', 'threading']);
  legacy = await hosts.startPeer('legacy_peer.py', [P, String(PORT)], { python: SYSTEM_PY });
  relay = await hosts.startPeer('legacy_peer.py', [C, String(PORT), hosts.host(C).ipcDir, 'relay'], { python: SYSTEM_PY });
});

after(async () => {
  await legacy?.stop().catch(() => undefined);
  await relay?.stop().catch(() => undefined);
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

test('legacy caster -> shim RPCServer: cast style, impl_zmq_v2 style and fanout casts are delivered', async () => {
  send({ cmd: 'cast', to: `tcp://${A}:${PORT}`, topic: `ltopic.${A}`, ctx: CTX,
    msg: { method: 'record', args: { note: 'lc-cast' }, version: '1.0' } });
  send({ cmd: 'cast', style: 'impl_zmq_v2', to: `tcp://${A}:${PORT}`, topic: `ltopic.${A}`, ctx: CTX,
    msg: { method: 'record', args: { note: 'lc-v2' } } });
  send({ cmd: 'cast', to: `tcp://${A}:${PORT}`, topic: `fanout~ltopic.${A}`, ctx: CTX,
    msg: { method: 'record', args: { note: 'lc-fanout' } } });
  for (const note of ['lc-cast', 'lc-v2', 'lc-fanout']) {
    const ev = await srvA.waitFor((e) => e.event === 'cast' && e.note === note);
    assert.deepEqual(ev.ctxt, CTX);
  }
});

/** A shim RPCClient (and Notifier) on A sends the captures' requests to a legacy consumer of `topic` on `host`. */
async function clientToLegacy(node: PeerT, topic: string, host: string, notify: boolean): Promise<void> {
  const before = node.events.length;
  const r = await hosts.run('legacy_calls.py', [hosts.host(A).conf, topic, host, ...(notify ? ['notify'] : [])]);
  assert.equal(r.echo, 'hello');
  assert.equal(r.echo_exact_ok, true, JSON.stringify(r.echo_exact));
  assert.ok(r.fail, 'the failing call raised');
  assert.ok(r.fail.mro.includes('ValueError'), JSON.stringify(r.fail));
  assert.match(r.fail.str, /legacy-boom/);
  // a Python 2 node's bare-raised failure (empty message, no args) still raises its class
  assert.ok(r.fail_py2, 'the py2 failure raised');
  assert.ok(r.fail_py2.mro.includes('ValueError'), JSON.stringify(r.fail_py2));

  const nExpected = 7 + (notify ? 2 : 0); // four calls, three casts, notifications
  await node.waitFor(() => node.events.slice(before).filter((e) => e.event === 'recv').length >= nExpected);
  const recvd = node.events.slice(before).filter((e) => e.event === 'recv');
  assert.equal(recvd.length, nExpected);
  const all = recvd.map((e) => text(frames(e.frames_b64)));
  const onTopic = [['anchor.localhost', `${topic}.${host}`]] as Array<[string, string]>;
  const find = (needle: string) => {
    const hit = all.find((f) => f[f.length - 1]!.includes(needle) || f[3]!.includes(needle));
    assert.ok(hit, `received ${needle}: ${JSON.stringify(all)}`);
    return hit;
  };
  assert.deepEqual(find('"note": "c1"'), fromCapture('local/cast.json', 0, onTopic));
  assert.deepEqual(find('"note": "d1"'), fromCapture('local/cast_direct.json', 0, onTopic));
  assert.deepEqual(find('"note": "f1"'), fromCapture('local/cast_fanout.json', 0, onTopic));
  const hello = find('"value": "hello"');
  const msgId = JSON.parse(hello[3]!)[1].args.msg_id as string;
  assert.match(msgId, /^[0-9a-f]{32}$/);
  const capturedId = JSON.parse(vectors.get('local/call.json')!.messages[0]!.frames[3]!.toString())[1].args.msg_id;
  assert.deepEqual(hello, fromCapture('local/call.json', 0, [...onTopic, [capturedId, msgId], ['zmq_replies.localhost', `zmq_replies.${A}`]]));
  for (const f of all.filter((x) => !x[1]!.startsWith('notifications'))) {
    assert.deepEqual(f.slice(0, 3), ['0', f[3]!.includes('"fanout"') ? `fanout~${topic}.${host}` : `${topic}.${host}`, 'cast']);
  }
  if (notify) {
    // message_id and timestamp are made per notification: take them from what arrived
    const swapsOf = (msg: any, file: string, at: (fr: string[]) => string) => {
      const cap = JSON.parse(at(fromCapture(file, 0, [])));
      return [['notifications-info.localhost', `notifications-info.${host}`],
        [cap.message_id, msg.message_id], [cap.timestamp, msg.timestamp]] as Array<[string, string]>;
    };
    const v1 = find('"driver": "messaging"}');
    const v1msg = JSON.parse(v1[3]!)[1];
    assert.deepEqual(v1, fromCapture('local/notify_v1.json', 0, swapsOf(v1msg, 'local/notify_v1.json', (fr) => JSON.stringify(JSON.parse(fr[3]!)[1]))));
    const v2 = find('"driver": "messagingv2"}');
    const v2msg = JSON.parse(v2[v2.length - 1]!);
    assert.deepEqual(v2, fromCapture('local/notify_v2.json', 0, swapsOf(v2msg, 'local/notify_v2.json', (fr) => fr[fr.length - 1]!)));
  }
}

test('shim RPCClient -> legacy node on its own receiver: the captured request frames; results and failures come back', async () => {
  await clientToLegacy(legacy, 'anchor', P, true);
});

test('shim RPCClient -> bridge daemon as the receiver of a legacy host -> legacy ipc consumer', async () => {
  await clientToLegacy(relay, 'relay', C, false);
  // calls and directed casts came through the PUSH outlet, the fanout through the PUB one
  const vias = relay.events.filter((e) => e.event === 'recv').map((e) => `${e.via}:${text(frames(e.frames_b64))[1]}`);
  assert.ok(vias.includes(`sub:fanout~relay.${C}`), JSON.stringify(vias));
  assert.equal(vias.filter((v) => v === `pull:relay.${C}`).length, 6, JSON.stringify(vias));
});
