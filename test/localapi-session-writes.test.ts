/**
 * A Session's writes over a real unix socket: the first frame of a tick
 * leaves at once, the others written in the same tick are held and leave
 * together when the tick ends (one writev, one wake-up of the shim), all in
 * order; frames of later ticks and a closing session still get out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../src/log';
import { Counters } from '../src/metrics/counters';
import { FrameDecoder } from '../src/localapi/framing';
import { Session } from '../src/localapi/session';
import { waitFor } from './support/wait';

interface Pair {
  session: Session;
  daemonSide: Socket;
  received: Record<string, unknown>[];
  close(): Promise<void>;
}

/** A Session on the daemon side of a fresh unix socket, and what its peer decodes. */
async function sessionPair(): Promise<Pair> {
  const dir = mkdtempSync(join(os.tmpdir(), 'nzb-session-'));
  const path = join(dir, 'api.sock');
  let server: Server | null = null;
  const accepted = new Promise<Socket>((resolve) => {
    server = createServer((s) => resolve(s));
    server.listen(path);
  });
  const shim = createConnection(path);
  const daemonSide = await accepted;
  const received: Record<string, unknown>[] = [];
  const decoder = new FrameDecoder();
  shim.on('data', (chunk: Buffer) => received.push(...decoder.push(chunk)));
  const session = new Session(1, daemonSide, { log: silentLogger(), counters: new Counters() });
  return {
    session,
    daemonSide,
    received,
    close: async () => {
      shim.destroy();
      daemonSide.destroy();
      await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

test('the first frame of a tick leaves at once, the rest at its end, all in order', async () => {
  const p = await sessionPair();
  try {
    p.session.ok(1);
    assert.equal(p.daemonSide.writableLength, 0, 'a lone frame is not held');
    p.session.reply(2, { result: '"two"' });
    p.session.ok(3);
    // Still in the tick that wrote them: the second and third wait for its end.
    assert.ok(p.daemonSide.writableLength > 0, 'the later frames of this tick are held');
    await new Promise((r) => setImmediate(r));
    assert.equal(p.daemonSide.writableLength, 0, 'and leave when the tick ends');
    await waitFor(() => p.received.length === 3, 5_000, 'three frames at the shim');
    assert.deepEqual(
      p.received.map((f) => f.rid),
      [1, 2, 3],
    );
    assert.equal(p.received[1]!.result, '"two"');
  } finally {
    await p.close();
  }
});

test('frames of later ticks and of a session that ends in the same tick get out too', async () => {
  const p = await sessionPair();
  try {
    p.session.ok(1);
    await new Promise((r) => setImmediate(r));
    p.session.ok(2);
    p.session.end();
    await waitFor(() => p.received.length === 2, 5_000, 'both frames at the shim');
    assert.deepEqual(
      p.received.map((f) => f.rid),
      [1, 2],
    );
  } finally {
    await p.close();
  }
});
