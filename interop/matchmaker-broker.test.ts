/**
 * Broker and topic scheduler across three hosts (a cluster's loopback
 * addresses): host 2 runs the broker role (services + forwarding sink);
 * hosts 0 and 1 register their consumers' topic with it. Legacy Python consumers read each host's ipc.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { MatchmakerServiceUnavailableError } from '../src/matchmaker/errors';
import type { Cluster } from '../test/support/cluster';
import { waitFor } from '../test/support/wait';
import { cast, kill, mmHosts, startCluster, startRegistrant, type MmHost } from './support/matchmaker-hosts';

const BROKER_HOST = 2;

/** Three hosts, the broker role on host 2 (with OS-picked service ports). */
async function brokerCluster(kind: 'broker' | 'topic_scheduler', topic: string): Promise<Cluster<MmHost>> {
  const cluster = await startCluster({
    topics: [topic],
    matchmaker: { kind, brokerHost: BROKER_HOST },
    heartbeat: { freqS: 1, ttlS: 3 },
  });
  // The consumers of hosts 0 and 1 register their topic (as a listener appearing there does).
  for (const h of mmHosts(cluster).slice(0, 2)) await h.matchmaker.register(topic, h.addr);
  return cluster;
}

describe('matchmaker broker across hosts', () => {
  let cluster: Cluster<MmHost> | undefined;
  let hosts: MmHost[] = [];
  let addrs: string[] = [];
  let broker = '';
  before(async () => {
    cluster = await brokerCluster('broker', 'bk');
    hosts = mmHosts(cluster);
    addrs = cluster.addrs;
    broker = addrs[BROKER_HOST]!;
  });
  after(() => cluster?.close());

  test('bare topics go through the broker host, which forwards each to one registered host', async () => {
    const pairs = await cast(hosts[0]!, 'bk', 'via', 0);
    assert.deepEqual(pairs, [{ topic: 'bk', host: broker }]);
    for (let i = 1; i < 10; i++) await cast(hosts[1]!, 'bk', 'via', i);
    await waitFor(() => hosts[0]!.consumer.tagged('via').length + hosts[1]!.consumer.tagged('via').length >= 10, 20000, 'forwarded');
    assert.equal(hosts[0]!.consumer.tagged('via').length, 5);
    assert.equal(hosts[1]!.consumer.tagged('via').length, 5);
    for (const h of hosts.slice(0, 2)) for (const m of h.consumer.tagged('via')) assert.equal(m.frames[1], `bk.${h.addr}`);
    assert.equal(hosts[2]!.counters.get('broker.forwarded'), 10);
    assert.equal(hosts[2]!.consumer.tagged('via').length, 0);
  });

  test('directed stays direct; fanout reaches every registered host', async () => {
    assert.deepEqual(await cast(hosts[1]!, `bk.${addrs[0]}`, 'dir'), [{ topic: `bk.${addrs[0]}`, host: addrs[0] }]);
    const pairs = await cast(hosts[2]!, 'fanout~bk', 'fan');
    assert.deepEqual(pairs.map((p) => p.host), addrs.slice(0, 2));
    await waitFor(() => hosts[0]!.consumer.tagged('dir').length === 1, 20000, 'directed');
    await waitFor(() => hosts.slice(0, 2).every((h) => h.consumer.tagged('fan').length === 1), 20000, 'fanout');
    assert.equal(hosts[1]!.consumer.tagged('dir').length, 0);
    assert.equal(hosts[2]!.counters.get('broker.forwarded'), 10);
  });

  test('a broker that goes down: bare topics fail fast with a typed, counted error; directed still work', async () => {
    await hosts[2]!.role!.stop();
    await waitFor(async () => {
      try {
        await hosts[0]!.matchmaker.queues('bk');
        return false;
      } catch (err) {
        assert.ok(err instanceof MatchmakerServiceUnavailableError);
        return true;
      }
    }, 20000, 'broker seen down');
    await assert.rejects(cast(hosts[0]!, 'bk', 'down'), (err: unknown) => (err as { code?: string }).code === 'MATCHMAKER_SERVICE_UNAVAILABLE');
    assert.ok(hosts[0]!.counters.get('matchmaker.broker.unavailable') >= 1);
    await cast(hosts[0]!, `bk.${addrs[1]}`, 'stilldirect');
    await waitFor(() => hosts[1]!.consumer.tagged('stilldirect').length === 1, 20000, 'direct while broker down');
  });
});

describe('matchmaker topic scheduler across hosts', () => {
  let cluster: Cluster<MmHost> | undefined;
  let hosts: MmHost[] = [];
  let addrs: string[] = [];
  before(async () => {
    cluster = await brokerCluster('topic_scheduler', 'ts');
    hosts = mmHosts(cluster);
    addrs = cluster.addrs;
  });
  after(() => cluster?.close());

  test('get_worker spreads bare topics evenly; messages go straight to the worker, not through the scheduler', async () => {
    for (let i = 0; i < 10; i++) {
      const [p] = await cast(hosts[2]!, 'ts', 'sched', i);
      assert.equal(p!.topic, `ts.${p!.host}`);
    }
    await waitFor(() => hosts.slice(0, 2).every((h) => h.consumer.tagged('sched').length >= 5), 20000, 'scheduled');
    assert.deepEqual(hosts.map((h) => h.consumer.tagged('sched').length), [5, 5, 0]);
    assert.equal(hosts[2]!.counters.get('broker.forwarded'), 0);
    assert.ok(hosts[2]!.counters.get('matchmaker.scheduler_service.get_worker') >= 10);
  });

  test('fanout reaches every registered host; directed exactly its host', async () => {
    await cast(hosts[2]!, 'fanout~ts', 'fan');
    await cast(hosts[2]!, `ts.${addrs[1]}`, 'dir');
    await waitFor(() => hosts.slice(0, 2).every((h) => h.consumer.tagged('fan').length === 1), 20000, 'fanout');
    await waitFor(() => hosts[1]!.consumer.tagged('dir').length === 1, 20000, 'directed');
    assert.equal(hosts[0]!.consumer.tagged('dir').length, 0);
  });

  test('a host killed without unregistering leaves within the heartbeat ttl', async () => {
    const ghost = addrs[0]!.replace(/\.\d+$/, '.9'); // an address of the block with no host on it
    const child = await startRegistrant(cluster!, hosts[0]!.config, [['ts', ghost]]);
    try {
      const seen = async () => (await hosts[2]!.matchmaker.queues('fanout~ts')).map((q) => q.host);
      assert.deepEqual(await seen(), [...addrs.slice(0, 2), ghost]);
      await kill(child);
      // ttl 3 s: gone well within twice that, while the live hosts stay (they heartbeat every 1 s).
      await waitFor(async () => !(await seen()).includes(ghost), 6000, 'killed host expired');
      assert.deepEqual(await seen(), addrs.slice(0, 2));
    } finally {
      await kill(child);
    }
  });
});
