/**
 * Nova's API end to end: the oslo.messaging client and server of bench/py,
 * run under the project's Python (`.venv/bin/python`: Debian's python with
 * system site-packages plus the shim) against whatever transport their
 * nova.conf names. The same code measures the bridge and RabbitMQ.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ProcessRegistry } from './lib/procs';
import type { DaemonGcFigures } from './lib/trace-gc';
import { waitFor } from './lib/net';
import { median, percentile, summarize, sum, type Summary } from './lib/stats';

export const REPO_ROOT = resolve(__dirname, '..');
export const PY_DIR = join(REPO_ROOT, 'bench', 'py');
/** Milliseconds a Python RPC server gets to import oslo and start listening. */
export const DEFAULT_SERVER_START_TIMEOUT_MS = 60_000;

export type Executor = 'threading' | 'eventlet';
export const EXECUTORS: Executor[] = ['threading', 'eventlet'];

export interface E2ESizes {
  rounds: number;
  /** Casts per round; 0 skips the cast phase (calls only). */
  casts: number;
  calls: number;
  concurrency: number;
  callsPerCaller: number;
  warmupCalls: number;
  /** Seconds before one call counts as lost. */
  callTimeout: number;
}

/** One side of the comparison: how its server and client are configured. */
export interface E2ETarget {
  transport: 'bridge' | 'rabbitmq';
  /** nova.conf of the server's host. */
  serverConf: string;
  /** nova.conf of the client's host. */
  clientConf: string;
  /** Target.server of the RPC server (the bridge: its daemon's rpc_zmq_host). */
  serverName: string;
  /**
   * Processes on the call path besides the client and the server, whose CPU
   * and scheduling per call the client reports: name -> pid, or
   * `pgid:<n>` for a whole process group (RabbitMQ's wrapper and VM).
   */
  watch?: Record<string, string>;
}

/** Per call, one process of the path (bench/py/procwatch.py): CPU and run-queue wait in us, context switches. */
export interface ProcFigures {
  cpu_us: number;
  wait_us: number;
  cs: number;
  preempt: number;
}

/** The client process's GC pauses during a phase. */
export interface GcFigures {
  count: number;
  total_ms: number;
  max_ms: number;
}

interface RawPhase {
  calls: number;
  lost: number;
  per_s: number;
  latencies_ms: number[];
  errors: string[];
  procs?: Record<string, ProcFigures>;
  gc?: GcFigures;
}

interface RawRound {
  casts: { sent: number; received: number; unique: number; lost: number; per_s: number; send_per_s: number } | null;
  sequential: RawPhase;
  concurrent: RawPhase & { callers: number };
}

export interface E2EResult {
  transport: string;
  executor: Executor;
  ok: boolean;
  error?: string;
  castsPerSec?: Summary;
  castsLost?: number;
  /** How fast the client handed casts to its driver (an upper bound of casts/s). */
  castSendPerSec?: Summary;
  seqCallsPerSec?: Summary;
  seqP50Ms?: Summary;
  seqP99Ms?: Summary;
  concCallsPerSec?: Summary;
  concP50Ms?: Summary;
  concP99Ms?: Summary;
  lostReplies?: number;
  callsMade?: number;
  /** Per process of the path, per sequential call: the median over rounds of each figure. */
  seqProcs?: Record<string, ProcFigures>;
  /** The same for the concurrent phase. */
  concProcs?: Record<string, ProcFigures>;
  /** The client's GC pauses over all sequential phases. */
  seqGc?: GcFigures;
  /** The bridge daemons' GC pauses over the whole row, both daemons (bench/lib/trace-gc.ts). */
  daemonGc?: DaemonGcFigures;
  errorsSample?: string[];
  /** Seconds since the start of this row: server ready, client done, server stopped. */
  timings?: Record<string, number>;
  /** All call latencies of all rounds (ms), for the chart; not written to latest.json. */
  seqLatencies?: number[];
  concLatencies?: number[];
}

