/**
 * Interop: the real daemon (`node --import tsx src/cli.ts --config-file F`,
 * as a subprocess) against legacy-style Python peers on Debian's
 * /usr/bin/python3 with python3-zmq (interop/py/receiver_peer.py). Every
 * tcp message of every golden capture is replayed into the daemon's PULL
 * port; legacy consumers must receive exactly those bytes.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { writeFileSync, mkdirSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadVectors } from '../test/support/vectors';
import { freeTcpPort, makeIpcDir, removeDir } from '../test/support/config';
import { waitFor } from '../test/support/wait';

const PYTHON = '/usr/bin/python3';
const root = join(__dirname, '..');
const PEER = join(__dirname, 'py', 'receiver_peer.py');

interface Check {
  check: string;
  case: string;
  ok: boolean;
  detail: string;
}

function runPeer(mode: string, port: number, ipcDir: string, extra: string[] = []): Promise<Check[]> {
  return new Promise((resolve, reject) => {
    execFile(
      PYTHON,
      [PEER, mode, '--port', String(port), '--ipc-dir', ipcDir, ...extra],
      { cwd: root, timeout: 120_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`${mode} failed: ${err.message}\n${stderr}`));
        resolve(
          stdout
            .split('\n')
            .filter((l) => l.trim())
            .map((l) => JSON.parse(l) as Check),
        );
      },
    );
  });
}

function assertAllOk(checks: Check[]): void {
  const bad = checks.filter((c) => !c.ok);
  assert.deepEqual(bad, [], `failed checks:\n${bad.map((c) => `${c.check} ${c.case}: ${c.detail}`).join('\n')}`);
}

describe('receiver interop with legacy Python peers', () => {
  let dir: string;
  let ipcDir: string;
  let port: number;
  let daemon: ChildProcess;
  let stdout = '';
  let exitCode: number | null | undefined;

  before(async () => {
    dir = makeIpcDir();
    ipcDir = join(dir, 'ipc');
    mkdirSync(ipcDir);
    // receiver_peer.py sends to 127.0.0.1; the daemon binds the port the OS picked there.
    port = await freeTcpPort('127.0.0.1');
    const conf = join(dir, 'nova.conf');
    writeFileSync(
      conf,
      [
        '[DEFAULT]',
        'rpc_zmq_bind_address = 127.0.0.1',
        `rpc_zmq_port = ${port}`,
        `rpc_zmq_ipc_dir = ${ipcDir}`,
        'rpc_zmq_host = localhost',
        'rpc_zmq_matchmaker = local',
        '',
      ].join('\n'),
    );
    daemon = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', '--config-file', conf], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    daemon.stdout!.on('data', (d) => (stdout += d));
    daemon.stderr!.on('data', (d) => process.stderr.write(d));
    daemon.on('exit', (code) => (exitCode = code));
    await waitFor(() => stdout.includes('daemon started') || exitCode !== undefined, 30_000, 'daemon start');
    assert.equal(exitCode, undefined, 'daemon exited during start-up');
  });

  after(async () => {
    if (exitCode === undefined) {
      daemon.kill('SIGTERM');
      await waitFor(() => exitCode !== undefined, 15_000, 'daemon exit');
    }
    removeDir(dir);
  });

  test('every capture is forwarded byte-identical to legacy consumers (PULL, SUB fanout, SUB on msg_id)', async () => {
    const expected = loadVectors().flatMap((v) => v.messages.filter((m) => m.source.startsWith('tcp:'))).length;
    const checks = await runPeer('vectors', port, ipcDir, ['--subscribers', '3']);
    assert.equal(checks.length, expected, 'one check per replayed tcp message');
    for (const kind of ['vector-direct', 'vector-fanout', 'vector-reply']) {
      assert.ok(checks.some((c) => c.check === kind), `captures exercise ${kind}`);
    }
    assertAllOk(checks);
  });

  test('a fanout reaches every one of several subscribers', async () => {
    const checks = await runPeer('fanout', port, ipcDir, ['--subscribers', '4']);
    assert.equal(checks.length, 3);
    assertAllOk(checks);
  });

  test('concurrent callers each get only the reply of their msg_id', async () => {
    const checks = await runPeer('reply-isolation', port, ipcDir, ['--callers', '8']);
    assert.equal(checks.length, 8);
    assertAllOk(checks);
  });

  test('a caller that subscribes after its reply arrived still gets it (reply hold)', async () => {
    const checks = await runPeer('late-reply', port, ipcDir, ['--delay', '1.0']);
    assert.equal(checks.length, 1);
    assertAllOk(checks);
  });

  test('hostile inputs are refused, counted and logged; the daemon keeps forwarding', async () => {
    const checks = await runPeer('hostile', port, ipcDir);
    assert.equal(checks.length, 11);
    assertAllOk(checks);
    // Refusal warnings are thinned to one per problem per interval (src/util/log-limiter.ts):
    // one line for the first of each problem, none for its repeats.
    const expected = [...new Set(checks.map((c) => c.case))];
    assert.ok(expected.length < checks.length, 'some problems repeat');
    const refusedLines = () =>
      stdout
        .split('\n')
        .filter((l) => l.includes('"refused malformed message"'))
        .map((l) => JSON.parse(l) as { problem: string; refused_total: number });
    await waitFor(() => refusedLines().length >= expected.length, 10_000, 'refusal log lines');
    const lines = refusedLines();
    assert.deepEqual(
      lines.map((l) => l.problem),
      expected,
    );
    // Each line carries the running count of its problem: the first of each.
    for (const l of lines) assert.equal(l.refused_total, 1, l.problem);
    assert.equal(exitCode, undefined, 'daemon still running');
    // No hostile topic became a file anywhere near the ipc dir.
    assert.ok(!existsSync(join(dir, 'etc')));
    const names = readdirSync(ipcDir);
    assert.ok(names.every((f) => !f.includes("..") && !f.includes("passwd") && !f.includes("\\")), names.join(", "));
  });

  test('SIGTERM stops the daemon cleanly and removes the ipc files it created', async () => {
    assert.ok(readdirSync(ipcDir).length > 0);
    daemon.kill('SIGTERM');
    await waitFor(() => exitCode !== undefined, 15_000, 'daemon exit');
    assert.equal(exitCode, 0);
    assert.deepEqual(readdirSync(ipcDir), []);
  });
});
