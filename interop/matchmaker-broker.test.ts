/**
 * Broker and topic scheduler across three hosts: 127.0.0.4 runs the broker
 * role (services + forwarding sink); 127.0.0.2 and .3 register their
 * consumers' topic with it. Legacy Python consumers read each host's ipc.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerRole } from '../src/broker/broker-role';
import { MatchmakerServiceUnavailableError } from '../src/matchmaker/errors';
import { silentLogger } from '../src/log';
import {
  ADDRS,
  SERVICE_PORT_MAX,
  SERVICE_PORT_MIN,
  cast,
  kill,
  portOnAll,
  startCluster,
  startRegistrant,
  stopCluster,
  waitFor,
  type MmHost,
} from './support/matchmaker-hosts';

const BROKER = ADDRS[2]!;

async function cluster(kind: 'broker' | 'topic_scheduler', topic: string): Promise<MmHost[]> {
  const brokerPort = await portOnAll(SERVICE_PORT_MIN, SERVICE_PORT_MAX, [BROKER]);
  let schedulerPort = await portOnAll(SERVICE_PORT_MIN, SERVICE_PORT_MAX, [BROKER]);
  while (schedulerPort === brokerPort) schedulerPort = await portOnAll(SERVICE_PORT_MIN, SERVICE_PORT_MAX, [BROKER]);
  const hosts = await startCluster({
    topics: [topic],
    config: () => ({
      matchmaker: kind,
      matchmakerRaw: kind,
      brokerIp: BROKER,
      heartbeatFreq: 1,
      heartbeatTtl: 3,
      bridge: { brokerPort, schedulerPort },
    }),
    role: (addr, sender, counters) =>
      addr === BROKER
        ? new BrokerRole({ bindAddress: BROKER, brokerPort, schedulerPort, log: silentLogger(), counters, sender })
        : null,
  });
  // The consumers of .2 and .3 register their topic (as a listener appearing there does).
  for (const h of hosts.slice(0, 2)) await h.matchmaker.register(topic, h.addr);
  return hosts;
}

describe('matchmaker broker across hosts', () => {
  let hosts: MmHost[] = [];
  before(async () => {
    hosts = await cluster('broker', 'bk');
  });
  after(() => stopCluster(hosts));

  test('bare topics go through the broker host, which forwards each to one registered host', async () => {
    const pairs = await cast(hosts[0]!, 'bk', 'via', 0);
    assert.deepEqual(pairs, [{ topic: 'bk', host: BROKER }]);
    for (let i = 1; i < 10; i++) await cast(hosts[1]!, 'bk', 'via', i);
    await waitFor(() => hosts[0]!.consumer.tagged('via').length + hosts[1]!.consumer.tagged('via').length >= 10, 20000, 'forwarded');
    assert.equal(hosts[0]!.consumer.tagged('via').length, 5);
    assert.equal(hosts[1]!.consumer.tagged('via').length, 5);
    for (const h of hosts.slice(0, 2)) for (const m of h.consumer.tagged('via')) assert.equal(m.frames[1], `bk.${h.addr}`);
    assert.equal(hosts[2]!.counters.get('broker.forwarded'), 10);
    assert.equal(hosts[2]!.consumer.tagged('via').length, 0);
  });

  test('directed stays direct; fanout reaches every registered host', async () => {
    assert.deepEqual(await cast(hosts[1]!, `bk.${ADDRS[0]}`, 'dir'), [{ topic: `bk.${ADDRS[0]}`, host: ADDRS[0] }]);
    const pairs = await cast(hosts[2]!, 'fanout~bk', 'fan');
    assert.deepEqual(pairs.map((p) => p.host), ADDRS.slice(0, 2));
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
    await cast(hosts[0]!, `bk.${ADDRS[1]}`, 'stilldirect');
    await waitFor(() => hosts[1]!.consumer.tagged('stilldirect').length === 1, 20000, 'direct while broker down');
  });
});

describe('matchmaker topic scheduler across hosts', () => {
  let hosts: MmHost[] = [];
  before(async () => {
    hosts = await cluster('topic_scheduler', 'ts');
  });
  after(() => stopCluster(hosts));

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
    await cast(hosts[2]!, `ts.${ADDRS[1]}`, 'dir');
    await waitFor(() => hosts.slice(0, 2).every((h) => h.consumer.tagged('fan').length === 1), 20000, 'fanout');
    await waitFor(() => hosts[1]!.consumer.tagged('dir').length === 1, 20000, 'directed');
    assert.equal(hosts[0]!.consumer.tagged('dir').length, 0);
  });

  test('a host killed without unregistering leaves within the heartbeat ttl', async () => {
    const ghost = '127.0.0.9';
    const child = await startRegistrant(hosts[0]!.config, [['ts', ghost]]);
    try {
      const seen = async () => (await hosts[2]!.matchmaker.queues('fanout~ts')).map((q) => q.host);
      assert.deepEqual(await seen(), [...ADDRS.slice(0, 2), ghost]);
      await kill(child);
      // ttl 3 s: gone well within twice that, while the live hosts stay (they heartbeat every 1 s).
      await waitFor(async () => !(await seen()).includes(ghost), 6000, 'killed host expired');
      assert.deepEqual(await seen(), ADDRS.slice(0, 2));
    } finally {
      await kill(child);
    }
  });
});
