/**
 * Ring and fanout ring across three hosts (a cluster's loopback addresses), each a real daemon
 * with a legacy Python consumer on its ipc sockets: bare topics spread
 * evenly, fanout reaches every host, a directed topic reaches exactly its host.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Cluster } from '../test/support/cluster';
import { waitFor } from '../test/support/wait';
import { cast, mmHosts, startCluster, type MmHost } from './support/matchmaker-hosts';

for (const kind of ['ring', 'fanout_ring'] as const) {
  describe(`matchmaker ${kind} across hosts`, () => {
    let cluster: Cluster<MmHost> | undefined;
    let hosts: MmHost[] = [];
    let addrs: string[] = [];
    before(async () => {
      cluster = await startCluster({ matchmaker: { kind, ring: (all) => ({ mh: all }) }, topics: ['mh'] });
      hosts = mmHosts(cluster);
      addrs = cluster.addrs;
    });
    after(() => cluster?.close());

    test('bare topic: round-robin spread is even, each copy addressed to its host', async () => {
      const [from] = hosts;
      for (let i = 0; i < 30; i++) await cast(from!, 'mh', 'rr', i);
      await waitFor(() => hosts.every((h) => h.consumer.tagged('rr').length >= 10), 20000, 'all bare casts delivered');
      for (const h of hosts) {
        const got = h.consumer.tagged('rr');
        assert.equal(got.length, 10, `${h.addr} got ${got.length}`);
        for (const m of got) {
          assert.equal(m.via, 'pull');
          assert.equal(m.frames[1], `mh.${h.addr}`);
        }
      }
    });

    test('fanout reaches every host once, as fanout~T.<host>', async () => {
      const pairs = await cast(hosts[0]!, 'fanout~mh', 'fan');
      assert.deepEqual(pairs.map((p) => p.host), addrs);
      await waitFor(() => hosts.every((h) => h.consumer.tagged('fan').length >= 1), 20000, 'fanout delivered');
      for (const h of hosts) {
        const got = h.consumer.tagged('fan');
        assert.equal(got.length, 1);
        assert.equal(got[0]!.via, 'sub');
        assert.equal(got[0]!.frames[1], `fanout~mh.${h.addr}`);
      }
    });

    test('directed topic reaches exactly its host', async () => {
      await cast(hosts[0]!, `mh.${addrs[1]}`, 'dir');
      // One more bare message per host on the same connections: when each
      // host got it, a stray directed copy would already have arrived before it.
      for (let i = 0; i < 3; i++) await cast(hosts[0]!, 'mh', 'after', i);
      await waitFor(() => hosts.every((h) => h.consumer.tagged('after').length >= 1), 20000, 'follow-up delivered');
      await waitFor(() => hosts[1]!.consumer.tagged('dir').length === 1, 20000, 'directed delivered');
      assert.deepEqual(hosts.map((h) => h.consumer.tagged('dir').length), [0, 1, 0]);
      assert.equal(hosts[1]!.consumer.tagged('dir')[0]!.frames[1], `mh.${addrs[1]}`);
    });
  });
}
