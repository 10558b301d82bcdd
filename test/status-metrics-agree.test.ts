/**
 * The `status` op and the metrics / `/readyz` of real daemons say the same
 * thing about the same part, because both are derived from one state per
 * part (PeerPool.snapshots(), Matchmaker.status()):
 *  - a ring file refused at reload is unreachable in `status`, in
 *    `matchmaker_backend_up` and in `/readyz` alike (the status op used to
 *    say reachable while the metrics said down);
 *  - a peer's connection is the one ZeroMQ reports, in `status` and in
 *    `peer_connected` / `peers{state}` alike (the status op used to guess it
 *    from send outcomes, and called a lost connection `up`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Daemon } from '../src/daemon';
import { silentLogger } from '../src/log';
import { evaluateStatus } from '../src/cli/status-checks';
import { makeIpcDir, removeDir, testConfigOnFreePort } from './support/config';
import { Cluster, inProcessDaemon, type InProcessDaemon } from './support/cluster';
import { LocalApiClient } from './support/localapi-client';
import { waitFor } from './support/wait';
import { httpGet, parseScrape, scrape, value, type Scrape } from './support/prom-text';

const P = 'nova_zmq_bridge_';

test('a ring file refused at reload: status, matchmaker_backend_up and /readyz agree it does not serve, and why', async () => {
  const dir = makeIpcDir();
  const ringfile = join(dir, 'ring.json');
  writeFileSync(ringfile, JSON.stringify({ compute: ['localhost'] }));
  const cfg = await testConfigOnFreePort({ ipcDir: dir, matchmaker: 'ring', matchmakerRaw: 'ring', ringfile, bridge: { httpListen: '127.0.0.1:0' } });
  const daemon = new Daemon(cfg, silentLogger());
  await daemon.start();
  const shim = await LocalApiClient.connect(cfg.bridge.localSocket);
  try {
    await shim.hello();
    const port = daemon.http!.address!.port;
    const readyz = async () => JSON.parse((await httpGet(port, '/readyz')).body).checks.matchmaker as { ready: boolean; reason?: string };

    let st = (await shim.status()).matchmaker;
    assert.deepEqual(st, { kind: 'ring', backend: ringfile, reachable: true, detail: '1 topics, 1 hosts, 0 server names', warning: null });
    assert.equal(value(await scrape(port), `${P}matchmaker_backend_up`), 1);
    assert.equal((await readyz()).ready, true);

    writeFileSync(ringfile, '{"compute": [');
    await daemon.matchmaker.reload!();
    st = (await shim.status()).matchmaker;
    assert.equal(st.reachable, false, 'the status op says what the metrics say');
    assert.match(st.warning!, /ring file was refused at its last reload/);
    assert.equal(st.detail, '1 topics, 1 hosts, 0 server names', 'the previous ring still routes');
    assert.equal(value(await scrape(port), `${P}matchmaker_backend_up`), 0);
    const check = await readyz();
    assert.equal(check.ready, false);
    assert.equal(check.reason, st.warning, 'one reason, in /readyz and in status');
    const judged = evaluateStatus(await shim.status()).find((c) => c.name === 'matchmaker')!;
    assert.equal(judged.result, 'FAILURE', 'nova-zmq-bridge status fails as /readyz does');

    writeFileSync(ringfile, JSON.stringify({ compute: ['localhost', 'h2'] }));
    await daemon.matchmaker.reload!();
    st = (await shim.status()).matchmaker;
    assert.deepEqual([st.reachable, st.warning, st.detail], [true, null, '1 topics, 2 hosts, 0 server names']);
    assert.equal(value(await scrape(port), `${P}matchmaker_backend_up`), 1);
    assert.equal((await readyz()).ready, true);
  } finally {
    await shim.close();
    await daemon.stop();
    removeDir(dir);
  }
});

test('a peer connection up, then lost: the status op and the per-peer metrics report the same connection state', async () => {
  const cluster = await Cluster.start<InProcessDaemon>({ hosts: 2, launcher: inProcessDaemon() });
  let shim: LocalApiClient | null = null;
  try {
    const a = cluster.daemon(0).daemon;
    const peer = cluster.host(1).addr;
    const scrapeA = async (): Promise<Scrape> => parseScrape(await a.metrics.scrape());
    const connectedGauge = (s: Scrape) => s.samples.get(`${P}peer_connected{server="${peer}"}`);
    shim = await LocalApiClient.connect(cluster.host(0).config.bridge.localSocket);
    await shim.hello();
    const peerInStatus = async () => (await shim!.status()).peers.find((p) => p.host === peer);

    await shim.cast({ topic: 'compute', server: peer }, '{}', '{"method": "x", "args": {}}');
    await waitFor(async () => connectedGauge(await scrapeA()) === 1, { what: 'the peer connection to be up in the metrics' });
    let p = await peerInStatus();
    assert.equal(p?.connection, 'connected', JSON.stringify(p));
    await waitFor(async () => (await peerInStatus())?.sent === 1, { what: 'the cast handed over' });
    p = await peerInStatus();
    assert.deepEqual([p!.queued, p!.failed, p!.last_failure], [0, 0, null]);
    assert.equal(evaluateStatus(await shim.status()).find((c) => c.name === 'peers')!.result, 'OK');

    // The peer goes away. Nothing failed yet (no message waits past rpc_cast_timeout),
    // so the send outcomes alone would still call it up: the connection says otherwise.
    await cluster.stopHost(1);
    await waitFor(async () => connectedGauge(await scrapeA()) === 0, { what: 'the peer connection to be seen down in the metrics' });
    const s = await scrapeA();
    assert.equal(s.samples.get(`${P}peers{state="disconnected"}`), 1);
    p = await peerInStatus();
    assert.equal(p?.connection, 'disconnected', JSON.stringify(p));
    assert.deepEqual([p!.sent, p!.failed], [1, 0]);
    const judged = evaluateStatus(await shim.status()).find((c) => c.name === 'peers')!;
    assert.equal(judged.result, 'WARNING');
    assert.match(judged.details, new RegExp(`down: ${peer.replace(/\./g, '\\.')} \\(disconnected; connection lost, reconnecting\\)`));
  } finally {
    await shim?.close();
    await cluster.close();
  }
});
