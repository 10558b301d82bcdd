/**
 * The log limiter (src/util/log-limiter.ts): one line per reason and peer
 * per interval, the lines skipped reported with the next one, and a bounded
 * number of keys whatever peers input names. Time is a ManualClock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogLimiter, OTHER_PEERS, SUPPRESSED } from '../src/util/log-limiter';
import { ManualClock } from './support/manual-clock';
import { captureLog } from './support/log-capture';

test('one event per reason and peer per interval is admitted; the next admitted one says how many were suppressed', () => {
  const clock = new ManualClock();
  const l = new LogLimiter({ clock, intervalMs: 1_000 });
  assert.equal(l.admit('refused', 'a'), 0);
  assert.equal(l.admit('refused', 'a'), SUPPRESSED);
  assert.equal(l.admit('refused', 'a'), SUPPRESSED);
  assert.equal(l.admit('refused', 'b'), 0, 'another peer has its own interval');
  assert.equal(l.admit('orphaned', 'a'), 0, 'another reason has its own interval');
  clock.advance(999);
  assert.equal(l.admit('refused', 'a'), SUPPRESSED);
  clock.advance(1);
  assert.equal(l.admit('refused', 'a'), 3, 'three suppressed since the last line');
  assert.equal(l.admit('refused', 'a'), SUPPRESSED);
  clock.advance(1_000);
  assert.equal(l.admit('refused', 'b'), 0, 'nothing suppressed for b');
});

test('keys stay bounded: past maxKeys new peers share one key per reason, and stale keys are pruned first', () => {
  const clock = new ManualClock();
  const l = new LogLimiter({ clock, intervalMs: 1_000, maxKeys: 10 });
  for (let i = 0; i < 10; i++) assert.equal(l.admit('refused', `peer${i}`), 0);
  assert.equal(l.admit('refused', 'newcomer1'), 0, `the first newcomer opens ${OTHER_PEERS}`);
  assert.equal(l.admit('refused', 'newcomer2'), SUPPRESSED, 'later newcomers share its interval');
  for (let i = 0; i < 100_000; i++) l.admit('refused', `flood${i}`);
  assert.ok(l.size <= 11, `${l.size} keys`);
  // Once their interval passed with nothing suppressed, old keys make room for new peers.
  clock.advance(1_000);
  assert.equal(l.admit('refused', 'fresh'), 0);
  assert.equal(l.size, 2, `the stale peers went, ${OTHER_PEERS} (with its count) stays`);
  for (let i = 0; i < 8; i++) assert.equal(l.admit('refused', `fresh${i}`), 0);
  assert.equal(l.admit('refused', 'newcomer3'), 100_001, `full again: ${OTHER_PEERS} reports what it suppressed`);
});

test('log() writes the admitted lines with suppressed counts and skips the rest', () => {
  const clock = new ManualClock();
  const cap = captureLog();
  const log = cap.log;
  const l = new LogLimiter({ clock, intervalMs: 5_000 });
  for (let i = 0; i < 50; i++) l.warn(log, 'bad_envelope', 'compute', { i }, 'unreadable');
  clock.advance(5_000);
  assert.equal(l.warn(log, 'bad_envelope', 'compute', { i: 50 }, 'unreadable'), true);
  const lines = cap.lines();
  assert.equal(lines.length, 2);
  assert.equal(lines[0]!.i, 0);
  assert.equal(lines[0]!.suppressed, undefined);
  assert.equal(lines[1]!.i, 50);
  assert.equal(lines[1]!.suppressed, 49);
  assert.equal(lines[1]!.level, 40);
});
