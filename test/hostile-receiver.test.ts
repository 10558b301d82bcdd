/**
 * The receiver against hostile input, over real sockets (issue 12, items 2
 * and 7): the largest frame and message read from the network, byte budgets
 * per topic and for all outlets (queued and held), and warning lines thinned
 * to one per reason per interval while the counters count everything.
 */
import { test, describe, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { ipcPath } from '../src/wire/endpoints';
import { DEFAULT_LOG_REPEAT_INTERVAL_MS } from '../src/util/log-limiter';
import { ManualClock } from './support/manual-clock';
import { captureLog } from './support/log-capture';
import { receiverHarness } from './support/receiver-harness';
import { frames, receiveWithin, waitFor } from './support/zmq-helpers';
import { zmtpHugeFrameAttack } from './support/zmtp';

const KIB = 1024;

/** A body of `bytes` bytes whose first 4 bytes are `i`. */
function body(i: number, bytes: number): Buffer {
  const b = Buffer.alloc(bytes, 0x78);
  b.writeUInt32BE(i, 0);
  return b;
}

describe('receiver: hostile input', () => {
  const rx = receiverHarness();
  const raws: Socket[] = [];

  /** Wait until a topic's outlet is bound: its pump then holds the first queued message in flight. */
  async function bound(topic: string): Promise<void> {
    await waitFor(() => rx.receiver.ipcFiles().includes(ipcPath(rx.ipcDir, topic)), 10_000, `the outlet of ${topic} to be bound`);
  }

  afterEach(() => {
    for (const r of raws.splice(0)) r.destroy();
  });

  test('a frame header declaring 8 GiB: the connection is cut at once, and other peers keep being served', async () => {
    await rx.start();
    const raw = connect(rx.cfg.port, '127.0.0.1');
    raws.push(raw);
    let closed = false;
    raw.on('close', () => (closed = true));
    raw.on('error', () => {});
    raw.on('data', () => {});
    await new Promise<void>((r) => raw.once('connect', () => r()));
    raw.write(zmtpHugeFrameAttack('PUSH'));
    await waitFor(() => closed, 10_000, 'the receiver to cut the connection of the 8 GiB frame');
    await waitFor(() => rx.counters.get('receiver.disconnects') >= 1, 10_000, 'the disconnect to be counted');
    const consumer = rx.pull('after.localhost');
    await rx.push.send(frames('0', 'after.localhost', 'cast', 'fine'));
    assert.equal((await receiveWithin(consumer, 10_000))[3]!.toString(), 'fine');
  });

  test('a frame over max_message_size is lost with its connection; the peer reconnects and its next message arrives', async () => {
    await rx.start({ bridge: { maxMessageSize: 64 * KIB } });
    const consumer = rx.pull('big.localhost');
    await rx.push.send(frames('0', 'big.localhost', 'cast', body(0, 100 * KIB)));
    await waitFor(() => rx.counters.get('receiver.disconnects') >= 1, 10_000, 'libzmq to cut the connection of the oversized frame');
    await rx.push.send(frames('0', 'big.localhost', 'cast', body(1, KIB)));
    const got = await receiveWithin(consumer, 10_000);
    assert.equal(got[3]!.readUInt32BE(0), 1, 'the oversized message never reached the consumer');
    assert.equal(rx.counters.get('receiver.forwarded'), 1);
  });

  test('frames adding up to more than max_message_size are refused (too_large), each frame being under it', async () => {
    await rx.start({ bridge: { maxMessageSize: 64 * KIB } });
    const consumer = rx.pull('sum.localhost');
    const parts = Array.from({ length: 4 }, (_, i) => body(i, 40 * KIB));
    await rx.push.send(frames('0', 'sum.localhost', 'cast', ...parts));
    await rx.push.send(frames('0', 'sum.localhost', 'cast', body(9, KIB)));
    const got = await receiveWithin(consumer, 10_000);
    assert.equal(got[3]!.readUInt32BE(0), 9);
    assert.equal(got.length, 4);
    assert.equal(rx.counters.get('receiver.refused.too_large'), 1);
  });

  test('a topic nobody consumes holds at most topic_queue_bytes; the excess is dropped and counted, the rest delivered in order later', async () => {
    await rx.start({ bridge: { topicQueueBytes: 256 * KIB } });
    const topic = 'nobody.localhost';
    // The first message makes the outlet; once bound, its pump holds one message in flight (no consumer yet).
    rx.receiver.dispatch(frames('0', topic, 'cast', body(0, 64 * KIB)));
    await bound(topic);
    for (let i = 1; i < 20; i++) rx.receiver.dispatch(frames('0', topic, 'cast', body(i, 64 * KIB)));
    // In flight: 0; queued: 1..3 (a fourth 64 KiB body with its other frames passes 256 KiB); 4..19 dropped.
    assert.equal(rx.counters.get('receiver.dropped.topic_bytes'), 16);
    const late = rx.pull(topic);
    for (let i = 0; i <= 3; i++) assert.equal((await receiveWithin(late, 10_000))[3]!.readUInt32BE(0), i, 'the oldest kept, in order');
    rx.receiver.dispatch(frames('0', topic, 'cast', body(99, KIB)));
    assert.equal((await receiveWithin(late, 10_000))[3]!.readUInt32BE(0), 99, 'the topic flows again once consumed');
  });

  test('all outlets together hold at most queue_bytes: the oldest messages of the fullest topic make room for others', async () => {
    await rx.start({ bridge: { queueBytes: 512 * KIB } });
    rx.receiver.dispatch(frames('0', 'fat.localhost', 'cast', body(0, 60 * KIB)));
    await bound('fat.localhost');
    // fat: 0 in flight, 1..8 queued (8 x 60 KiB and headers: under 512 KiB)
    for (let i = 1; i <= 8; i++) rx.receiver.dispatch(frames('0', 'fat.localhost', 'cast', body(i, 60 * KIB)));
    assert.equal(rx.counters.get('receiver.dropped.queue_bytes'), 0);
    // thin's first message is queued while its outlet binds: fat's oldest (1) makes room.
    rx.receiver.dispatch(frames('0', 'thin.localhost', 'cast', body(100, 60 * KIB)));
    assert.equal(rx.counters.get('receiver.dropped.queue_bytes'), 1);
    await bound('thin.localhost');
    // thin: 100 in flight; 101 fits; 102 and 103 each evict fat's oldest (2, 3).
    for (let i = 101; i <= 103; i++) rx.receiver.dispatch(frames('0', 'thin.localhost', 'cast', body(i, 60 * KIB)));
    assert.equal(rx.counters.get('receiver.dropped.queue_bytes'), 3);
    // A new message for fat, the fullest, is refused rather than evicting thin's.
    rx.receiver.dispatch(frames('0', 'fat.localhost', 'cast', body(9, 60 * KIB)));
    assert.equal(rx.counters.get('receiver.dropped.queue_bytes'), 4);
    const fat = rx.pull('fat.localhost');
    const fatGot: number[] = [];
    for (let i = 0; i < 6; i++) fatGot.push((await receiveWithin(fat, 10_000))[3]!.readUInt32BE(0));
    assert.deepEqual(fatGot, [0, 4, 5, 6, 7, 8], 'fat lost its oldest queued messages, and its newest');
    const thin = rx.pull('thin.localhost');
    for (const i of [100, 101, 102, 103]) assert.equal((await receiveWithin(thin, 10_000))[3]!.readUInt32BE(0), i, 'thin lost nothing');
  });

  test('held replies count against the topic budget; those kept are orphaned when the hold ends', async () => {
    const clock = new ManualClock();
    await rx.start({ bridge: { topicQueueBytes: 200 * KIB, replyHoldSeconds: 5 } }, { clock });
    for (let i = 0; i < 10; i++) rx.receiver.dispatch(frames(`id${i}`, 'zmq_replies.localhost', 'cast', body(i, 64 * KIB)));
    assert.equal(rx.counters.get('receiver.dropped.topic_bytes'), 7, '3 held (192 KiB and headers), 7 dropped');
    clock.advance(5_000);
    assert.equal(rx.counters.get('replies.orphaned'), 3);
  });

  test('refusals write one warning per problem per interval, with the count suppressed; the counters count every one', async () => {
    const clock = new ManualClock();
    const cap = captureLog();
    await rx.start({}, { clock, log: cap.log });
    for (let i = 0; i < 1000; i++) rx.receiver.dispatch(frames('0', `bad/${i}`, 'cast', '[]'));
    for (let i = 0; i < 500; i++) rx.receiver.dispatch(frames('0'));
    const refusals = () => cap.lines().filter((l) => l.msg === 'refused malformed message');
    assert.equal(rx.counters.get('receiver.refused.path_separator'), 1000);
    assert.equal(rx.counters.get('receiver.refused.too_few_frames'), 500);
    assert.equal(refusals().length, 2, 'one line per problem');
    clock.advance(DEFAULT_LOG_REPEAT_INTERVAL_MS);
    rx.receiver.dispatch(frames('0', 'bad/last', 'cast', '[]'));
    const last = refusals().at(-1)!;
    assert.equal(last.problem, 'path_separator');
    assert.equal(last.suppressed, 999);
    assert.equal(refusals().length, 3);
  });

  test('replies orphaned in a burst write one warning per interval, not one per reply', async () => {
    const clock = new ManualClock();
    const cap = captureLog();
    await rx.start({ bridge: { replyHoldSeconds: 1 } }, { clock, log: cap.log });
    for (let i = 0; i < 300; i++) rx.receiver.dispatch(frames(`orphan${i}`, 'zmq_replies.localhost', 'cast', '[]'));
    clock.advance(1_000);
    assert.equal(rx.counters.get('replies.orphaned'), 300);
    const orphaned = cap.lines().filter((l) => typeof l.msg === 'string' && (l.msg as string).startsWith('reply orphaned'));
    assert.equal(orphaned.length, 1);
  });
});
