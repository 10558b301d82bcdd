/**
 * Receiver throughput beside a raw zeromq.js PUSH->PULL, in one run.
 *
 *   node --import tsx bench/receiver-throughput.ts [--messages N] [--size BYTES] [--rounds R]
 *
 * Both runs use the same sender and consumer code in this process:
 *  - raw:      PUSH --tcp--> PULL (both here);
 *  - receiver: PUSH --tcp--> daemon (a real `src/cli.ts` subprocess, as
 *              deployed) --ipc PUSH--> PULL here, a legacy consumer's path.
 *  - relay:    PUSH --tcp--> a minimal zeromq.js PULL->PUSH forwarder in a
 *              subprocess --ipc--> PULL here: the same hop as the receiver
 *              with none of its logic, to separate the cost of the extra hop
 *              (another process on shared cores) from the receiver's own.
 * The rate is messages / (first send -> last receive); each kind runs
 * `rounds` times, interleaved, and the median is reported. The exported
 * functions are reused by `npm run bench`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { compiledDaemonIsFresh, profilingNodeArgs } from './lib/daemon-args';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zmq from 'zeromq';
import { ipcEndpoint } from '../src/wire/endpoints';

/** Messages per measured run. */
export const DEFAULT_BENCH_MESSAGES = 50_000;
/** Messages sent first and not measured (connections, JIT, outlet creation). */
export const DEFAULT_BENCH_WARMUP = 2_000;
/** Rounds of each measurement; the median is reported. */
export const DEFAULT_BENCH_ROUNDS = 3;
/** Size of the cast body frame, in bytes. */
export const DEFAULT_BENCH_BODY_BYTES = 1024;
/** The receiver bench's port range (inclusive); `NZB_BENCH_PORTS=26000-26999` moves it (experiments beside a running bench). */
const [PORT_MIN, PORT_MAX] = (process.env.NZB_BENCH_PORTS ?? '20000-20999').split('-').map(Number) as [number, number];
const BENCH_TOPIC = 'bench.localhost';

export interface ThroughputResult {
  messages: number;
  seconds: number;
  msgsPerSec: number;
  /** Receiver runs only: the daemon's VmHWM (peak RSS) just before it was stopped, MiB. */
  daemonPeakMiB?: number;
}

export interface BenchOptions {
  messages?: number;
  warmup?: number;
  bodyBytes?: number;
  port?: number;
}

function randomPort(): number {
  return PORT_MIN + Math.floor(Math.random() * (PORT_MAX - PORT_MIN + 1));
}

/** A legacy cast message (4 frames) whose body frame is `bodyBytes` of valid cast JSON. */
export function benchFrames(bodyBytes = DEFAULT_BENCH_BODY_BYTES, topic = BENCH_TOPIC): Buffer[] {
  const head = '["{\\"user_id\\": \\"bench\\"}", {"method": "bench", "args": {"pad": "';
  const tail = '"}}]';
  const pad = Math.max(0, bodyBytes - head.length - tail.length);
  return [Buffer.from('0'), Buffer.from(topic), Buffer.from('cast'), Buffer.from(head + 'x'.repeat(pad) + tail)];
}

