/**
 * The `applies` / `ignored` flags of options.ts: every config field belongs
 * to exactly one option, the reload freeze is derived from the flags
 * (freezeRestartOptions), a real Daemon's reload keeps restart-only values
 * and warns once per changed option (secrets redacted), and ignored options
 * are read by nothing in src/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import pino from 'pino';
import { ALL_OPTIONS } from '../src/config/options';
import { loadConfig } from '../src/config/loader';
import { freezeRestartOptions, restartOnlyFields, REDACTED } from '../src/config/restart';
import { getField, type ConfigField } from '../src/config/fields';
import type { BridgeConfig } from '../src/config/types';
import { Daemon } from '../src/daemon';
import { makeIpcDir, randomPort, removeDir, testConfig } from './support/config';

/** This file's receiver ports. */
const PORTS = [27700, 27799] as const;
const SRC = path.join(__dirname, '..', 'src');

/** Every leaf field of a config, as dotted paths. */
function leaves(c: BridgeConfig): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(c)) {
    if (k === 'sources') continue;
    if (v !== null && typeof v === 'object') for (const leaf of Object.keys(v)) out.push(`${k}.${leaf}`);
    else out.push(k);
  }
  return out.sort();
}

function loadDefaults(): BridgeConfig {
  const dir = makeIpcDir();
  try {
    const file = path.join(dir, 'nova.conf');
    fs.writeFileSync(file, '[DEFAULT]\n');
    return loadConfig({ configFiles: [file], configDirs: [], env: {}, hostname: () => 'h1', interfaces: () => ({}), etcDir: dir });
  } finally {
    removeDir(dir);
  }
}

test('every field the loader fills belongs to exactly one option', () => {
  const claimed = ALL_OPTIONS.flatMap((o) => [...o.fields]);
  assert.equal(new Set(claimed).size, claimed.length, 'a field claimed by two options');
  assert.deepEqual([...claimed].sort(), leaves(loadDefaults()));
});

test('each option either applies (live or restart) or is ignored with a reason', () => {
  for (const o of ALL_OPTIONS) {
    const k = `[${o.name.group}] ${o.name.key}`;
    assert.ok(['live', 'restart', 'ignored'].includes(o.applies), k);
    assert.equal(o.needsRestart, o.applies === 'restart', k);
    if (o.applies === 'ignored') assert.ok(o.ignored && o.ignored.length > 10, `${k}: reason`);
    else assert.equal(o.ignored, null, k);
  }
  const kinds = (a: string) => ALL_OPTIONS.filter((o) => o.applies === a).map((o) => o.name.key);
  // The fields the daemon froze by hand before the flags existed are still frozen.
  for (const f of ['port', 'bindAddress', 'bindAddressRaw', 'ipcDir', 'host'] as const) assert.ok(restartOnlyFields().includes(f), f);
  assert.deepEqual(kinds('live').sort(), ['debug', 'fanout_hold', 'log_level', 'queue_bytes', 'reply_hold', 'rpc_zmq_topic_backlog', 'topic_queue_bytes', 'verbose']);
  assert.deepEqual(kinds('ignored').sort(), [
    'compute_topic', 'console_topic', 'network_topic', 'rpc_backend', 'rpc_conn_pool_size',
    'rpc_thread_pool_size', 'scheduler_topic', 'transport_url', 'volume_topic', 'vsa_topic',
  ]);
});

