// A target's server is a listener's name, not an address (issue 9,
// docs/server-names.md). Two in-process daemons (hosts A and B of a
// cluster) with local-API listeners whose server names are not host names -
// two on A (`alpha-1`, `alpha-2`), one on B (`beta-1`) - for every matchmaker
// that can know names: ring (its "zmq_bridge.servers" map), redis (a real
// redis-server), broker and topic scheduler (broker role on A). The local
// matchmaker knows this host only. Real ZeroMQ between the daemons, real
// unix sockets to the local API.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as zmq from 'zeromq';
import { Cluster, inProcessDaemon, type ClusterMatchmaker, type InProcessDaemon } from './support/cluster';
import { LocalApiClient, LocalApiError, type Delivery } from './support/localapi-client';
import { RedisServer } from './support/redis';
import { waitFor } from './support/wait';
import { buildCastFrames } from '../src/wire/envelope';
import { tcpEndpoint } from '../src/wire/endpoints';

const TOPIC = 'svc';
const CTX = '{"user": "u"}';
const msg = (method: string, args: Record<string, unknown> = {}) => JSON.stringify({ method, args });

/** One host: its daemon, a shim connection with named listeners that answer with their name. */
interface Host {
  addr: string;
  daemon: InProcessDaemon;
  client: LocalApiClient;
  /** Deliveries per listener name. */
  got: Map<string, Delivery[]>;
}

async function listenAs(h: Host, server: string, exchange: string | null = null): Promise<number> {
  h.got.set(server, []);
  return h.client.listen({ topic: TOPIC, server, exchange }, (d) => {
    h.got.get(server)!.push(d);
    if (d.reply_to) h.client.reply(d.reply_to, d.ctx, { result: JSON.stringify(server) });
  });
}

async function setUp(mm: ClusterMatchmaker): Promise<{ cluster: Cluster<InProcessDaemon>; A: Host; B: Host }> {
  const cluster = await Cluster.start<InProcessDaemon>({
    hosts: 2,
    matchmaker: mm,
    launcher: inProcessDaemon(),
    dirPrefix: 'nzb-names-',
  });
  const hosts: Host[] = [];
  for (const h of cluster.hosts) {
    const client = await LocalApiClient.connect(h.config.bridge.localSocket);
    await client.hello();
    cluster.onClose(() => client.close());
    hosts.push({ addr: h.addr, daemon: cluster.daemon(h.index), client, got: new Map() });
  }
  const [A, B] = hosts as [Host, Host];
  await listenAs(A, 'alpha-1');
  await listenAs(A, 'alpha-2');
  await listenAs(B, 'beta-1');
  return { cluster, A, B };
}

const call = async (from: Host, server: string, exchange: string | null = null) =>
  JSON.parse((await from.client.call({ topic: TOPIC, server, exchange }, CTX, msg('whoami'), 10)).result as string) as string;

const counter = (h: Host, name: string) => h.daemon.daemon.counters.get(name as 'receiver.received');

/**
 * The checks every matchmaker that knows names passes. `staticNames`: the
 * ring, whose map names hosts per server name for every topic and exchange.
 */
