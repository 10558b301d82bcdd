/**
 * The sd_notify protocol observed on a real unix datagram socket (a Python
 * listener standing in for systemd): the notifier alone on the manual clock
 * (READY with STATUS and MAINPID, WATCHDOG at half of WATCHDOG_USEC, STATUS
 * only when it changed, STOPPING), and the real CLI daemon in a child process
 * with NOTIFY_SOCKET and WATCHDOG_USEC set, through start, SIGHUP and SIGTERM,
 * every datagram sent by the daemon's own pid.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Counters } from '../src/metrics/counters';
import { silentLogger } from '../src/log';
import { SystemdNotifier, watchdogPeriodMs } from '../src/systemd/notifier';
import { notifySocketPath, openNotifySocket } from '../src/systemd/notify-socket';
import { makeIpcDir, removeDir, freeTcpPort } from './support/config';
import { ManualClock } from './support/manual-clock';
import { NotifyListener } from './support/notify-listener';
import { waitFor } from './support/wait';
import { REPO_ROOT, stopChild } from './support/cluster';

test('watchdog period: half of WATCHDOG_USEC, only for this pid', () => {
  assert.equal(watchdogPeriodMs({ WATCHDOG_USEC: '30000000' }, 7), 15_000);
  assert.equal(watchdogPeriodMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '7' }, 7), 15_000);
  assert.equal(watchdogPeriodMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '8' }, 7), null);
  assert.equal(watchdogPeriodMs({}, 7), null);
  assert.equal(watchdogPeriodMs({ WATCHDOG_USEC: 'soon' }, 7), null);
  assert.throws(() => notifySocketPath('@/org/freedesktop/systemd1/notify'), { code: 'NOTIFY_SOCKET_UNSUPPORTED' });
});

test('the notifier on the manual clock: READY, WATCHDOG every half period, STATUS on change, STOPPING', async () => {
  const dir = makeIpcDir();
  const listener = await NotifyListener.start(dir);
  const clock = new ManualClock();
  const counters = new Counters();
  let status = 'ready; 0 shims';
  const n = new SystemdNotifier({
    env: { WATCHDOG_USEC: '4000000' },
    clock,
    log: silentLogger(),
    counters,
    status: () => status,
    pid: process.pid,
    transport: openNotifySocket(listener.path),
    statusRefreshMs: 10_000,
  });
  try {
    assert.equal(n.watchdogMs, 2_000);
    await n.ready();
    await waitFor(() => listener.received.length === 1);
    assert.deepEqual(listener.messages()[0], { READY: '1', STATUS: 'ready; 0 shims', MAINPID: String(process.pid) });
    assert.equal(listener.received[0]!.pid, process.pid, 'sent from this process');
    clock.advance(1_999);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(listener.received.length, 1, 'no WATCHDOG before half the period');
    clock.advance(1);
    await waitFor(() => listener.received.length === 2);
    assert.equal(listener.received[1]!.message, 'WATCHDOG=1');
    clock.advance(2_000);
    clock.advance(2_000);
    clock.advance(2_000);
    await waitFor(() => listener.received.length === 5);
    assert.deepEqual(listener.received.slice(2).map((m) => m.message), ['WATCHDOG=1', 'WATCHDOG=1', 'WATCHDOG=1']);
    // 8 s so far: at 10 s the status is looked at; unchanged, nothing is sent but the WATCHDOG.
    clock.advance(2_000);
    await waitFor(() => listener.received.length === 6);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(listener.received.length, 6);
    status = 'ready; 2 shims';
    await n.updateStatus();
    await waitFor(() => listener.received.length === 7);
    assert.equal(listener.received[6]!.message, 'STATUS=ready; 2 shims');
    await n.stopping();
    await waitFor(() => listener.received.length === 8);
    assert.equal(listener.received[7]!.message, 'STOPPING=1\nSTATUS=stopping');
    clock.advance(10_000);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(listener.received.length, 8, 'no WATCHDOG after STOPPING');
    assert.equal(counters.get('systemd.notify_failed'), 0);
  } finally {
    n.close();
    await listener.stop();
    removeDir(dir);
  }
});

test('a notify socket nobody listens on: sends fail, counted, the daemon side goes on', async () => {
  const dir = makeIpcDir();
  const counters = new Counters();
  const n = new SystemdNotifier({
    env: {},
    clock: new ManualClock(),
    log: silentLogger(),
    counters,
    status: () => 'x',
    transport: openNotifySocket(join(dir, 'nobody')),
  });
  try {
    await n.ready();
    await n.updateStatus();
    await n.stopping();
    assert.equal(counters.get('systemd.notify_failed'), 2, 'READY and STOPPING failed; STATUS unchanged was not sent');
  } finally {
    n.close();
    removeDir(dir);
  }
});

test('the CLI daemon under a stand-in systemd: READY once bound, WATCHDOG, RELOADING/READY on SIGHUP, STOPPING on SIGTERM', async () => {
  const dir = makeIpcDir();
  const listener = await NotifyListener.start(dir);
  const port = await freeTcpPort('127.0.0.1');
  const conf = join(dir, 'nova.conf');
  writeFileSync(
    conf,
    ['[DEFAULT]', 'rpc_zmq_bind_address = 127.0.0.1', 'rpc_zmq_host = localhost', `rpc_zmq_port = ${port}`, `rpc_zmq_ipc_dir = ${dir}/ipc`, '[zmq_bridge]', 'http_listen =', ''].join('\n'),
  );
  const proc = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src', 'cli.ts'), '--config-file', conf], {
    cwd: REPO_ROOT,
    env: { ...process.env, NOTIFY_SOCKET: listener.path, WATCHDOG_USEC: '400000' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  try {
    await waitFor(() => listener.received.length >= 1, { timeoutMs: 30_000, what: () => `READY=1 from the daemon:\n${out}` });
    const ready = listener.messages()[0]!;
    assert.equal(ready.READY, '1');
    assert.equal(ready.MAINPID, String(proc.pid));
    assert.match(ready.STATUS!, /^ready; 0 shims, 0 listeners; 0 peers \(0 connected\); matchmaker local$/);
    // READY means bound: the receiver's tcp port accepts a connection at once.
    await new Promise<void>((resolve, reject) => {
      const c = connect(port, '127.0.0.1', () => {
        c.destroy();
        resolve();
      });
      c.once('error', reject);
    });
    assert.ok(existsSync(join(dir, 'ipc', 'nova-zmq-bridge.sock')), 'the local API socket exists at READY');
    await waitFor(() => listener.received.filter((m) => m.message === 'WATCHDOG=1').length >= 2, { what: 'two WATCHDOG=1 (every 200 ms)' });
    proc.kill('SIGHUP');
    await waitFor(() => listener.received.some((m) => m.message.startsWith('RELOADING=1')) && listener.messages().filter((m) => m.READY === '1').length === 2, {
      what: () => `RELOADING=1 then READY=1:\n${JSON.stringify(listener.received)}`,
    });
    const reloading = listener.messages().find((m) => m.RELOADING === '1')!;
    assert.match(reloading.MONOTONIC_USEC!, /^\d+$/);
    await stopChild(proc, 'SIGTERM');
    assert.equal(proc.exitCode, 0, out);
    const last = listener.received.filter((m) => m.message !== 'WATCHDOG=1').map((m) => m.message.split('\n')[0]);
    assert.deepEqual(last, ['READY=1', 'RELOADING=1', 'READY=1', 'STOPPING=1']);
    assert.deepEqual([...new Set(listener.received.map((m) => m.pid))], [proc.pid], 'every datagram from the daemon\'s own pid');
  } finally {
    await stopChild(proc, 'SIGKILL');
    await listener.stop();
    removeDir(dir);
  }
});
