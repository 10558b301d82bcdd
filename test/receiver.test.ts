/**
 * Integration tests of the receiver over real ZeroMQ sockets: tcp PUSH in,
 * legacy-style ipc consumers (PULL, SUB) out. Holds (fanout, reply) are
 * driven by a manual clock where a test waits one out.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as zmq from 'zeromq';
import type { RefusalProblem } from '../src/receiver/receiver';
import type { InboundMessage, LocalSink } from '../src/receiver/sink';
import { ManualClock } from './support/manual-clock';
import { ipcPath } from '../src/wire/endpoints';
import { loadVectors } from './support/vectors';
import { receiverHarness } from './support/receiver-harness';
import { frames, receiveWithin, receivesWithin, waitFor, waitForFile } from './support/zmq-helpers';

describe('receiver', () => {
  const rx = receiverHarness();

  test('forwards every direct capture unchanged (all frames) to the PUSH ipc socket of its topic', async () => {
    await rx.start();
    const direct = loadVectors()
      .flatMap((v) => v.messages)
      .filter((m) => m.source.startsWith('tcp:'))
      .filter((m) => {
        const t = m.frames[1]!.toString();
        return !t.startsWith('fanout~') && !t.startsWith('zmq_replies');
      });
    assert.ok(direct.length >= 10, 'captures with direct topics');
    // One consumer per topic for the whole run: a PUSH may still route to a consumer that is closing.
    const byTopic = new Map<string, zmq.Pull>();
    for (const m of direct) {
      const topic = m.frames[1]!.toString();
      if (!byTopic.has(topic)) byTopic.set(topic, rx.pull(topic));
      await rx.push.send(m.frames);
      const got = await receiveWithin(byTopic.get(topic)!);
      assert.deepEqual(got, m.frames);
    }
    assert.equal(rx.counters.get('receiver.forwarded'), direct.length);
    assert.equal(rx.counters.get('receiver.received'), direct.length);
  });

  test('fanout reaches every subscriber, including messages sent before they joined (hold)', async () => {
    await rx.start({ bridge: { fanoutHoldSeconds: 10 } });
    const cast = loadVectors().find((v) => v.file === 'local/cast_fanout.json')!;
    const msg = cast.messages.find((m) => m.source.startsWith('tcp:'))!;
    const topic = msg.frames[1]!.toString();
    assert.equal(topic, 'fanout~anchor.localhost');
    await rx.push.send(msg.frames);
    await waitForFile(ipcPath(rx.ipcDir, topic));
    const subs = [rx.sub(topic), rx.sub(topic), rx.sub(topic)];
    // The first subscriber releases the held message; wait until every one is connected before the next.
    const first = await receiveWithin(subs[0]!);
    assert.deepEqual(first, msg.frames);
    await new Promise((r) => setTimeout(r, 200));
    const second = frames('0', 'fanout~anchor.otherhost', 'cast', '["{}", {"method": "x", "args": {}}]');
    await rx.push.send(second);
    for (const s of subs) {
      let got = await receiveWithin(s);
      if (s !== subs[0] && got[1]!.toString() === topic) got = await receiveWithin(s);
      assert.deepEqual(got, second);
    }
  });

  test('a reply reaches only the subscriber of its msg_id, and a late subscriber still gets it', async () => {
    const clock = new ManualClock();
    await rx.start({}, { clock });
    const call = loadVectors().find((v) => v.file === 'local/call.json')!;
    const reply = call.messages.filter((m) => m.source.startsWith('tcp:'))[1]!;
    const topic = reply.frames[1]!.toString();
    assert.equal(topic, 'zmq_replies.localhost');
    const msgId = reply.frames[0]!.toString();
    // Send before anyone subscribes: the receiver holds it.
    await rx.push.send(reply.frames);
    await waitForFile(ipcPath(rx.ipcDir, topic));
    await new Promise((r) => setTimeout(r, 100));
    // The caller's subscription comes 1 ms before the reply hold would orphan the reply.
    clock.advance(rx.cfg.bridge.replyHoldSeconds * 1000 - 1);
    const other = rx.sub(topic, 'f'.repeat(32));
    const caller = rx.sub(topic, msgId);
    assert.deepEqual(await receiveWithin(caller), reply.frames);
    assert.equal(await receivesWithin(other, 300), null);
    assert.equal(rx.counters.get('replies.orphaned'), 0);
  });

  test('a reply nobody subscribes to is orphaned when the hold ends, counted', async () => {
    const clock = new ManualClock();
    await rx.start({ bridge: { replyHoldSeconds: 0.2 } }, { clock });
    await rx.push.send(frames('a'.repeat(32), 'zmq_replies.localhost', 'cast', '["{}", {}]'));
    // The reply is held as soon as the receiver has it.
    await waitFor(() => rx.counters.get('receiver.received') === 1, 5000, 'the reply to be received');
    clock.advance(199);
    assert.equal(rx.counters.get('replies.orphaned'), 0, 'still held within the hold');
    clock.advance(1);
    assert.equal(rx.counters.get('replies.orphaned'), 1);
    const late = rx.sub('zmq_replies.localhost', 'a'.repeat(32));
    assert.equal(await receivesWithin(late, 300), null);
  });

  test('a fanout nobody subscribes to within the hold leaves unheard (counted); later ones reach a late subscriber', async () => {
    const clock = new ManualClock();
    await rx.start({ bridge: { fanoutHoldSeconds: 10 } }, { clock });
    const topic = 'fanout~t.localhost';
    // Timers already armed (the outlets' idle sweep).
    const before = clock.pending;
    rx.receiver.dispatch(frames('0', topic, 'cast', 'early'));
    await waitForFile(ipcPath(rx.ipcDir, topic));
    // Bound, the outlet finds no subscriber and arms its hold timer.
    await waitFor(() => clock.pending === before + 1, 5000, 'the fanout hold timer');
    clock.advance(9_999);
    assert.equal(rx.counters.get('receiver.fanout.unheard'), 0, 'held within the hold');
    clock.advance(1);
    assert.equal(rx.counters.get('receiver.fanout.unheard'), 1);
    await waitFor(() => rx.counters.get('receiver.forwarded') === 1, 5000, 'the unheard fanout to leave');
    const s = rx.sub(topic);
    await new Promise((r) => setTimeout(r, 200));
    rx.receiver.dispatch(frames('0', topic, 'cast', 'later'));
    assert.equal((await receiveWithin(s))[3]!.toString(), 'later', 'the early fanout was not kept for late subscribers');
  });

  test('hostile and broken input is refused and counted; the next good message is forwarded', async () => {
    await rx.start();
    const good = frames('0', 'anchor.localhost', 'cast', '["{}", {"method": "m", "args": {}}]');
    const consumer = rx.pull('anchor.localhost');
    const cases: [RefusalProblem, Buffer[]][] = [
      ['too_few_frames', frames('0')],
      ['too_few_frames', frames('0', 'anchor.localhost')],
      ['path_separator', frames('0', '../etc/passwd', 'cast', '[]')],
      ['path_separator', frames('0', 'a\\b', 'cast', '[]')],
      ['nul', frames('0', 'a\0b', 'cast', '[]')],
      ['dot_dot', frames('0', 'a..b', 'cast', '[]')],
      ['invalid_utf8', [Buffer.from('0'), Buffer.from([0x61, 0xff, 0xfe]), Buffer.from('cast'), Buffer.from('[]')]],
      ['empty', frames('0', '', 'cast', '[]')],
      ['too_long', frames('0', 'x'.repeat(200), 'cast', '[]')],
      ['unknown_style', frames('0', 'anchor.localhost', 'pickle', '[]')],
    ];
    for (const [problem, msg] of cases) {
      const before = rx.counters.get(`receiver.refused.${problem}`);
      await rx.push.send(msg);
      await rx.push.send(good);
      assert.deepEqual(await receiveWithin(consumer), good, `good message after ${problem}`);
      assert.equal(rx.counters.get(`receiver.refused.${problem}`), before + 1, problem);
    }
    assert.equal(rx.counters.get('receiver.forwarded'), cases.length);
    assert.ok(!existsSync(ipcPath(rx.ipcDir, 'a..b')));
  });

  test('a topic without a consumer neither blocks other topics nor exceeds its backlog', async () => {
    await rx.start({ topicBacklog: 2 });
    const stuckTopic = 'nobody.localhost';
    rx.receiver.dispatch(frames('0', stuckTopic, 'cast', 'm0'));
    await waitForFile(ipcPath(rx.ipcDir, stuckTopic));
    await new Promise((r) => setTimeout(r, 50));
    for (let i = 1; i < 5; i++) rx.receiver.dispatch(frames('0', stuckTopic, 'cast', `m${i}`));
    // m0 is in flight, m1 and m2 fill the backlog of 2, m3 and m4 are dropped.
    assert.equal(rx.counters.get('receiver.dropped.backlog'), 2);
    const live = rx.pull('live.localhost');
    await rx.push.send(frames('0', 'live.localhost', 'cast', 'x'));
    assert.equal((await receiveWithin(live))[3]!.toString(), 'x');
    const late = rx.pull(stuckTopic);
    const got: string[] = [];
    for (let i = 0; i < 3; i++) got.push((await receiveWithin(late))[3]!.toString());
    assert.deepEqual(got, ['m0', 'm1', 'm2']);
  });

  test('router stages are asked in their fixed order, whatever the plug order; a claimed message is not forwarded, except fanout', async () => {
    await rx.start();
    const seen: string[] = [];
    const first: LocalSink = { name: 'first', offer: (m: InboundMessage) => (seen.push(`first:${m.topic}:${m.msgId}`), m.topic.startsWith('fanout~') || m.topic === 'mine.localhost') };
    const second: LocalSink = { name: 'second', offer: (m: InboundMessage) => (seen.push(`second:${m.topic}`), false) };
    // Plugged while the receiver runs, listeners before replies: the router still asks replies first.
    rx.receiver.router.use('listeners', second);
    rx.receiver.router.use('replies', first);
    assert.deepEqual(rx.receiver.router.pluggedStages(), ['replies', 'listeners', 'outlets']);
    const mine = rx.pull('mine.localhost');
    const theirs = rx.pull('theirs.localhost');
    const fan = rx.sub('fanout~t.localhost');
    await new Promise((r) => setTimeout(r, 100));
    rx.receiver.dispatch(frames('0', 'mine.localhost', 'cast', 'a'));
    await rx.push.send(frames('0', 'theirs.localhost', 'cast', 'b'));
    assert.equal((await receiveWithin(theirs))[3]!.toString(), 'b');
    await rx.push.send(frames('0', 'fanout~t.localhost', 'cast', 'c'));
    assert.equal((await receiveWithin(fan))[3]!.toString(), 'c');
    assert.equal(await receivesWithin(mine, 200), null);
    assert.deepEqual(seen, ['first:mine.localhost:0', 'first:theirs.localhost:0', 'second:theirs.localhost', 'first:fanout~t.localhost:0']);
    assert.equal(rx.counters.get('receiver.claimed'), 2);
  });

  test('a second part for a taken stage is refused; a part that throws is counted and the message goes on', async () => {
    await rx.start();
    const taken = (err: Error & { code?: string }) => err.code === 'ROUTER_STAGE_TAKEN' && /'broker' stage: broken/.test(err.message);
    rx.receiver.router.use('broker', {
      name: 'broken',
      offer: () => {
        throw new Error('a part breaking its contract');
      },
    });
    assert.throws(() => rx.receiver.router.use('broker', { name: 'other', offer: () => true }), taken);
    assert.throws(() => rx.receiver.router.use('outlets', { name: 'other', forward: () => undefined }), (err: Error & { code?: string }) => err.code === 'ROUTER_STAGE_TAKEN');
    const consumer = rx.pull('anchor.localhost');
    await rx.push.send(frames('0', 'anchor.localhost', 'cast', 'x'));
    assert.equal((await receiveWithin(consumer))[3]!.toString(), 'x');
    assert.equal(rx.counters.get('receiver.sink_errors'), 1);
    assert.equal(rx.counters.get('receiver.claimed'), 0);
  });

  test('an unclaimed nzb-heartbeat is counted, never forwarded to legacy consumers', async () => {
    await rx.start();
    const id = 'b'.repeat(32);
    const caller = rx.sub('zmq_replies.localhost', id);
    rx.receiver.dispatch(frames('0', 'zmq_replies.localhost', 'cast', 'warm-up'));
    await waitForFile(ipcPath(rx.ipcDir, 'zmq_replies.localhost'));
    await new Promise((r) => setTimeout(r, 100));
    rx.receiver.dispatch(frames(id, 'zmq_replies.localhost', 'nzb-heartbeat', '{}'));
    rx.receiver.dispatch(frames(id, 'zmq_replies.localhost', 'cast', 'reply'));
    assert.equal((await receiveWithin(caller))[2]!.toString(), 'cast');
    assert.equal(rx.counters.get('receiver.heartbeat.unclaimed'), 1);
  });

  test('stop removes the ipc files this receiver created and only those', async () => {
    await rx.start();
    const c = rx.pull('a.localhost');
    await rx.push.send(frames('0', 'a.localhost', 'cast', '1'));
    await receiveWithin(c);
    await rx.push.send(frames('0', 'fanout~b.localhost', 'cast', '1'));
    await waitForFile(ipcPath(rx.ipcDir, 'fanout~b.localhost'));
    const files = rx.receiver.ipcFiles().sort();
    assert.deepEqual(files, [ipcPath(rx.ipcDir, 'a.localhost'), ipcPath(rx.ipcDir, 'fanout~b')].sort());
    await rx.receiver.stop(0);
    for (const f of files) assert.ok(!existsSync(f), `${f} removed`);
    assert.ok(existsSync(rx.ipcDir));
  });
});
