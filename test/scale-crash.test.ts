/**
 * Issue 12 item 1, reproduced as an outsider would, on the real CLI daemon
 * in its own process (a crash must be observable, not take the test runner
 * down): many distinct topics from anyone who reaches the tcp port, many
 * `reply` ops naming distinct hosts through the local API, and the ipc files
 * a killed daemon leaves behind. Before the socket budget (src/socket-budget.ts),
 * the caps and the stale-file sweep, the first two made the daemon exit and the
 * third left the files for good.
 */
import { test, describe, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as zmq from 'zeromq';
import { Cluster, cliDaemon, type CliDaemon } from './support/cluster';
import { LocalApiClient } from './support/localapi-client';
import { frames, receiveWithin, receivesWithin, waitFor, waitForFile } from './support/zmq-helpers';
import { waitForValue } from './support/wait';
import { ipcEndpoint, ipcPath, tcpEndpoint } from '../src/wire/endpoints';
import { IPC_FILE_PREFIX } from '../src/wire/topic';
import { buildCastFrames } from '../src/wire/envelope';

/** More distinct topics than libzmq's default of 1,023 sockets per context. */
const DISTINCT_TOPICS = 1_100;
/** More distinct reply hosts than libzmq's default socket limit. */
const DISTINCT_REPLY_HOSTS = 1_050;
/** Hang guard of the waits below (a loaded machine is slow, never a timing assertion). */
const WAIT_MS = 60_000;

function castTo(topic: string, i = 0): Buffer[] {
  return buildCastFrames(topic, '{}', JSON.stringify({ method: 'ping', args: { i } }));
}

describe('scale crash scenarios (issue 12 item 1)', () => {
  let cluster: Cluster<CliDaemon> | null = null;
  const socks: zmq.Socket[] = [];
  const clients: LocalApiClient[] = [];

  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    statsClient = null;
    for (const s of socks.splice(0)) s.close();
    await cluster?.close();
    cluster = null;
  });

  async function oneHost(): Promise<Cluster<CliDaemon>> {
    cluster = await Cluster.start<CliDaemon>({ hosts: 1, launcher: cliDaemon() });
    return cluster;
  }

  function pushTo(c: Cluster<CliDaemon>): zmq.Push {
    const push = new zmq.Push({ linger: 0, sendHighWaterMark: 100_000 });
    push.connect(tcpEndpoint(c.host(0).addr, c.port));
    socks.push(push);
    return push;
  }

  let statsClient: LocalApiClient | null = null;
  /** The daemon's counters, through the local API `stats` op (one client per daemon run). */
  async function stats(c: Cluster<CliDaemon>): Promise<Record<string, number>> {
    if (!statsClient || statsClient.closed) {
      statsClient = await LocalApiClient.connect(c.host(0).config.bridge.localSocket);
      clients.push(statsClient);
      await statsClient.hello();
    }
    return statsClient.stats();
  }

  /** The daemon is alive and still forwards a brand-new topic to its legacy consumer. */
  async function assertServesNewTopic(c: Cluster<CliDaemon>, push: zmq.Push, topic: string): Promise<void> {
    const ipcDir = c.host(0).ipcDir;
    const consumer = new zmq.Pull({ linger: 0 });
    socks.push(consumer);
    consumer.connect(ipcEndpoint(ipcDir, topic));
    await push.send(castTo(topic, 42));
    const daemon = c.daemon(0);
    const got = await waitForValue(
      async () => {
        if (daemon.exited) throw new Error(`the daemon exited (${daemon.proc.exitCode}):\n${c.host(0).log.join('').slice(-3000)}`);
        return (await receivesWithin(consumer, 200)) ?? undefined;
      },
      { timeoutMs: WAIT_MS, intervalMs: 0, what: `the cast to ${topic}` },
    );
    assert.equal(got[1]!.toString(), topic);
  }

  test(`${DISTINCT_TOPICS} casts to distinct topics from the tcp port: the daemon keeps serving`, { timeout: 180_000 }, async () => {
    const c = await oneHost();
    const push = pushTo(c);
    for (let i = 0; i < DISTINCT_TOPICS; i++) await push.send(castTo(`distinct${i}`, i));
    const daemon = c.daemon(0);
    await waitFor(
      async () => {
        if (daemon.exited) throw new Error(`the daemon exited (${daemon.proc.exitCode}):\n${c.host(0).log.join('').slice(-3000)}`);
        return (await stats(c))['receiver.received'] === DISTINCT_TOPICS;
      },
      { timeoutMs: WAIT_MS, what: 'every distinct-topic cast to be received' },
    );
    await assertServesNewTopic(c, push, 'after-the-flood');
    const counters = await stats(c);
    // Every topic got an outlet (the default cap is far above 1,100) or was refused and counted: none vanished.
    const outlets = counters['receiver.outlets.created'] ?? 0;
    const refused = counters['receiver.dropped.outlet_limit'] ?? 0;
    assert.equal(outlets + refused, DISTINCT_TOPICS + 1, JSON.stringify(counters));
  });

  test(`${DISTINCT_REPLY_HOSTS} reply ops naming distinct hosts, then a new topic: the daemon keeps serving`, { timeout: 180_000 }, async () => {
    const c = await oneHost();
    const client = await LocalApiClient.connect(c.host(0).config.bridge.localSocket);
    clients.push(client);
    await client.hello();
    // Loopback hosts where nothing listens: each message waits for its peer up to rpc_cast_timeout.
    const a = 16 + Math.floor(Math.random() * 200);
    const hostOf = (i: number): string => `127.${a}.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`;
    // The flood: replies for calls this connection was never given. Since issue 10 they are
    // refused before any socket is opened (a local process cannot forge replies).
    for (let i = 0; i < DISTINCT_REPLY_HOSTS; i++) client.reply([`msg${i}`, `zmq_replies.${hostOf(i)}`], '{}', { result: '"r"' });
    const daemon = c.daemon(0);
    const alive = (): void => {
      if (daemon.exited) throw new Error(`the daemon exited (${daemon.proc.exitCode}):\n${c.host(0).log.join('').slice(-3000)}`);
    };
    await waitFor(
      async () => {
        alive();
        return (await client.stats())['localapi.ops.reply'] === DISTINCT_REPLY_HOSTS;
      },
      { timeoutMs: WAIT_MS, what: 'every reply op to be handled' },
    );
    let counters = await client.stats();
    assert.equal(counters['localapi.errors.REPLY_NOT_OWED'], DISTINCT_REPLY_HOSTS, JSON.stringify(counters));
    // The same number of distinct peers through messages a shim may send: casts to servers named by address.
    for (let i = 0; i < DISTINCT_REPLY_HOSTS; i++) await client.cast({ topic: 'flood', server: hostOf(i) }, '{}', '{"method": "m", "args": {}}');
    await waitFor(
      async () => {
        alive();
        return ((await client.stats())['sender.peers.opened'] ?? 0) >= 1;
      },
      { timeoutMs: WAIT_MS, what: 'peer connections opened' },
    );
    const push = pushTo(c);
    await assertServesNewTopic(c, push, 'after-the-replies');
    counters = await client.stats();
    assert.ok((counters['sender.peers.opened'] ?? 0) >= 1, JSON.stringify(counters));
  });

  test('ipc files of a killed daemon are removed at the next start; files it did not make, or that someone serves, stay', { timeout: 120_000 }, async () => {
    const c = await oneHost();
    const ipcDir = c.host(0).ipcDir;
    const push = pushTo(c);
    const topics = Array.from({ length: 20 }, (_, i) => `stale${i}`);
    for (const t of topics) await push.send(castTo(t));
    for (const t of topics) await waitForFile(ipcPath(ipcDir, t), WAIT_MS);
    push.close();
    socks.splice(socks.indexOf(push), 1);
    await c.killHost(0);
    for (const t of topics) assert.ok(existsSync(ipcPath(ipcDir, t)), 'SIGKILL leaves the socket files behind');

    // Not ours to remove: a regular file with an ipc name, and a socket another process serves.
    const regular = join(ipcDir, `${IPC_FILE_PREFIX}regular`);
    writeFileSync(regular, 'not a socket');
    const live = new zmq.Pull({ linger: 0 });
    socks.push(live);
    await live.bind(ipcEndpoint(ipcDir, 'served-elsewhere'));

    await c.startHost(0);
    for (const t of topics) assert.equal(existsSync(ipcPath(ipcDir, t)), false, `stale ${t} removed at start-up`);
    assert.ok(existsSync(regular), 'a regular file is never removed');
    assert.ok(existsSync(ipcPath(ipcDir, 'served-elsewhere')), 'a socket a live process serves is kept');
    const left = readdirSync(ipcDir).filter((n) => n.startsWith(IPC_FILE_PREFIX)).sort();
    assert.deepEqual(left, [`${IPC_FILE_PREFIX}regular`, `${IPC_FILE_PREFIX}served-elsewhere`]);
    const counters = await stats(c);
    assert.equal(counters['receiver.ipc.stale_removed'], topics.length, JSON.stringify(counters));
    // The one that another process serves still works for it.
    const sender = new zmq.Push({ linger: 0 });
    socks.push(sender);
    sender.connect(ipcEndpoint(ipcDir, 'served-elsewhere'));
    await sender.send(frames('x'));
    assert.equal((await receiveWithin(live, WAIT_MS))[0]!.toString(), 'x');
  });
});
