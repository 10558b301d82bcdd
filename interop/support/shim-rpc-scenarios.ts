// The shim between two hosts on one machine: oslo.messaging RPCServers and
// RPCClients (transport_url = zmq://) on daemons bound to two loopback
// addresses (A, B) of a cluster. The same scenarios run with the daemons'
// defaults (interop/shim-rpc.test.ts) and with CURVE between the hosts
// (interop/shim-rpc-curve.test.ts).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ShimHosts, type Peer, type ShimHostsOptions } from './shim-hosts';

/** What a suite adds to the two hosts (config, nova.conf lines). */
export type ShimRpcOptions = Omit<ShimHostsOptions, 'hosts' | 'matchmaker'>;

/** Define the scenarios as tests of the calling file; returns the running hosts for extra tests. */
export function shimRpcScenarios(opts: ShimRpcOptions = {}): { hosts: () => ShimHosts } {
  let A = '';
  let B = '';
  let hosts: ShimHosts;
  let srvB: Peer; // threading executor, topic itopic + ifan on B
  let fanA: Peer; // eventlet executor, topic ifan on A
  let fanB2: Peer; // second ifan server on B

  before(async () => {
    hosts = await ShimHosts.start({ ...opts, hosts: 2, matchmaker: { kind: 'ring', ring: ([a, b]) => ({ itopic: [b!], ifan: [a!, b!] }) } });
    [A, B] = hosts.addrs as [string, string];
    srvB = await hosts.startPeer('rpc_server.py', [hosts.host(B).conf, 'itopic', B, 'srvB', 'threading']);
    fanA = await hosts.startPeer('rpc_server.py', [hosts.host(A).conf, 'ifan', A, 'fanA', 'eventlet']);
    fanB2 = await hosts.startPeer('rpc_server.py', [hosts.host(B).conf, 'ifan', 'other', 'fanB2', 'threading']);
  });

  after(async () => {
    for (const p of [srvB, fanA, fanB2]) await p?.stop().catch(() => undefined);
    await hosts?.close();
  });

  const clientA = (...args: string[]) => hosts.run('rpc_client.py', [hosts.host(A).conf, ...args]);

  test('call and cast across hosts; payload and context survive exactly', async () => {
    const r = await clientA('basic', 'itopic');
    assert.equal(r.echo_exact, true);
    // exact int/float types are checked in Python (echo_exact); JSON here loses them
    assert.equal(r.echo.text, 'Grüße ☃ 𝄞 \u0000');
    assert.deepEqual(r.echo.nested, [[1, [2.5, { a: null }]], { t: true, f: false }]);
    assert.equal(r.context.request_id, 'req-00000000-0000-0000-0000-000000000042');
    assert.deepEqual(r.context.roles, ['admin']);
    assert.equal(r.whoami, 'srvB');
    assert.deepEqual(r.recorded, ['cast-1']);
    const ev = await srvB.waitFor((e) => e.event === 'cast' && e.note === 'cast-1');
    assert.equal(ev.ctxt.user_id, 'u-interop');
  });

  test('server-directed call reaches the named server (eventlet executor on the other host)', async () => {
    assert.equal((await clientA('whoami', 'itopic', B)).whoami, 'srvB');
    const r = await hosts.run('rpc_client.py', [hosts.host(B).conf, 'whoami', 'ifan', A]);
    assert.equal(r.whoami, 'fanA');
  });

  test('remote exceptions: allowed module rebuilt, other module RemoteError, builtins rebuilt', async () => {
    const r = await clientA('errors', 'itopic');
    assert.ok(r.fail_allowed.mro.includes('BridgeTestError'), JSON.stringify(r.fail_allowed));
    assert.equal(r.fail_allowed.code, 42);
    assert.match(r.fail_allowed.str, /boom-fail_allowed/);
    assert.equal(r.fail_hidden.type, 'RemoteError');
    assert.match(r.fail_hidden.str, /HiddenError/);
    assert.ok(r.fail_builtin.mro.includes('ValueError'));
    assert.match(r.fail_builtin.str, /boom-fail_builtin/);
  });

  test('a call with no reply in time raises MessagingTimeout; the client keeps working', async () => {
    const r = await clientA('timeout', 'itopic', '-', '2', '6');
    assert.ok(r.error, JSON.stringify(r));
    assert.ok(r.error.mro.includes('MessagingTimeout'), JSON.stringify(r.error));
    assert.ok(!r.error.mro.includes('TransportDriverError'));
    assert.equal(r.after, 'srvB');
  });

  test('exchanges are separate: a call on another exchange reaches no default-exchange server', async () => {
    const r = await clientA('exchange', 'itopic', B, 'elsewhere', '3');
    assert.ok(r.error && r.error.mro.includes('MessagingTimeout'), JSON.stringify(r));
  });

  test('fanout cast reaches every server of the topic on both hosts', async () => {
    await clientA('fanout', 'ifan', '-', 'fan-1');
    for (const p of [fanA, fanB2]) await p.waitFor((e) => e.event === 'cast' && e.note === 'fan-1');
  });

  test('1000 calls in a row, no reply lost', async () => {
    const r = await clientA('sequential', 'itopic', '-', '1000');
    assert.equal(r.n, 1000);
    assert.deepEqual(r.bad, []);
  });

  test('16 concurrent callers', async () => {
    const r = await clientA('concurrent', 'itopic', '-', '16', '20');
    assert.deepEqual(r.errors, []);
    assert.equal(r.ok, 320);
    assert.equal(r.wrong, 0);
  });

  test('call-monitor: heartbeats keep a call alive past its monitor timeout', async () => {
    const r = await clientA('monitor', 'itopic', '-', '30', '2', '5');
    assert.ok(r.result, JSON.stringify(r));
    assert.equal(r.result.slept, 5);
  });

  test('daemon restart: the server side re-registers by itself', async () => {
    await hosts.restartDaemon(B);
    const r = await clientA('whoami_retry', 'itopic', B, '20');
    assert.equal(r.whoami, 'srvB');
  });

  return { hosts: () => hosts };
}
