/**
 * The CLI as a real subprocess with `[zmq_bridge] broker_role = true`: a
 * broker port taken by another process stops start-up like the receiver's
 * port does (exit 3, one clear line naming the endpoint and the option).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_STARTUP } from '../src/errors';
import { freePort } from './support/redis';

const ROOT = join(__dirname, '..');
const PORT_MIN = 21000;
const PORT_MAX = 21099;
/** Only against a hang: start-up fails within a few seconds. */
const CLI_GUARD_MS = 30_000;

function listenOn(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => resolve(srv));
  });
}

function runCli(conf: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', '--config-file', conf], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const guard = setTimeout(() => p.kill('SIGKILL'), CLI_GUARD_MS);
    p.on('exit', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
  });
}

async function distinctPorts(n: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < n) {
    const p = await freePort(PORT_MIN, PORT_MAX);
    if (!ports.includes(p)) ports.push(p);
  }
  return ports;
}

test('cli: a broker port in use exits 3 with a clear message naming the endpoint and [zmq_bridge] broker_port', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nzb-brokercli-'));
  const [port, brokerPort, schedulerPort] = await distinctPorts(3);
  const taken = await listenOn(brokerPort!);
  try {
    const conf = join(dir, 'nova.conf');
    writeFileSync(
      conf,
      [
        '[DEFAULT]',
        'rpc_zmq_bind_address = 127.0.0.1',
        `rpc_zmq_port = ${port}`,
        `rpc_zmq_ipc_dir = ${join(dir, 'ipc')}`,
        'rpc_zmq_host = localhost',
        '[zmq_bridge]',
        'broker_role = true',
        `broker_port = ${brokerPort}`,
        `scheduler_port = ${schedulerPort}`,
        '',
      ].join('\n'),
    );
    const r = await runCli(conf);
    assert.equal(r.code, EXIT_STARTUP, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, new RegExp(`cannot bind the broker service on tcp://127\\.0\\.0\\.1:${brokerPort}: address already in use`));
    assert.match(lines[0]!, /\[zmq_bridge\] broker_port/);
    // The fatal log line carries the typed error's code.
    assert.match(r.stdout, /"code":"STARTUP_PORT_IN_USE"/);
  } finally {
    taken.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
