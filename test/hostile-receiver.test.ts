/**
 * The receiver against hostile input, over real sockets (issue 12, items 2
 * and 7): the largest frame and message read from the network, byte budgets
 * per topic and for all outlets (queued and held), and warning lines thinned
 * to one per reason per interval while the counters count everything.
 */
import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import * as zmq from 'zeromq';
import { Receiver } from '../src/receiver/receiver';
import { Counters } from '../src/metrics/counters';
import { createLogger, silentLogger, type Logger } from '../src/log';
import { ipcEndpoint, ipcPath } from '../src/wire/endpoints';
import { DEFAULT_LOG_REPEAT_INTERVAL_MS } from '../src/util/log-limiter';
import type { BridgeConfig } from '../src/config/types';
import type { Clock } from '../src/time/clock';
import { ManualClock } from './support/manual-clock';
import { makeIpcDir, removeDir, testConfigOnFreePort, type ConfigOverrides } from './support/config';
import { frames, receiveWithin, waitFor } from './support/zmq-helpers';
import { zmtpHugeFrameAttack } from './support/zmtp';

const KIB = 1024;

/** A body of `bytes` bytes whose first 4 bytes are `i`. */
function body(i: number, bytes: number): Buffer {
  const b = Buffer.alloc(bytes, 0x78);
  b.writeUInt32BE(i, 0);
  return b;
}

