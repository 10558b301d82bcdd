/**
 * Garbage-collection pauses on the Prometheus endpoint: a real daemon with
 * `http_listen`, fed casts between two real local API clients (shims) until
 * its scrape, over real HTTP, shows more minor GCs in
 * `nova_zmq_bridge_nodejs_gc_duration_seconds` (prom-client's name, kinds
 * and buckets) than its first scrape did; the histogram is well formed for
 * every kind. And a ProcessMetrics stopped observes no more pauses while
 * another one, still started, sees the GCs that garbage allocated here
 * causes.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon } from '../src/daemon';
import { silentLogger } from '../src/log';
import { GC_DURATION_BUCKETS_S, GC_KINDS, ProcessMetrics } from '../src/metrics/process-metrics';
import { makeIpcDir, removeDir, testConfigOnFreePort } from './support/config';
import { LocalApiClient, type Delivery } from './support/localapi-client';
import { waitFor } from './support/wait';
import { scrape, value, type Scrape } from './support/prom-text';

const GC = 'nova_zmq_bridge_nodejs_gc_duration_seconds';
const KINDS = ['minor', 'major', 'incremental', 'weakcb'];
const LE = [...GC_DURATION_BUCKETS_S.map(String), '+Inf'];
const CTX = '{"user": "u1"}';
/** Hang guard for the waits below (a busy 2-core host allocates slowly), not a timing assertion. */
const WAIT_MS = 60_000;

/** Short-lived objects (held in an array until it returns, so that none is optimised away), enough to fill a young generation now and then. */
function allocateGarbage(): number {
  const held: { i: number; s: string; a: number[] }[] = [];
  for (let i = 0; i < 20_000; i++) held.push({ i, s: `garbage-${i}`, a: [i, i + 1, i + 2] });
  return held.length;
}

/** The count of `kind` in the GC series of a ProcessMetrics. */
function gcCount(pm: ProcessMetrics, kind: string): number {
  const d = pm.decls().find((x) => x.name === GC)!;
  return d.read().find((s) => s.metricName === `${GC}_count` && s.labels.kind === kind)!.value;
}

describe('GC pauses on a real daemon scraped over HTTP', () => {
  let dir: string;
  let daemon: Daemon;
  let server: LocalApiClient;
  let client: LocalApiClient;
  let port: number;
  const rpc: Delivery[] = [];
  let first: Scrape;
  let s: Scrape;
  let batches = 0;

  before(async () => {
    dir = makeIpcDir();
    const cfg = await testConfigOnFreePort({ ipcDir: dir, bridge: { httpListen: '127.0.0.1:0' } });
    daemon = new Daemon(cfg, silentLogger());
    await daemon.start();
    port = daemon.http!.address!.port;
    first = await scrape(port);
    server = await LocalApiClient.connect(cfg.bridge.localSocket);
    client = await LocalApiClient.connect(cfg.bridge.localSocket);
    await server.hello();
    await client.hello();
    await server.listen({ topic: 'compute', server: 'localhost' }, (d) => rpc.push(d));

    // Batches of 200 casts through the daemon, each delivered, then a scrape; until it shows a minor GC.
    await waitFor(
      async () => {
        batches++;
        const sent = rpc.length;
        const casts: Promise<unknown>[] = [];
        for (let i = 0; i < 200; i++) casts.push(client.cast({ topic: 'compute', server: 'localhost' }, CTX, `{"method": "update", "args": {"n": ${i}, "pad": "${'x'.repeat(200)}"}}`));
        await Promise.all(casts);
        await waitFor(() => rpc.length === sent + 200, { what: 'a batch of casts delivered', timeoutMs: WAIT_MS });
        rpc.length = 0;
        s = await scrape(port);
        return value(s, `${GC}_count`, { kind: 'minor' }) > value(first, `${GC}_count`, { kind: 'minor' });
      },
      { what: () => `a minor GC in the scrape after ${batches} batches of casts (more than in the first scrape)`, timeoutMs: WAIT_MS },
    );
  });

  after(async () => {
    await client?.close();
    await server?.close();
    await daemon?.stop();
    removeDir(dir);
  });

  test('every kind is exported from the first scrape, under prom-client\'s name, type and buckets', () => {
    assert.equal(first.types.get(GC), 'histogram');
    assert.match(first.help.get(GC) ?? '', /^Garbage collection duration by kind/);
    for (const kind of KINDS) {
      // Present (value() throws on a missing series); the daemon's own startup may already have collected.
      for (const le of LE) assert.ok(value(first, `${GC}_bucket`, { kind, le }) >= 0);
      assert.ok(value(first, `${GC}_count`, { kind }) >= 0);
    }
    assert.deepEqual([...GC_KINDS.values()], KINDS);
    assert.deepEqual(GC_DURATION_BUCKETS_S, [0.001, 0.01, 0.1, 1, 2, 5]);
    const gcKeys = [...first.samples.keys()].filter((k) => k.startsWith(`${GC}_`));
    assert.equal(gcKeys.length, KINDS.length * (LE.length + 2), 'buckets, _sum and _count of the four kinds, nothing else');
  });

  test('after traffic: minor GCs counted, buckets cumulative, _count equals the +Inf bucket', () => {
    assert.ok(value(s, `${GC}_count`, { kind: 'minor' }) > value(first, `${GC}_count`, { kind: 'minor' }));
    assert.ok(value(s, `${GC}_sum`, { kind: 'minor' }) > 0, 'a pause lasts some time');
    for (const kind of KINDS) {
      const buckets = LE.map((le) => value(s, `${GC}_bucket`, { kind, le }));
      for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i]! >= buckets[i - 1]!, `${kind}: le=${LE[i]} (${buckets[i]}) below le=${LE[i - 1]} (${buckets[i - 1]})`);
      assert.equal(value(s, `${GC}_count`, { kind }), buckets.at(-1), `${kind}: _count is the +Inf bucket`);
      assert.ok(value(s, `${GC}_sum`, { kind }) >= 0);
      assert.ok(value(s, `${GC}_count`, { kind }) >= value(first, `${GC}_count`, { kind }), `${kind}: counts only grow`);
    }
  });
});

test('a stopped ProcessMetrics observes no more GC pauses; a started one sees those of garbage allocated here', async () => {
  const stopped = new ProcessMetrics();
  const running = new ProcessMetrics();
  stopped.start();
  running.start();
  try {
    await waitFor(
      () => {
        allocateGarbage();
        return gcCount(stopped, 'minor') > 0;
      },
      { what: 'a minor GC seen before stop', timeoutMs: WAIT_MS },
    );
    stopped.stop();
    const atStop = gcCount(stopped, 'minor');
    const runningAtStop = gcCount(running, 'minor');
    await waitFor(
      () => {
        allocateGarbage();
        return gcCount(running, 'minor') > runningAtStop;
      },
      { what: 'a minor GC after stop, seen by the started observer', timeoutMs: WAIT_MS },
    );
    assert.equal(gcCount(stopped, 'minor'), atStop, 'nothing observed after stop()');
  } finally {
    stopped.stop();
    running.stop();
  }
});
