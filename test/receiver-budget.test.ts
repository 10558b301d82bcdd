/**
 * The receiver's queue budget (src/receiver/receiver.ts): a burst towards a
 * live consumer is paced without losing or reordering anything, and queues
 * of topics nobody consumes never make the receiver stop reading (so other
 * topics keep flowing). Real ZeroMQ sockets throughout.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_QUEUE_BUDGET_BYTES, DEFAULT_PAUSE_POLL_MS } from '../src/receiver/receiver';
import { DEFAULT_DRAINING_WINDOW_MS } from '../src/receiver/outlet';
import { ManualClock } from './support/manual-clock';
import { ipcPath } from '../src/wire/endpoints';
import { receiverHarness } from './support/receiver-harness';
import { frames, receiveWithin, waitFor, waitForFile } from './support/zmq-helpers';

/** Body size of the burst messages, in bytes. */
const BODY_BYTES = 1024;

function body(i: number): Buffer {
  const b = Buffer.alloc(BODY_BYTES, 0x78);
  b.writeUInt32BE(i, 0);
  return b;
}

describe('receiver queue budget', () => {
  const rx = receiverHarness();

  test('more than the budget queued for a topic without a consumer does not stop other topics', async () => {
    await rx.start();
    const count = Math.ceil((2 * DEFAULT_QUEUE_BUDGET_BYTES) / BODY_BYTES);
    for (let i = 0; i < count; i++) await rx.push.send(frames('0', 'nobody', 'cast', body(i)));
    await waitFor(() => rx.counters.get('receiver.received') === count, 20_000, 'the unconsumed burst to be received');
    // The outlet of 'busy' is made by its first message, which waits there for the consumer.
    for (let i = 0; i < 3; i++) await rx.push.send(frames('0', 'busy', 'cast', body(i)));
    await waitForFile(ipcPath(rx.ipcDir, 'busy'));
    const busy = rx.pull('busy');
    for (let i = 0; i < 3; i++) assert.equal((await receiveWithin(busy, 10_000))[3]!.readUInt32BE(0), i);
    assert.equal(rx.counters.get('receiver.paused'), 0, 'a queue nobody drains never pauses the receiver');
  });

  test('a burst of several budgets to a live consumer arrives complete and in order', async () => {
    await rx.start();
    const count = Math.ceil((3 * DEFAULT_QUEUE_BUDGET_BYTES) / BODY_BYTES);
    // Create the outlet and connect its consumer before the burst.
    await rx.push.send(frames('0', 'burst', 'cast', body(0)));
    await waitForFile(ipcPath(rx.ipcDir, 'burst'));
    const consumer = rx.pull('burst');
    assert.equal((await receiveWithin(consumer, 10_000))[3]!.readUInt32BE(0), 0);
    const got = (async () => {
      for (let i = 1; i <= count; i++) {
        const m = await receiveWithin(consumer, 20_000);
        assert.equal(m[3]!.readUInt32BE(0), i, 'in order, none lost');
      }
    })();
    for (let i = 1; i <= count; i++) await rx.push.send(frames('0', 'burst', 'cast', body(i)));
    await got;
    assert.equal(rx.counters.get('receiver.received'), count + 1);
    assert.equal(rx.counters.get('receiver.forwarded'), count + 1);
    assert.equal(rx.counters.get('receiver.dropped.backlog'), 0);
  });

  test('a consumer that stops taking messages holds the receiver only for the draining window (manual clock)', async () => {
    const clock = new ManualClock();
    await rx.start({}, { clock });
    // Four budgets: more than the ipc pipes buffer for a consumer that reads nothing, plus a budget queued.
    const count = Math.ceil((4 * DEFAULT_QUEUE_BUDGET_BYTES) / BODY_BYTES);
    await rx.push.send(frames('0', 'stalled', 'cast', body(0)));
    await waitForFile(ipcPath(rx.ipcDir, 'stalled'));
    const consumer = rx.pull('stalled');
    // One message taken: the outlet's consumer took a message "now" by the frozen clock.
    assert.equal((await receiveWithin(consumer, 10_000))[3]!.readUInt32BE(0), 0);
    const sending = (async () => {
      for (let i = 1; i <= count; i++) await rx.push.send(frames('0', 'stalled', 'cast', body(i)));
    })();
    await waitFor(() => rx.counters.get('receiver.paused') === 1, 20_000, 'the receiver to pause for the draining outlet');
    // Time stands still, so the outlet counts as draining and the receiver stays paused.
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(rx.counters.get('receiver.received') < count + 1, 'paused: the rest waits in ZeroMQ');
    assert.equal(rx.counters.get('receiver.paused_ms'), 0);
    // Past the draining window without a send, the queue no longer counts: reading resumes.
    clock.advance(DEFAULT_DRAINING_WINDOW_MS + DEFAULT_PAUSE_POLL_MS);
    await sending;
    await waitFor(() => rx.counters.get('receiver.received') === count + 1, 20_000, 'the rest of the burst to be received');
    assert.equal(rx.counters.get('receiver.paused'), 1);
    assert.equal(rx.counters.get('receiver.paused_ms'), DEFAULT_DRAINING_WINDOW_MS + DEFAULT_PAUSE_POLL_MS);
    for (let i = 1; i <= count; i++) assert.equal((await receiveWithin(consumer, 20_000))[3]!.readUInt32BE(0), i, 'in order, none lost');
  });
});
