// The resolution order of a directed target's server name
// (src/localapi/server-resolver.ts, docs/server-names.md), with the real
// listener registry, real matchmakers (ring file, stub, a broker matchmaker
// whose service is down) and the system resolver; and the host-name cache.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerResolver } from '../src/localapi/server-resolver';
import { HostLookup } from '../src/localapi/host-lookup';
import { ListenerRegistry } from '../src/localapi/registry';
import { UnknownServerError } from '../src/localapi/errors';
import { RingMatchmaker } from '../src/matchmaker/ring';
import { StubMatchmaker } from '../src/matchmaker/stub';
import { BrokerMatchmaker } from '../src/matchmaker/broker';
import type { Matchmaker } from '../src/matchmaker/types';
import { Counters } from '../src/metrics/counters';
import { silentLogger } from '../src/log';
import { freeTcpPort } from './support/ports';
import { ManualClock } from './support/manual-clock';

const HOST = 'me-host';
const dir = mkdtempSync(join(tmpdir(), 'nzb-resolver-'));
const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
});

async function ring(servers: Record<string, string | string[]>): Promise<RingMatchmaker> {
  const file = join(dir, `ring-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ svc: [HOST], 'zmq_bridge.servers': servers }));
  const mm = new RingMatchmaker({ ringfile: file, log: silentLogger(), counters: new Counters(), watch: false });
  await mm.start();
  cleanups.push(() => mm.stop());
  return mm;
}

function parts(mm: Matchmaker) {
  const counters = new Counters();
  const names = new Set([HOST, '127.0.0.1']);
  const registry = new ListenerRegistry({ host: HOST, localNames: names, matchmaker: mm, log: silentLogger(), counters });
  const resolver = new ServerResolver({
    host: HOST,
    localNames: names,
    listeners: registry,
    matchmaker: mm,
    hosts: new HostLookup({ counters }),
    counters,
    log: silentLogger(),
  });
  return { counters, registry, resolver };
}

const owner = { id: 1, isClosed: false, deliver: () => true };

test('a listener on this host wins over what the matchmaker maps the name to', async () => {
  const { registry, resolver, counters } = parts(await ring({ 'compute-a': '10.9.9.9' }));
  assert.deepEqual(await resolver.resolve('svc', 'compute-a'), { queue: { topic: 'svc.compute-a', host: '10.9.9.9' }, via: 'matchmaker' });
  await registry.add(owner, 1, { kind: 'rpc', key: 'svc', server: 'compute-a', pool: null });
  assert.deepEqual(await resolver.resolve('svc', 'compute-a'), { queue: { topic: 'svc.compute-a', host: HOST }, via: 'local' });
  // Another exchange is another topic: not this listener.
  assert.equal((await resolver.resolve('E:svc', 'compute-a')).via, 'matchmaker');
  assert.equal(counters.get('localapi.route.local'), 1);
  assert.equal(counters.get('localapi.route.matchmaker'), 2);
});

test('names served by several hosts go round-robin; this host in the list is skipped (no local listener: stale)', async () => {
  const { resolver } = parts(await ring({ ctl: ['10.0.0.1', HOST, '10.0.0.2'] }));
  const hosts = [];
  for (let i = 0; i < 4; i++) hosts.push((await resolver.resolve('conductor', 'ctl')).queue.host);
  assert.deepEqual(hosts, ['10.0.0.1', '10.0.0.2', '10.0.0.1', '10.0.0.2']);
});

test('then the name as a host: this host, an IP address, a resolvable name; else UNKNOWN_SERVER listing what was tried', async () => {
  const { resolver, counters } = parts(await ring({}));
  assert.deepEqual(await resolver.resolve('svc', HOST), { queue: { topic: `svc.${HOST}`, host: HOST }, via: 'host' });
  assert.deepEqual(await resolver.resolve('svc', '10.1.2.3'), { queue: { topic: 'svc.10.1.2.3', host: '10.1.2.3' }, via: 'host' });
  assert.equal((await resolver.resolve('svc', 'localhost')).queue.host, 'localhost');
  await assert.rejects(resolver.resolve('svc', 'compute_01'), (err: unknown) => {
    assert.ok(err instanceof UnknownServerError);
    assert.equal(err.code, 'UNKNOWN_SERVER');
    assert.equal(err.tried.length, 3, JSON.stringify(err.tried));
    assert.match(err.tried[0]!, /no listener named so on this host \(me-host\)/);
    assert.match(err.tried[1]!, /matchmaker ring: the ring file's server map/);
    assert.match(err.tried[2]!, /"compute_01" is not a host name \((ENOTFOUND|EAI_AGAIN)\)/);
    assert.match(err.message, /"compute_01".*topic svc/);
    return true;
  });
  assert.equal(counters.get('localapi.route.unknown_server'), 1);
  assert.equal(counters.get('localapi.route.host'), 3);
});

test('stub: the directed binding names this host, so any name goes here', async () => {
  const { resolver } = parts(new StubMatchmaker(HOST));
  assert.deepEqual(await resolver.resolve('svc', 'compute_01'), { queue: { topic: 'svc.compute_01', host: HOST }, via: 'host' });
});

test('a matchmaker service that is down does not stop directed sends: the name is tried as a host, counted', async () => {
  const counters = new Counters();
  const mm = new BrokerMatchmaker({
    brokerIp: '127.0.0.1',
    brokerPort: await freeTcpPort('127.0.0.1'),
    heartbeatFreq: 10,
    heartbeatTtl: 30,
    log: silentLogger(),
    counters,
    requestTimeoutMs: 200,
    probeMs: 60_000,
  });
  await mm.start();
  cleanups.push(() => mm.stop());
  assert.equal(mm.brokerUp, false);
  const p = parts(mm);
  assert.deepEqual(await p.resolver.resolve('svc', '10.1.2.3'), { queue: { topic: 'svc.10.1.2.3', host: '10.1.2.3' }, via: 'host' });
  assert.equal(p.counters.get('localapi.route.matchmaker_failed'), 1);
  await assert.rejects(p.resolver.resolve('svc', 'compute_01'), (err: unknown) => err instanceof UnknownServerError && /matchmaker broker did not answer \(MATCHMAKER_SERVICE_UNAVAILABLE\)/.test(err.message));
});

test('host lookups: cached on the clock (positive and negative), shared while in flight, bounded', async () => {
  const clock = new ManualClock();
  const counters = new Counters();
  const hosts = new HostLookup({ counters, clock, ttlMs: 60_000, negativeTtlMs: 5_000, maxEntries: 2 });
  const lookups = () => counters.get('localapi.route.host_lookups');
  assert.deepEqual(await hosts.check('127.0.0.1'), { ok: true, why: 'ip address' });
  assert.deepEqual(await hosts.check('::1'), { ok: true, why: 'ip address' });
  assert.deepEqual(await hosts.check('[::1]'), { ok: true, why: 'ip address' });
  assert.equal(lookups(), 0, 'IP addresses need no lookup');
  const [a, b] = await Promise.all([hosts.check('localhost'), hosts.check('localhost')]);
  assert.deepEqual(a, { ok: true, why: 'resolves' });
  assert.deepEqual(b, a);
  assert.equal(lookups(), 1, 'one query for both');
  clock.advance(59_999);
  await hosts.check('localhost');
  assert.equal(lookups(), 1, 'still cached');
  clock.advance(1);
  await hosts.check('localhost');
  assert.equal(lookups(), 2, 'looked up again after the ttl');
  const bad = await hosts.check('nzb-no-such-host.invalid');
  assert.equal(bad.ok, false);
  assert.match(bad.why, /ENOTFOUND|EAI_AGAIN/);
  clock.advance(4_999);
  await hosts.check('nzb-no-such-host.invalid');
  assert.equal(lookups(), 3, 'a refusal is cached too');
  clock.advance(1);
  await hosts.check('nzb-no-such-host.invalid');
  assert.equal(lookups(), 4, 'for its shorter ttl');
  await hosts.check('other-no-such-host.invalid');
  assert.equal(hosts.size, 2, 'the oldest name went');
});
