// src/util/interrupted.ts: a libzmq call interrupted by a signal (EINTR) is
// made again; anything else, or an interruption that does not stop, is the
// caller's. The interruption itself cannot be provoked on demand in a test
// (it takes a signal landing inside one system call), so the errors here
// are shaped as zeromq.js throws them: an Error with code 'EINTR'.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_INTERRUPTED_RETRIES, isInterrupted, retryInterrupted } from '../src/util/interrupted';

const eintr = () => Object.assign(new Error('Interrupted system call'), { code: 'EINTR', errno: 4 });

test('an interrupted call is made again until it succeeds, each retry told', () => {
  let calls = 0;
  let retries = 0;
  const v = retryInterrupted(
    () => {
      calls++;
      if (calls <= 3) throw eintr();
      return 'socket';
    },
    () => retries++,
  );
  assert.equal(v, 'socket');
  assert.equal(calls, 4);
  assert.equal(retries, 3);
});

test('other errors are thrown at once, not retried', () => {
  let calls = 0;
  const emfile = Object.assign(new Error('Too many open files'), { code: 'EMFILE' });
  assert.throws(
    () =>
      retryInterrupted(() => {
        calls++;
        throw emfile;
      }),
    (e) => e === emfile,
  );
  assert.equal(calls, 1);
});

test('an interruption that does not stop is reported after the last retry', () => {
  let calls = 0;
  assert.throws(
    () =>
      retryInterrupted(() => {
        calls++;
        throw eintr();
      }),
    (e) => isInterrupted(e),
  );
  assert.equal(calls, DEFAULT_INTERRUPTED_RETRIES + 1);
});

test('isInterrupted reads the code only', () => {
  assert.equal(isInterrupted(eintr()), true);
  assert.equal(isInterrupted(new Error('EINTR')), false);
  assert.equal(isInterrupted(null), false);
  assert.equal(isInterrupted({ code: 'EAGAIN' }), false);
});
