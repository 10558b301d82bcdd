// `nova-zmq-bridge ping HOST --topic T --server S` against real
// oslo.messaging servers (the shim, Nova's way of reading nova.conf): one
// with `[DEFAULT] rpc_ping_enabled = true` answers "pong" (exit 0); one
// with it off answers NoSuchMethod, which the command reports as a WARNING
// (exit 1: the service runs, its ping endpoint is off); a topic nobody
// serves gets no answer (exit 2).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ShimHosts, type Peer } from './support/shim-hosts';
import { runCli, runCliJson } from '../test/support/cli';

let hosts: ShimHosts;
let A = '';
let B = '';
let pinging: Peer;
let silent: Peer;

before(async () => {
  hosts = await ShimHosts.start({ hosts: 2, confLines: () => ['[DEFAULT]', 'rpc_ping_enabled = true'] });
  [A, B] = hosts.addrs as [string, string];
  pinging = await hosts.startPeer('ping_server.py', [hosts.host(B).conf, 'ptopic', 'srv-ping']);
  silent = await hosts.startPeer('ping_server.py', [hosts.host(B).conf, 'ptopic', 'srv-noping', 'noping']);
});

after(async () => {
  for (const p of [pinging, silent]) await p?.stop().catch(() => undefined);
  await hosts?.close();
});

const conf = () => ['--config-file', hosts.host(A).conf];

test('a service with rpc_ping_enabled answers pong: exit 0', async () => {
  const r = await runCliJson(['ping', B, '--topic', 'ptopic', '--server', 'srv-ping', '--json', ...conf()]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(r.json.topic, 'ptopic.srv-ping');
  assert.equal(r.json.pings[0].outcome, 'answered');
  assert.equal(r.json.pings[0].result, 'pong');
  const text = await runCli(['ping', B, '--topic', 'ptopic', '--server', 'srv-ping', ...conf()]);
  assert.match(text.stdout, /answer from \S+: seq=1 "pong", time=[\d.]+ ms/);
});

test('a service without it answers NoSuchMethod: WARNING (exit 1) with the fix', async () => {
  const r = await runCli(['ping', B, '--topic', 'ptopic', '--server', 'srv-noping', ...conf()]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /error from \S+: seq=1 NoSuchMethod: .*oslo_rpc_server_ping.*set \[DEFAULT\] rpc_ping_enabled = true/);
  assert.match(r.stdout, /Result: WARNING/);
});

test('a topic nobody serves on that host: no answer, FAILURE (exit 2)', async () => {
  const r = await runCliJson(['ping', B, '--topic', 'nobody', '--timeout', '2', '--json', ...conf()]);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.equal(r.json.pings[0].outcome, 'lost');
  assert.equal(r.json.pings[0].error.code, 'TIMEOUT');
});