export function pythonBin(): string {
  const venv = join(REPO_ROOT, '.venv', 'bin', 'python');
  return existsSync(venv) ? venv : '/usr/bin/python3';
}

export async function runE2E(
  procs: ProcessRegistry,
  workDir: string,
  target: E2ETarget,
  executor: Executor,
  sizes: E2ESizes,
): Promise<E2EResult> {
  const tag = `${target.transport}-${executor}`;
  const t0 = Date.now();
  const timings: Record<string, number> = {};
  const mark = (k: string) => (timings[k] = (Date.now() - t0) / 1000);
  const readyFile = join(workDir, `${tag}-server.ready`);
  const outFile = join(workDir, `${tag}-client.json`);
  const py = pythonBin();
  const env = { ...process.env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' };
  const watch = Object.entries({ ...target.watch }).flatMap(([name, what]) => ['--watch', `${name}=${what}`]);
  const server = procs.spawn(
    `${tag} server`,
    py,
    [join(PY_DIR, 'bench_server.py'), '--config-file', target.serverConf, '--executor', executor, '--server', target.serverName, '--ready-file', readyFile],
    join(workDir, `${tag}-server.log`),
    { cwd: PY_DIR, env },
  );
  try {
    // The client starts at once (importing oslo takes a while) and waits
    // for the server's ready file itself before its first call.
    const client = procs.spawn(
      `${tag} client`,
      py,
      [
        join(PY_DIR, 'bench_client.py'),
        '--config-file', target.clientConf,
        '--executor', executor,
        '--server', target.serverName,
        '--rounds', String(sizes.rounds),
        '--casts', String(sizes.casts),
        '--calls', String(sizes.calls),
        '--concurrency', String(sizes.concurrency),
        '--calls-per-caller', String(sizes.callsPerCaller),
        '--warmup-calls', String(sizes.warmupCalls),
        '--call-timeout', String(sizes.callTimeout),
        '--wait-file', readyFile,
        '--out', outFile,
        ...(sizes.casts > 0 ? [] : ['--no-casts']),
        '--watch', `server=${server.pid}`,
        ...watch,
      ],
      join(workDir, `${tag}-client.log`),
      { cwd: PY_DIR, env },
    );
    try {
      await waitFor(
        `${tag} RPC server`,
        () => existsSync(readyFile),
        DEFAULT_SERVER_START_TIMEOUT_MS,
        () => (server.isRunning() ? null : `exited: ${server.tail(8)}`),
      );
    } catch (e) {
      await procs.stop(client);
      throw e;
    }
    mark('serverReadyS');
    const budgetMs = clientBudgetMs(sizes);
    const code = await Promise.race([client.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), budgetMs).unref())]);
    mark('clientDoneS');
    if (code === 'timeout') {
      await procs.stop(client);
      return { transport: target.transport, executor, ok: false, error: `client still running after ${Math.round(budgetMs / 1000)} s (stopped): ${client.tail(8)}` };
    }
    if (!existsSync(outFile)) return { transport: target.transport, executor, ok: false, error: `client exited (${code}) without results: ${client.tail(8)}` };
    const doc = JSON.parse(readFileSync(outFile, 'utf8')) as { rounds: RawRound[]; error?: string; warmup_errors?: string[] };
    if (!server.isRunning()) return { transport: target.transport, executor, ok: false, error: `server died during the run: ${server.tail(8)}` };
    if (doc.error || doc.rounds.length === 0) {
      return { transport: target.transport, executor, ok: false, error: doc.error ?? 'no rounds completed', errorsSample: doc.warmup_errors };
    }
    const result = summarizeRounds(target.transport, executor, doc.rounds);
    result.timings = timings;
    return result;
  } finally {
    await procs.stop(server);
    mark('serverStoppedS');
  }
}

