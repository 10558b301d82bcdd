/**
 * The CLI's pure parts: aligned tables, durations, argument parsing, how a
 * status is judged (OK / WARNING / FAILURE), and the drop tracker's clock
 * (driven by a manual clock: a drop is recent, then no longer).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatAgo, formatBytes, formatDuration, formatTable } from '../src/cli/table';
import { parseCommandArgs, positiveNumber } from '../src/cli/args';
import { evaluateStatus } from '../src/cli/status-checks';
import { worst } from '../src/cli/exit';
import { DEFAULT_DROP_SAMPLE_MS, DROP_COUNTER_NAMES, DropTracker } from '../src/status/drops';
import { ALL_COUNTER_NAMES } from '../src/metrics/catalogue';
import { Counters } from '../src/metrics/counters';
import type { DaemonStatus } from '../src/status/types';
import { ManualClock } from './support/manual-clock';

test('tables: columns padded to the widest cell, numbers right-aligned, no trailing spaces', () => {
  const lines = formatTable([{ header: 'HOST' }, { header: 'QUEUED', right: true }, { header: 'NOTE' }], [['a', '5', ''], ['long-host-name', '1234', 'x']], '  ');
  assert.deepEqual(lines, ['  HOST            QUEUED  NOTE', '  a                    5', '  long-host-name    1234  x']);
});

test('durations, ages and sizes read like a person writes them', () => {
  assert.deepEqual([0, 12, 60, 61, 3600, 3661, 90_061].map(formatDuration), ['0s', '12s', '1m', '1m 1s', '1h', '1h 1m', '1d 1h']);
  assert.equal(formatAgo(null), '-');
  assert.equal(formatAgo(75), '1m 15s ago');
  assert.deepEqual([512, 1536, 3 * 1024 * 1024].map(formatBytes), ['512 B', '1.5 KiB', '3.0 MiB']);
});

test('subcommand arguments: --flag VALUE, --flag=VALUE, repeatable config files, positionals; mistakes are usage errors (exit 2)', () => {
  const spec = { flags: { '--topic': 'value', '--json': 'bool' }, positionals: ['HOST'] } as const;
  const a = parseCommandArgs('ping', ['h1', '--topic=compute', '--config-file', 'a.conf', '--config-file=b.conf', '--config-dir', 'd', '--json'], spec);
  assert.deepEqual([a.positionals, a.values.get('--topic'), a.configFiles, a.configDirs, a.bools.has('--json')], [['h1'], 'compute', ['a.conf', 'b.conf'], ['d'], true]);
  for (const bad of [['h1', '--nope'], [], ['h1', 'h2'], ['h1', '--topic'], ['h1', '--json=1'], ['h1', '--topic=']]) {
    assert.throws(() => parseCommandArgs('ping', bad, spec), (e: any) => e.exitCode === 2 && /nova-zmq-bridge ping HOST --config-file VALUE/.test(e.message), bad.join(' '));
  }
  assert.equal(parseCommandArgs('ping', ['--help'], spec).help, true);
  const n = parseCommandArgs('ping', ['h', '--count', '3'], { flags: { '--count': 'value' }, positionals: ['HOST'] });
  assert.equal(positiveNumber('ping', n, '--count', 1, true), 3);
  const z = parseCommandArgs('ping', ['h', '--count', '0.5'], { flags: { '--count': 'value' }, positionals: ['HOST'] });
  assert.throws(() => positiveNumber('ping', z, '--count', 1, true), /not a positive integer/);
});

function status(over: Partial<DaemonStatus> = {}): DaemonStatus {
  return {
    version: '0.1.0',
    host: 'h1',
    pid: 1,
    started_at: '2026-01-01T00:00:00.000Z',
    uptime_s: 100,
    config_files: [],
    receiver: { endpoint: 'tcp://h1:9501', ipc_dir: '/run/x' },
    local_api: { socket: '/run/x/s', sessions: 0, listeners: 0 },
    matchmaker: { kind: 'redis', backend: '127.0.0.1:6379', reachable: true, detail: '1 registrations', warning: null },
    peers: [],
    topics: [],
    drops: [],
    counters: {},
    ...over,
  };
}

const results = (s: DaemonStatus, opts = {}) => Object.fromEntries(evaluateStatus(s, opts).map((c) => [c.name, c.result]));

test('status checks: OK when healthy; each problem raises its own check', () => {
  assert.deepEqual(results(status()), { daemon: 'OK', matchmaker: 'OK', peers: 'OK', drops: 'OK', queues: 'OK' });
  assert.equal(results(status({ matchmaker: { kind: 'redis', backend: 'r:1', reachable: false, detail: 'x', warning: null } })).matchmaker, 'FAILURE');
  // A refused ring file: the backend does not serve (as /readyz says), even though the previous ring routes.
  assert.equal(results(status({ matchmaker: { kind: 'ring', backend: 'f', reachable: false, detail: 'x', warning: 'reload refused' } })).matchmaker, 'FAILURE');
  assert.equal(results(status({ matchmaker: { kind: 'broker', backend: 'tcp://b:9502', reachable: null, detail: 'x', warning: 'has not answered yet' } })).matchmaker, 'WARNING');
  // Peers: the connection and the send outcomes are separate facts; either going wrong warns.
  const peer = { host: 'h2', endpoint: 'tcp://h2:9501', connection: 'connected' as const, queued: 0, sent: 1, failed: 1, last_sent_s_ago: 9, last_failure_s_ago: 12, last_failure: 'timed out' };
  assert.equal(results(status({ peers: [peer] })).peers, 'OK');
  assert.equal(results(status({ peers: [{ ...peer, last_failure_s_ago: 1 }] })).peers, 'WARNING', 'connected, but the last message failed');
  assert.equal(results(status({ peers: [{ ...peer, connection: 'disconnected' }] })).peers, 'WARNING', 'the connection was lost');
  assert.equal(results(status({ peers: [{ ...peer, connection: 'connecting', sent: 0, last_sent_s_ago: null, failed: 0, last_failure_s_ago: null, last_failure: null }] })).peers, 'OK');
  assert.equal(results(status({ peers: [{ ...peer, connection: 'connecting', sent: 0, last_sent_s_ago: null }] })).peers, 'WARNING', 'never connected, messages fail');
  const ipc = { name: 'zmq_topic_t', kind: 'direct' as const, queued: 1000, queued_bytes: 1, bound: true, last_sent_s_ago: null };
  assert.equal(results(status({ topics: [{ topic: 't', listeners: 0, servers: [], notify_listeners: 0, ipc }] })).queues, 'WARNING');
  assert.equal(results(status({ topics: [{ topic: 't', listeners: 0, servers: [], notify_listeners: 0, ipc: { ...ipc, queued: 999 } }] })).queues, 'OK');
  // Drops: recent ones warn, old ones are history.
  const drop = { counter: 'sender.cast.failed', total: 3 };
  assert.equal(results(status({ drops: [{ ...drop, last_increase_s_ago: 900 }] })).drops, 'WARNING');
  assert.equal(results(status({ drops: [{ ...drop, last_increase_s_ago: 901 }] })).drops, 'OK');
  assert.equal(results(status({ drops: [{ ...drop, last_increase_s_ago: 120 }] }), { dropWindowS: 60 }).drops, 'OK');
  assert.equal(worst(['OK', 'WARNING', 'OK']), 'WARNING');
  assert.equal(worst(['WARNING', 'FAILURE']), 'FAILURE');
  assert.equal(worst([]), 'OK');
});

test('drop tracker: every drop counter is catalogued; an increase is dated when seen (at a sample or a report)', () => {
  for (const n of DROP_COUNTER_NAMES) assert.ok((ALL_COUNTER_NAMES as readonly string[]).includes(n), n);
  const clock = new ManualClock();
  const counters = new Counters();
  const t = new DropTracker(counters, clock);
  t.start();
  counters.inc('sender.sent');
  assert.deepEqual(t.report(), []);
  counters.inc('sender.queue_full');
  clock.advance(DEFAULT_DROP_SAMPLE_MS); // the timer samples: seen now
  clock.advance(50_000);
  assert.deepEqual(t.report(), [{ counter: 'sender.queue_full', total: 1, last_increase_s_ago: 50 }]);
  counters.inc('receiver.refused.nul', 2);
  clock.advance(5_000);
  // Not sampled yet (between two samples): the report samples first, and dates it now.
  assert.deepEqual(t.report(), [
    { counter: 'receiver.refused.nul', total: 2, last_increase_s_ago: 0 },
    { counter: 'sender.queue_full', total: 1, last_increase_s_ago: 55 },
  ]);
  t.stop();
  counters.inc('sender.queue_full');
  clock.advance(60_000); // stopped: no sample, until the next report
  assert.equal(t.report()[0]!.counter, 'sender.queue_full');
  assert.equal(t.report()[0]!.last_increase_s_ago, 0);
});
