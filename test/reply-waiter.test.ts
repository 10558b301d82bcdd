/** The reply waiter as a receiver sink: what it claims, what it leaves, its timers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReplyWaiter } from '../src/sender/reply-waiter';
import { Counters } from '../src/metrics/counters';
import { silentLogger } from '../src/log';
import { buildCastFrames, buildHeartbeatFrames, buildReplyFrames } from '../src/wire/envelope';
import type { InboundMessage } from '../src/receiver/sink';

const ID = 'a'.repeat(32);
const TOPIC = 'zmq_replies.h1';

function inbound(frames: Buffer[]): InboundMessage {
  return { frames, topic: frames[1]!.toString(), msgId: frames[0]!.toString('latin1') };
}

test('claims only replies for awaited msg_ids; resolves with the result text', async () => {
  const counters = new Counters();
  const w = new ReplyWaiter(silentLogger(), counters);
  const p = w.wait(ID, { timeout: 5 });
  assert.equal(w.offer(inbound(buildReplyFrames('b'.repeat(32), TOPIC, '{}', { result: '1' }))), false, 'unknown msg_id left to the receiver');
  assert.equal(w.offer(inbound(buildCastFrames('compute.h1', '{}', '{"method": "x", "args": {}}'))), false, 'not a reply topic');
  assert.equal(w.offer(inbound(buildReplyFrames(ID, TOPIC, '{}', { result: '12345678901234567890.0' }))), true);
  assert.deepEqual(await p, { result: '12345678901234567890.0' });
  assert.equal(w.size, 0);
  assert.equal(w.offer(inbound(buildReplyFrames(ID, TOPIC, '{}', { result: '1' }))), false, 'a second reply is nobody\'s');
});

test('a malformed reply for a pending call is counted and the call keeps waiting', async () => {
  const counters = new Counters();
  const w = new ReplyWaiter(silentLogger(), counters);
  const p = w.wait(ID, { timeout: 5 });
  const bad = [Buffer.from(ID), Buffer.from(TOPIC), Buffer.from('cast'), Buffer.from('[1, {')];
  assert.equal(w.offer(inbound(bad)), true);
  assert.equal(counters.get('replies.malformed'), 1);
  assert.equal(w.size, 1);
  w.offer(inbound(buildReplyFrames(ID, TOPIC, '{}', { failure: '{"class": "E"}' })));
  assert.deepEqual(await p, { failure: '{"class": "E"}' });
});

test('timeout rejects with TIMEOUT; cancel rejects with SHUTDOWN', async () => {
  const counters = new Counters();
  const w = new ReplyWaiter(silentLogger(), counters);
  await assert.rejects(w.wait(ID, { timeout: 0.05 }), (e: unknown) => (e as { code?: string }).code === 'TIMEOUT');
  assert.equal(counters.get('replies.timeouts'), 1);
  const p = w.wait(ID, { timeout: 5 });
  assert.equal(w.cancel(ID), true);
  await assert.rejects(p, (e: unknown) => (e as { code?: string }).code === 'SHUTDOWN');
  assert.equal(w.cancel(ID), false);
});

test('monitor: no monitor timeout before the first heartbeat; silence after heartbeats fails the call', async () => {
  const counters = new Counters();
  const w = new ReplyWaiter(silentLogger(), counters);
  // without heartbeats a short monitor does not apply: the reply arriving after it still resolves
  const p1 = w.wait(ID, { timeout: 5, monitorTimeout: 0.05 });
  await new Promise((r) => setTimeout(r, 150));
  w.offer(inbound(buildReplyFrames(ID, TOPIC, '{}', { result: '"late"' })));
  assert.deepEqual(await p1, { result: '"late"' });
  // with a heartbeat, silence beyond the monitor fails it long before the overall timeout
  const p2 = w.wait(ID, { timeout: 30, monitorTimeout: 0.1 });
  assert.equal(w.offer(inbound(buildHeartbeatFrames(ID, TOPIC))), true);
  await assert.rejects(p2, (e: unknown) => (e as { code?: string }).code === 'TIMEOUT');
  assert.equal(counters.get('replies.monitor_timeouts'), 1);
  assert.equal(counters.get('replies.heartbeats'), 1);
  // heartbeats for unknown calls are not claimed
  assert.equal(w.offer(inbound(buildHeartbeatFrames('c'.repeat(32), TOPIC))), false);
});
