/**
 * The Redis matchmaker across three hosts with a real redis-server: hosts
 * register with the legacy key layout, bare topics spread, fanout reaches
 * every live host, a host killed hard stops receiving within the ttl, and
 * Redis stopped and restarted mid-run neither stops traffic nor loses the
 * registrations.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import type { Cluster } from '../test/support/cluster';
import { RedisServer } from '../test/support/redis';
import { waitFor } from '../test/support/wait';
import { cast, kill, mmHosts, startCluster, startRegistrant, type MmHost } from './support/matchmaker-hosts';

const TTL_S = 2;

describe('matchmaker redis across hosts', () => {
  let cluster: Cluster<MmHost> | undefined;
  let hosts: MmHost[] = [];
  let addrs: string[] = [];
  let server: RedisServer;
  let raw: ReturnType<typeof createClient>;
  before(async () => {
    server = await RedisServer.start();
    raw = createClient({ socket: { host: server.host, port: server.port, reconnectStrategy: 200 } });
    raw.on('error', () => {});
    await raw.connect();
    cluster = await startCluster({
      topics: ['rd'],
      matchmaker: { kind: 'redis', redis: { host: server.host, port: server.port } },
      heartbeat: { freqS: 1, ttlS: TTL_S },
    });
    hosts = mmHosts(cluster);
    addrs = cluster.addrs;
    // hosts 0 and 1 have consumers of `rd` (as their listeners would register); host 2 only sends.
    for (const h of hosts.slice(0, 2)) await h.matchmaker.register('rd', h.addr);
  });
  after(async () => {
    await cluster?.close();
    raw?.destroy();
    await server?.stop();
  });

  test('registrations are visible to legacy nodes with the legacy key layout', async () => {
    assert.deepEqual((await raw.sMembers('rd')).sort(), addrs.slice(0, 2).map((a) => `rd.${a}`));
    for (const a of addrs.slice(0, 2)) assert.equal(await raw.get(`rd.${a}`), a);
  });

  test('bare spreads evenly over the live hosts, fanout reaches each, directed exactly its host', async () => {
    for (let i = 0; i < 10; i++) await cast(hosts[2]!, 'rd', 'bare', i);
    await cast(hosts[2]!, 'fanout~rd', 'fan');
    await cast(hosts[2]!, `rd.${addrs[0]}`, 'dir');
    await waitFor(() => hosts.slice(0, 2).every((h) => h.consumer.tagged('bare').length >= 5), 20000, 'bare');
    await waitFor(() => hosts.slice(0, 2).every((h) => h.consumer.tagged('fan').length === 1), 20000, 'fanout');
    await waitFor(() => hosts[0]!.consumer.tagged('dir').length === 1, 20000, 'directed');
    assert.deepEqual(hosts.map((h) => h.consumer.tagged('bare').length), [5, 5, 0]);
    assert.deepEqual(hosts.map((h) => h.consumer.tagged('dir').length), [1, 0, 0]);
    for (const h of hosts.slice(0, 2)) {
      assert.equal(h.consumer.tagged('fan')[0]!.frames[1], `fanout~rd.${h.addr}`);
      for (const m of h.consumer.tagged('bare')) assert.equal(m.frames[1], `rd.${h.addr}`);
    }
  });

  test('a host killed without unregistering stops receiving within the ttl', async () => {
    // host 2's consumer registered by a separate process that then dies hard.
    const child = await startRegistrant(cluster!, hosts[2]!.config, [['rd', addrs[2]!]]);
    try {
      const hostsOf = async (t: string) => (await hosts[0]!.matchmaker.queues(t)).map((q) => q.host);
      assert.deepEqual(await hostsOf('fanout~rd'), addrs);
      await cast(hosts[0]!, 'fanout~rd', 'beforekill');
      await waitFor(() => hosts.every((h) => h.consumer.tagged('beforekill').length === 1), 20000, 'fanout to all three');
      await kill(child);
      await waitFor(async () => !(await hostsOf('fanout~rd')).includes(addrs[2]!), TTL_S * 1000 + 4000, 'killed host expired');
      for (let i = 0; i < 6; i++) assert.notEqual((await cast(hosts[0]!, 'rd', 'afterkill', i))[0]!.host, addrs[2]);
      assert.ok(!(await raw.sMembers('rd')).includes(`rd.${addrs[2]}`), 'dead member removed from the set');
      await waitFor(() => hosts[0]!.consumer.tagged('afterkill').length + hosts[1]!.consumer.tagged('afterkill').length === 6, 20000, 'after kill');
      assert.equal(hosts[2]!.consumer.tagged('afterkill').length, 0);
    } finally {
      await kill(child);
    }
  });

  test('Redis stopped and restarted mid-run: traffic goes on, registrations come back', async () => {
    await server.stop();
    await waitFor(() => hosts.every((h) => h.counters.get('matchmaker.redis.disconnects') >= 1), 20000, 'outage seen');
    for (let i = 0; i < 6; i++) await cast(hosts[2]!, 'rd', 'outage', i);
    await cast(hosts[2]!, 'fanout~rd', 'outagefan');
    await waitFor(() => hosts.slice(0, 2).every((h) => h.consumer.tagged('outage').length === 3), 20000, 'served from the last view');
    await waitFor(() => hosts.slice(0, 2).every((h) => h.consumer.tagged('outagefan').length === 1), 20000, 'fanout from the last view');
    await server.launch();
    // The new Redis is empty; each host writes its registrations again on reconnect.
    await waitFor(async () => {
      try {
        return (await raw.sMembers('rd')).length === 2;
      } catch {
        return false;
      }
    }, 20000, 'registrations back');
    assert.deepEqual((await raw.sMembers('rd')).sort(), addrs.slice(0, 2).map((a) => `rd.${a}`));
    assert.ok(hosts.every((h) => h.counters.get('matchmaker.redis.reconnects') >= 1));
    await cast(hosts[2]!, 'fanout~rd', 'back');
    await waitFor(() => hosts.slice(0, 2).every((h) => h.consumer.tagged('back').length === 1), 20000, 'fanout after recovery');
  });
});