/** JSON lines written by a logger, for log assertions. */
function capture(): { log: Logger; lines: () => Record<string, unknown>[] } {
  const out: string[] = [];
  const dest = new Writable({
    write(chunk, _enc, cb) {
      out.push(chunk.toString());
      cb();
    },
  });
  const log = createLogger({ level: 'info', destination: dest });
  return {
    log,
    lines: () =>
      out
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('receiver: hostile input', () => {
  let ipcDir: string;
  let cfg: BridgeConfig;
  let counters: Counters;
  let receiver: Receiver | null = null;
  let push: zmq.Push | null = null;
  const consumers: zmq.Socket[] = [];
  const raws: Socket[] = [];

  async function startReceiver(over: ConfigOverrides = {}, opts: { clock?: Clock; log?: Logger } = {}): Promise<void> {
    cfg = await testConfigOnFreePort({ ipcDir, ...over });
    counters = new Counters();
    receiver = new Receiver({ config: cfg, log: opts.log ?? silentLogger(), counters, clock: opts.clock });
    await receiver.start();
    push = new zmq.Push({ linger: 0 });
    push.connect(`tcp://127.0.0.1:${cfg.port}`);
  }

  function pull(topic: string): zmq.Pull {
    const s = new zmq.Pull({ linger: 0 });
    s.connect(ipcEndpoint(ipcDir, topic));
    consumers.push(s);
    return s;
  }

  /** Wait until a topic's outlet is bound: its pump then holds the first queued message in flight. */
  async function bound(topic: string): Promise<void> {
    await waitFor(() => receiver!.ipcFiles().includes(ipcPath(ipcDir, topic)), 10_000, `the outlet of ${topic} to be bound`);
  }

  beforeEach(() => {
    ipcDir = makeIpcDir();
  });

  afterEach(async () => {
    for (const r of raws.splice(0)) r.destroy();
    for (const c of consumers.splice(0)) c.close();
    push?.close();
    push = null;
    await receiver?.stop(0);
    receiver = null;
    removeDir(ipcDir);
  });

  test('a frame header declaring 8 GiB: the connection is cut at once, and other peers keep being served', async () => {
    await startReceiver();
    const raw = connect(cfg.port, '127.0.0.1');
    raws.push(raw);
    let closed = false;
    raw.on('close', () => (closed = true));
    raw.on('error', () => {});
    raw.on('data', () => {});
    await new Promise<void>((r) => raw.once('connect', () => r()));
    raw.write(zmtpHugeFrameAttack('PUSH'));
    await waitFor(() => closed, 10_000, 'the receiver to cut the connection of the 8 GiB frame');
    await waitFor(() => counters.get('receiver.disconnects') >= 1, 10_000, 'the disconnect to be counted');
    const consumer = pull('after.localhost');
    await push!.send(frames('0', 'after.localhost', 'cast', 'fine'));
    assert.equal((await receiveWithin(consumer, 10_000))[3]!.toString(), 'fine');
  });

  test('a frame over max_message_size is lost with its connection; the peer reconnects and its next message arrives', async () => {
    await startReceiver({ bridge: { maxMessageSize: 64 * KIB } });
    const consumer = pull('big.localhost');
    await push!.send(frames('0', 'big.localhost', 'cast', body(0, 100 * KIB)));
    await waitFor(() => counters.get('receiver.disconnects') >= 1, 10_000, 'libzmq to cut the connection of the oversized frame');
    await push!.send(frames('0', 'big.localhost', 'cast', body(1, KIB)));
    const got = await receiveWithin(consumer, 10_000);
    assert.equal(got[3]!.readUInt32BE(0), 1, 'the oversized message never reached the consumer');
    assert.equal(counters.get('receiver.forwarded'), 1);
  });

  test('frames adding up to more than max_message_size are refused (too_large), each frame being under it', async () => {
    await startReceiver({ bridge: { maxMessageSize: 64 * KIB } });
    const consumer = pull('sum.localhost');
    const parts = Array.from({ length: 4 }, (_, i) => body(i, 40 * KIB));
    await push!.send(frames('0', 'sum.localhost', 'cast', ...parts));
    await push!.send(frames('0', 'sum.localhost', 'cast', body(9, KIB)));
    const got = await receiveWithin(consumer, 10_000);
    assert.equal(got[3]!.readUInt32BE(0), 9);
    assert.equal(got.length, 4);
    assert.equal(counters.get('receiver.refused.too_large'), 1);
  });

  test('a topic nobody consumes holds at most topic_queue_bytes; the excess is dropped and counted, the rest delivered in order later', async () => {
    await startReceiver({ bridge: { topicQueueBytes: 256 * KIB } });
    const topic = 'nobody.localhost';
    // The first message makes the outlet; once bound, its pump holds one message in flight (no consumer yet).
    receiver!.dispatch(frames('0', topic, 'cast', body(0, 64 * KIB)));
    await bound(topic);
    for (let i = 1; i < 20; i++) receiver!.dispatch(frames('0', topic, 'cast', body(i, 64 * KIB)));
    // In flight: 0; queued: 1..3 (a fourth 64 KiB body with its other frames passes 256 KiB); 4..19 dropped.
    assert.equal(counters.get('receiver.dropped.topic_bytes'), 16);
    const late = pull(topic);
    for (let i = 0; i <= 3; i++) assert.equal((await receiveWithin(late, 10_000))[3]!.readUInt32BE(0), i, 'the oldest kept, in order');
    receiver!.dispatch(frames('0', topic, 'cast', body(99, KIB)));
    assert.equal((await receiveWithin(late, 10_000))[3]!.readUInt32BE(0), 99, 'the topic flows again once consumed');
  });

  test('all outlets together hold at most queue_bytes: the oldest messages of the fullest topic make room for others', async () => {
    await startReceiver({ bridge: { queueBytes: 512 * KIB } });
    receiver!.dispatch(frames('0', 'fat.localhost', 'cast', body(0, 60 * KIB)));
    await bound('fat.localhost');
    // fat: 0 in flight, 1..8 queued (8 x 60 KiB and headers: under 512 KiB)
    for (let i = 1; i <= 8; i++) receiver!.dispatch(frames('0', 'fat.localhost', 'cast', body(i, 60 * KIB)));
    assert.equal(counters.get('receiver.dropped.queue_bytes'), 0);
    // thin's first message is queued while its outlet binds: fat's oldest (1) makes room.
    receiver!.dispatch(frames('0', 'thin.localhost', 'cast', body(100, 60 * KIB)));
    assert.equal(counters.get('receiver.dropped.queue_bytes'), 1);
    await bound('thin.localhost');
    // thin: 100 in flight; 101 fits; 102 and 103 each evict fat's oldest (2, 3).
    for (let i = 101; i <= 103; i++) receiver!.dispatch(frames('0', 'thin.localhost', 'cast', body(i, 60 * KIB)));
    assert.equal(counters.get('receiver.dropped.queue_bytes'), 3);
    // A new message for fat, the fullest, is refused rather than evicting thin's.
    receiver!.dispatch(frames('0', 'fat.localhost', 'cast', body(9, 60 * KIB)));
    assert.equal(counters.get('receiver.dropped.queue_bytes'), 4);
    const fat = pull('fat.localhost');
    const fatGot: number[] = [];
    for (let i = 0; i < 6; i++) fatGot.push((await receiveWithin(fat, 10_000))[3]!.readUInt32BE(0));
    assert.deepEqual(fatGot, [0, 4, 5, 6, 7, 8], 'fat lost its oldest queued messages, and its newest');
    const thin = pull('thin.localhost');
    for (const i of [100, 101, 102, 103]) assert.equal((await receiveWithin(thin, 10_000))[3]!.readUInt32BE(0), i, 'thin lost nothing');
  });

  test('held replies count against the topic budget; those kept are orphaned when the hold ends', async () => {
    const clock = new ManualClock();
    await startReceiver({ bridge: { topicQueueBytes: 200 * KIB, replyHoldSeconds: 5 } }, { clock });
    for (let i = 0; i < 10; i++) receiver!.dispatch(frames(`id${i}`, 'zmq_replies.localhost', 'cast', body(i, 64 * KIB)));
    assert.equal(counters.get('receiver.dropped.topic_bytes'), 7, '3 held (192 KiB and headers), 7 dropped');
    clock.advance(5_000);
    assert.equal(counters.get('replies.orphaned'), 3);
  });

  test('refusals write one warning per problem per interval, with the count suppressed; the counters count every one', async () => {
    const clock = new ManualClock();
    const cap = capture();
    await startReceiver({}, { clock, log: cap.log });
    for (let i = 0; i < 1000; i++) receiver!.dispatch(frames('0', `bad/${i}`, 'cast', '[]'));
    for (let i = 0; i < 500; i++) receiver!.dispatch(frames('0'));
    const refusals = () => cap.lines().filter((l) => l.msg === 'refused malformed message');
    assert.equal(counters.get('receiver.refused.path_separator'), 1000);
    assert.equal(counters.get('receiver.refused.too_few_frames'), 500);
    assert.equal(refusals().length, 2, 'one line per problem');
    clock.advance(DEFAULT_LOG_REPEAT_INTERVAL_MS);
    receiver!.dispatch(frames('0', 'bad/last', 'cast', '[]'));
    const last = refusals().at(-1)!;
    assert.equal(last.problem, 'path_separator');
    assert.equal(last.suppressed, 999);
    assert.equal(refusals().length, 3);
  });

  test('replies orphaned in a burst write one warning per interval, not one per reply', async () => {
    const clock = new ManualClock();
    const cap = capture();
    await startReceiver({ bridge: { replyHoldSeconds: 1 } }, { clock, log: cap.log });
    for (let i = 0; i < 300; i++) receiver!.dispatch(frames(`orphan${i}`, 'zmq_replies.localhost', 'cast', '[]'));
    clock.advance(1_000);
    assert.equal(counters.get('replies.orphaned'), 300);
    const orphaned = cap.lines().filter((l) => typeof l.msg === 'string' && (l.msg as string).startsWith('reply orphaned'));
    assert.equal(orphaned.length, 1);
  });
});