test('freezeRestartOptions keeps restart-only values, takes live ones, lists the changes in order, leaves its inputs alone', () => {
  const running = testConfig({ port: 9601, redis: { password: 'old-secret' } });
  const configured = testConfig({
    port: 9602,
    bindAddressRaw: 'eth9',
    bindAddress: '10.9.9.9',
    topicBacklog: 7,
    castTimeout: 3,
    rpcBackend: 'something.else',
    redis: { password: 'new-secret' },
    bridge: { replyHoldSeconds: 1.5, brokerRole: true },
  });
  const before = JSON.stringify([running, configured]);
  const { config, changed } = freezeRestartOptions(running, configured);
  assert.equal(JSON.stringify([running, configured]), before, 'inputs unchanged');
  for (const f of restartOnlyFields()) assert.equal(getField(config, f), getField(running, f), f);
  assert.equal(config.topicBacklog, 7);
  assert.equal(config.bridge.replyHoldSeconds, 1.5);
  assert.equal(config.rpcBackend, 'something.else', 'ignored options simply follow the files');
  assert.deepEqual(changed, [
    { option: '[DEFAULT] rpc_zmq_bind_address', field: 'bindAddressRaw', running: '127.0.0.1', configured: 'eth9' },
    { option: '[DEFAULT] rpc_zmq_port', field: 'port', running: 9601, configured: 9602 },
    { option: '[matchmaker_redis] password', field: 'redis.password', running: REDACTED, configured: REDACTED },
    { option: '[DEFAULT] rpc_cast_timeout', field: 'castTimeout', running: 30, configured: 3 },
    { option: '[zmq_bridge] broker_role', field: 'bridge.brokerRole', running: false, configured: true },
  ]);
  assert.notEqual(config.bridge, configured.bridge, 'nested groups are copies');
  assert.deepEqual(freezeRestartOptions(running, running).changed, []);
});

test('Daemon.reload applies live options, keeps restart-only ones and warns once per changed option', async () => {
  const dir = makeIpcDir();
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'warn' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  const cfg = testConfig({ ipcDir: dir, port: randomPort(...PORTS) });
  const daemon = new Daemon(cfg, log);
  await daemon.start();
  try {
    await daemon.reload({
      ...cfg,
      port: cfg.port + 1,
      responseTimeout: 5,
      topicBacklog: 3,
      threadPoolSize: 8,
      redis: { ...cfg.redis, password: 'hunter2' },
      bridge: { ...cfg.bridge, fanoutHoldSeconds: 2 },
    });
    const warned = lines.filter((l) => l.msg === 'option changed in the config files; it applies after a restart');
    assert.deepEqual(
      warned.map((l) => [l.option, l.running, l.configured]),
      [
        ['[DEFAULT] rpc_zmq_port', cfg.port, cfg.port + 1],
        ['[matchmaker_redis] password', REDACTED, REDACTED],
        ['[DEFAULT] rpc_response_timeout', 60, 5],
      ],
    );
    assert.ok(!lines.some((l) => JSON.stringify(l).includes('hunter2')), 'the password never reaches the log');
    assert.equal(daemon.config.port, cfg.port);
    assert.equal(daemon.config.responseTimeout, 60);
    assert.equal(daemon.config.redis.password, null);
    assert.equal(daemon.config.topicBacklog, 3);
    assert.equal(daemon.config.bridge.fanoutHoldSeconds, 2);
    assert.ok(lines.some((l) => l.msg === 'configuration reloaded' && l.topic_backlog === 3));
  } finally {
    await daemon.stop();
    removeDir(dir);
  }
});

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/**
 * A textual search for reads of a config field outside the configuration
 * layer: the leaf name for top-level fields (`threadPoolSize`), `group.leaf`
 * for nested ones (`topics.compute`), and the group's type name.
 */
function readersOf(field: ConfigField, files: { file: string; text: string }[]): string[] {
  const dot = field.indexOf('.');
  const patterns = dot === -1 ? [new RegExp(`\\b${field}\\b`)] : [new RegExp(`\\b${field.slice(0, dot)}\\s*\\??\\.\\s*${field.slice(dot + 1)}\\b`)];
  if (field.startsWith('topics.')) patterns.push(/\bTopicFlags\b/);
  return files.filter((f) => patterns.some((p) => p.test(f.text))).map((f) => path.relative(SRC, f.file));
}

test('nothing in src/ outside the configuration layer reads an ignored option', () => {
  const files = sourceFiles(SRC)
    .filter((f) => !f.startsWith(path.join(SRC, 'config') + path.sep))
    .map((file) => ({ file, text: fs.readFileSync(file, 'utf8') }));
  assert.ok(files.length > 20, 'source files found');
  for (const o of ALL_OPTIONS.filter((d) => d.applies === 'ignored')) {
    for (const f of o.fields) assert.deepEqual(readersOf(f, files), [], `${o.name.key} (${f}) is declared ignored but read`);
  }
  // The search does find real readers (a broken search would pass the check above vacuously).
  assert.ok(readersOf('castTimeout', files).length > 0);
  assert.ok(readersOf('bridge.replyHoldSeconds', files).length > 0);
});
