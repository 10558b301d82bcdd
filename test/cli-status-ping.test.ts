/**
 * `nova-zmq-bridge status` and `ping` against real daemons: two hosts of a
 * cluster (CLI daemons in child processes, ring matchmaker), the commands
 * run as an operator runs them (child processes reading the host's
 * nova.conf). Exit codes follow OpenStack's status-check rule: 0 OK,
 * 1 WARNING, 2 FAILURE - each case made to really happen (a refused
 * message, a peer that stopped, a daemon that is not running).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as zmq from 'zeromq';
import { Cluster, type CliDaemon } from './support/cluster';
import { runCli, runCliJson } from './support/cli';
import { LocalApiClient } from './support/localapi-client';
import { waitFor } from './support/wait';
import { frames } from './support/zmq-helpers';

/** `rpc_cast_timeout` of the hosts (s): a stopped peer shows as down soon. */
const CAST_TIMEOUT_S = 1;

describe('status and ping on two hosts', () => {
  let cluster: Cluster<CliDaemon>;
  let A = '';
  let B = '';
  let shim: LocalApiClient;

  before(async () => {
    cluster = await Cluster.start<CliDaemon>({
      hosts: 2,
      matchmaker: { kind: 'ring', ring: ([a, b]) => ({ itopic: [b!], other: [a!, b!] }) },
      confLines: () => ['[DEFAULT]', `rpc_cast_timeout = ${CAST_TIMEOUT_S}`],
    });
    [A, B] = cluster.addrs as [string, string];
    // A shim on B listening on itopic (server B), so B has a topic with a listener.
    shim = await LocalApiClient.connect(cluster.host(B).config.bridge.localSocket);
    await shim.hello();
    await shim.listen({ topic: 'itopic', server: B }, () => {});
  });

  after(async () => {
    shim?.close();
    await cluster?.close();
  });

  const conf = (h: string) => ['--config-file', cluster.host(h).conf];

  test('status of a healthy host: exit 0, version, uptime, matchmaker, topics with listeners', async () => {
    const r = await runCliJson(['status', '--json', ...conf(B)]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.json.result, 'OK');
    assert.equal(r.json.exit_code, 0);
    const s = r.json.status;
    assert.equal(s.host, B);
    assert.match(s.version, /^\d+\.\d+\.\d+/);
    assert.ok(s.uptime_s >= 0);
    assert.deepEqual(s.config_files, [cluster.host(B).conf]);
    assert.equal(s.receiver.endpoint, `tcp://${B}:${cluster.port}`);
    assert.deepEqual(
      { kind: s.matchmaker.kind, backend: s.matchmaker.backend, reachable: s.matchmaker.reachable, detail: s.matchmaker.detail },
      { kind: 'ring', backend: cluster.ringfile, reachable: true, detail: '2 topics, 2 hosts, 0 server names' },
    );
    const itopic = s.topics.find((t: any) => t.topic === 'itopic');
    assert.deepEqual(itopic, { topic: 'itopic', listeners: 1, servers: [B], notify_listeners: 0, ipc: null });
    assert.deepEqual(s.drops, []);
    assert.deepEqual(
      r.json.checks.map((c: any) => [c.name, c.result]),
      [['daemon', 'OK'], ['matchmaker', 'OK'], ['peers', 'OK'], ['drops', 'OK'], ['queues', 'OK']],
    );
  });

  test('ping from A to B: its daemon answers with its name, exit 0; three pings, three answers', async () => {
    const r = await runCliJson(['ping', B, '--count', '3', '--json', ...conf(A)]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.json.result, 'OK');
    assert.deepEqual([r.json.sent, r.json.answered, r.json.lost], [3, 3, 0]);
    for (const p of r.json.pings) {
      assert.equal(p.outcome, 'answered');
      assert.equal(p.result.host, B);
      assert.ok(p.time_ms > 0);
    }
    assert.ok(r.json.rtt_ms.min <= r.json.rtt_ms.avg && r.json.rtt_ms.avg <= r.json.rtt_ms.max);
    // The terminal form says who answered and how long it took.
    const text = await runCli(['ping', B, ...conf(A)]);
    assert.equal(text.code, 0, text.stdout + text.stderr);
    assert.match(text.stdout, new RegExp(`answer from ${B.replace(/\./g, '\\.')}: seq=1 nova-zmq-bridge \\S+ as ${B.replace(/\./g, '\\.')}, up \\S+, time=[\\d.]+ ms`));
    assert.match(text.stdout, /1 sent, 1 answered, 0 answered with an error, 0 lost; round trip min\/avg\/max/);
  });

  test('a message A refused makes a WARNING (exit 1) naming the drop; the queue of an unread topic shows its depth', async () => {
    // A hostile topic, sent straight to A's receiver: refused and counted.
    const push = new zmq.Push({ linger: 0 });
    push.connect(`tcp://${A}:${cluster.port}`);
    await push.send(frames('0', 'bad/topic', 'cast', '["{}", {}]'));
    // Casts from B's shim to a topic of A nobody consumes: the first is handed to ZeroMQ
    // (where it waits for a consumer), the next two wait in A's ipc outlet.
    for (let i = 0; i < 3; i++) await shim.cast({ topic: 'unread', server: A }, '{}', '{"method": "m", "args": {}}');
    let r = await runCliJson(['status', '--json', ...conf(A)]);
    await waitFor(async () => {
      r = await runCliJson(['status', '--json', ...conf(A)]);
      return r.json.status.topics.some((t: any) => t.topic === `unread.${A}` && t.ipc?.queued === 2) && r.json.status.drops.length > 0;
    }, { timeoutMs: 30_000, what: () => JSON.stringify(r.json) });
    push.close();
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.equal(r.json.result, 'WARNING');
    assert.deepEqual(r.json.status.drops.map((d: any) => [d.counter, d.total]), [['receiver.refused.path_separator', 1]]);
    const drops = r.json.checks.find((c: any) => c.name === 'drops');
    assert.equal(drops.result, 'WARNING');
    assert.match(drops.details, /receiver\.refused\.path_separator \(1\)/);
    const unread = r.json.status.topics.find((t: any) => t.topic === `unread.${A}`);
    assert.deepEqual({ ...unread.ipc, last_sent_s_ago: null }, { name: `zmq_topic_unread.${A}`, kind: 'direct', queued: 2, queued_bytes: unread.ipc.queued_bytes, bound: true, last_sent_s_ago: null });
    assert.ok(unread.ipc.queued_bytes > 0);
    // The same in a terminal: aligned tables, the checks, the result.
    const text = await runCli(['status', ...conf(A)]);
    assert.equal(text.code, 1);
    const lines = text.stdout.split('\n');
    const header = lines.find((l) => l.trim().startsWith('RESULT'))!;
    const warn = lines.find((l) => l.includes('WARNING') && l.includes('drops'))!;
    assert.equal(warn.indexOf('drops'), header.indexOf('CHECK'), `columns line up:\n${header}\n${warn}`);
    assert.match(text.stdout, /Result: WARNING/);
  });

  test('a stopped host: ping fails (exit 2), the peer shows down (WARNING), and status of the stopped daemon fails (exit 2)', async () => {
    await cluster.stopHost(B);
    const ping = await runCliJson(['ping', B, '--timeout', '2', '--json', ...conf(A)]);
    assert.equal(ping.code, 2, ping.stdout + ping.stderr);
    assert.equal(ping.json.result, 'FAILURE');
    assert.equal(ping.json.pings[0].outcome, 'lost');
    assert.match(ping.json.pings[0].error.code, /^(TIMEOUT|SEND_FAILED)$/);

    let r = await runCliJson(['status', '--json', ...conf(A)]);
    await waitFor(async () => {
      r = await runCliJson(['status', '--json', ...conf(A)]);
      // B's daemon is gone: the connection is lost, or the pings to it failed.
      return r.json.status.peers.some((p: any) => p.host === B && (p.connection === 'disconnected' || p.failed > 0));
    }, { timeoutMs: 30_000, what: () => JSON.stringify(r.json.status.peers) });
    assert.equal(r.code, 1);
    const peers = r.json.checks.find((c: any) => c.name === 'peers');
    assert.equal(peers.result, 'WARNING');
    assert.match(peers.details, new RegExp(`down: ${B.replace(/\./g, '\\.')}`));
    assert.ok(r.json.status.drops.some((d: any) => d.counter === 'sender.cast.failed'));

    const dead = await runCliJson(['status', '--json', ...conf(B)]);
    assert.equal(dead.code, 2);
    assert.equal(dead.json.result, 'FAILURE');
    assert.equal(dead.json.status, null);
    assert.match(dead.json.checks[0].details, /cannot reach the daemon's local API at .*nova-zmq-bridge\.sock/);
    const deadText = await runCli(['status', ...conf(B)]);
    assert.equal(deadText.code, 2);
    assert.match(deadText.stdout, /FAILURE +daemon +cannot reach/);
    // ping needs this host's daemon: without it, exit 2 and one line on stderr.
    const noLocal = await runCli(['ping', A, ...conf(B)]);
    assert.equal(noLocal.code, 2);
    assert.match(noLocal.stderr, /^nova-zmq-bridge ping: cannot reach the daemon's local API/);
  });
});

test('bad arguments: exit 2 with the accepted form', async () => {
  const r = await runCli(['status', '--frobnicate']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /nova-zmq-bridge status: command line = "--frobnicate" is not valid: unknown argument of status; accepted: nova-zmq-bridge status/);
  const p = await runCli(['ping']);
  assert.equal(p.code, 2);
  assert.match(p.stderr, /missing HOST/);
  for (const cmd of ['status', 'ping', 'check-config']) {
    const h = await runCli([cmd, '--help']);
    assert.equal(h.code, 0);
    assert.match(h.stdout, new RegExp(`^Usage: nova-zmq-bridge ${cmd} `));
  }
  const u = await runCli(['stauts']);
  assert.equal(u.code, 2);
  assert.match(u.stderr, /unknown command; accepted: status, ping, check-config/);
});
