/**
 * The reply waiter as a receiver sink: what it claims, what it leaves, its
 * timers. Time is a ManualClock: timeouts fire when the test advances it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReplyWaiter } from '../src/sender/reply-waiter';
import { Counters } from '../src/metrics/counters';
import { silentLogger } from '../src/log';
import { buildCastFrames, buildHeartbeatFrames, buildReplyFrames } from '../src/wire/envelope';
import type { InboundMessage } from '../src/receiver/sink';
import { ManualClock } from './support/manual-clock';

const ID = 'a'.repeat(32);
const TOPIC = 'zmq_replies.h1';

const DAY_MS = 24 * 3600 * 1000;

function inbound(frames: Buffer[]): InboundMessage {
  return { frames, topic: frames[1]!.toString(), msgId: frames[0]!.toString('latin1') };
}

function waiter(clock = new ManualClock()): { w: ReplyWaiter; counters: Counters; clock: ManualClock } {
  const counters = new Counters();
  return { w: new ReplyWaiter({ log: silentLogger(), counters, clock }), counters, clock };
}

const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;

test('claims only replies for awaited msg_ids; resolves with the result text', async () => {
  const { w, clock } = waiter();
  const p = w.wait(ID, { timeout: 5 });
  assert.equal(w.offer(inbound(buildReplyFrames('b'.repeat(32), TOPIC, '{}', { result: '1' }))), false, 'unknown msg_id left to the receiver');
  assert.equal(w.offer(inbound(buildCastFrames('compute.h1', '{}', '{"method": "x", "args": {}}'))), false, 'not a reply topic');
  assert.equal(w.offer(inbound(buildReplyFrames(ID, TOPIC, '{}', { result: '12345678901234567890.0' }))), true);
  assert.deepEqual(await p, { result: '12345678901234567890.0' });
  assert.equal(w.size, 0);
  assert.equal(w.offer(inbound(buildReplyFrames(ID, TOPIC, '{}', { result: '1' }))), false, 'a second reply is nobody\'s');
  assert.equal(clock.pending, 0, 'the answered call left no timer behind');
});

test('a malformed reply for a pending call is counted and the call keeps waiting', async () => {
  const { w, counters } = waiter();
  const p = w.wait(ID, { timeout: 5 });
  const bad = [Buffer.from(ID), Buffer.from(TOPIC), Buffer.from('cast'), Buffer.from('[1, {')];
  assert.equal(w.offer(inbound(bad)), true);
  assert.equal(counters.get('replies.malformed'), 1);
  assert.equal(w.size, 1);
  w.offer(inbound(buildReplyFrames(ID, TOPIC, '{}', { failure: '{"class": "E"}' })));
  assert.deepEqual(await p, { failure: '{"class": "E"}' });
});

test('a request (not a -process_reply) under a pending msg_id is malformed, not an answer', async () => {
  const { w, counters } = waiter();
  const p = w.wait(ID, { timeout: 5 });
  assert.equal(w.offer(inbound(buildCastFrames(TOPIC, '{}', '{"method": "x", "args": {}}', ID))), true);
  assert.equal(counters.get('replies.malformed'), 1);
  assert.equal(w.size, 1);
  assert.equal(w.cancel(ID), true);
  await assert.rejects(p, code('SHUTDOWN'));
});

test('timeout rejects with TIMEOUT once the clock reaches it; cancel rejects with SHUTDOWN', async () => {
  const { w, counters, clock } = waiter();
  const timedOut = w.wait(ID, { timeout: 0.05 });
  clock.advance(49);
  assert.equal(w.size, 1, 'not before its timeout');
  clock.advance(1);
  await assert.rejects(timedOut, code('TIMEOUT'));
  assert.equal(counters.get('replies.timeouts'), 1);
  const p = w.wait(ID, { timeout: 5 });
  assert.equal(w.cancel(ID), true);
  await assert.rejects(p, code('SHUTDOWN'));
  assert.equal(w.cancel(ID), false);
  assert.equal(counters.get('replies.cancelled'), 1);
  assert.equal(clock.pending, 0);
});

test('monitor: no monitor timeout before the first heartbeat; silence after heartbeats fails the call', async () => {
  const { w, counters, clock } = waiter();
  // without heartbeats a short monitor does not apply: the reply arriving after it still resolves
  const p1 = w.wait(ID, { timeout: 5, monitorTimeout: 0.05 });
  clock.advance(150);
  w.offer(inbound(buildReplyFrames(ID, TOPIC, '{}', { result: '"late"' })));
  assert.deepEqual(await p1, { result: '"late"' });
  // with a heartbeat, silence beyond the monitor fails it long before the overall timeout
  const p2 = w.wait(ID, { timeout: 30, monitorTimeout: 0.1 });
  assert.equal(w.offer(inbound(buildHeartbeatFrames(ID, TOPIC))), true);
  clock.advance(100);
  await assert.rejects(p2, code('TIMEOUT'));
  assert.equal(counters.get('replies.monitor_timeouts'), 1);
  assert.equal(counters.get('replies.timeouts'), 0);
  assert.equal(counters.get('replies.heartbeats'), 1);
  // heartbeats for unknown calls are not claimed
  assert.equal(w.offer(inbound(buildHeartbeatFrames('c'.repeat(32), TOPIC))), false);
  assert.equal(clock.pending, 0);
});

test('monitor: each heartbeat restarts the countdown; the overall timeout still applies', async () => {
  const { w, counters, clock } = waiter();
  const p = w.wait(ID, { timeout: 1, monitorTimeout: 0.1 });
  for (let i = 0; i < 9; i++) {
    w.offer(inbound(buildHeartbeatFrames(ID, TOPIC)));
    clock.advance(99);
    assert.equal(w.size, 1, `heartbeat ${i + 1} kept the call alive`);
  }
  // 891 ms in, heartbeats still coming: the 1 s overall timeout ends it
  w.offer(inbound(buildHeartbeatFrames(ID, TOPIC)));
  clock.advance(99);
  w.offer(inbound(buildHeartbeatFrames(ID, TOPIC)));
  clock.advance(10);
  await assert.rejects(p, (e: unknown) => code('TIMEOUT')(e) && /no reply within 1s/.test((e as Error).message));
  assert.equal(counters.get('replies.timeouts'), 1);
  assert.equal(counters.get('replies.monitor_timeouts'), 0);
  assert.equal(counters.get('replies.heartbeats'), 11);
});

test('a 30-day timeout means 30 days (past the 2^31 ms of a Node timer)', async () => {
  const { w, clock } = waiter();
  const p = w.wait(ID, { timeout: 30 * 24 * 3600 });
  clock.advance(1);
  clock.advance(2 ** 31);
  clock.advance(29 * DAY_MS - 2 ** 31 - 1);
  assert.equal(w.size, 1, 'still waiting after 29 days');
  clock.advance(DAY_MS - 1);
  assert.equal(w.size, 1, 'still waiting 1 ms before 30 days');
  clock.advance(1);
  await assert.rejects(p, code('TIMEOUT'));
});

test('on the system clock a 30-day timeout does not fire early', async () => {
  // Node's own setTimeout fires a delay above 2^31-1 ms after 1 ms: the system clock must not.
  const real = new ReplyWaiter({ log: silentLogger(), counters: new Counters() });
  const p = real.wait(ID, { timeout: 30 * 24 * 3600 });
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(settled, false);
  assert.equal(real.size, 1);
  real.cancel(ID, 'test over');
  await assert.rejects(p, code('SHUTDOWN'));
  assert.equal(real.size, 0);
});

test('a second wait on a pending msg_id is refused with DUPLICATE_MSG_ID; close fails every call with SHUTDOWN', async () => {
  const { w, counters } = waiter();
  const first = w.wait(ID, { timeout: 5 });
  await assert.rejects(w.wait(ID, { timeout: 5 }), code('DUPLICATE_MSG_ID'));
  assert.equal(w.size, 1, 'the first call still waits');
  const second = w.wait('d'.repeat(32), { timeout: 5 });
  w.close();
  await assert.rejects(first, code('SHUTDOWN'));
  await assert.rejects(second, code('SHUTDOWN'));
  assert.equal(counters.get('replies.cancelled'), 2);
  assert.equal(w.size, 0);
});
