import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { loadVectors } from './support/vectors';
import {
  buildCallFrames,
  buildCastFrames,
  buildHeartbeatFrames,
  buildNotifyV2Frames,
  buildReplyFrames,
  classifyMessage,
  EnvelopeError,
  parseFrames,
  STYLE_V2,
} from '../src/wire/envelope';
import { pyJsonString, objectMembers, wholeValue, textAt } from '../src/wire/json-raw';

const vectors = loadVectors();

test('there are captures to check', () => {
  assert.ok(vectors.length >= 19, `only ${vectors.length} vectors`);
});

for (const v of vectors) {
  test(`capture ${v.file}: every message parses and rebuilds byte-for-byte`, () => {
    assert.ok(v.messages.length > 0);
    for (const [i, m] of v.messages.entries()) {
      const p = parseFrames(m.frames);
      assert.notEqual(p.style, 'nzb-heartbeat');
      if (p.style === 'nzb-heartbeat') continue;
      assert.equal(p.topic, m.frames[1]!.toString('utf8'));
      // contexts in the captures are the test's request context
      assert.match(p.ctx, /^\{"user_id": "u-anchor"/);
      let rebuilt: Buffer[];
      if (p.style === STYLE_V2) {
        rebuilt = buildNotifyV2Frames(p.topic, p.ctx, p.msg);
      } else {
        const c = classifyMessage(p.msg);
        if (c.kind === 'call') {
          assert.equal(p.msgId, '0');
          assert.equal(c.replyTopic, `zmq_replies.${v.rpcZmqHost}`);
          assert.match(c.msgId, /^[0-9a-f]{32}$/);
          assert.equal(c.monitor, null);
          assert.match(c.request, /^\{"method": "/);
          rebuilt = buildCallFrames(p.topic, { msgId: c.msgId, replyTopic: c.replyTopic, ctxText: c.ctx, requestText: c.request });
        } else if (c.kind === 'reply') {
          assert.equal(c.msgId, p.msgId);
          if (v.case === 'call_raises') {
            assert.ok('failure' in c.outcome);
            const f = c.outcome.failure;
            const members = objectMembers(f, wholeValue(f));
            assert.equal(textAt(f, members.get('class')!), '"ValueError"');
          } else {
            assert.ok('result' in c.outcome);
            const expected = { call: '"hello"', call_direct: '"direct"', call_nova_like: '7' }[v.case];
            assert.equal(c.outcome.result, expected);
          }
          rebuilt = buildReplyFrames(c.msgId, p.topic, p.ctx, c.outcome);
        } else {
          assert.equal(p.msgId, '0');
          rebuilt = buildCastFrames(p.topic, p.ctx, p.msg);
        }
      }
      assert.equal(rebuilt.length, m.frames.length, `message ${i} frame count`);
      for (let f = 0; f < rebuilt.length; f++) {
        assert.ok(rebuilt[f]!.equals(m.frames[f]!), `${v.file} message ${i} frame ${f}:\n${rebuilt[f]}\n!=\n${m.frames[f]}`);
      }
    }
  });
}

test('pyJsonString matches Python json.dumps (ensure_ascii) on awkward strings', () => {
  const samples = ['plain', 'quote " back \\ slash / ', 'ctl \n\r\t\b\f \u0001 \u001f \u007f', 'é ü ß 中文', 'astral 😀 𝄞', 'lone \ud800 x', '{"a": 1.0}', ''];
  const py = execFileSync('/usr/bin/python3', ['-c', 'import json,sys\nfor s in json.load(sys.stdin): print(json.dumps(s))'], {
    input: JSON.stringify(samples),
  }).toString('utf8');
  const lines = py.split('\n').slice(0, samples.length);
  assert.deepEqual(samples.map(pyJsonString), lines);
});

test('numbers are spliced, not re-encoded: 1.0 and 2**63-1 survive a call and a reply', () => {
  const ctx = '{"big": 9223372036854775807}';
  const req = '{"method": "m", "args": {"f": 1.0, "n": 9223372036854775807, "e": 1e400}}';
  const frames = buildCallFrames('t.h', { msgId: 'a'.repeat(32), replyTopic: 'zmq_replies.h', ctxText: ctx, requestText: req, monitor: 5 });
  const p = parseFrames(frames);
  assert.equal(p.style, 'cast');
  if (p.style !== 'cast') return;
  assert.equal(p.ctx, ctx);
  const c = classifyMessage(p.msg);
  assert.equal(c.kind, 'call');
  if (c.kind !== 'call') return;
  assert.equal(c.request, req);
  assert.equal(c.ctx, ctx);
  assert.equal(c.monitor, 5);
  assert.match(p.msg, /, "nzb": \{"monitor": 5\.0\}\}$/);
  const r = classifyMessage(parseReplyMsg(buildReplyFrames(c.msgId, c.replyTopic, ctx, { result: '[1.0, 18446744073709551615]' })));
  assert.deepEqual(r, { kind: 'reply', msgId: c.msgId, outcome: { result: '[1.0, 18446744073709551615]' } });
});

function parseReplyMsg(frames: Buffer[]): string {
  const p = parseFrames(frames);
  if (p.style === 'nzb-heartbeat') throw new Error('heartbeat');
  return p.msg;
}

test('readers accept non-ASCII JSON, any key order, unordered v2 pairs, whitespace', () => {
  const body = '[ "{\\"ü\\": \\"ß\\"}" ,{"args": {"response": [["é😀"]], "msg_id": "x"}, "method": "-process_reply"} ]';
  const p = parseFrames([Buffer.from('x'), Buffer.from('zmq_replies.h'), Buffer.from('cast'), Buffer.from(body, 'utf8')]);
  assert.equal(p.style, 'cast');
  if (p.style !== 'cast') return;
  assert.equal(p.ctx, '{"ü": "ß"}');
  assert.deepEqual(classifyMessage(p.msg), { kind: 'reply', msgId: 'x', outcome: { result: '"é😀"' } });
  const v2 = parseFrames(['0', 'n-info.h', 'impl_zmq_v2', '{}', 'oslo.message', '{"a": 1.50}', 'oslo.version', '2.1'].map((s) => Buffer.from(s)));
  assert.equal(v2.style, 'impl_zmq_v2');
  if (v2.style === 'impl_zmq_v2') assert.equal(v2.msg, '{"a": 1.50}');
  const hb = parseFrames(buildHeartbeatFrames('b'.repeat(32), 'zmq_replies.h'));
  assert.deepEqual(hb, { style: 'nzb-heartbeat', msgId: 'b'.repeat(32), topic: 'zmq_replies.h' });
  // failure given as an object (not a string) is passed raw
  assert.deepEqual(classifyMessage('{"method": "-process_reply", "args": {"msg_id": "i", "response": [{"exc": {"class": "E"}}]}}'), {
    kind: 'reply',
    msgId: 'i',
    outcome: { failure: '{"class": "E"}' },
  });
});

test('malformed envelopes raise EnvelopeError with a clear message', () => {
  const bad: Buffer[][] = [
    [Buffer.from('0'), Buffer.from('t')],
    ['0', 't', 'cast', '[1, 2'].map((s) => Buffer.from(s)),
    ['0', 't', 'cast', '["{}"]'].map((s) => Buffer.from(s)),
    ['0', 't', 'cast', '["{not json", {}]'].map((s) => Buffer.from(s)),
    ['0', 't', 'cast', '[7, {}]'].map((s) => Buffer.from(s)),
    [Buffer.from('0'), Buffer.from('t'), Buffer.from('cast'), Buffer.from([0x5b, 0xff, 0x5d])],
    ['0', 't', 'impl_zmq_v2', '{}', 'oslo.version', '1.0', 'oslo.message', '{}'].map((s) => Buffer.from(s)),
    ['0', 't', 'impl_zmq_v2', '{}', 'oslo.version'].map((s) => Buffer.from(s)),
    ['0', 't', 'weird', '{}'].map((s) => Buffer.from(s)),
  ];
  for (const f of bad) assert.throws(() => parseFrames(f), (e: unknown) => e instanceof EnvelopeError && e.code === 'ENVELOPE_INVALID');
  assert.throws(() => classifyMessage('{"method": "-reply", "args": {"msg_id": "x"}}'), EnvelopeError);
  assert.throws(() => classifyMessage('{"method": "-process_reply", "args": {"msg_id": "x", "response": []}}'), EnvelopeError);
  assert.deepEqual(classifyMessage('{"method": "record", "args": {}}'), { kind: 'plain' });
});
