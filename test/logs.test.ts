/**
 * The daemon's JSON log lines, read from a real daemon process: every line
 * has each key once (a part that re-binds `component` on a logger that
 * already carries it writes the key twice, which log shippers handle
 * differently), and every component's logger follows the root level when
 * SIGHUP changes it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalApiClient } from './support/localapi-client';
import { randomPort } from './support/config';
import { waitFor, waitForFile } from './support/zmq-helpers';

const root = join(__dirname, '..');

/**
 * The top-level keys of one JSON object text, in order, duplicates kept
 * (JSON.parse keeps only the last of a repeated key, so it cannot see them).
 */
export function topLevelKeys(text: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) keys.push(JSON.parse(text.slice(i, j + 1)) as string);
      expectKey = false;
      i = j;
    } else if (ch === '{' || ch === '[') {
      depth++;
      expectKey = ch === '{' && depth === 1;
    } else if (ch === '}' || ch === ']') {
      depth--;
    } else if (ch === ',' && depth === 1) {
      expectKey = true;
    }
  }
  return keys;
}

test('topLevelKeys sees a repeated key that JSON.parse hides', () => {
  assert.deepEqual(topLevelKeys('{"a":1,"b":{"a":2,"c":[{"d":3}]},"s":"x\\"y,\\"z\\":1","a":4}'), ['a', 'b', 's', 'a']);
});

test('daemon log lines carry each key once, and components follow the root level after SIGHUP', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nzb-logs-'));
  const ipcDir = join(dir, 'ipc');
  const port = randomPort();
  const conf = join(dir, 'nova.conf');
  // broker_role adds the broker component; start port chosen so its ports stay beside the receiver's.
  const write = (extra: string) =>
    writeFileSync(
      conf,
      `[DEFAULT]\nrpc_zmq_bind_address = 127.0.0.1\nrpc_zmq_port = ${port}\nrpc_zmq_start_port = ${port + 1}\n` +
        `rpc_zmq_ipc_dir = ${ipcDir}\nrpc_zmq_host = localhost\n${extra}\n[zmq_bridge]\nbroker_role = true\n`,
    );
  write('');
  const p = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', '--config-file', conf], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  p.stdout.on('data', (d) => (out += d));
  p.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => p.on('exit', (code) => resolve(code)));
  const guard = setTimeout(() => p.kill('SIGKILL'), 60_000);
  let client: LocalApiClient | null = null;
  try {
    await waitFor(() => out.includes('daemon started'), 20_000, 'daemon start');
    write('debug = true');
    p.kill('SIGHUP');
    await waitFor(() => out.includes('configuration reloaded'), 10_000, 'reload');
    const reloadedAt = out.length;

    await waitForFile(join(ipcDir, 'nova-zmq-bridge.sock'));
    client = await LocalApiClient.connect(join(ipcDir, 'nova-zmq-bridge.sock'));
    await client.hello();
    await client.listen({ topic: 'logtest', server: null }, (d) => {
      client!.reply(d.reply_to!, '{}', { result: '"pong"' });
    });
    const answer = await client.call({ topic: 'logtest', server: null }, '{}', '{"method":"ping","args":{}}', 10);
    assert.equal(answer.result, '"pong"');
    // A refused op with a rid: logged at debug by the local API.
    await assert.rejects(client.request({ op: 'unlisten', lid: 'x' }));
    await client.close();
    client = null;
    p.kill('SIGTERM');
    assert.equal(await exited, 0, err);

    const lines = out.split('\n').filter((l) => l.trim() !== '');
    assert.ok(lines.length > 5, `expected several log lines, got ${lines.length}`);
    const components = new Set<string>();
    for (const line of lines) {
      const keys = topLevelKeys(line);
      const seen = new Set<string>();
      for (const k of keys) {
        assert.ok(!seen.has(k), `key "${k}" twice in log line: ${line}`);
        seen.add(k);
      }
      const rec = JSON.parse(line) as { component?: string };
      if (rec.component) components.add(rec.component);
    }
    for (const c of ['receiver', 'localapi', 'broker-role']) assert.ok(components.has(c), `no line from component ${c}: ${[...components].join(', ')}`);
    const debugAfterReload = lines
      .filter((l) => out.indexOf(l) >= reloadedAt)
      .map((l) => JSON.parse(l) as { level: number; component?: string })
      .filter((r) => r.level === 20 && r.component);
    assert.ok(debugAfterReload.length > 0, 'components log at debug once SIGHUP set debug = true');
  } finally {
    clearTimeout(guard);
    if (client) await client.close().catch(() => {});
    p.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
