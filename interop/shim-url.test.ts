// The shim's transport_url query parameters against a live daemon (one host
// of a test cluster, OS-assigned port): a client whose nova.conf points nowhere reaches the daemon only
// through `zmq://?local_socket=...` (RPC) or `zmq://?rpc_zmq_ipc_dir=...`
// (notifications); an unknown parameter is a warning, a bad value an
// InvalidTransportURL.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ShimHosts } from './support/shim-hosts';

let A: string;
let hosts: ShimHosts;

before(async () => {
  hosts = await ShimHosts.start({ hosts: 1, matchmaker: { kind: 'ring', ring: ([a]) => ({ nzburl: [a!], 'nzburlnote-info': [a!] }) } });
  [A] = hosts.addrs as [string];
});

after(async () => {
  await hosts?.close();
});

test('transport_url query parameters lead the shim to the daemon; unknown ones warn, bad ones fail', async () => {
  const h = hosts.host(A);
  const sock = join(h.ipcDir, 'nova-zmq-bridge.sock');
  const r = await hosts.run('shim_url.py', [hosts.dir, sock, h.ipcDir, 'nzburl', 'nzburlnote']);
  // Without the URL parameters the conf's (empty) ipc dir is all the shim has.
  assert.ok(r.plain, JSON.stringify(r));
  assert.ok(r.plain.mro.includes('BridgeUnavailable'), JSON.stringify(r.plain));
  assert.ok(r.plain.str.includes(join(r.empty_dir, 'nova-zmq-bridge.sock')), r.plain.str);
  // local_socket= : a server and a client on the daemon, call answered.
  assert.deepEqual(r.rpc.echo, { value: 1.5, user_id: 'u-url' });
  assert.equal(r.rpc.grace, 5);
  assert.ok(r.rpc.warned.length >= 1, JSON.stringify(r.rpc));
  assert.match(r.rpc.warned[0], /'nzb_unknown_param' is ignored.*local_socket, rpc_zmq_ipc_dir/);
  // rpc_zmq_ipc_dir= : a notification through the daemon to a listener.
  assert.deepEqual(r.notification, { event_type: 'nzb.url', payload: { f: 2.5 } });
  // A value the option refuses.
  assert.ok(r.bad && r.bad.mro.includes('InvalidTransportURL'), JSON.stringify(r.bad));
  assert.match(r.bad.str, /shim_connect_timeout='later'.*floating point value >= 0\.1/);
});
