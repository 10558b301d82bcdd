/**
 * The operator's scenario of issue 13, bounded: one daemon with a ring of
 * 1,500 hosts (the fleet simulator, bench/fleet.ts: 1,500 legacy-style PULL
 * receivers on their own loopback addresses) and one local shim sending a
 * fanout, one directed cast per host and 1,500 bare casts. Before the socket
 * budget only 1,022 hosts were reached and the rest refused with EMFILE;
 * every copy must arrive, each at the host its topic names, and calls to the
 * simulated hosts must be answered.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Fleet, fleetAddrs, spread, FLEET_CALL_RESULT } from '../bench/fleet';
import { Daemon } from '../src/daemon';
import { silentLogger } from '../src/log';
import { LocalApiClient } from './support/localapi-client';
import { makeIpcDir, removeDir, testConfig } from './support/config';
import { waitFor } from './support/wait';

const HOSTS = 1_500;
/** Hang guard of each wait (a loaded machine is slow; never a timing assertion). */
const WAIT_MS = 90_000;

describe(`a ring of ${HOSTS} legacy hosts`, () => {
  let fleet: Fleet;
  let daemon: Daemon;
  let client: LocalApiClient;
  let ipcDir: string;

  before(async () => {
    const a = 16 + Math.floor(Math.random() * 239);
    fleet = await Fleet.start({ addrs: fleetAddrs(HOSTS, a, 1) });
    ipcDir = makeIpcDir();
    const ringfile = join(ipcDir, 'ring.json');
    const hosts = [...fleet.addrs];
    writeFileSync(ringfile, JSON.stringify({ scale_fan: hosts, scale_bare: hosts, scale_call: hosts }));
    const addr = `127.${a}.0.2`;
    const config = testConfig({ ipcDir, port: fleet.port, host: addr, bindAddress: addr, bindAddressRaw: addr, matchmaker: 'ring', matchmakerRaw: 'ring', ringfile });
    daemon = new Daemon(config, silentLogger());
    await daemon.start();
    client = await LocalApiClient.connect(config.bridge.localSocket);
    await client.hello();
  });

  after(async () => {
    await client?.close();
    await daemon?.stop();
    fleet?.close();
    removeDir(ipcDir);
  });

  function assertEveryHostOnce(base: string): void {
    const s = spread(fleet.snapshot().counts[base], HOSTS);
    assert.deepEqual(s, { reached: HOSTS, min: 1, max: 1, total: HOSTS }, base);
  }

  test('one fanout reaches every host once', { timeout: WAIT_MS * 2 }, async () => {
    await client.cast({ topic: 'scale_fan', fanout: true }, '{}', '{"method": "fan", "args": {}}');
    await waitFor(() => fleet.total('fanout~scale_fan') >= HOSTS, WAIT_MS, () => `the fanout to reach ${HOSTS} hosts (${fleet.total('fanout~scale_fan')} so far)`);
    assertEveryHostOnce('fanout~scale_fan');
  });

  test('one directed cast per host, and as many bare casts, reach each host once', { timeout: WAIT_MS * 2 }, async () => {
    await Promise.all(fleet.addrs.map((h) => client.cast({ topic: 'scale_directed', server: h }, '{}', '{"method": "d", "args": {}}')));
    for (let i = 0; i < HOSTS; i++) void client.cast({ topic: 'scale_bare' }, '{}', '{"method": "b", "args": {}}');
    await waitFor(() => fleet.total('scale_directed') >= HOSTS && fleet.total('scale_bare') >= HOSTS, WAIT_MS, () => `every cast to arrive (${fleet.total('scale_directed')} directed, ${fleet.total('scale_bare')} bare)`);
    assertEveryHostOnce('scale_directed');
    // Round-robin over the ring: exactly one per host.
    assertEveryHostOnce('scale_bare');
  });

  test('calls to every host are answered by it', { timeout: WAIT_MS * 2 }, async () => {
    const answers = await Promise.all(fleet.addrs.map((h) => client.call({ topic: 'scale_call', server: h }, '{}', '{"method": "c", "args": {}}', 60)));
    assert.equal(answers.length, HOSTS);
    for (const a of answers) assert.equal(a.result, FLEET_CALL_RESULT);
    assertEveryHostOnce('scale_call');
  });

  test('nothing misrouted, refused or failed; one connection per host', async () => {
    const { stats } = fleet.snapshot();
    assert.equal(stats.misrouted, 0);
    assert.equal(stats.unreadable, 0);
    const c = daemon.counters;
    assert.equal(c.get('sender.peers.opened'), HOSTS);
    assert.equal(c.get('sender.peer_limit'), 0);
    assert.equal(c.get('sender.cast.failed'), 0);
    assert.equal(c.get('sender.queue_full'), 0);
    assert.equal(c.get('sender.sent'), 4 * HOSTS);
    assert.equal(c.get('replies.matched'), HOSTS);
  });
});
