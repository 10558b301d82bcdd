/**
 * `npm run bench`: every figure of issue 5 on this machine, in one
 * invocation.
 *
 *   npm run bench                 full mode (several minutes)
 *   npm run bench -- --quick      quick mode (well under a minute)
 *   npm run bench -- --curve      the cost of CURVE only: bridge with and without
 *                                 `security = curve`, same run (bench/curve.ts);
 *                                 --update-docs writes it into docs/security.md
 *   options: --no-rabbitmq, --no-bridge, --no-throughput, --no-local, --no-hog, --update-readme,
 *            --results-dir DIR (default bench-results/),
 *            --no-scale, --scale-only (the scale part, bench/scale.ts)
 *
 * (1) raw zeromq.js PUSH->PULL and (2) the receiver, via
 * bench/receiver-throughput.ts; (3) oslo.messaging RPCClient -> shim ->
 * daemon -> daemon -> shim -> RPCServer across 127.0.0.3 -> 127.0.0.2, and
 * (4) the same Python code over a private RabbitMQ, both executors; then
 * calls only: (5) client and server on one daemon (an all-in-one host, no
 * tcp), and (6) bridge and RabbitMQ again beside a CPU hog (one nice-19
 * busy loop per core). Every call row also reports where the time went:
 * CPU, run-queue wait and context switches per call of each process on the
 * path (bench/py/procwatch.py). Every figure is the median of its rounds
 * with min and max. Everything started here is stopped here, on failure and
 * on Ctrl-C too.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import * as zmq from 'zeromq';
import { ProcessRegistry } from './lib/procs';
import { EXECUTORS, REPO_ROOT, pythonBin, runE2E, writeNovaConf, type E2EResult, type E2ESizes, type Executor } from './e2e';
import { bridgeUnavailable, buildDaemon, startBridgePair } from './bridge';
import { rabbitAvailable, startRabbit, type RabbitHandle } from './rabbitmq';
import { startCpuHog } from './lib/hog';
import { summarizeGcPauses } from './lib/trace-gc';
import { runThroughput, type ThroughputSizes } from './receiver';
import { renderCurveTable, runCurveComparison, writeCurveResults } from './curve';
import { FULL_SCALE, QUICK_SCALE, runScale, type ScaleReport } from './scale';
import { writeScaleResults } from './scale-report';
import {
  computeChecks,
  computeRatios,
  isUnavailable,
  renderChecks,
  renderLatencySvg,
  renderMachine,
  renderTable,
  renderTimeTable,
  type BenchDoc,
  type LatencySeries,
  type MachineInfo,
  type Maybe,
} from './report';

interface ModeSizes {
  throughput: ThroughputSizes;
  e2e: E2ESizes;
  /** Calls-only rows: (5) same daemon and (6) beside a CPU hog. */
  latency: E2ESizes;
}

/** Quick: a smoke run of every row, well under a minute; figures are indicative only. */
export const QUICK_SIZES: ModeSizes = {
  throughput: { rounds: 3, messages: 10_000, warmup: 1_000, relay: false },
  e2e: { rounds: 3, casts: 200, calls: 100, concurrency: 16, callsPerCaller: 8, warmupCalls: 20, callTimeout: 10 },
  latency: { rounds: 2, casts: 0, calls: 100, concurrency: 16, callsPerCaller: 8, warmupCalls: 20, callTimeout: 10 },
};
/** Full: the figures to quote. */
export const FULL_SIZES: ModeSizes = {
  throughput: { rounds: 5, messages: 100_000, warmup: 5_000, relay: true },
  e2e: { rounds: 5, casts: 3_000, calls: 1_000, concurrency: 16, callsPerCaller: 100, warmupCalls: 100, callTimeout: 30 },
  latency: { rounds: 3, casts: 0, calls: 1_000, concurrency: 16, callsPerCaller: 50, warmupCalls: 100, callTimeout: 30 },
};

const README_BEGIN = '<!-- bench:begin -->';
const README_END = '<!-- bench:end -->';

