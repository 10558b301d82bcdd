/**
 * Fuzz the daemon as an attacker and a careless neighbour would (issue 12):
 * the real CLI in a child process, fed over its tcp port with a seeded mix
 * of malformed, hostile and legitimate messages (scripts/lib/fuzz-kinds.ts),
 * plus 8 GiB frame headers on raw tcp and garbage on the local API socket,
 * while a legacy ipc consumer and a shim listener take the legitimate ones.
 *
 * Reports messages sent by kind, refusals and drops by reason (the daemon's
 * own counters), peak RSS (VmHWM) and file descriptors, log volume, and how
 * many legitimate messages were delivered. Exits 1 when the daemon died or a
 * legitimate message was lost.
 *
 *   npm run fuzz -- --messages 100000 [--seed 1] [--json] [--daemon-root DIR]
 *
 * `--daemon-root` runs another checkout's daemon (e.g. an older commit, to
 * measure before a fix); test/fuzz.test.ts runs a bounded run in `npm test`.
 */
import { connect } from 'node:net';
import * as zmq from 'zeromq';
import { ipcEndpoint } from '../src/wire/endpoints';
import { LocalApiClient } from '../test/support/localapi-client';
import { freeTcpPort } from '../test/support/ports';
import { zmtpHugeFrameAttack } from '../test/support/zmtp';
import { DaemonProc } from './lib/daemon-proc';
import { legitMarker, MessageFactory, readLegit, Rng, TCP_KINDS, type FuzzTarget, type TcpKind } from './lib/fuzz-kinds';

/** The local API kinds: garbage on the unix socket. */
export const API_KINDS = ['api_protocol', 'api_unknown_op', 'api_huge_op', 'api_partial', 'legit_api'] as const;
export type ApiKind = (typeof API_KINDS)[number];

export interface FuzzOptions {
  /** tcp messages to send (the raw-tcp and local API kinds come on top, about 1 per 100). */
  messages: number;
  seed?: number;
  /** Source tree of the daemon to run (default: this repository). */
  daemonRoot?: string;
  /** Progress lines (default: none). */
  progress?: (line: string) => void;
  /** How long to wait at the end for legitimate messages still in flight, in milliseconds. */
  settleMs?: number;
}

export interface FuzzReport {
  messages: number;
  seed: number;
  durationS: number;
  /** Messages (and connections, for raw tcp and local API kinds) sent by kind. */
  sent: Record<string, number>;
  /** The daemon's refusal, drop and error counters that moved. */
  refusals: Record<string, number>;
  legit: { sent: number; delivered: number; missing: number; byKind: Record<string, { sent: number; delivered: number }> };
  daemon: { alive: boolean; exit: string | null; peakRssMiB: number; endRssMiB: number; peakFds: number; endFds: number | null; logBytes: number; logLines: number };
}

/** Counters worth reporting: everything that refuses, drops, cuts or complains. */
const REFUSAL_COUNTER = /refused|dropped|disconnects|protocol_errors|read_timeouts|input_paused|errors\.|bad_envelope|overflow|orphaned|unheard|outlet\.bind_failed|uncatalogued/;

