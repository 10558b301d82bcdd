// Nova itself (Debian python3-nova 26, under .venv/bin/python) on the bridge:
// nova.config.parse_args -> nova.rpc.init with transport_url = zmq://, then
// nova.rpc.get_server on host B and nova.rpc.get_client on host A, with Nova's
// RequestContext and NovaObjectSerializer.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ShimHosts, type Peer } from './support/shim-hosts';

const TOPIC = 'nzb-nova';
let A = ''; // the client's host
let B = ''; // the server's and the notification listeners' host
let hosts: ShimHosts;
let server: Peer;
let legacyNotes: Peer; // Nova's unversioned notifications topic
let versionedNotes: Peer; // and its versioned one

before(async () => {
  hosts = await ShimHosts.start({
    hosts: 2,
    matchmaker: {
      kind: 'ring',
      ring: ([, b]) => ({ [TOPIC]: [b!], 'notifications-info': [b!], 'versioned_notifications-info': [b!] }),
    },
  });
  [A, B] = hosts.addrs as [string, string];
  legacyNotes = await hosts.startPeer('notify_listener.py', [hosts.host(B).conf, 'notifications', '-', 'legacy']);
  versionedNotes = await hosts.startPeer('notify_listener.py', [hosts.host(B).conf, 'versioned_notifications', '-', 'versioned']);
  server = await hosts.startPeer('nova_rpc.py', ['server', hosts.dir, hosts.host(B).ipcDir, TOPIC, B]);
});

after(async () => {
  for (const p of [server, legacyNotes, versionedNotes]) await p?.stop().catch(() => undefined);
  await hosts?.close();
});

// The client script runs once; each feature it exercised is a subtest of its own.
test('Nova RPC client and server through the bridge', async (t) => {
  const r = await hosts.run('nova_rpc.py', ['client', hosts.dir, hosts.host(A).config.bridge.localSocket, TOPIC, B]);
  /** One feature's result from the client; fails naming the feature if the client reported it failed. */
  const feature = (name: string): any => {
    const f = r[name];
    assert.ok(f, `the client reported nothing for ${name}: ${JSON.stringify(r)}`);
    assert.equal(f.error, undefined, `${name} failed in the Nova client: ${JSON.stringify(f.error)}`);
    return f;
  };

  await t.test('context: the server gets Nova RequestContext with user, project, roles, request id', () => {
    const { whoami } = feature('context');
    assert.equal(whoami.type, 'nova.context.RequestContext');
    assert.equal(whoami.user_id, 'u-nova');
    assert.equal(whoami.project_id, 'p-nova');
    assert.deepEqual(whoami.roles, ['member', 'reader']);
    assert.equal(whoami.is_admin, false);
    assert.equal(whoami.request_id, r.request_id);
    assert.equal(whoami.server, B);
  });

  await t.test('objects: a NovaObject (Tag) goes there and back through NovaObjectSerializer', () => {
    assert.deepEqual(feature('objects').tag, { type: 'Tag', resource_id: 'inst-1', tag: `gold-seen-by-${B}` });
  });

  await t.test('exceptions: nova.exception.InstanceNotFound is rebuilt on the caller, kwargs included', () => {
    // nova.exception is on Nova's allowed_remote_exmods: oslo rebuilds it as a
    // subclass of the original (InstanceNotFound_Remote), kwargs included
    const { not_found: nf } = feature('exceptions');
    assert.ok(nf, 'the call raised');
    assert.equal(nf.is_instance_not_found, true, JSON.stringify(nf));
    assert.equal(nf.type, 'InstanceNotFound_Remote');
    assert.equal(nf.kwargs.instance_id, 'inst-404');
    assert.match(nf.str, /inst-404/);
  });

  await t.test('call monitor: heartbeats keep a 5 s call alive under a 2 s call_monitor_timeout', () => {
    const f = feature('call_monitor');
    assert.deepEqual(f.slow, { slept: 5 }, 'a 5 s call under a 2 s call_monitor_timeout lives on heartbeats');
    assert.ok(f.heartbeats >= 2, `heartbeats from the eventlet server reached the caller's daemon: ${f.heartbeats}`);
  });

  await t.test('cast: reaches the Nova server with its RequestContext', async () => {
    feature('cast');
    const cast = await server.waitFor((e) => e.event === 'cast' && e.note === 'nova-cast-1');
    assert.equal(cast.user_id, 'u-nova');
    assert.equal(cast.project_id, 'p-nova');
    assert.equal(cast.type, 'RequestContext');
  });

  await t.test("notifications: Nova's legacy and versioned notifiers reach their listeners", async () => {
    feature('notifications');
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
});
