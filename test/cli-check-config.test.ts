/**
 * `nova-zmq-bridge check-config`: each problem is reported with the line
 * and exit code start-up gives for it, checked by starting the real daemon
 * on the same configuration; nothing is created or bound by the check.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, runCliJson } from './support/cli';
import { freeTcpPort } from './support/ports';

const dir = mkdtempSync(join(tmpdir(), 'nzb-check-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** A nova.conf in the temp dir: a working base plus `lines` (later lines win). */
async function conf(lines: string[], ipcDir = join(dir, `ipc-${++n}`)): Promise<{ path: string; ipcDir: string }> {
  const port = await freeTcpPort('127.0.0.1');
  const path = join(dir, `nova-${n}.conf`);
  writeFileSync(
    path,
    ['[DEFAULT]', 'rpc_zmq_bind_address = 127.0.0.1', 'rpc_zmq_host = 127.0.0.1', `rpc_zmq_port = ${port}`, `rpc_zmq_ipc_dir = ${ipcDir}`, ...lines, ''].join('\n'),
  );
  return { path, ipcDir };
}

/** The daemon started on `path`: its exit code and its stderr line (it must fail). */
async function startUp(path: string): Promise<{ code: number | null; line: string }> {
  const r = await runCli(['--config-file', path]);
  return { code: r.code, line: r.stderr.trim() };
}

test('a good configuration: exit 0, every check ok, and nothing created', async () => {
  const c = await conf(['rpc_zmq_matchmaker = ring', `[matchmaker_ring]`, `ringfile = ${join(dir, 'ring-good.json')}`]);
  writeFileSync(join(dir, 'ring-good.json'), JSON.stringify({ compute: ['h1', 'h2'], scheduler: ['h1'] }));
  const r = await runCliJson(['check-config', '--json', '--config-file', c.path]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(r.json.ok, true);
  assert.deepEqual(r.json.checks.map((x: any) => [x.check, x.ok]), [['config', true], ['matchmaker', true], ['ipc dir', true], ['ring file', true], ['local API', true]]);
  assert.match(r.json.checks[3].details, /ring-good\.json: 2 topics, 2 hosts/);
  assert.equal(r.stderr, '');
  assert.equal(existsSync(c.ipcDir), false, 'check-config does not create the ipc dir');
  const text = await runCli(['check-config', '--config-file', c.path]);
  assert.equal(text.code, 0);
  assert.match(text.stdout, /^CHECK +RESULT +DETAILS$/m);
  assert.match(text.stdout, /Configuration OK\./);
});

test('a bad option value: the line and exit code (2) of start-up', async () => {
  const c = await conf(['rpc_response_timeout = soon']);
  const r = await runCli(['check-config', '--config-file', c.path]);
  const s = await startUp(c.path);
  assert.equal(s.code, 2);
  assert.equal(r.code, 2);
  assert.match(s.line, /rpc_response_timeout = "soon" is not valid/);
  assert.equal(r.stderr.trim(), s.line);
  assert.match(r.stdout, /config +FAILED \(exit 2\)/);
});

test('a broken ring file: the line and exit code (2) of start-up', async () => {
  const ring = join(dir, 'ring-bad.json');
  writeFileSync(ring, '{"compute": "h1"}');
  const c = await conf(['rpc_zmq_matchmaker = ring', '[matchmaker_ring]', `ringfile = ${ring}`]);
  const r = await runCliJson(['check-config', '--json', '--config-file', c.path]);
  const s = await startUp(c.path);
  assert.equal(s.code, 2);
  assert.equal(r.code, 2);
  assert.match(s.line, /ring-bad\.json/);
  assert.equal(r.stderr.trim(), s.line);
  assert.deepEqual(r.json.checks.filter((x: any) => !x.ok).map((x: any) => [x.check, x.exit_code]), [['ring file', 2]]);
});

test('an unusable ipc dir and a broken ring file: all reported (the socket lives in that dir too), exit 3 as start-up (the ipc dir comes first)', async () => {
  const file = join(dir, 'not-a-dir');
  writeFileSync(file, 'x');
  const ring = join(dir, 'ring-bad2.json');
  writeFileSync(ring, 'not json');
  const c = await conf(['rpc_zmq_matchmaker = ring', '[matchmaker_ring]', `ringfile = ${ring}`], join(file, 'ipc'));
  const r = await runCliJson(['check-config', '--json', '--config-file', c.path]);
  const s = await startUp(c.path);
  assert.equal(s.code, 3);
  assert.equal(r.code, 3);
  assert.deepEqual(r.json.checks.filter((x: any) => !x.ok).map((x: any) => [x.check, x.exit_code]), [['ipc dir', 3], ['ring file', 2], ['local API', 3]]);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 3);
  // Same error, same wording up to the system's reason (mkdir -p's EEXIST on the file at start-up, a stat's ENOTDIR here).
  const prefix = `nova-zmq-bridge: the ipc directory ${join(file, 'ipc')} (rpc_zmq_ipc_dir) is not usable: E`;
  assert.ok(s.line.startsWith(prefix), s.line);
  assert.ok(lines[0]!.startsWith(prefix), lines[0]);
  assert.match(lines[1]!, /ring-bad2\.json/);
});

test('a missing config file and a bad --log-level: exit 2', async () => {
  const r = await runCli(['check-config', '--config-file', join(dir, 'missing.conf')]);
  assert.equal(r.code, 2);
  const s = await startUp(join(dir, 'missing.conf'));
  assert.equal(r.stderr.trim(), s.line);
  const c = await conf([]);
  const l = await runCli(['check-config', '--log-level', 'loud', '--config-file', c.path]);
  assert.equal(l.code, 2);
  assert.match(l.stderr, /loud/);
});