/** The fuzz daemon's nova.conf: small budgets so that the run reaches them (and their evictions) quickly. */
function fuzzConf(port: number, host: string, maxMessageSize: number): (ipcDir: string) => string[] {
  return (ipcDir) => [
    '[DEFAULT]',
    'rpc_zmq_bind_address = 127.0.0.1',
    `rpc_zmq_port = ${port}`,
    `rpc_zmq_host = ${host}`,
    `rpc_zmq_ipc_dir = ${ipcDir}`,
    'rpc_zmq_matchmaker = local',
    '[zmq_bridge]',
    `max_message_size = ${maxMessageSize}`,
    `topic_queue_bytes = ${4 * 1024 * 1024}`,
    `queue_bytes = ${32 * 1024 * 1024}`,
    'local_read_timeout = 2',
    `local_buffer_bytes = ${16 * 1024 * 1024}`,
    'reply_hold = 1',
  ];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function runFuzz(o: FuzzOptions): Promise<FuzzReport> {
  const seed = o.seed ?? 1;
  const rng = new Rng(seed);
  const say = o.progress ?? (() => {});
  const host = 'fuzzhost';
  const maxMessageSize = 1024 * 1024;
  const port = await freeTcpPort('127.0.0.1');
  const d = new DaemonProc({ conf: fuzzConf(port, host, maxMessageSize), root: o.daemonRoot, prefix: 'nzb-fuzz-' });
  const target: FuzzTarget = { host, maxMessageSize, legitTopic: `legit.${host}`, shimTopic: 'shimlegit', deadTopics: 200 };
  const factory = new MessageFactory(rng, target);
  const sent: Record<string, number> = {};
  const count = (k: string, n = 1) => (sent[k] = (sent[k] ?? 0) + n);
  const delivered = { legit_ipc: new Set<number>(), legit_shim: new Set<number>(), legit_api: new Set<number>() };
  let legitApiSent = 0;
  const sockets: zmq.Socket[] = [];
  const clients: LocalApiClient[] = [];
  const started = Date.now();
  let counters: Record<string, number> = {};
  try {
    await d.start();
    say(`daemon pid ${d.pid} on port ${port}`);

    // The legitimate consumers: a legacy ipc PULL, and a shim listener.
    const consumer = new zmq.Pull({ linger: 0 });
    sockets.push(consumer);
    consumer.connect(ipcEndpoint(d.ipcDir, target.legitTopic));
    const consuming = (async () => {
      try {
        for await (const frames of consumer) {
          const n = frames[3] ? readLegit(frames[3].toString('latin1'), 'legit_ipc') : null;
          if (n !== null) delivered.legit_ipc.add(n);
        }
      } catch {
        // closed
      }
    })();
    const shim = await LocalApiClient.connect(`${d.ipcDir}/nova-zmq-bridge.sock`);
    clients.push(shim);
    await shim.hello();
    await shim.listen({ topic: target.shimTopic }, (dl) => {
      for (const kind of ['legit_shim', 'legit_api'] as const) {
        const n = readLegit(dl.msg, kind);
        if (n !== null) delivered[kind].add(n);
      }
    });
    const apiCaster = await LocalApiClient.connect(`${d.ipcDir}/nova-zmq-bridge.sock`);
    clients.push(apiCaster);
    await apiCaster.hello();
    const garbageApi = await LocalApiClient.connect(`${d.ipcDir}/nova-zmq-bridge.sock`);
    clients.push(garbageApi);

    // Hostile senders: a few tcp PUSH connections, used in turn. Legitimate
    // messages come from a peer of their own, as on a real network: an
    // oversized frame cuts its sender's connection, and whatever that sender
    // had in flight behind it is lost with it.
    const push = () => {
      const p = new zmq.Push({ linger: 0, sendHighWaterMark: 10_000 });
      p.connect(`tcp://127.0.0.1:${port}`);
      sockets.push(p);
      return p;
    };
    const pushes = Array.from({ length: 3 }, push);
    const legitPeer = push();

    const pending: Promise<unknown>[] = [];
    const sideKind = (): 'raw_huge_header' | ApiKind => {
      const x = rng.next();
      if (x < 0.15) return 'raw_huge_header';
      if (x < 0.3) return 'api_protocol';
      if (x < 0.5) return 'api_unknown_op';
      if (x < 0.55) return 'api_huge_op';
      if (x < 0.6) return 'api_partial';
      return 'legit_api';
    };
    for (let i = 0; i < o.messages; i++) {
      if (!d.alive) break;
      const kind: TcpKind = factory.pickKind();
      count(kind);
      const via = kind === 'legit_ipc' || kind === 'legit_shim' ? legitPeer : pushes[i % pushes.length]!;
      await via.send(factory.build(kind));
      if (rng.next() < 0.01) {
        const side = sideKind();
        count(side);
        pending.push(sideAttack(side, port, d.ipcDir, garbageApi, apiCaster, target, () => legitApiSent++, rng));
      }
      if (i % 10_000 === 9_999) {
        const m = d.memory();
        say(`${i + 1} sent; rss ${m?.lastMiB} MiB (peak ${m?.peakMiB}), fds ${d.fds()}, logs ${(d.logBytes / 1024).toFixed(0)} KiB`);
      }
    }
    await Promise.allSettled(pending);
    // Let the legitimate messages still queued arrive.
    const expected = () => factory.legitSent.legit_ipc + factory.legitSent.legit_shim + legitApiSent;
    const got = () => delivered.legit_ipc.size + delivered.legit_shim.size + delivered.legit_api.size;
    const until = Date.now() + (o.settleMs ?? 30_000);
    while (d.alive && got() < expected() && Date.now() < until) await sleep(50);
    if (d.alive) counters = (await shim.stats()) as Record<string, number>;
    consumer.close();
    await consuming;
  } finally {
    for (const s of sockets) if (!s.closed) s.close();
    for (const c of clients) await Promise.race([c.close(), sleep(1000)]);
  }
  const alive = d.alive;
  const mem = d.memory();
  const endFds = d.fds();
  await d.dispose();
  const refusals: Record<string, number> = {};
  for (const [k, v] of Object.entries(counters)) if (v > 0 && REFUSAL_COUNTER.test(k)) refusals[k] = v;
  const byKind = {
    legit_ipc: { sent: factory.legitSent.legit_ipc, delivered: delivered.legit_ipc.size },
    legit_shim: { sent: factory.legitSent.legit_shim, delivered: delivered.legit_shim.size },
    legit_api: { sent: legitApiSent, delivered: delivered.legit_api.size },
  };
  const legitSent = byKind.legit_ipc.sent + byKind.legit_shim.sent + byKind.legit_api.sent;
  const legitDelivered = byKind.legit_ipc.delivered + byKind.legit_shim.delivered + byKind.legit_api.delivered;
  return {
    messages: o.messages,
    seed,
    durationS: Math.round((Date.now() - started) / 100) / 10,
    sent,
    refusals,
    legit: { sent: legitSent, delivered: legitDelivered, missing: legitSent - legitDelivered, byKind },
    daemon: {
      alive,
      exit: d.exit ? String(d.exit.code ?? d.exit.signal) : null,
      peakRssMiB: mem?.peakMiB ?? 0,
      endRssMiB: mem?.lastMiB ?? 0,
      peakFds: d.peakFds,
      endFds,
      logBytes: d.logBytes,
      logLines: d.logLines,
    },
  };
}

/** One attack beside the tcp stream: a raw 8 GiB frame header, or something on the local API. */
async function sideAttack(
  kind: 'raw_huge_header' | ApiKind,
  port: number,
  ipcDir: string,
  garbageApi: LocalApiClient,
  apiCaster: LocalApiClient,
  t: FuzzTarget,
  nextLegit: () => number,
  rng: Rng,
): Promise<void> {
  const socketPath = `${ipcDir}/nova-zmq-bridge.sock`;
  switch (kind) {
    case 'raw_huge_header': {
      const raw = connect(port, '127.0.0.1');
      raw.on('error', () => {});
      raw.on('data', () => {});
      raw.once('connect', () => raw.write(zmtpHugeFrameAttack('PUSH')));
      // The daemon cuts it; don't wait long for that.
      await new Promise<void>((r) => {
        raw.once('close', () => r());
        setTimeout(() => {
          raw.destroy();
          r();
        }, 5_000).unref();
      });
      return;
    }
    case 'api_protocol': {
      const c = await LocalApiClient.connect(socketPath);
      // 0xc1 is never valid msgpack: a PROTOCOL answer and a closed connection.
      c.writeRaw(Buffer.concat([Buffer.from([0, 0, 0, 3, 0xc1]), rng.bytes(2)]));
      const until = Date.now() + 3_000;
      while (!c.closed && Date.now() < until) await sleep(50);
      await c.close();
      return;
    }
    case 'api_unknown_op':
      garbageApi.send({ op: rng.bytes(8).toString('hex') });
      return;
    case 'api_huge_op':
      garbageApi.send({ op: 'h'.repeat(1024 * 1024), rid: rng.int(1000) });
      return;
    case 'api_partial': {
      const c = await LocalApiClient.connect(socketPath);
      c.writeRaw(Buffer.concat([Buffer.from([0, 0x10, 0, 0]), rng.bytes(1024)]));
      // The daemon cuts it after local_read_timeout (2 s).
      const until = Date.now() + 10_000;
      while (!c.closed && Date.now() < until) await sleep(100);
      await c.close();
      return;
    }
    case 'legit_api': {
      const n = nextLegit();
      await apiCaster.cast({ topic: t.shimTopic }, '{}', JSON.stringify({ method: 'fuzz', args: { m: legitMarker('legit_api', n) } }));
      return;
    }
  }
}

function parseArgs(argv: string[]): FuzzOptions & { json: boolean } {
  const o: FuzzOptions & { json: boolean } = { messages: 10_000, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--messages') o.messages = Number(argv[++i]);
    else if (a === '--seed') o.seed = Number(argv[++i]);
    else if (a === '--daemon-root') o.daemonRoot = argv[++i];
    else if (a === '--json') o.json = true;
    else throw new Error(`unknown argument ${a} (use --messages N, --seed N, --daemon-root DIR, --json)`);
  }
  if (!Number.isInteger(o.messages) || o.messages < 1) throw new Error('--messages must be a positive integer');
  return o;
}

function printReport(r: FuzzReport): void {
  const lines = [
    `fuzz: ${r.messages} tcp messages, seed ${r.seed}, ${r.durationS} s`,
    'sent by kind:',
    ...Object.entries(r.sent)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `  ${k.padEnd(22)} ${v}`),
    'refusals, drops and errors (daemon counters):',
    ...Object.entries(r.refusals).map(([k, v]) => `  ${k.padEnd(40)} ${v}`),
    `legitimate: ${r.legit.delivered} of ${r.legit.sent} delivered (${r.legit.missing} missing)`,
    ...Object.entries(r.legit.byKind).map(([k, v]) => `  ${k.padEnd(22)} ${v.delivered} / ${v.sent}`),
    `daemon: ${r.daemon.alive ? 'alive' : `DEAD (exit ${r.daemon.exit})`}; peak RSS ${r.daemon.peakRssMiB} MiB, end ${r.daemon.endRssMiB} MiB; fds peak ${r.daemon.peakFds}, end ${r.daemon.endFds}; logs ${(r.daemon.logBytes / 1024).toFixed(0)} KiB in ${r.daemon.logLines} lines`,
  ];
  console.log(lines.join('\n'));
}

if (require.main === module) {
  const args = parseArgs(process.argv.slice(2));
  runFuzz({ ...args, progress: args.json ? undefined : (l) => console.log(l) }).then(
    (r) => {
      if (args.json) console.log(JSON.stringify(r, null, 2));
      else printReport(r);
      process.exit(r.daemon.alive && r.legit.missing === 0 ? 0 : 1);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}

export { TCP_KINDS };
