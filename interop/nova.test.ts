// Nova itself (Debian python3-nova 26, under .venv/bin/python) on the bridge:
// nova.config.parse_args -> nova.rpc.init with transport_url = zmq://, then
// nova.rpc.get_server on host B and nova.rpc.get_client on host A, with Nova's
// RequestContext and NovaObjectSerializer.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Hosts, type Peer } from './support/shim-hosts';

const A = '127.0.0.2';
const B = '127.0.0.3';
const PORT = 25200;
const TOPIC = 'nzb-nova';
let hosts: Hosts;
let server: Peer;
let legacyNotes: Peer; // Nova's unversioned notifications topic
let versionedNotes: Peer; // and its versioned one

before(async () => {
  hosts = new Hosts(PORT, [A, B], {
    [TOPIC]: [B], 'notifications-info': [B], 'versioned_notifications-info': [B],
  });
  await hosts.startDaemon(hosts.host(A));
  await hosts.startDaemon(hosts.host(B));
  legacyNotes = await hosts.startPeer('notify_listener.py', [hosts.host(B).conf, 'notifications', '-', 'legacy']);
  versionedNotes = await hosts.startPeer('notify_listener.py', [hosts.host(B).conf, 'versioned_notifications', '-', 'versioned']);
  server = await hosts.startPeer('nova_rpc.py', ['server', hosts.dir, hosts.host(B).ipcDir, TOPIC, B]);
});

after(async () => {
  for (const p of [server, legacyNotes, versionedNotes]) await p?.stop().catch(() => undefined);
  await hosts?.close();
});

test('Nova RPC client and server through the bridge: context, objects, exceptions, call monitor, cast, notifications', async () => {
  const sock = join(hosts.host(A).ipcDir, 'nova-zmq-bridge.sock');
  const r = await hosts.run('nova_rpc.py', ['client', hosts.dir, sock, TOPIC, B]);
  assert.equal(r.whoami.type, 'nova.context.RequestContext');
  assert.equal(r.whoami.user_id, 'u-nova');
  assert.equal(r.whoami.project_id, 'p-nova');
  assert.deepEqual(r.whoami.roles, ['member', 'reader']);
  assert.equal(r.whoami.is_admin, false);
  assert.equal(r.whoami.request_id, r.request_id);
  assert.equal(r.whoami.server, B);
  assert.deepEqual(r.tag, { type: 'Tag', resource_id: 'inst-1', tag: `gold-seen-by-${B}` });
  // nova.exception is on Nova's allowed_remote_exmods: oslo rebuilds it as a
  // subclass of the original (InstanceNotFound_Remote), kwargs included
  assert.equal(r.not_found.is_instance_not_found, true, JSON.stringify(r.not_found));
  assert.equal(r.not_found.type, 'InstanceNotFound_Remote');
  assert.equal(r.not_found.kwargs.instance_id, 'inst-404');
  assert.match(r.not_found.str, /inst-404/);
  assert.deepEqual(r.slow, { slept: 5 }, 'a 5 s call under a 2 s call_monitor_timeout lives on heartbeats');
  assert.ok(r.heartbeats >= 2, `heartbeats from the eventlet server reached the caller's daemon: ${r.heartbeats}`);
  const cast = await server.waitFor((e) => e.event === 'cast' && e.note === 'nova-cast-1');
  assert.equal(cast.user_id, 'u-nova');
  assert.equal(cast.project_id, 'p-nova');
  assert.equal(cast.type, 'RequestContext');
  const legacy = await legacyNotes.waitFor((e) => e.event === 'notification');
  assert.equal(legacy.publisher_id, 'compute.nzb-host');
  assert.equal(legacy.event_type, 'aggregate.create.start');
  assert.equal(legacy.payload.name, 'agg-1');
  assert.equal(legacy.float_ok, true);
  assert.equal(legacy.ctxt.user_id, 'u-nova');
  assert.equal(legacy.ctxt.project_id, 'p-nova');
  const versioned = await versionedNotes.waitFor((e) => e.event === 'notification');
  assert.equal(versioned.publisher_id, 'nova-compute:nzb-host');
  assert.equal(versioned.payload['nova_object.name'], 'AggregatePayload');
  assert.equal(versioned.ctxt.request_id, r.request_id);
});
