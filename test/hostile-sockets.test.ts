/**
 * Every ZeroMQ socket of the daemon that reads from the network bounds the
 * frames it accepts (libzmq ZMQ_MAXMSGSIZE; issue 12, item 2), not only the
 * receiver's (test/hostile-receiver.test.ts): the broker role's service
 * sockets, the broker / topic scheduler matchmakers' client sockets, and the
 * sender's PUSH sockets to peers (a peer never sends anything back on them,
 * so anything it sends is hostile). A hostile peer's frame header declaring
 * 8 GiB must make libzmq cut the connection at once instead of reserving
 * the memory and waiting. Real sockets; the hostile peer is plain tcp.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { MatchmakerService } from '../src/broker/service';
import { WorkerRegistry } from '../src/broker/registry';
import { ServiceClient } from '../src/matchmaker/service-client';
import { Sender } from '../src/sender/sender';
import { Counters } from '../src/metrics/counters';
import { silentLogger } from '../src/log';
import { freeTcpPort, testConfig } from './support/config';
import { waitFor } from './support/wait';
import { zmtpHugeFrameAttack } from './support/zmtp';

/** A plain tcp client that plays `socketType` and sends a huge frame header; resolves once the far end cuts it. */
async function attackServer(port: number, socketType: string): Promise<void> {
  const raw = connect(port, '127.0.0.1');
  let closed = false;
  raw.on('close', () => (closed = true));
  raw.on('error', () => {});
  raw.on('data', () => {});
  try {
    await new Promise<void>((r) => raw.once('connect', () => r()));
    raw.write(zmtpHugeFrameAttack(socketType));
    await waitFor(() => closed, 10_000, `the ${socketType}'s peer to cut the connection of the 8 GiB frame`);
  } finally {
    raw.destroy();
  }
}

/** A plain tcp server that plays `socketType` to whoever connects and sends each a huge frame header. */
async function hostileServer(socketType: string): Promise<{ port: number; server: Server; cut: () => number; close(): Promise<void> }> {
  const conns = new Set<Socket>();
  let cut = 0;
  const server = createServer((s) => {
    conns.add(s);
    s.on('error', () => {});
    s.on('data', () => {});
    s.on('close', () => {
      conns.delete(s);
      cut++;
    });
    s.write(zmtpHugeFrameAttack(socketType));
  });
  const port = await freeTcpPort('127.0.0.1');
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return {
    port,
    server,
    cut: () => cut,
    async close() {
      for (const c of conns) c.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

test("the broker role's service socket cuts a peer declaring an 8 GiB frame", async () => {
  const port = await freeTcpPort('127.0.0.1');
  const service = new MatchmakerService({
    name: 'broker',
    endpoint: `tcp://127.0.0.1:${port}`,
    registry: new WorkerRegistry(),
    log: silentLogger(),
    counters: new Counters(),
  });
  await service.start();
  try {
    await attackServer(port, 'DEALER');
  } finally {
    await service.stop();
  }
});

test('a matchmaker service client cuts a "service" that answers with an 8 GiB frame', async () => {
  const fake = await hostileServer('ROUTER');
  const client = new ServiceClient({ service: 'broker', endpoint: `tcp://127.0.0.1:${fake.port}`, log: silentLogger(), counters: new Counters() });
  client.start();
  try {
    await waitFor(() => fake.cut() >= 1, 10_000, 'the client to cut the hostile service');
  } finally {
    await client.stop();
    await fake.close();
  }
});

test('the sender cuts a "peer" that sends an 8 GiB frame back on its PUSH connection', async () => {
  const fake = await hostileServer('PULL');
  const sender = new Sender({ config: testConfig({ port: fake.port, host: 'self' }), log: silentLogger(), counters: new Counters(), local: null });
  try {
    sender.submit('127.0.0.1', [Buffer.from('0'), Buffer.from('t'), Buffer.from('cast'), Buffer.from('[]')], { topic: 't', msgId: '0' }).catch(() => {});
    await waitFor(() => fake.cut() >= 1, 10_000, 'the sender to cut the hostile peer');
    assert.ok(fake.cut() >= 1);
  } finally {
    sender.close();
    await fake.close();
  }
});
