/**
 * SocketLoop (src/socket-loop.ts): the read loop and stop() shared by the
 * plaintext listener, the ZAP handler and the matchmaker service and client.
 * Real PUSH/PULL sockets over inproc in a context of the test's own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Context, Pull, Push } from 'zeromq';
import { SocketLoop } from '../src/socket-loop';
import { waitFor } from './support/wait';

let nextEndpoint = 0;

/** A bound PULL and a PUSH connected to it, in `context`. */
async function pair(context: Context): Promise<{ pull: Pull; push: Push }> {
  const endpoint = `inproc://socket-loop-${process.pid}-${nextEndpoint++}`;
  const pull = new Pull({ context, linger: 0 });
  await pull.bind(endpoint);
  const push = new Push({ context, linger: 0 });
  push.connect(endpoint);
  return { pull, push };
}

test('messages reach the handler in order; stop() closes the socket and returns once the loop ended, with no failure reported', async () => {
  const context = new Context();
  const { pull, push } = await pair(context);
  const loop = new SocketLoop<Pull>();
  const got: string[] = [];
  const failures: unknown[] = [];
  loop.run(pull, { message: (frames) => void got.push(frames[0]!.toString()), failed: (err) => failures.push(err) });
  assert.equal(loop.socket, pull);
  for (const m of ['a', 'b', 'c']) await push.send(m);
  await waitFor(() => got.length === 3, 10_000, 'three messages');
  assert.deepEqual(got, ['a', 'b', 'c']);
  await loop.stop();
  assert.equal(pull.closed, true);
  assert.equal(loop.socket, null);
  assert.deepEqual(failures, []);
  await loop.stop(); // a second stop has nothing to do
  push.close();
});

test("a handler's promise is awaited before the next message is read", async () => {
  const context = new Context();
  const { pull, push } = await pair(context);
  const loop = new SocketLoop<Pull>();
  const events: string[] = [];
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  loop.run(pull, {
    message: (frames) => {
      const m = frames[0]!.toString();
      events.push(`start ${m}`);
      if (m !== 'first') return;
      return held.then(() => void events.push('end first'));
    },
    failed: (err) => assert.fail(String(err)),
  });
  await push.send('first');
  await push.send('second');
  await waitFor(() => events.length === 1, 10_000, 'first message');
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(events, ['start first']);
  release();
  await waitFor(() => events.length === 3, 10_000, 'second message');
  assert.deepEqual(events, ['start first', 'end first', 'start second']);
  await loop.stop();
  push.close();
});

test('a handler that throws ends the loop and is reported with its socket; close() from the report lets go of the socket', async () => {
  const context = new Context();
  const { pull, push } = await pair(context);
  const loop = new SocketLoop<Pull>();
  const boom = new Error('boom');
  const reported: Array<{ err: unknown; sock: Pull }> = [];
  loop.run(pull, {
    message: () => {
      throw boom;
    },
    failed: (err, sock) => {
      reported.push({ err, sock });
      loop.close();
    },
  });
  await push.send('x');
  await waitFor(() => reported.length === 1, 10_000, 'failure reported');
  assert.equal(reported[0]!.err, boom);
  assert.equal(reported[0]!.sock, pull);
  assert.equal(loop.socket, null);
  assert.equal(pull.closed, true);
  await loop.stop();
  push.close();
});