/** Upper bound on a client run: start-up plus 50 ms per operation (far beyond any healthy run). */
function clientBudgetMs(sizes: E2ESizes): number {
  const ops = sizes.warmupCalls + sizes.rounds * (sizes.casts + sizes.calls + sizes.concurrency * sizes.callsPerCaller);
  return DEFAULT_SERVER_START_TIMEOUT_MS * 2 + ops * 50;
}

function summarizeRounds(transport: string, executor: Executor, rounds: RawRound[]): E2EResult {
  const errors = rounds.flatMap((r) => [...r.sequential.errors, ...r.concurrent.errors]).slice(0, 5);
  const seqLatencies = rounds.flatMap((r) => r.sequential.latencies_ms);
  const concLatencies = rounds.flatMap((r) => r.concurrent.latencies_ms);
  const casts = rounds.flatMap((r) => (r.casts ? [r.casts] : []));
  return {
    transport,
    executor,
    ok: true,
    ...(casts.length
      ? {
          castsPerSec: summarize(casts.map((c) => c.per_s)),
          castsLost: sum(casts.map((c) => c.lost)),
          castSendPerSec: summarize(casts.map((c) => c.send_per_s)),
        }
      : {}),
    seqCallsPerSec: summarize(rounds.map((r) => r.sequential.per_s)),
    seqP50Ms: summarize(rounds.map((r) => percentile(r.sequential.latencies_ms, 50))),
    seqP99Ms: summarize(rounds.map((r) => percentile(r.sequential.latencies_ms, 99))),
    concCallsPerSec: summarize(rounds.map((r) => r.concurrent.per_s)),
    concP50Ms: summarize(rounds.map((r) => percentile(r.concurrent.latencies_ms, 50))),
    concP99Ms: summarize(rounds.map((r) => percentile(r.concurrent.latencies_ms, 99))),
    lostReplies: sum(rounds.map((r) => r.sequential.lost + r.concurrent.lost)),
    callsMade: sum(rounds.map((r) => r.sequential.calls + r.concurrent.calls)),
    errorsSample: errors,
    seqProcs: medianProcs(rounds.map((r) => r.sequential.procs)),
    concProcs: medianProcs(rounds.map((r) => r.concurrent.procs)),
    seqGc: sumGc(rounds.map((r) => r.sequential.gc)),
    seqLatencies,
    concLatencies,
  };
}

/** Per process, the median over rounds of each per-call figure (rounds without figures are skipped). */
export function medianProcs(perRound: (Record<string, ProcFigures> | undefined)[]): Record<string, ProcFigures> | undefined {
  const rounds = perRound.filter((p): p is Record<string, ProcFigures> => !!p);
  if (rounds.length === 0) return undefined;
  const out: Record<string, ProcFigures> = {};
  for (const name of Object.keys(rounds[0]!)) {
    const of = (k: keyof ProcFigures) => median(rounds.flatMap((r) => (r[name] ? [r[name]![k]] : [])));
    out[name] = { cpu_us: of('cpu_us'), wait_us: of('wait_us'), cs: of('cs'), preempt: of('preempt') };
  }
  return out;
}

function sumGc(perRound: (GcFigures | undefined)[]): GcFigures | undefined {
  const rounds = perRound.filter((g): g is GcFigures => !!g);
  if (rounds.length === 0) return undefined;
  return { count: sum(rounds.map((g) => g.count)), total_ms: sum(rounds.map((g) => g.total_ms)), max_ms: Math.max(...rounds.map((g) => g.max_ms)) };
}

/** A nova.conf for one Python host of the comparison. */
export function writeNovaConf(path: string, sections: Record<string, Record<string, string | number>>): string {
  const text = Object.entries(sections)
    .map(([group, opts]) => `[${group}]\n` + Object.entries(opts).map(([k, v]) => `${k} = ${v}`).join('\n'))
    .join('\n\n');
  writeFileSync(path, text + '\n');
  return path;
}