function namesAcrossHosts(kind: string, mm: () => Promise<ClusterMatchmaker>, staticNames = false): void {
  describe(`server names over the ${kind} matchmaker`, () => {
    let cluster: Cluster<InProcessDaemon> | undefined;
    let A: Host;
    let B: Host;
    before(async () => {
      ({ cluster, A, B } = await setUp(await mm()));
    });
    after(async () => {
      await cluster?.close();
    });

    test('calls reach the named server among several of one topic, on this host and across hosts', async () => {
      assert.equal(await call(A, 'alpha-1'), 'alpha-1');
      assert.equal(await call(A, 'alpha-2'), 'alpha-2');
      assert.equal(await call(A, 'beta-1'), 'beta-1');
      assert.equal(await call(B, 'alpha-2'), 'alpha-2');
      assert.equal(await call(B, 'alpha-1'), 'alpha-1');
      assert.equal(await call(B, 'beta-1'), 'beta-1');
      assert.ok(counter(A, 'localapi.route.local') >= 2, 'A delivered its own names locally');
      assert.ok(counter(A, 'localapi.route.matchmaker') >= 1, 'A found beta-1 through the matchmaker');
      assert.ok(counter(B, 'localapi.route.matchmaker') >= 2, 'B found alpha-1/-2 through the matchmaker');
    });

    test('a cast reaches only the named server', async () => {
      await A.client.cast({ topic: TOPIC, server: 'beta-1' }, CTX, msg('note', { n: `cast-${kind}` }));
      await B.client.cast({ topic: TOPIC, server: 'alpha-2' }, CTX, msg('note', { n: `cast2-${kind}` }));
      const sawNote = (h: Host, name: string, n: string) => h.got.get(name)!.some((d) => d.msg.includes(n));
      await waitFor(() => sawNote(B, 'beta-1', `cast-${kind}`) && sawNote(A, 'alpha-2', `cast2-${kind}`), 10_000, 'both casts');
      assert.ok(!sawNote(A, 'alpha-1', `cast2-${kind}`), 'not the other server of the topic on that host');
    });

    test('a name that resolves nowhere fails at once with UNKNOWN_SERVER naming it, counted', async () => {
      const before = counter(A, 'localapi.route.unknown_server');
      await assert.rejects(call(A, 'nobody_here'), (err: unknown) => {
        assert.ok(err instanceof LocalApiError);
        assert.equal(err.code, 'UNKNOWN_SERVER');
        assert.match(err.message, /"nobody_here"/);
        assert.match(err.message, new RegExp(`matchmaker ${kind}`));
        assert.match(err.message, /not a host name/);
        return true;
      });
      await assert.rejects(A.client.cast({ topic: TOPIC, server: 'nobody_here' }, CTX, msg('note')), /UNKNOWN_SERVER/);
      assert.equal(counter(A, 'localapi.route.unknown_server'), before + 2);
    });

    test('exchanges stay apart: the same name on another exchange is another server', async () => {
      // Registering kinds know names per (exchange, topic): the name is
      // unknown there. The ring's map is per name: the message goes to that
      // host, whose registry hands it to no server of another exchange.
      const elsewhere = async (server: string, exchange: string | null) => {
        const note = `${server}@${exchange}-${kind}`;
        if (!staticNames) {
          await assert.rejects(A.client.cast({ topic: TOPIC, server, exchange }, CTX, msg('note', { n: note })), /UNKNOWN_SERVER/);
          return;
        }
        const before = counter(B, 'localapi.deliver.no_server');
        await A.client.cast({ topic: TOPIC, server, exchange }, CTX, msg('note', { n: note }));
        await waitFor(() => counter(B, 'localapi.deliver.no_server') === before + 1, 10_000, 'the message for no server counted');
        for (const got of B.got.values()) assert.ok(!got.some((d) => d.msg.includes(note)));
      };
      await listenAs(B, 'beta-ex', 'elsewhere');
      await elsewhere('beta-1', 'elsewhere');
      assert.equal(await call(A, 'beta-ex', 'elsewhere'), 'beta-ex');
      await elsewhere('beta-ex', null);
    });
  });
}

// Redis for the redis matchmaker: one server for the file.
let redis: RedisServer | undefined;
after(async () => {
  await redis?.stop();
});

namesAcrossHosts(
  'ring',
  async () => ({
    kind: 'ring',
    ring: ([a, b]) => ({ [TOPIC]: [a!, b!], 'zmq_bridge.servers': { 'alpha-1': a!, 'alpha-2': [a!], 'beta-1': b!, 'beta-ex': b! } }),
  }),
  true,
);
namesAcrossHosts('redis', async () => {
  redis ??= await RedisServer.start();
  return { kind: 'redis', redis: { host: redis.host, port: redis.port } };
});
namesAcrossHosts('broker', async () => ({ kind: 'broker', brokerHost: 0 }));
namesAcrossHosts('topic_scheduler', async () => ({ kind: 'topic_scheduler', brokerHost: 0 }));

describe('server names over the local matchmaker (one host)', () => {
  let cluster: Cluster<InProcessDaemon> | undefined;
  let A: Host;
  let B: Host;
  before(async () => {
    ({ cluster, A, B } = await setUp({ kind: 'local' }));
  });
  after(async () => {
    await cluster?.close();
  });

  test("this host's named servers are reached by name; another host's names are unknown here", async () => {
    assert.equal(await call(A, 'alpha-1'), 'alpha-1');
    assert.equal(await call(A, 'alpha-2'), 'alpha-2');
    await assert.rejects(call(A, 'beta-1'), (err: unknown) => err instanceof LocalApiError && err.code === 'UNKNOWN_SERVER' && /local matchmaker keeps no registrations/.test(err.message));
  });

  test('the legacy way still works: a server naming a host goes to that host, where any listener of the topic takes it', async () => {
    assert.equal(await call(A, B.addr), 'beta-1');
    assert.ok(counter(A, 'localapi.route.host') >= 1);
  });

  test("a legacy peer's T.S reaches the listener named S; T.<unknown name> is not handed to another server", async () => {
    const push = new zmq.Push({ linger: 0 });
    push.connect(tcpEndpoint(A.addr, cluster!.port));
    try {
      await push.send(buildCastFrames(`${TOPIC}.alpha-2`, CTX, msg('note', { n: 'legacy-direct' })));
      await waitFor(() => A.got.get('alpha-2')!.some((d) => d.msg.includes('legacy-direct')), 10_000, 'the legacy cast at alpha-2');
      const before = counter(A, 'localapi.deliver.no_server');
      await push.send(buildCastFrames(`${TOPIC}.gone-1`, CTX, msg('note', { n: 'legacy-gone' })));
      await waitFor(() => counter(A, 'localapi.deliver.no_server') === before + 1, 10_000, 'the unclaimed message counted');
      for (const name of ['alpha-1', 'alpha-2']) assert.ok(!A.got.get(name)!.some((d) => d.msg.includes('legacy-gone')), name);
    } finally {
      push.close();
    }
  });
});
