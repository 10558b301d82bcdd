/**
 * The Prometheus endpoint of a real daemon, scraped over real HTTP after
 * known traffic between two real local API clients (shims): exact counter
 * values by kind, bytes that agree between sender, receiver and delivery,
 * call results, and a latency histogram whose bucket counts follow the
 * manual clock. Also: the naming rules hold for every line, and health
 * answers on the same listener.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as zmq from 'zeromq';
import { Daemon } from '../src/daemon';
import { silentLogger } from '../src/log';
import { DAEMON_VERSION } from '../src/localapi/protocol';
import { OSLO_RPC_BUCKETS_S } from '../src/metrics/call-latency';
import { makeIpcDir, removeDir, testConfigOnFreePort } from './support/config';
import { LocalApiClient, type Delivery } from './support/localapi-client';
import { ManualClock } from './support/manual-clock';
import { waitFor } from './support/wait';
import { httpGet, parseScrape, scrape, value, type Scrape } from './support/prom-text';

const P = 'nova_zmq_bridge_';
const CTX = '{"user": "u1"}';
const ping = '{"method": "ping", "args": {"n": 1}}';

describe('a scrape after known traffic', () => {
  let dir: string;
  let daemon: Daemon;
  let clock: ManualClock;
  let server: LocalApiClient;
  let client: LocalApiClient;
  let port: number;
  const rpc: Delivery[] = [];
  const notes: Delivery[] = [];
  let s: Scrape;

  before(async () => {
    dir = makeIpcDir();
    clock = new ManualClock();
    const cfg = await testConfigOnFreePort({ ipcDir: dir, bridge: { httpListen: '127.0.0.1:0' } });
    daemon = new Daemon(cfg, silentLogger(), { clock });
    await daemon.start();
    port = daemon.http!.address!.port;
    server = await LocalApiClient.connect(cfg.bridge.localSocket);
    client = await LocalApiClient.connect(cfg.bridge.localSocket);
    await server.hello();
    await client.hello();
    await server.listen({ topic: 'compute', server: 'localhost' }, (d) => rpc.push(d));
    await server.listenNotify({ topic: 'notifications', priority: 'info' }, (d) => notes.push(d));

    await client.cast({ topic: 'compute', server: 'localhost' }, CTX, '{"method": "update", "args": {}}');
    await client.cast({ topic: 'compute', server: 'localhost' }, CTX, '{"method": "update", "args": {"x": 2}}');
    await client.cast({ topic: 'compute', fanout: true }, CTX, '{"method": "refresh", "args": {}}');
    await client.notify({ topic: 'notifications', priority: 'info', version: '2.0' }, CTX, '{"event_type": "compute.instance.create.end", "payload": {}}');
    await waitFor(() => rpc.length === 3 && notes.length === 1, { what: 'casts, fanout and notification delivered' });

    // Three calls, answered after 30 ms, 200 ms and 2 s of the daemon's (manual) clock.
    for (const [ms, outcome] of [[30, { result: '"pong"' }], [200, { result: '"pong"' }], [2_000, { failure: '{"class": "ValueError"}' }]] as const) {
      const before = rpc.length;
      const answer = client.call({ topic: 'compute', server: 'localhost' }, CTX, ping, 60);
      await waitFor(() => rpc.length === before + 1, { what: 'call delivered' });
      const d = rpc[before]!;
      assert.ok(d.reply_to, 'a call carries reply_to');
      // The first call's callee heartbeats once (call-monitor), as a slow oslo server would.
      if (before === 3) server.heartbeat(d.reply_to);
      clock.advance(ms);
      server.reply(d.reply_to, CTX, outcome);
      const a = await answer;
      assert.equal(a.op, 'reply');
    }
    s = await scrape(port);
  });

  after(async () => {
    await client?.close();
    await server?.close();
    await daemon?.stop();
    removeDir(dir);
  });

  test('messages by kind: sent, received, delivered', () => {
    const sent = (kind: string) => value(s, `${P}messages_sent_total`, { kind });
    const received = (kind: string) => value(s, `${P}messages_received_total`, { kind });
    const delivered = (kind: string) => value(s, `${P}messages_delivered_total`, { kind });
    assert.deepEqual(
      ['call', 'cast', 'fanout', 'notification', 'reply', 'heartbeat', 'forward'].map(sent),
      [3, 2, 1, 1, 3, 1, 0],
    );
    assert.deepEqual(['rpc', 'fanout', 'reply', 'notification', 'heartbeat'].map(received), [5, 1, 3, 1, 1]);
    assert.equal(value(s, `${P}call_monitor_heartbeats_received_total`), 1);
    assert.equal(value(s, `${P}rpc_client_timeouts_total`, { cause: 'heartbeat_missed' }), 0);
    assert.deepEqual(['call', 'cast', 'fanout', 'notification'].map(delivered), [3, 2, 1, 1]);
    // Everything went to this host: short-circuited, none over tcp.
    assert.equal(value(s, `${P}sender_handed_over_total`, { path: 'local' }), 11);
    assert.equal(value(s, `${P}sender_handed_over_total`, { path: 'tcp' }), 0);
    assert.equal(value(s, `${P}receiver_messages_total`), 11);
  });

  test('bytes agree: what was sent is what was received and delivered', () => {
    const b = (m: string, kind: string) => value(s, `${P}messages_${m}_bytes_total`, { kind });
    assert.ok(b('sent', 'call') > 3 * ping.length);
    assert.equal(b('received', 'rpc'), b('sent', 'call') + b('sent', 'cast'));
    assert.equal(b('received', 'fanout'), b('sent', 'fanout'));
    assert.equal(b('received', 'notification'), b('sent', 'notification'));
    assert.equal(b('received', 'reply'), b('sent', 'reply'));
    assert.equal(b('received', 'heartbeat'), b('sent', 'heartbeat'));
    assert.equal(b('delivered', 'call'), b('sent', 'call'));
    assert.equal(b('delivered', 'cast'), b('sent', 'cast'));
  });

  test('call results and the latency histogram in oslo.metrics buckets', () => {
    const calls = (result: string) => value(s, `${P}rpc_client_calls_total`, { result });
    assert.deepEqual(['ok', 'remote_error', 'timeout', 'no_route', 'send_failed', 'cancelled', 'error'].map(calls), [2, 1, 0, 0, 0, 0, 0]);
    const labels = { call_type: 'call', exchange: 'nova', topic: 'compute', method: 'ping' };
    const h = `${P}rpc_client_processing_seconds`;
    assert.equal(s.types.get(h), 'histogram');
    assert.equal(value(s, `${h}_count`, labels), 3);
    assert.ok(Math.abs(value(s, `${h}_sum`, labels) - 2.23) < 1e-9, 'sum of 0.03 + 0.2 + 2 s');
    const bucket = (le: number | string) => value(s, `${h}_bucket`, { ...labels, le });
    const expected = OSLO_RPC_BUCKETS_S.map((le) => [0.03, 0.2, 2].filter((x) => x <= le).length);
    assert.deepEqual(OSLO_RPC_BUCKETS_S.map(bucket), expected);
    assert.deepEqual(expected.slice(0, 6), [0, 0, 1, 1, 1, 2], 'the 30 ms call lands in le=0.05, the 200 ms one in le=0.25');
    assert.equal(bucket('+Inf'), 3);
    assert.equal(value(s, `${P}rpc_client_replies_total`), 3);
    assert.equal(value(s, `${P}pending_replies`), 0);
  });

  test('local API, matchmaker and state gauges', () => {
    assert.equal(value(s, `${P}local_api_requests_total`, { op: 'call' }), 3);
    assert.equal(value(s, `${P}local_api_requests_total`, { op: 'reply' }), 3);
    assert.equal(value(s, `${P}local_api_requests_total`, { op: 'heartbeat' }), 1);
    assert.equal(value(s, `${P}local_api_requests_total`, { op: 'listen' }), 2);
    // The five directed casts and calls name a server listening on this daemon: resolved locally
    // (docs/server-names.md), no matchmaker look-up; only the fanout and the notification ask it.
    assert.equal(value(s, `${P}localapi_directed_routes_total`, { via: 'local' }), 5);
    assert.equal(value(s, `${P}matchmaker_lookups_total`, { result: 'found' }), 2);
    assert.equal(value(s, `${P}matchmaker_lookups_total`, { result: 'no_host' }), 0);
    assert.equal(value(s, `${P}shims_connected`), 2);
    assert.equal(value(s, `${P}shim_listeners`), 2);
    assert.equal(value(s, `${P}matchmaker_info`, { kind: 'local', backend: 'none' }), 1);
    assert.equal(value(s, `${P}ready`, { check: 'matchmaker' }), 1);
    assert.equal(value(s, `${P}ready`, { check: 'receiver' }), 1);
    assert.equal(value(s, `${P}messages_dropped_total`, { reason: 'backlog_full' }), 0);
    assert.equal(value(s, `${P}messages_refused_total`, { reason: 'no_route' }), 0);
    assert.equal(value(s, `${P}http_requests_total`, { path: 'metrics' }), 1, 'this scrape counted itself');
    assert.equal(value(s, `${P}build_info`, { version: DAEMON_VERSION, libzmq: zmq.version, curve: String(zmq.capability.curve === true), node: process.version }), 1);
  });

  test('Node process metrics, and every line follows the naming rules', () => {
    assert.ok(value(s, `${P}process_resident_memory_bytes`) > 10 * 1024 * 1024);
    assert.ok(s.samples.has(`${P}nodejs_eventloop_lag_seconds`));
    assert.ok(value(s, `${P}process_open_fds`) > 0);
    assert.ok(value(s, `${P}process_open_fds`) <= value(s, `${P}process_max_fds`));
    assert.ok(value(s, `${P}process_cpu_seconds_total`) > 0);
    assert.equal(s.types.get(`${P}process_cpu_seconds_total`), 'counter');
    assert.equal(value(s, `${P}nodejs_version_info`, { version: process.version, major: process.versions.node.split('.')[0]!, minor: process.versions.node.split('.')[1]!, patch: process.versions.node.split('.')[2]! }), 1);
    for (const k of s.samples.keys()) assert.match(k, /^nova_zmq_bridge_[a-z0-9_]+(\{|$)/, k);
    for (const [name, type] of s.types) {
      if (type === 'counter') assert.match(name, /_total$/, `${name}: a counter ends in _total`);
      assert.ok((s.help.get(name) ?? '').length > 10, `${name} has HELP`);
    }
  });

  test('health on the same listener: /livez, /readyz, 404, 405, HEAD', async () => {
    const live = await httpGet(port, '/livez');
    assert.equal(live.status, 200);
    assert.deepEqual(JSON.parse(live.body), { status: 'live' });
    const ready = await httpGet(port, '/readyz?verbose');
    assert.equal(ready.status, 200);
    const body = JSON.parse(ready.body);
    assert.equal(body.status, 'ready');
    assert.deepEqual(Object.keys(body.checks).sort(), ['daemon', 'localapi', 'matchmaker', 'receiver', 'security']);
    assert.equal((await httpGet(port, '/nope')).status, 404);
    const post = await httpGet(port, '/metrics', 'POST');
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET, HEAD');
    const head = await httpGet(port, '/metrics', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    const again = parseScrape((await httpGet(port, '/metrics')).body);
    assert.equal(value(again, `${P}http_requests_total`, { path: 'livez' }), 1);
    assert.equal(value(again, `${P}http_requests_total`, { path: 'readyz' }), 1);
    assert.equal(value(again, `${P}http_requests_total`, { path: 'other' }), 1);
    assert.equal(value(again, `${P}http_requests_total`, { path: 'metrics' }), 4, 'two scrapes, a POST and a HEAD');
  });
});
