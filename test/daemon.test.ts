/**
 * The daemon's composition (start order, reverse stop, start-up failures,
 * reload) in process, and the CLI as a real subprocess (exit codes, signals).
 */
import { test, describe, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type Server } from 'node:net';
import * as zmq from 'zeromq';
import pino from 'pino';
import { Daemon } from '../src/daemon';
import { silentLogger } from '../src/log';
import { ipcEndpoint, ipcPath } from '../src/wire/endpoints';
import { EXIT_CONFIG, EXIT_STARTUP } from '../src/errors';
import type { LocalSink } from '../src/receiver/sink';
import { ManualClock } from './support/manual-clock';
import { makeIpcDir, randomPort, removeDir, testConfig } from './support/config';
import { frames, receiveWithin, waitFor, waitForFile } from './support/zmq-helpers';

const root = join(__dirname, '..');
const dirs: string[] = [];
function tmp(): string {
  const d = makeIpcDir();
  dirs.push(d);
  return d;
}

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => resolve(srv));
  });
}

afterEach(() => {
  for (const d of dirs.splice(0)) removeDir(d);
});

describe('Daemon', () => {
  test('creates a missing ipc dir (mode 0750), forwards, and removes its ipc files on stop', async () => {
    const base = tmp();
    const ipcDir = join(base, 'run', 'openstack');
    const cfg = testConfig({ ipcDir });
    const daemon = new Daemon(cfg, silentLogger());
    await daemon.start();
    try {
      assert.equal(statSync(ipcDir).mode & 0o777, 0o750);
      const push = new zmq.Push({ linger: 0 });
      push.connect(`tcp://127.0.0.1:${cfg.port}`);
      const consumer = new zmq.Pull({ linger: 0 });
      consumer.connect(ipcEndpoint(ipcDir, 'compute.localhost'));
      const msg = frames('0', 'compute.localhost', 'cast', '["{}", {"method": "ping", "args": {}}]');
      await push.send(msg);
      assert.deepEqual(await receiveWithin(consumer), msg);
      push.close();
      consumer.close();
      assert.equal(daemon.counters.get('receiver.forwarded'), 1);
      assert.ok(existsSync(ipcPath(ipcDir, 'compute.localhost')));
    } finally {
      await daemon.stop();
    }
    assert.ok(!existsSync(ipcPath(ipcDir, 'compute.localhost')));
  });

  test('a port already in use stops start-up with STARTUP_PORT_IN_USE and releases the rest', async () => {
    const port = randomPort();
    const srv = await listen(port);
    try {
      const started: string[] = [];
      const daemon = new Daemon(testConfig({ ipcDir: tmp(), port }), silentLogger());
      daemon.addComponent({ name: 'later', start: async () => void started.push('later'), stop: async () => void started.push('stopped') });
      await assert.rejects(daemon.start(), (err: Error & { code?: string; exitCode?: number }) => {
        assert.equal(err.code, 'STARTUP_PORT_IN_USE');
        assert.equal(err.exitCode, EXIT_STARTUP);
        assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}.*rpc_zmq_port`));
        return true;
      });
      assert.deepEqual(started, [], 'components after the receiver never started');
      await daemon.stop();
    } finally {
      srv.close();
    }
  });

  test('an unusable ipc dir stops start-up with STARTUP_IPC_DIR_UNWRITABLE', async () => {
    const file = join(tmp(), 'not-a-dir');
    writeFileSync(file, '');
    const daemon = new Daemon(testConfig({ ipcDir: join(file, 'ipc') }), silentLogger());
    await assert.rejects(daemon.start(), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'STARTUP_IPC_DIR_UNWRITABLE');
      assert.match(err.message, /rpc_zmq_ipc_dir/);
      return true;
    });
  });

  test('components start in order and stop in reverse; a failing one stops those already started', async () => {
    const events: string[] = [];
    const comp = (name: string, fail = false) => ({
      name,
      start: async () => {
        if (fail) throw new Error(`${name} cannot start`);
        events.push(`start:${name}`);
      },
      stop: async () => void events.push(`stop:${name}`),
    });
    const ok = new Daemon(testConfig({ ipcDir: tmp() }), silentLogger());
    ok.addComponent(comp('a'));
    ok.addComponent(comp('b'));
    await ok.start();
    await ok.stop();
    await ok.stop();
    assert.deepEqual(events, ['start:a', 'start:b', 'stop:b', 'stop:a']);

    events.length = 0;
    const bad = new Daemon(testConfig({ ipcDir: tmp() }), silentLogger());
    bad.addComponent(comp('a'));
    bad.addComponent(comp('b', true));
    bad.addComponent(comp('c'));
    await assert.rejects(bad.start(), /b cannot start/);
    assert.deepEqual(events, ['start:a', 'stop:a']);
  });

  test('the reply waiter, the listener registry, the control endpoint and (with broker_role) the broker role sit in their router stages', () => {
    const plain = new Daemon(testConfig({ ipcDir: tmp() }), silentLogger());
    assert.deepEqual(plain.router.pluggedStages(), ['replies', 'listeners', 'control', 'outlets']);
    assert.equal(plain.router.get('replies'), plain.rpc.waiter);
    assert.equal(plain.router.get('listeners'), plain.rpc.registry);
    assert.equal(plain.router.get('control')?.name, 'control');
    const broker = new Daemon(testConfig({ ipcDir: tmp(), bridge: { brokerRole: true } }), silentLogger());
    assert.deepEqual(broker.router.pluggedStages(), ['replies', 'broker', 'listeners', 'control', 'outlets']);
    assert.equal(broker.router.get('broker')?.name, 'broker-role');
  });

  test('a part given in the options is plugged into its named stage; one for a stage the daemon fills is refused', () => {
    const part: LocalSink = { name: 'outside-broker', offer: () => false };
    const daemon = new Daemon(testConfig({ ipcDir: tmp() }), silentLogger(), { stages: { broker: part } });
    assert.equal(daemon.router.get('broker'), part);
    assert.deepEqual(daemon.router.pluggedStages(), ['replies', 'broker', 'listeners', 'control', 'outlets']);
    assert.throws(
      () => new Daemon(testConfig({ ipcDir: tmp() }), silentLogger(), { stages: { replies: part } }),
      (err: Error & { code?: string }) => err.code === 'ROUTER_STAGE_TAKEN' && /'replies' stage/.test(err.message),
    );
  });

  test('the daemon passes its clock to the receiver: a reply held for nobody is orphaned when that clock passes reply_hold', async () => {
    const clock = new ManualClock();
    const cfg = testConfig({ ipcDir: tmp(), bridge: { replyHoldSeconds: 2 } });
    const daemon = new Daemon(cfg, silentLogger(), { clock });
    await daemon.start();
    try {
      // No call of this daemon waits for it and nobody subscribes: the reply outlet holds it.
      daemon.receiver.dispatch(frames('c'.repeat(32), 'zmq_replies.localhost', 'cast', '["{}", {}]'));
      clock.advance(1_999);
      assert.equal(daemon.counters.get('replies.orphaned'), 0);
      clock.advance(1);
      assert.equal(daemon.counters.get('replies.orphaned'), 1);
    } finally {
      await daemon.stop();
    }
  });

  test('reload applies the log level, topic backlog and components reload; keeps the bound port', async () => {
    const ipcDir = tmp();
    const cfg = testConfig({ ipcDir });
    const log = pino({ level: 'warn' });
    const daemon = new Daemon(cfg, log);
    const reloaded: number[] = [];
    daemon.addComponent({ name: 'x', start: async () => {}, stop: async () => {}, reload: (c) => void reloaded.push(c.topicBacklog ?? -1) });
    const childLog = daemon.logger('x');
    await daemon.start();
    try {
      await daemon.reload({ ...cfg, topicBacklog: 1, debug: true, port: cfg.port + 1 });
      assert.equal(log.level, 'debug');
      assert.equal(childLog.level, 'debug');
      assert.deepEqual(reloaded, [1]);
      assert.equal(daemon.config.port, cfg.port);
      assert.equal(daemon.config.topicBacklog, 1);
      // The new backlog of 1 applies: a topic without consumer keeps one in flight and one queued.
      for (let i = 0; i < 3; i++) {
        daemon.receiver.dispatch(frames('0', 'nobody.localhost', 'cast', String(i)));
        if (i === 0) {
          await waitForFile(ipcPath(ipcDir, 'nobody.localhost'));
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      assert.equal(daemon.counters.get('receiver.dropped.backlog'), 1);
    } finally {
      await daemon.stop();
    }
  });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], opts: { onStarted?: (p: ReturnType<typeof spawn>, out: () => string) => Promise<void> } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const guard = setTimeout(() => p.kill('SIGKILL'), 30_000);
    p.on('exit', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
    if (opts.onStarted) {
      waitFor(() => stdout.includes('daemon started'), 20_000, 'daemon start')
        .then(() => opts.onStarted!(p, () => stdout))
        .catch((err) => {
          p.kill('SIGKILL');
          reject(err);
        });
    }
  });
}

function writeConf(dir: string, port: number, extra = ''): string {
  const f = join(dir, 'nova.conf');
  writeFileSync(
    f,
    `[DEFAULT]\nrpc_zmq_bind_address = 127.0.0.1\nrpc_zmq_port = ${port}\nrpc_zmq_ipc_dir = ${join(dir, 'ipc')}\nrpc_zmq_host = localhost\n${extra}`,
  );
  return f;
}

describe('cli', () => {
  test('a configuration error prints one line on stderr and exits 2', async () => {
    const dir = tmp();
    const conf = writeConf(dir, randomPort(), 'rpc_zmq_topic_backlog = lots\n');
    const r = await cli(['--config-file', conf]);
    assert.equal(r.code, EXIT_CONFIG);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /rpc_zmq_topic_backlog/);
    const missing = await cli(['--config-file', join(dir, 'missing.conf')]);
    assert.equal(missing.code, EXIT_CONFIG);
  });

  test('a port in use exits 3 with a clear message', async () => {
    const dir = tmp();
    const port = randomPort();
    const srv = await listen(port);
    try {
      const r = await cli(['--config-file', writeConf(dir, port)]);
      assert.equal(r.code, EXIT_STARTUP);
      assert.match(r.stderr, /address already in use/);
    } finally {
      srv.close();
    }
  });

  test('runs in the foreground, reloads on SIGHUP, and on (repeated) SIGTERM removes its ipc files and exits 0', async () => {
    const dir = tmp();
    mkdirSync(join(dir, 'ipc'));
    const port = randomPort();
    const conf = writeConf(dir, port);
    const foreign = join(dir, 'ipc', 'zmq_topic_not_ours');
    writeFileSync(foreign, '');
    const r = await cli(['--config-file', conf], {
      onStarted: async (p, out) => {
        const push = new zmq.Push({ linger: 0 });
        push.connect(`tcp://127.0.0.1:${port}`);
        const consumer = new zmq.Pull({ linger: 0 });
        consumer.connect(ipcEndpoint(join(dir, 'ipc'), 'compute.localhost'));
        const msg = frames('0', 'compute.localhost', 'cast', '[]');
        await push.send(msg);
        assert.deepEqual(await receiveWithin(consumer), msg);
        push.close();
        consumer.close();
        assert.ok(existsSync(join(dir, 'ipc', 'zmq_topic_compute.localhost')));
        writeConf(dir, port, 'rpc_zmq_topic_backlog = 7\ndebug = true\n');
        p.kill('SIGHUP');
        await waitFor(() => out().includes('configuration reloaded'), 10_000, 'reload log line');
        // Twice, as npm forwarding plus a process-group kill deliver it: still a graceful stop.
        p.kill('SIGTERM');
        p.kill('SIGTERM');
      },
    });
    assert.equal(r.code, 0, r.stderr);
    const reload = r.stdout.split('\n').find((l) => l.includes('configuration reloaded'))!;
    assert.equal(JSON.parse(reload).topic_backlog, 7);
    assert.equal(JSON.parse(reload).log_level, 'debug');
    assert.ok(!existsSync(join(dir, 'ipc', 'zmq_topic_compute.localhost')), 'own ipc file removed');
    assert.ok(existsSync(foreign), 'foreign file kept');
  });
});
