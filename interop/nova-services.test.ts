// Real Nova services on the bridge (issue 9): Debian's Nova 26 (Zed) service
// code - nova.service.Service with Nova's ConductorManager, SchedulerManager
// and ComputeManager (fake virt driver) - in processes under .venv/bin/python,
// with logical `[DEFAULT] host` values that are not host names: on daemon
// host A a conductor and a scheduler (`ctl-1`), on daemon host B two computes
// (`compute-a`, `compute-b`); sqlite databases; a real Placement service
// (Debian's python3-placement, noauth2); the redis matchmaker. The
// computes have no database: everything they read and write goes to the
// conductor (object indirection). A client on A, as nova-api, calls each
// compute by its host value and sends the scheduler fanout.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ShimHosts, type Peer } from './support/shim-hosts';
import { RedisServer } from '../test/support/redis';

/** Nova services take a while to import and start (hang guard, ms). */
const SERVICE_READY_MS = 120_000;
const COMPUTES = ['compute-a', 'compute-b'];

let redis: RedisServer;
let hosts: ShimHosts;
const services: Peer[] = [];
let computes: Record<string, Peer> = {};
let scheduler: Peer;
let placement = '';

before(async () => {
  redis = await RedisServer.start();
  hosts = await ShimHosts.start({ hosts: 2, matchmaker: { kind: 'redis', redis: { host: redis.host, port: redis.port } } });
  await hosts.run('nova_services.py', ['setup', hosts.dir]);
  const pl = await hosts.startPeer('placement_server.py', [hosts.dir], { readyTimeoutMs: SERVICE_READY_MS });
  services.push(pl);
  placement = `http://127.0.0.1:${(await pl.waitFor((e) => e.event === 'ready')).port}`;
  const [A, B] = [hosts.host(0), hosts.host(1)];
  const start = async (role: string, ipcDir: string, host: string) => {
    const p = await hosts.startPeer('nova_services.py', [role, hosts.dir, placement, ipcDir, host], { readyTimeoutMs: SERVICE_READY_MS });
    services.push(p);
    return p;
  };
  await start('conductor', A.ipcDir, 'ctl-1');
  scheduler = await start('scheduler', A.ipcDir, 'ctl-1');
  for (const c of COMPUTES) computes[c] = await start('compute', B.ipcDir, c);
});

after(async () => {
  for (const p of services.reverse()) await p.stop().catch(() => undefined);
  await hosts?.close();
  await redis?.stop();
});

test('Nova conductor, scheduler and two computes with logical host names exchange RPC through two daemons', async (t) => {
  const t0 = Date.now();
  const r = await hosts.run('nova_services.py', ['client', hosts.dir, placement, hosts.host(0).ipcDir, 'api-1', ...COMPUTES], 180_000);
  t.diagnostic(`client seconds per feature: ${JSON.stringify(r.seconds)}; process ${(Date.now() - t0) / 1000} s`);
  const feature = (name: string): any => {
    assert.ok(r[name] !== undefined, `the client reported nothing for ${name}: ${JSON.stringify(r)}`);
    assert.equal(r[name]?.error, undefined, `${name} failed in the Nova client: ${JSON.stringify(r[name]?.error)}`);
    return r[name];
  };

  await t.test('object indirection: the computes registered their services through the conductor', () => {
    const services = feature('services') as [string, string][];
    for (const c of COMPUTES) assert.ok(services.some(([h, b]) => h === c && b === 'nova-compute'), JSON.stringify(services));
    assert.ok(services.some(([h, b]) => h === 'ctl-1' && b === 'nova-conductor'), JSON.stringify(services));
    const nodes = feature('compute_nodes') as [string, string][];
    for (const c of COMPUTES) assert.ok(nodes.some(([h]) => h === c), `compute node of ${c}: ${JSON.stringify(nodes)}`);
  });

  await t.test('directed compute calls reach the compute named by its host value', async () => {
    assert.deepEqual(feature('directed'), { 'compute-a': 'reboot-compute-a', 'compute-b': 'reboot-compute-b' });
    assert.deepEqual(feature('maintenance'), { 'compute-a': 'on_maintenance', 'compute-b': 'on_maintenance' });
    for (const c of COMPUTES) {
      const seen = await computes[c]!.waitFor((e) => e.event === 'power_action');
      assert.equal(seen.host, c);
      assert.ok(seen.args.includes(`'reboot-${c}'`), JSON.stringify(seen));
      assert.ok(!computes[c]!.events.some((e) => e.event === 'power_action' && e.host !== c));
    }
    for (const [name, other] of [['compute-a', 'compute-b'], ['compute-b', 'compute-a']] as const) {
      assert.ok(!computes[name]!.events.some((e) => e.event === 'power_action' && e.args.includes(`'reboot-${other}'`)), `${name} got ${other}'s call`);
    }
  });

  await t.test("a fanout cast reaches the scheduler's manager", async () => {
    feature('fanout');
    const seen = await scheduler.waitFor((e) => e.event === 'aggregates');
    assert.match(seen.args.join(' '), /agg-names/);
  });
});