interface Args {
  mode: 'quick' | 'full';
  rabbitmq: boolean;
  bridge: boolean;
  throughput: boolean;
  local: boolean;
  hog: boolean;
  updateReadme: boolean;
  resultsDir: string;
  /** Only the CURVE cost comparison (bench/curve.ts). */
  curve: boolean;
  updateDocs: boolean;
  /** The scale part (bench/scale.ts); `scaleOnly` skips every other part. */
  scale: boolean;
  scaleOnly: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { mode: 'full', rabbitmq: true, bridge: true, throughput: true, local: true, hog: true, updateReadme: false, resultsDir: join(REPO_ROOT, 'bench-results'), curve: false, updateDocs: false, scale: true, scaleOnly: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--quick') a.mode = 'quick';
    else if (arg === '--full') a.mode = 'full';
    else if (arg === '--no-rabbitmq') a.rabbitmq = false;
    else if (arg === '--no-bridge') a.bridge = false;
    else if (arg === '--no-throughput') a.throughput = false;
    else if (arg === '--no-local') a.local = false;
    else if (arg === '--no-hog') a.hog = false;
    else if (arg === '--update-readme') a.updateReadme = true;
    else if (arg === '--results-dir') a.resultsDir = argv[++i] ?? a.resultsDir;
    else if (arg === '--curve') a.curve = true;
    else if (arg === '--update-docs') a.updateDocs = true;
    else if (arg === '--no-scale') a.scale = false;
    else if (arg === '--scale-only') Object.assign(a, { scaleOnly: true, scale: true, rabbitmq: false, throughput: false, local: false, hog: false });
    else throw new Error(`unknown option ${arg} (use --quick, --full, --curve, --no-rabbitmq, --no-bridge, --no-throughput, --no-local, --no-hog, --no-scale, --scale-only, --update-readme, --update-docs, --results-dir DIR)`);
  }
  if (process.env.NZB_BENCH_MODE === 'quick') a.mode = 'quick';
  return a;
}

const log = (s: string) => process.stderr.write(`${s}\n`);

function machineInfo(python: string): MachineInfo {
  const dpkg = (pkg: string) => {
    try {
      return execFileSync('dpkg-query', ['-W', '-f=${Version}', pkg], { encoding: 'utf8' }).trim() || null;
    } catch {
      return null;
    }
  };
  let py: [string, string, string, string] | null = null;
  try {
    const code = 'import sys, json, importlib.metadata as m, zmq\nprint(json.dumps([sys.version.split()[0], m.version("oslo.messaging"), m.version("eventlet"), zmq.zmq_version()]))';
    py = JSON.parse(execFileSync(python, ['-c', code], { encoding: 'utf8', cwd: '/' }).trim());
  } catch {
    py = null;
  }
  return {
    nproc: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: os.totalmem() / 2 ** 30,
    kernel: os.release(),
    node: process.version,
    libzmqNode: zmq.version,
    python: py?.[0] ?? null,
    osloMessaging: py?.[1] ?? null,
    eventlet: py?.[2] ?? null,
    pyzmqLibzmq: py?.[3] ?? null,
    rabbitmq: dpkg('rabbitmq-server'),
    erlang: dpkg('erlang-base'),
  };
}

function describeSizes(sz: E2ESizes): string {
  const casts = sz.casts > 0 ? `${sz.casts} casts, ` : '';
  return `${sz.rounds} rounds x (${casts}${sz.calls} sequential calls, ${sz.concurrency}x${sz.callsPerCaller} concurrent calls)`;
}

function describe(r: E2EResult): string {
  if (!r.ok) return `failed: ${r.error}`;
  const f = (x: number | undefined) => (x === undefined ? '?' : x < 100 ? x.toFixed(2) : Math.round(x));
  const casts = r.castsPerSec ? `casts ${f(r.castsPerSec.median)}/s, ` : '';
  return `${casts}seq ${f(r.seqCallsPerSec?.median)} calls/s p50 ${f(r.seqP50Ms?.median)} ms p99 ${f(r.seqP99Ms?.median)} ms, 16 callers ${f(r.concCallsPerSec?.median)} calls/s, lost ${r.lostReplies}/${r.callsMade}`;
}

