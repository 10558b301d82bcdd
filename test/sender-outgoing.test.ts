/**
 * Frames handed to zeromq.js (src/sender/outgoing.ts): large UTF-8 frames
 * go as strings (copied by zeromq.js, no release through the event loop),
 * everything else as the Buffer it was; over a real PUSH -> PULL the peer
 * receives exactly the original bytes either way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zmq from 'zeromq';
import { framesForZeroMq, ZEROMQ_ZERO_COPY_THRESHOLD_BYTES } from '../src/sender/outgoing';
import { buildCallFrames } from '../src/wire/envelope';
import { freeTcpPort } from './support/ports';
import { receiveWithin } from './support/zmq-helpers';

const big = (s: string) => Buffer.from(s.repeat(Math.ceil((ZEROMQ_ZERO_COPY_THRESHOLD_BYTES + 1) / s.length)), 'utf8');

test('large UTF-8 frames become strings, small or non-UTF-8 ones stay Buffers', () => {
  const ascii = big('{"a": 1}');
  const accented = big('h\u00e9llo \u2603 ');
  const binary = Buffer.alloc(ZEROMQ_ZERO_COPY_THRESHOLD_BYTES + 10, 0xff);
  const small = Buffer.from('compute.host1');
  const out = framesForZeroMq([small, ascii, accented, binary]);
  assert.equal(out[0], small);
  assert.equal(typeof out[1], 'string');
  assert.equal(typeof out[2], 'string');
  assert.equal(out[3], binary);
  assert.ok(Buffer.from(out[2] as string, 'utf8').equals(accented));
  const untouched = [small, Buffer.from('x')];
  assert.equal(framesForZeroMq(untouched), untouched, 'nothing to convert: the same array');
});

test('the peer receives the original bytes of every frame', async () => {
  const port = await freeTcpPort('127.0.0.1');
  const pull = new zmq.Pull();
  const push = new zmq.Push();
  try {
    pull.linger = 0;
    push.linger = 0;
    await pull.bind(`tcp://127.0.0.1:${port}`);
    push.connect(`tcp://127.0.0.1:${port}`);
    const call = buildCallFrames('compute.host1', {
      msgId: 'a'.repeat(32),
      replyTopic: 'zmq_replies.host2',
      ctxText: '{"user_id": "u\\u00e9"}',
      requestText: `{"method": "m", "args": {"blob": "${'x'.repeat(500)}", "n": 1.0}}`,
    });
    const odd = [Buffer.from('0'), Buffer.from('t'), Buffer.from('cast'), Buffer.concat([big('\u00e9'), Buffer.from([0xc3])])];
    for (const frames of [call, odd]) {
      await push.send(framesForZeroMq(frames));
      const got = await receiveWithin(pull);
      assert.equal(got.length, frames.length);
      for (let i = 0; i < frames.length; i++) assert.ok(got[i]!.equals(frames[i]!), `frame ${i}`);
    }
  } finally {
    push.close();
    pull.close();
  }
});
