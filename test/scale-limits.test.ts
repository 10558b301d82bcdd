/**
 * The socket and file-descriptor limits of docs/scale.md, part by part, over
 * real ZeroMQ sockets: the budget arithmetic, the peer pool's cap (least
 * recently used idle peer evicted, messages for a new host waiting for a
 * slot, PEER_LIMIT beyond), the ipc outlets' idle close and cap, and the
 * stale-file probe, and the redis matchmaker's member view (a send reads
 * Redis once, not once per host). Deadlines, idle sweeps and view ages run
 * on a ManualClock.
 */
import { test, describe, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zmq from 'zeromq';
import { PeerPool } from '../src/sender/peer-pool';
import { PeerLimitError } from '../src/sender/errors';
import { Receiver } from '../src/receiver/receiver';
import { probeSocketFile, removeStaleIpcFiles } from '../src/receiver/stale-ipc';
import { DEFAULT_RESERVED_FDS, DEFAULT_RESERVED_SOCKETS, FDS_PER_OUTLET, FDS_PER_SOCKET, planSocketBudget, readOpenFileLimit } from '../src/socket-budget';
import { Counters } from '../src/metrics/counters';
import { silentLogger } from '../src/log';
import { buildCastFrames, castFramesFor } from '../src/wire/envelope';
import { ipcEndpoint, ipcPath, tcpEndpoint } from '../src/wire/endpoints';
import { IPC_FILE_PREFIX } from '../src/wire/topic';
import { ManualClock } from './support/manual-clock';
import { RedisServer } from './support/redis';
import { createClient } from 'redis';
import { RedisMatchmaker } from '../src/matchmaker/redis';
import { DEFAULT_MEMBER_VIEW_MAX_AGE_MS } from '../src/matchmaker/member-view-cache';
import { loopbackBlock } from './support/cluster';
import { freeTcpPorts, makeIpcDir, removeDir, testConfig } from './support/config';
import { receiveWithin, waitFor, waitForFile } from './support/zmq-helpers';

const cast = (topic: string, i = 0) => buildCastFrames(topic, '{}', JSON.stringify({ method: 'm', args: { i } }));
/** The `i` a {@link cast} carries. */
const argI = (frames: Buffer[]): number => JSON.parse(frames[3]!.toString())[1].args.i;

describe('socket budget', () => {
  test('caps that fit the open-file limit are kept; maxSockets holds both plus the reserve', () => {
    const b = planSocketBudget({ maxPeers: 4096, maxOutlets: 4096 }, 65_536);
    assert.equal(b.lowered, null);
    assert.equal(b.maxPeers, 4096);
    assert.equal(b.maxOutlets, 4096);
    assert.equal(b.maxSockets, 4096 + 4096 + DEFAULT_RESERVED_SOCKETS);
    assert.equal(b.fdsNeeded, (4096 + DEFAULT_RESERVED_SOCKETS) * FDS_PER_SOCKET + 4096 * FDS_PER_OUTLET + DEFAULT_RESERVED_FDS);
    assert.ok(b.fdsNeeded <= 65_536);
  });

  test('caps beyond the open-file limit are lowered in proportion and then fit', () => {
    const b = planSocketBudget({ maxPeers: 3000, maxOutlets: 1000 }, 4096);
    assert.deepEqual(b.lowered, { maxPeers: 3000, maxOutlets: 1000 });
    assert.ok(b.fdsNeeded <= 4096, `${b.fdsNeeded} fds`);
    assert.ok(b.maxPeers < 3000 && b.maxOutlets < 1000);
    assert.equal(Math.round(b.maxPeers / b.maxOutlets), 3, 'the ratio is kept');
    assert.ok(b.fdsNeeded > 4096 * 0.9, `most of the limit is used (${b.fdsNeeded})`);
    const unknown = planSocketBudget({ maxPeers: 3000, maxOutlets: 1000 }, null);
    assert.equal(unknown.lowered, null, 'an unknown limit lowers nothing');
  });

  test('the open-file limit is read from a limits file; unlimited or missing is unknown', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nzb-limits-'));
    try {
      const f = join(dir, 'limits');
      writeFileSync(f, 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            65536                65536                files\n');
      assert.equal(readOpenFileLimit(f), 65_536);
      writeFileSync(f, 'Max open files            unlimited            unlimited            files\n');
      assert.equal(readOpenFileLimit(f), null);
      assert.equal(readOpenFileLimit(join(dir, 'missing')), null);
      assert.ok((readOpenFileLimit() ?? 1) > 0, "this process's own limit reads as a number");
    } finally {
      removeDir(dir);
    }
  });
});

describe('peer pool cap', () => {
  const socks: zmq.Socket[] = [];
  let pool: PeerPool | null = null;
  afterEach(() => {
    pool?.close();
    pool = null;
    for (const s of socks.splice(0)) s.close();
  });

  /** Legacy-style receivers (PULL) on `addrs`, all on one OS-picked port. */
  async function receivers(addrs: string[]): Promise<{ port: number; pulls: Map<string, zmq.Pull> }> {
    const [port] = await freeTcpPorts(addrs, 1);
    const pulls = new Map<string, zmq.Pull>();
    for (const a of addrs) {
      const p = new zmq.Pull({ linger: 0 });
      await p.bind(tcpEndpoint(a, port!));
      socks.push(p);
      pulls.set(a, p);
    }
    return { port: port!, pulls };
  }

  test('more hosts than max_peers: least recently used idle peers make room, every message arrives', async () => {
    const addrs = loopbackBlock(20);
    const { port, pulls } = await receivers(addrs);
    const counters = new Counters();
    pool = new PeerPool({ port, castTimeoutMs: 30_000, log: silentLogger(), counters, maxPeers: 8 });
    let most = 0;
    for (let round = 0; round < 3; round++) {
      for (const [i, a] of addrs.entries()) {
        await pool.submit(a, cast(`t.${a}`, round * 100 + i));
        most = Math.max(most, pool.size);
        const got = await receiveWithin(pulls.get(a)!, 10_000);
        assert.equal(argI(got), round * 100 + i);
      }
    }
    assert.equal(most, 8, 'never more connections than max_peers');
    assert.equal(counters.get('sender.peers.opened'), 60, 'each host reopened in turn');
    assert.equal(counters.get('sender.peers.evicted'), 52);
    assert.equal(counters.get('sender.sent'), 60);
    assert.equal(counters.get('sender.peer_limit'), 0);
  });

  test('every peer busy: a new host waits for a slot, gets one when a peer drains; PEER_LIMIT beyond the wait limit and at the deadline', async () => {
    const [dead1, dead2, live, other, late] = loopbackBlock(5);
    const { port, pulls } = await receivers([live!]);
    const clock = new ManualClock();
    const counters = new Counters();
    pool = new PeerPool({ port, castTimeoutMs: 60_000, log: silentLogger(), counters, maxPeers: 2, slotWaitLimit: 1, clock });
    // Nothing listens on these yet: with ZMQ_IMMEDIATE their messages stay queued, their peers busy.
    const d1 = pool.submit(dead1!, cast('t', 1));
    const d2 = pool.submit(dead2!, cast('t', 2));
    // Settled below; marked handled now so that a failure above does not also report them.
    d2.catch(() => {});
    const waiting = pool.submit(live!, cast('t', 3));
    assert.equal(pool.size, 2);
    assert.equal(pool.waitingForSlot, 1);
    assert.equal(counters.get('sender.peers.slot_waits'), 1);
    assert.throws(() => pool!.submit(other!, cast('t', 4)), (e: unknown) => e instanceof PeerLimitError && e.code === 'PEER_LIMIT');
    assert.equal(counters.get('sender.peer_limit'), 1);

    // dead1 comes to life: its message leaves, its peer is idle, the waiting host takes the slot.
    const late1 = new zmq.Pull({ linger: 0 });
    socks.push(late1);
    await late1.bind(tcpEndpoint(dead1!, port));
    await d1;
    await waiting;
    assert.equal(argI(await receiveWithin(pulls.get(live!)!, 10_000)), 3);
    assert.equal(counters.get('sender.peers.evicted'), 1);
    assert.equal(pool.size, 2);

    // Now dead2 and live hold the slots; live's peer is idle, so `late` takes its slot at once...
    const lateSend = pool.submit(late!, cast('t', 5));
    lateSend.catch(() => {});
    assert.equal(pool.waitingForSlot, 0);
    // ...and with dead2 and late both busy, a message for `live` waits, then fails at its deadline.
    const stuck = pool.submit(live!, cast('t', 6));
    assert.equal(pool.waitingForSlot, 1);
    const outcome = stuck.then(
      () => 'sent',
      (e: unknown) => (e as PeerLimitError).code,
    );
    clock.advance(60_000);
    assert.equal(await outcome, 'PEER_LIMIT');
    assert.equal(counters.get('sender.peer_limit'), 2);
    assert.equal(pool.waitingForSlot, 0);
    pool.close();
    pool = null;
    // In flight when the pool closed: failed, not left hanging.
    await assert.rejects(d2);
    await assert.rejects(lateSend);
  });
});

describe('ipc outlet lifecycle', () => {
  let ipcDir: string;
  let receiver: Receiver | null = null;
  const socks: zmq.Socket[] = [];
  afterEach(async () => {
    for (const s of socks.splice(0)) s.close();
    await receiver?.stop(0);
    receiver = null;
    removeDir(ipcDir);
  });

  async function start(bridge: NonNullable<Parameters<typeof testConfig>[0]>['bridge'], clock?: ManualClock): Promise<{ counters: Counters; push: zmq.Push }> {
    ipcDir = makeIpcDir();
    const [port] = await freeTcpPorts(['127.0.0.1'], 1);
    const counters = new Counters();
    receiver = new Receiver({ config: testConfig({ ipcDir, port, bridge }), log: silentLogger(), counters, clock });
    await receiver.start();
    const push = new zmq.Push({ linger: 0 });
    push.connect(tcpEndpoint('127.0.0.1', port!));
    socks.push(push);
    return { counters, push };
  }

  function consumer(topic: string): zmq.Pull {
    const p = new zmq.Pull({ linger: 0 });
    p.connect(ipcEndpoint(ipcDir, topic));
    socks.push(p);
    return p;
  }

  test('an idle outlet is closed and its file removed; its next message binds it again and the consumer still gets it', async () => {
    const clock = new ManualClock();
    const { counters, push } = await start({ ipcOutletIdleSeconds: 60 }, clock);
    const c = consumer('quiet');
    await push.send(cast('quiet', 1));
    assert.equal((await receiveWithin(c, 10_000))[1]!.toString(), 'quiet');
    await waitFor(() => counters.get('receiver.forwarded') === 1, 10_000, 'the message to leave the outlet');
    clock.advance(59_000);
    assert.equal(counters.get('receiver.outlets.closed_idle'), 0, 'not idle yet');
    clock.advance(30_000);
    assert.equal(counters.get('receiver.outlets.closed_idle'), 1);
    assert.equal(receiver!.outletCount, 0);
    await waitFor(() => !existsSync(ipcPath(ipcDir, 'quiet')), 10_000, 'the ipc file to be removed');
    await push.send(cast('quiet', 2));
    const again = await receiveWithin(c, 10_000);
    assert.equal(argI(again), 2, 'the consumer reconnected by itself');
    assert.equal(counters.get('receiver.outlets.created'), 2);
  });

  test('at max_ipc_outlets the least recently active idle outlet makes room; when all hold messages a new topic is dropped and counted', async () => {
    const { counters, push } = await start({ maxIpcOutlets: 4 });
    let most = 0;
    for (let i = 0; i < 10; i++) {
      const c = consumer(`served${i}`);
      await push.send(cast(`served${i}`, i));
      assert.equal((await receiveWithin(c, 10_000))[1]!.toString(), `served${i}`);
      await waitFor(() => counters.get('receiver.forwarded') === i + 1, 10_000, 'the message to leave its outlet');
      most = Math.max(most, receiver!.outletCount);
    }
    assert.equal(most, 4);
    assert.equal(counters.get('receiver.outlets.evicted'), 6);
    // Four topics nobody consumes: their messages stay queued, their outlets busy.
    for (let i = 0; i < 4; i++) await push.send(cast(`unread${i}`, i));
    await waitFor(() => counters.get('receiver.outlets.evicted') === 10, 10_000, 'the idle outlets to make room');
    await push.send(cast('one-too-many'));
    await waitFor(() => counters.get('receiver.dropped.outlet_limit') === 1, 10_000, 'the refusal to be counted');
    assert.equal(existsSync(ipcPath(ipcDir, 'one-too-many')), false);
    // A busy outlet drains once its consumer comes; then it can make room again.
    const late = consumer('unread0');
    assert.equal((await receiveWithin(late, 10_000))[1]!.toString(), 'unread0');
    await waitFor(() => counters.get('receiver.forwarded') === 11, 10_000, 'the queued message to leave');
    const c = consumer('newcomer');
    await push.send(cast('newcomer'));
    assert.equal((await receiveWithin(c, 10_000))[1]!.toString(), 'newcomer');
    assert.equal(receiver!.outletCount, 4);
    assert.equal(counters.get('receiver.dropped.outlet_limit'), 1);
  });
});

describe('ipc outlets nobody reads', () => {
  test('at the cap, an outlet nobody read for the idle time makes room (its queue dropped and counted); a fresher one does not', async () => {
    const ipcDir = makeIpcDir();
    const clock = new ManualClock();
    const [port] = await freeTcpPorts(['127.0.0.1'], 1);
    const counters = new Counters();
    const receiver = new Receiver({ config: testConfig({ ipcDir, port, bridge: { maxIpcOutlets: 2, ipcOutletIdleSeconds: 60 } }), log: silentLogger(), counters, clock });
    await receiver.start();
    const socks: zmq.Socket[] = [];
    try {
      receiver.dispatch(cast('unread-old'));
      clock.advance(30_000);
      receiver.dispatch(cast('unread-new'));
      receiver.dispatch(cast('refused'));
      assert.equal(counters.get('receiver.dropped.outlet_limit'), 1, 'both hold messages and neither is stale yet');
      clock.advance(30_000);
      // unread-old sent nothing for 60 s: stuck; unread-new only for 30 s.
      const c = new zmq.Pull({ linger: 0 });
      socks.push(c);
      c.connect(ipcEndpoint(ipcDir, 'newcomer'));
      receiver.dispatch(cast('newcomer'));
      assert.equal(counters.get('receiver.outlets.evicted'), 1);
      assert.equal(counters.get('receiver.dropped.outlet_evicted'), 1);
      assert.equal((await receiveWithin(c, 10_000))[1]!.toString(), 'newcomer');
      await waitFor(() => !existsSync(ipcPath(ipcDir, 'unread-old')), 10_000, 'the stuck outlet\'s file to be removed');
      assert.ok(existsSync(ipcPath(ipcDir, 'unread-new')));
    } finally {
      for (const s of socks) s.close();
      await receiver.stop(0);
      removeDir(ipcDir);
    }
  });
});

describe('stale ipc files', () => {
  test('the probe tells a served socket from a stale one; the sweep removes only stale sockets of our user', async () => {
    const dir = makeIpcDir();
    const socks: zmq.Socket[] = [];
    try {
      const served = new zmq.Pull({ linger: 0 });
      socks.push(served);
      await served.bind(ipcEndpoint(dir, 'served'));
      // libzmq leaves the file behind when a bound socket closes: what a crash leaves.
      const gone = new zmq.Pull({ linger: 0 });
      await gone.bind(ipcEndpoint(dir, 'stale'));
      gone.close();
      await waitForFile(ipcPath(dir, 'stale'));
      writeFileSync(join(dir, `${IPC_FILE_PREFIX}plain`), 'x');
      assert.equal(await probeSocketFile(ipcPath(dir, 'served')), 'live');
      await waitFor(async () => (await probeSocketFile(ipcPath(dir, 'stale'))) === 'stale', 10_000, 'the closed socket to refuse connections');
      assert.equal(await probeSocketFile(ipcPath(dir, 'missing')), 'gone');

      const counters = new Counters();
      const otherUser = await removeStaleIpcFiles(dir, { log: silentLogger(), counters, uid: (process.getuid?.() ?? 0) + 1 });
      assert.deepEqual(otherUser.removed, [], "another user's files are never removed");
      const r = await removeStaleIpcFiles(dir, { log: silentLogger(), counters });
      assert.deepEqual(r.removed, [ipcPath(dir, 'stale')]);
      assert.deepEqual(r.live, [ipcPath(dir, 'served')]);
      assert.equal(counters.get('receiver.ipc.stale_removed'), 1);
      assert.ok(existsSync(ipcPath(dir, 'served')));
      assert.ok(existsSync(join(dir, `${IPC_FILE_PREFIX}plain`)));
    } finally {
      for (const s of socks) s.close();
      removeDir(dir);
    }
  });
});

describe('redis matchmaker at scale', () => {
  test('bare lookups over 300 live hosts read every member once per view, not once per send; a change of membership is seen at once', async () => {
    const server = await RedisServer.start();
    const raw = createClient({ socket: { host: server.host, port: server.port } });
    raw.on('error', () => {});
    await raw.connect();
    const clock = new ManualClock();
    const mm = new RedisMatchmaker({
      redis: { host: server.host, port: server.port, password: null, username: null },
      heartbeatFreq: 300, heartbeatTtl: 600, log: silentLogger(), counters: new Counters(), clock,
    });
    try {
      await mm.start();
      const hosts = Array.from({ length: 300 }, (_, i) => `h${i}`);
      for (const h of hosts) await raw.multi().sAdd('big', `big.${h}`).set(`big.${h}`, h).expire(`big.${h}`, 600).exec();
      // A full read checks each member's liveness key once (EXISTS, inside the look-up script; scripts' commands are counted too).
      const ttlCalls = async () => Number(/cmdstat_exists:calls=(\d+)/.exec(await raw.info('commandstats'))?.[1] ?? 0);
      const before = await ttlCalls();
      const seen = new Set<string>();
      for (let i = 0; i < 600; i++) seen.add((await mm.queues('big'))[0]!.host);
      assert.equal(seen.size, 300, 'round-robin reaches every host');
      assert.equal((await ttlCalls()) - before, 300, 'one full read for 600 sends');
      // A host registering (or leaving) changes the set's size: the next lookup reads it.
      await raw.multi().sAdd('big', 'big.new').set('big.new', 'new').expire('big.new', 600).exec();
      assert.ok((await mm.queues('fanout~big')).some((q) => q.host === 'new'));
      // Past the view's age everything is read again (an expired host is found there).
      clock.advance(DEFAULT_MEMBER_VIEW_MAX_AGE_MS);
      const t0 = await ttlCalls();
      await mm.queues('big');
      assert.equal((await ttlCalls()) - t0, 301);
    } finally {
      await mm.stop();
      raw.destroy();
      await server.stop();
    }
  });
});

describe('fanout copies', () => {
  test('frames built once for many topics are byte for byte those built one by one', () => {
    const ctx = '{"user": "u\\u00e9", "n": 1}';
    const msg = '{"method": "m", "args": {"x": [1, 2]}}';
    const make = castFramesFor(ctx, msg);
    for (const topic of ['fanout~compute.h1', 'fanout~compute.h2', 'compute.höst']) {
      const shared = make(topic);
      const single = buildCastFrames(topic, ctx, msg);
      assert.equal(shared.length, single.length);
      shared.forEach((f, i) => assert.ok(f.equals(single[i]!), `${topic} frame ${i}`));
    }
  });
});