/** `--curve`: the bridge with and without CURVE, alternating, nothing else. */
async function curveMain(args: Args, sizes: ModeSizes): Promise<number> {
  const workDir = mkdtempSync(join(os.tmpdir(), 'nzb-bench-curve-'));
  const procs = new ProcessRegistry();
  const python = pythonBin();
  const missing = bridgeUnavailable(python);
  if (missing) {
    log(`cannot measure CURVE: ${missing}`);
    return 1;
  }
  const t0 = Date.now();
  try {
    log('building the daemon (tsc)...');
    const built = await buildDaemon(join(workDir, 'tsc.log'));
    log(`CURVE cost, ${args.mode} mode: ${sizes.e2e.rounds} alternating rounds per side, threading executor`);
    const c = await runCurveComparison(procs, workDir, built.command, 'threading', sizes.e2e, log);
    const m = machineInfo(python);
    const header = `${new Date().toISOString()} · ${args.mode} mode · ${Math.round((Date.now() - t0) / 1000)} s · ${m.nproc} CPUs (${m.cpuModel}), Node ${m.node} (libzmq ${m.libzmqNode}), daemons ${built.compiled ? 'compiled' : 'through tsx'}; oslo.messaging RPCClient -> shim -> daemon 127.0.0.3 -> daemon 127.0.0.2 -> shim -> RPCServer`;
    const md = renderCurveTable(c, header);
    writeCurveResults(args.resultsDir, c, md);
    if (args.updateDocs) replaceBlock(join(REPO_ROOT, 'docs', 'security.md'), '<!-- curve-cost:begin -->', '<!-- curve-cost:end -->', md);
    process.stdout.write(`\n${md}\n\nResults: ${join(args.resultsDir, 'curve-latest.json')}\n`);
    return 0;
  } finally {
    await procs.stopAll();
    procs.dispose();
    saveLogs(workDir, join(args.resultsDir, 'logs'));
    rmSync(workDir, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const sizes = args.mode === 'quick' ? QUICK_SIZES : FULL_SIZES;
  if (args.curve) return curveMain(args, sizes);
  const t0 = Date.now();
  const date = new Date().toISOString();
  const loadAtStart = os.loadavg()[0]!;
  const workDir = mkdtempSync(join(os.tmpdir(), 'nzb-bench-'));
  const procs = new ProcessRegistry();
  const python = pythonBin();
  const notes: string[] = [];
  const stopOnSignal = (sig: NodeJS.Signals) => {
    log(`\n${sig}: stopping everything the bench started...`);
    // stopAll also refuses new children, so the phase that was running fails fast.
    void procs.stopAll().finally(() => {
      rmSync(workDir, { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);

  let scale: ScaleReport | null = null;
  const e2e: BenchDoc['e2e'] = { bridge: {} as Record<Executor, Maybe<E2EResult>>, rabbitmq: {} as Record<Executor, Maybe<E2EResult>> };
  let throughput: BenchDoc['throughput'] = { unavailable: 'skipped (--no-throughput)' };
  let bridgeRss: BenchDoc['bridgeDaemonRssMiB'] = { unavailable: 'bridge rows did not run' };
  let local: BenchDoc['local'] = { unavailable: 'skipped (--no-local)' };
  let busy: BenchDoc['hog'] = { unavailable: 'skipped (--no-hog)' };
  const latencySeries: LatencySeries[] = [];
  const palette: Record<string, string> = { 'bridge-threading': '#1f5fbf', 'bridge-eventlet': '#17a2a2', 'rabbitmq-threading': '#e07b00', 'rabbitmq-eventlet': '#c0392b' };
  const addSeries = (r: Maybe<E2EResult>) => {
    if (isUnavailable(r) || !r.ok) return;
    const color = palette[`${r.transport}-${r.executor}`] ?? '#444';
    latencySeries.push({ label: `${r.transport} ${r.executor}, sequential`, values: r.seqLatencies ?? [], color, dashed: false });
    latencySeries.push({ label: `${r.transport} ${r.executor}, 16 callers`, values: r.concLatencies ?? [], color, dashed: true });
  };

  log(`nova-zmq-bridge bench, ${args.mode} mode; work dir ${workDir}`);
  const bridgeMissing = args.bridge ? bridgeUnavailable(python) : 'skipped (--no-bridge)';
  const rabbitMissing = !args.rabbitmq ? 'skipped (--no-rabbitmq)' : rabbitAvailable();
  // RabbitMQ boots (several seconds of CPU) while the daemon compiles, before
  // anything is measured; idle, it costs well under 1% of a core meanwhile.
  let rabbitStarting: Promise<RabbitHandle | Error> | null = null;
  if (!rabbitMissing) {
    log('(4) starting a private RabbitMQ on 127.0.0.1 (in the background)...');
    rabbitStarting = startRabbit(procs, workDir).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
  }
  let phaseT0 = Date.now();
  const phase = (what: string) => {
    log(`    [${what}: ${((Date.now() - phaseT0) / 1000).toFixed(1)} s]`);
    phaseT0 = Date.now();
  };
  try {
    // The daemons (3) run compiled; build first so (1)/(2) are not disturbed.
    let daemonCmd: string[] | null = null;
    if (!bridgeMissing) {
      log('building the daemon (tsc)...');
      const built = await buildDaemon(join(workDir, 'tsc.log'));
      daemonCmd = built.command;
      notes.push(`bridge daemons: ${built.note}`);
    }
    if (rabbitStarting) await rabbitStarting;
    phase('build and RabbitMQ start');

    if (args.throughput) {
      if (!existsSync(join(REPO_ROOT, 'src', 'cli.ts'))) {
        throughput = { unavailable: 'the daemon (src/cli.ts) is not in the tree yet' };
      } else {
        log(`(1)+(2) raw PUSH->PULL and receiver: ${sizes.throughput.rounds} rounds x ${sizes.throughput.messages} msgs of 1 KB`);
        try {
          throughput = await runThroughput(sizes.throughput, log);
        } catch (e) {
          throughput = { unavailable: `failed: ${(e as Error).message}` };
        }
        phase('(1)+(2)');
      }
    }

    // Bridge and RabbitMQ rows alternate (A B, then B A) so a change of load
    // on the shared machine hits both sides of each ratio alike.
    const rabbit = rabbitMissing ? null : await rabbitStarting!;
    let rabbitConf: string | null = null;
    if (rabbit && !(rabbit instanceof Error)) {
      notes.push(`RabbitMQ ${rabbit.version ?? ''} on 127.0.0.1:${rabbit.amqpPort}, started in ${rabbit.startSeconds.toFixed(1)} s`);
      rabbitConf = writeNovaConf(join(workDir, 'rabbit-nova.conf'), { DEFAULT: { transport_url: rabbit.url } });
    }
    const peaks: Record<string, number> = {};
    /** One bridge row: a fresh daemon pair; `local` puts client and server on the same daemon. */
    const measureBridge = async (ex: Executor, sz: E2ESizes, local: boolean, label: string): Promise<Maybe<E2EResult>> => {
      if (bridgeMissing) return { unavailable: bridgeMissing };
      log(`${label}: ${describeSizes(sz)}`);
      let pair;
      try {
        pair = await startBridgePair(procs, workDir, daemonCmd!, `${local ? 'local-' : ''}${ex}`);
      } catch (e) {
        return { unavailable: `daemons did not start: ${(e as Error).message}` };
      }
      let r: Maybe<E2EResult>;
      try {
        r = await runE2E(procs, workDir, local ? pair.localTarget : pair.target, ex, sz);
      } finally {
        const rss = await pair.stop();
        for (const [h, x] of Object.entries(rss)) peaks[h] = Math.max(peaks[h] ?? 0, x.peakMiB);
      }
      if (!isUnavailable(r) && r.ok) {
        // Collections once the daemons were up: their start-up's own are not the calls'.
        r.daemonGc = summarizeGcPauses(pair.gcPauses()) ?? undefined;
      }
      log(`    ${describe(r as E2EResult)}`);
      phase(label);
      return r;
    };
    const measureRabbit = async (ex: Executor, sz: E2ESizes, label: string): Promise<Maybe<E2EResult>> => {
      if (rabbitMissing || !rabbitConf) return { unavailable: rabbitMissing ?? `RabbitMQ did not start: ${(rabbit as Error).message}` };
      log(`${label}: ${describeSizes(sz)}`);
      const target = { transport: 'rabbitmq' as const, serverConf: rabbitConf, clientConf: rabbitConf, serverName: 'bench-server', watch: { rabbitmq: `pgid:${(rabbit as RabbitHandle).proc.pid}` } };
      const r = await runE2E(procs, workDir, target, ex, sz);
      log(`    ${describe(r as E2EResult)}`);
      phase(label);
      return r;
    };
    /** Bridge and RabbitMQ rows of both executors, alternating (A B, then B A). */
    const abba = async (sz: E2ESizes, tag: string, into: BenchDoc['e2e'], after?: (r: Maybe<E2EResult>) => void) => {
      for (const [i, ex] of EXECUTORS.entries()) {
        const bridge = async () => {
          into.bridge[ex] = await measureBridge(ex, sz, false, `(3${tag}) bridge, ${ex} executor`);
          after?.(into.bridge[ex]!);
        };
        const rabbitmq = async () => {
          into.rabbitmq[ex] = await measureRabbit(ex, sz, `(4${tag}) RabbitMQ, ${ex} executor`);
          after?.(into.rabbitmq[ex]!);
        };
        if (i % 2 === 0) {
          await bridge();
          await rabbitmq();
        } else {
          await rabbitmq();
          await bridge();
        }
      }
    };
    if (!args.scaleOnly) await abba(sizes.e2e, '', e2e, addSeries);
    if (args.local) {
      const rows = {} as Record<Executor, Maybe<E2EResult>>;
      for (const ex of EXECUTORS) rows[ex] = await measureBridge(ex, sizes.latency, true, `(5) bridge, same daemon, ${ex} executor`);
      local = rows;
    }
    if (args.hog) {
      const hog = startCpuHog(procs, workDir);
      log(`(6) CPU hog: ${hog.count} busy loops at nice ${hog.nice}`);
      const rows: BenchDoc['e2e'] = { bridge: {} as Record<Executor, Maybe<E2EResult>>, rabbitmq: {} as Record<Executor, Maybe<E2EResult>> };
      try {
        await abba(sizes.latency, ' hog', rows);
      } finally {
        await hog.stop();
      }
      busy = { ...rows, hogProcesses: hog.count, hogNice: hog.nice };
    }
    if (bridgeMissing) bridgeRss = { unavailable: bridgeMissing };
    else if (Object.keys(peaks).length) bridgeRss = peaks;
    // The scale part: one daemon against the fleet simulator (bench/scale.ts).
    if (args.scale && daemonCmd) {
      const sz = args.mode === 'quick' ? QUICK_SCALE : FULL_SCALE;
      log(`(scale) one daemon, fleets of ${sz.hosts.join(', ')} simulated hosts; receiving side ${sz.topics} topics / ${sz.listeners} listeners / ${sz.callsInFlight} calls in flight`);
      scale = await runScale(procs, workDir, daemonCmd, sz, log);
      phase('(scale)');
    }
  } finally {
    const rabbit = rabbitStarting ? await rabbitStarting : null;
    if (rabbit && !(rabbit instanceof Error)) await rabbit.stop();
    await procs.stopAll();
    procs.dispose();
    saveLogs(workDir, join(args.resultsDir, 'logs'));
    rmSync(workDir, { recursive: true, force: true });
  }

  // ---------- results ----------
  const scaleMd = scale ? writeScaleResults(scale, args.resultsDir, args.mode, date) : '';
  if (args.scaleOnly) {
    process.stdout.write(`\n${scaleMd}\nResults: ${join(args.resultsDir, 'scale-latest.json')}\n`);
    return 0;
  }
  const ratios = computeRatios(e2e);
  const strip = <T>(x: Maybe<T>, f: (t: T) => T): Maybe<T> => (isUnavailable(x) ? x : f(x));
  const doc: BenchDoc = {
    date,
    mode: args.mode,
    durationSeconds: (Date.now() - t0) / 1000,
    machine: { ...machineInfo(python), loadAvg: { start: loadAtStart, end: os.loadavg()[0]! } },
    sizes: { ...sizes, payloadBytes: JSON.stringify(JSON.parse(readFileSync(join(REPO_ROOT, 'bench', 'py', 'nova_payload.json'), 'utf8'))).length, receiverBodyBytes: 1024 },
    throughput,
    e2e: stripLatencies(e2e),
    local: strip(local, (l) => stripLatencies({ bridge: l, rabbitmq: {} as Record<Executor, Maybe<E2EResult>> }).bridge),
    hog: strip(busy, (h) => ({ ...h, ...stripLatencies(h) })),
    bridgeDaemonRssMiB: bridgeRss,
    ratios,
    checks: [],
    notes,
  };
  doc.checks = computeChecks(doc);
  const table = renderTable(doc);
  const timeTable = renderTimeTable(doc);
  const machine = renderMachine(doc);
  const checks = renderChecks(doc);
  const svg = renderLatencySvg(latencySeries, `Call latency, oslo.messaging RPCClient -> RPCServer (${doc.mode} mode, ${date.slice(0, 16).replace('T', ' ')} UTC)`);

  mkdirSync(args.resultsDir, { recursive: true });
  const stamp = date.replace(/[:.]/g, '-');
  const json = JSON.stringify(doc, null, 2) + '\n';
  writeFileSync(join(args.resultsDir, 'latest.json'), json);
  writeFileSync(join(args.resultsDir, `results-${stamp}.json`), json);
  writeFileSync(join(args.resultsDir, 'latency.svg'), svg);
  writeFileSync(join(args.resultsDir, `latency-${stamp}.svg`), svg);
  const timeNote = timeTable ? `\n\nWhere a sequential call's time goes (per call, summed over each process's threads; the daemons' include their ZeroMQ I/O thread):\n\n${timeTable}` : '';
  const md = `${machine}\n\n${table}${timeNote}\n\nTargets:\n${checks}\n${scaleMd}`;
  writeFileSync(join(args.resultsDir, 'latest.md'), md);
  if (args.updateReadme) updateReadme(md);

  process.stdout.write(`\n${md}\nResults: ${join(args.resultsDir, 'latest.json')}, ${join(args.resultsDir, 'latency.svg')}\n`);
  return 0;
}

function stripLatencies(e2e: BenchDoc['e2e']): BenchDoc['e2e'] {
  const out = { bridge: {}, rabbitmq: {} } as BenchDoc['e2e'];
  for (const t of ['bridge', 'rabbitmq'] as const) {
    for (const [ex, r] of Object.entries(e2e[t] ?? {}) as [Executor, Maybe<E2EResult>][]) {
      if (isUnavailable(r)) out[t][ex] = r;
      else {
        const { seqLatencies: _s, concLatencies: _c, ...rest } = r;
        out[t][ex] = rest;
      }
    }
  }
  return out;
}

/** Keep the logs of the last run (daemons, Python peers, RabbitMQ) next to the results. */
function saveLogs(workDir: string, dest: string): void {
  try {
    rmSync(dest, { recursive: true, force: true });
    mkdirSync(dest, { recursive: true });
    for (const name of readdirSync(workDir)) if (name.endsWith('.log')) copyFileSync(join(workDir, name), join(dest, name));
    const rabbitLogs = join(workDir, 'rabbitmq', 'log');
    if (existsSync(rabbitLogs)) for (const name of readdirSync(rabbitLogs)) if (name.endsWith('.log')) copyFileSync(join(rabbitLogs, name), join(dest, `rabbitmq-${name}`));
  } catch (e) {
    log(`could not keep the logs: ${(e as Error).message}`);
  }
}

/** Replace the README's benchmark block (between its markers) with the latest results. */
function updateReadme(md: string): void {
  replaceBlock(join(REPO_ROOT, 'README.md'), README_BEGIN, README_END, md);
}

/** Replace the text between two markers of a file. */
function replaceBlock(path: string, begin: string, end: string, md: string): void {
  const text = readFileSync(path, 'utf8');
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a === -1 || b < a) {
    log(`${path} has no ${begin} ... ${end} block; not updated`);
    return;
  }
  writeFileSync(path, `${text.slice(0, a + begin.length)}\n${md}\n${text.slice(b)}`);
  log(`${path}: block updated`);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(`bench failed: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  },
);