/** Send `count` messages (one send in flight) while `consumer` counts them; time first send -> last receive. */
async function pushThrough(push: zmq.Push, consumer: zmq.Pull, frames: Buffer[], count: number): Promise<number> {
  let received = 0;
  const consume = (async () => {
    while (received < count) {
      await consumer.receive();
      received++;
    }
  })();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await push.send(frames);
  await consume;
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function measure(push: zmq.Push, consumer: zmq.Pull, opts: BenchOptions): Promise<ThroughputResult> {
  const frames = benchFrames(opts.bodyBytes);
  const messages = opts.messages ?? DEFAULT_BENCH_MESSAGES;
  await pushThrough(push, consumer, frames, opts.warmup ?? DEFAULT_BENCH_WARMUP);
  const seconds = await pushThrough(push, consumer, frames, messages);
  return { messages, seconds, msgsPerSec: Math.round(messages / seconds) };
}

/** Raw zeromq.js PUSH -> PULL over loopback tcp, in this process. */
export async function measureRawPushPull(opts: BenchOptions = {}): Promise<ThroughputResult> {
  const port = opts.port ?? randomPort();
  const pull = new zmq.Pull({ linger: 0 });
  const push = new zmq.Push({ linger: 0 });
  try {
    await pull.bind(`tcp://127.0.0.1:${port}`);
    push.connect(`tcp://127.0.0.1:${port}`);
    return await measure(push, pull, opts);
  } finally {
    push.close();
    pull.close();
  }
}

export interface RunningDaemon {
  port: number;
  ipcDir: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * How to run the daemon: the compiled `dist/src/cli.js` (as deployed, so its
 * memory is what production sees) when it is at least as new as every file
 * under src/ (`npx tsc -p tsconfig.json`), else the sources through tsx.
 * The profiling variables of bench/lib/daemon-args.ts add node flags.
 */
export function benchDaemonCommand(root = join(__dirname, '..')): string[] {
  const extra = profilingNodeArgs();
  if (compiledDaemonIsFresh(root)) return [...extra, join(root, 'dist', 'src', 'cli.js')];
  return [...extra, '--import', 'tsx', join(root, 'src', 'cli.ts')];
}

/** VmHWM (peak RSS) of a live process, MiB; undefined once it is gone. */
export function peakRssMiB(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round((Number(m[1]) / 1024) * 10) / 10 : undefined;
  } catch {
    return undefined;
  }
}

/** Start the real daemon (compiled when up to date, see {@link benchDaemonCommand}) on loopback with a fresh ipc dir; resolves once it logs "daemon started". */
export async function startBenchDaemon(port = randomPort()): Promise<RunningDaemon> {
  const root = join(__dirname, '..');
  const dir = mkdtempSync(join(tmpdir(), 'nzb-bench-'));
  const ipcDir = join(dir, 'ipc');
  const conf = join(dir, 'nova.conf');
  writeFileSync(
    conf,
    `[DEFAULT]\nrpc_zmq_bind_address = 127.0.0.1\nrpc_zmq_port = ${port}\nrpc_zmq_ipc_dir = ${ipcDir}\nrpc_zmq_host = localhost\n`,
  );
  const args = benchDaemonCommand(root);
  const child = spawn(process.execPath, [...args, '--config-file', conf, '--log-level', 'info'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let exited: number | null | undefined;
  child.stdout!.on('data', (d: Buffer) => {
    if (out.length < 1 << 16) out += d.toString();
  });
  child.on('exit', (code) => (exited = code));
  const until = Date.now() + 30_000;
  while (!out.includes('daemon started')) {
    if (exited !== undefined || Date.now() > until) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`bench daemon did not start (exit ${exited}):\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    port,
    ipcDir,
    process: child,
    async stop() {
      if (exited === undefined) {
        child.kill('SIGTERM');
        const stopBy = Date.now() + 10_000;
        while (exited === undefined && Date.now() < stopBy) await new Promise((r) => setTimeout(r, 20));
        if (exited === undefined) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** tcp -> daemon receiver -> ipc PUSH -> a legacy-style PULL consumer here. */
export async function measureReceiver(opts: BenchOptions = {}): Promise<ThroughputResult> {
  const daemon = await startBenchDaemon(opts.port);
  const push = new zmq.Push({ linger: 0 });
  const consumer = new zmq.Pull({ linger: 0 });
  try {
    push.connect(`tcp://127.0.0.1:${daemon.port}`);
    consumer.connect(ipcEndpoint(daemon.ipcDir, BENCH_TOPIC));
    const result = await measure(push, consumer, opts);
    return { ...result, daemonPeakMiB: peakRssMiB(daemon.process.pid) };
  } finally {
    push.close();
    consumer.close();
    await daemon.stop();
  }
}

/** The minimal forwarder of the relay baseline: PULL on tcp, every message straight to a bound ipc PUSH. */
const RELAY_SOURCE = `
const zmq = require('zeromq');
(async () => {
  const pull = new zmq.Pull(); await pull.bind('tcp://127.0.0.1:' + process.argv[1]);
  const push = new zmq.Push(); await push.bind(process.argv[2]);
  process.stdout.write('ready\\n');
  for (;;) { const m = await pull.receive(); await push.send(m); }
})();
`;

/** tcp -> minimal zeromq.js relay subprocess -> ipc PULL here. */
export async function measureRawRelay(opts: BenchOptions = {}): Promise<ThroughputResult> {
  const port = opts.port ?? randomPort();
  const dir = mkdtempSync(join(tmpdir(), 'nzb-relay-'));
  const endpoint = `ipc://${dir}/relay`;
  const child = spawn(process.execPath, ['-e', RELAY_SOURCE, String(port), endpoint], { cwd: join(__dirname, '..'), stdio: ['ignore', 'pipe', 'inherit'] });
  const push = new zmq.Push({ linger: 0 });
  const consumer = new zmq.Pull({ linger: 0 });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout!.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`relay exited with ${code}`)));
    });
    push.connect(`tcp://127.0.0.1:${port}`);
    consumer.connect(endpoint);
    return await measure(push, consumer, opts);
  } finally {
    push.close();
    consumer.close();
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface ReceiverThroughputReport {
  bodyBytes: number;
  rounds: number;
  /** Medians over the rounds. */
  raw: ThroughputResult;
  relay: ThroughputResult;
  receiver: ThroughputResult;
  /** receiver / raw PUSH->PULL. */
  ratio: number;
  /** receiver / minimal relay: the receiver's own overhead. */
  ratioToRelay: number;
  /** Every round's msgs/s, per kind. */
  samples: { raw: number[]; relay: number[]; receiver: number[] };
  /** Every receiver round's daemon peak RSS (VmHWM), MiB. */
  daemonPeakMiB: (number | undefined)[];
}

function median(results: ThroughputResult[]): ThroughputResult {
  const sorted = [...results].sort((a, b) => a.msgsPerSec - b.msgsPerSec);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** Raw, relay and receiver, interleaved for `rounds` rounds in the same session. */
export async function runReceiverThroughput(opts: BenchOptions & { rounds?: number } = {}): Promise<ReceiverThroughputReport> {
  const rounds = Math.max(1, opts.rounds ?? DEFAULT_BENCH_ROUNDS);
  const runs = { raw: [] as ThroughputResult[], relay: [] as ThroughputResult[], receiver: [] as ThroughputResult[] };
  for (let i = 0; i < rounds; i++) {
    runs.raw.push(await measureRawPushPull({ ...opts, port: undefined }));
    runs.relay.push(await measureRawRelay({ ...opts, port: undefined }));
    runs.receiver.push(await measureReceiver({ ...opts, port: undefined }));
  }
  const raw = median(runs.raw);
  const relay = median(runs.relay);
  const receiver = median(runs.receiver);
  return {
    bodyBytes: opts.bodyBytes ?? DEFAULT_BENCH_BODY_BYTES,
    rounds,
    raw,
    relay,
    receiver,
    ratio: round3(receiver.msgsPerSec / raw.msgsPerSec),
    ratioToRelay: round3(receiver.msgsPerSec / relay.msgsPerSec),
    samples: {
      raw: runs.raw.map((r) => r.msgsPerSec),
      relay: runs.relay.map((r) => r.msgsPerSec),
      receiver: runs.receiver.map((r) => r.msgsPerSec),
    },
    daemonPeakMiB: runs.receiver.map((r) => r.daemonPeakMiB),
  };
}

function argValue(name: string): number | undefined {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : Number(process.argv[i + 1]);
}

if (require.main === module) {
  runReceiverThroughput({ messages: argValue('--messages'), bodyBytes: argValue('--size'), warmup: argValue('--warmup'), rounds: argValue('--rounds') })
    .then((r) => {
      process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      process.exit(0);
    })
    .catch((err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    });
}
