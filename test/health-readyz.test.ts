/**
 * /readyz of real daemons over real HTTP: a Redis matchmaker whose real
 * redis-server is killed keeps serving its last view of the hosts, but
 * /readyz answers 503 naming the matchmaker until the server is back on the
 * same port; a ring file refused at reload flips it too. And an HTTP port
 * already taken does not stop the daemon.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Daemon } from '../src/daemon';
import { silentLogger } from '../src/log';
import { makeIpcDir, removeDir, testConfigOnFreePort } from './support/config';
import { LocalApiClient, type Delivery } from './support/localapi-client';
import { RedisServer } from './support/redis';
import { waitFor } from './support/wait';
import { httpGet, scrape, value } from './support/prom-text';

const P = 'nova_zmq_bridge_';

async function readyz(port: number): Promise<{ status: number; body: { status: string; failing?: string[]; checks: Record<string, { ready: boolean; reason?: string }> } }> {
  const r = await httpGet(port, '/readyz');
  return { status: r.status, body: JSON.parse(r.body) };
}

test('Redis down: the last view keeps serving, /readyz is 503 until Redis is back', async () => {
  const redis = await RedisServer.start();
  const dir = makeIpcDir();
  const cfg = await testConfigOnFreePort({
    ipcDir: dir,
    matchmaker: 'redis',
    matchmakerRaw: 'redis',
    redis: { host: redis.host, port: redis.port, password: null },
    bridge: { httpListen: '127.0.0.1:0' },
  });
  const daemon = new Daemon(cfg, silentLogger());
  await daemon.start();
  const shim = await LocalApiClient.connect(cfg.bridge.localSocket);
  try {
    const port = daemon.http!.address!.port;
    await shim.hello();
    const got: Delivery[] = [];
    await shim.listen({ topic: 'scheduler' }, (d) => got.push(d));
    // A first look-up while Redis answers: the view now holds this host for `scheduler`.
    await shim.cast({ topic: 'scheduler' }, '{}', '{"method": "a", "args": {}}');
    await waitFor(() => got.length === 1);
    let r = await readyz(port);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    let s = await scrape(port);
    assert.equal(value(s, `${P}matchmaker_backend_up`), 1);
    assert.equal(value(s, `${P}matchmaker_topic_hosts`, { topic: 'scheduler' }), 1);
    assert.ok(value(s, `${P}matchmaker_last_refresh_timestamp_seconds`) * 1000 <= Date.now());

    await redis.stop();
    await waitFor(async () => (await readyz(port)).status === 503, { timeoutMs: 15_000, what: '/readyz to turn 503 with Redis down' });
    r = await readyz(port);
    assert.equal(r.body.status, 'not ready');
    assert.equal(r.body.checks.matchmaker!.ready, false);
    assert.match(r.body.checks.matchmaker!.reason!, new RegExp(`Redis at 127\\.0\\.0\\.1:${redis.port} does not answer`));
    assert.deepEqual(r.body.failing, [`matchmaker: ${r.body.checks.matchmaker!.reason}`]);
    assert.equal(r.body.checks.receiver!.ready, true);
    // Still served from the last view.
    await shim.cast({ topic: 'scheduler' }, '{}', '{"method": "b", "args": {}}');
    await waitFor(() => got.length === 2, { what: 'a cast routed from the last view' });
    s = await scrape(port);
    assert.equal(value(s, `${P}matchmaker_backend_up`), 0);
    assert.equal(value(s, `${P}ready`, { check: 'matchmaker' }), 0);
    assert.equal(value(s, `${P}matchmaker_redis_stale_lookups_total`), 1);
    assert.equal(value(s, `${P}matchmaker_outages_total`, { backend: 'redis' }), 1);
    assert.equal(value(s, `${P}matchmaker_lookups_total`, { result: 'found' }), 2);
    assert.match(daemon.statusLine(), /^NOT READY \(matchmaker: Redis at /);

    await redis.launch();
    await waitFor(async () => (await readyz(port)).status === 200, { timeoutMs: 15_000, what: '/readyz back to 200 with Redis back' });
    s = await scrape(port);
    assert.equal(value(s, `${P}matchmaker_backend_up`), 1);
    assert.equal(value(s, `${P}matchmaker_recoveries_total`, { backend: 'redis' }), 1);
    assert.match(daemon.statusLine(), /^ready; 1 shims, 1 listeners; 0 peers \(0 connected\); matchmaker redis \(redis up\)$/);
  } finally {
    await shim.close();
    await daemon.stop();
    await redis.stop();
    removeDir(dir);
  }
});

test('a ring file refused at reload: the previous ring serves, /readyz says why', async () => {
  const dir = makeIpcDir();
  const ringfile = join(dir, 'ring.json');
  writeFileSync(ringfile, JSON.stringify({ compute: ['localhost'] }));
  const cfg = await testConfigOnFreePort({ ipcDir: dir, matchmaker: 'ring', matchmakerRaw: 'ring', ringfile, bridge: { httpListen: '127.0.0.1:0' } });
  const daemon = new Daemon(cfg, silentLogger());
  await daemon.start();
  try {
    const port = daemon.http!.address!.port;
    assert.equal((await readyz(port)).status, 200);
    writeFileSync(ringfile, '{"compute": [');
    await daemon.matchmaker.reload!();
    const r = await readyz(port);
    assert.equal(r.status, 503);
    assert.match(r.body.checks.matchmaker!.reason!, /ring file was refused at its last reload/);
    writeFileSync(ringfile, JSON.stringify({ compute: ['localhost', 'h2'], scheduler: ['h3'] }));
    await daemon.matchmaker.reload!();
    assert.equal((await readyz(port)).status, 200);
    const s = await scrape(port);
    assert.equal(value(s, `${P}matchmaker_topics`), 2);
    assert.equal(value(s, `${P}matchmaker_topic_hosts`, { topic: 'compute' }), 2);
    // The file watcher may have re-read the broken file too.
    assert.ok(value(s, `${P}matchmaker_ring_reloads_total`, { result: 'refused' }) >= 1);
  } finally {
    await daemon.stop();
    removeDir(dir);
  }
});

test('the HTTP port taken: the daemon starts and serves RPC without metrics, and says so', async () => {
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
  const busy = (taken.address() as { port: number }).port;
  const dir = makeIpcDir();
  const cfg = await testConfigOnFreePort({ ipcDir: dir, bridge: { httpListen: `127.0.0.1:${busy}` } });
  const daemon = new Daemon(cfg, silentLogger());
  try {
    await daemon.start();
    assert.equal(daemon.http!.address, null);
    assert.equal(daemon.counters.get('http.bind_failed'), 1);
    assert.equal(daemon.readiness.evaluate().ready, true, 'RPC readiness does not depend on the metrics port');
    const text = await daemon.metrics.scrape();
    assert.match(text, /^nova_zmq_bridge_http_bind_failures_total 1$/m);
  } finally {
    await daemon.stop();
    await new Promise<void>((r) => taken.close(() => r()));
    removeDir(dir);
  }
});
