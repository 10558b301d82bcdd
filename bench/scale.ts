/**
 * The `scale` part of `npm run bench` (issue 13): one real daemon (compiled,
 * as deployed) against the fleet simulator (bench/fleet-main.ts: N legacy
 * receivers on 127.1.x.y, one process), for N = 10, 100, 1,000, 2,000:
 *
 *   directed   one directed cast to every host, repeated (ring matchmaker);
 *   bare       bare casts round-robin over all hosts (ring, then redis);
 *   fanout     fanouts each reaching all N (ring, then redis);
 *   calls      calls to every host, answered by the simulated hosts;
 *
 * and on the receiving side, one daemon serving 10,000 distinct topics
 * through ipc outlets (legacy consumers connecting in batches), 10,000
 * local listeners, and 10,000 calls in flight at once from local shims.
 *
 * The sender is a local-API client (test/support/localapi-client.ts, the
 * protocol the Python shim speaks), pipelined, so the daemon - not a Python
 * client - is what limits each step. Per step: completion time (first send
 * to last arrival), messages/s, the daemon's CPU per message (user + system
 * from /proc), its peak RSS and file descriptors (sampled every 100 ms), its
 * peak ZeroMQ sockets (from its counters), and messages lost (sent and
 * accepted, never arrived) - which must be 0.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as zmq from 'zeromq';
import { createClient } from 'redis';
import type { ProcessRegistry, ManagedProcess } from './lib/procs';
import { canConnect, pickPorts, waitFor as waitUntil } from './lib/net';
import { cpuMs, cpuSplitMs, memoryMiB, StepSampler } from './lib/proc-stats';
import { REPO_ROOT, writeNovaConf } from './e2e';
import { FleetProcess } from './fleet-process';
import { profilingNodeArgs } from './lib/daemon-args';
import { fleetAddrs, spread, FLEET_CALL_RESULT } from './fleet';
import { LocalApiClient } from '../test/support/localapi-client';
import { RedisServer } from '../test/support/redis';
import { buildCastFrames } from '../src/wire/envelope';
import { ipcEndpoint, tcpEndpoint } from '../src/wire/endpoints';

/** The daemon under test: first address of the bench's 127.1/16. */
export const SCALE_DAEMON_ADDR = '127.1.0.1';
/** Second octet of the simulated hosts' addresses (127.1.1.1 and up, 250 per /24). */
export const SCALE_FLEET_NET = 1;
/** First port tried for the shared `rpc_zmq_port` (inside the bench's 24000-24999). */
export const DEFAULT_SCALE_BASE_PORT = 24600;
/** First port tried for the redis matchmaker's server. */
export const DEFAULT_SCALE_REDIS_PORT = 24700;
/** A step that makes no progress for this long is over: what has not arrived is lost, in milliseconds. */
export const STALL_MS = 20_000;
/** How often the fleet's counts are polled while a step runs, in milliseconds. */
export const POLL_MS = 20;
/** Milliseconds a daemon gets to come up. */
export const DAEMON_START_TIMEOUT_MS = 30_000;
/** Seconds a bench call may wait for its reply. */
export const CALL_TIMEOUT_S = 120;
/** Casts a fresh daemon handles before anything is measured (JIT warm-up), at least one per host. */
export const WARMUP_MESSAGES = 1_000;
/** Log level of the scale daemons (warnings reach their log file). */
const DAEMON_LOG_LEVEL = 'warn';

export interface ScaleSizes {
  /** Fleet sizes, in order. */
  hosts: number[];
  /** Messages per cast step (directed, bare, fanout copies), rounded up to a multiple of N. */
  messages: number;
  /** Calls per call step, rounded up to a multiple of N. */
  calls: number;
  /** Cast requests in flight from the client. */
  castWindow: number;
  /** Calls in flight from the client (cast-side steps). */
  callWindow: number;
  /** Receiving side: distinct ipc topics, local listeners, calls in flight at once. */
  topics: number;
  listeners: number;
  callsInFlight: number;
  /** Legacy consumers connected at once while the distinct topics run. */
  topicBatch: number;
  /** Simulated hosts answering the calls in flight. */
  receiveFleetHosts: number;
}

export const QUICK_SCALE: ScaleSizes = {
  hosts: [10, 100, 1_000, 2_000],
  messages: 2_000,
  calls: 1_000,
  castWindow: 256,
  callWindow: 64,
  topics: 2_000,
  listeners: 2_000,
  callsInFlight: 2_000,
  topicBatch: 1_000,
  receiveFleetHosts: 100,
};

export const FULL_SCALE: ScaleSizes = {
  hosts: [10, 100, 1_000, 2_000],
  messages: 20_000,
  calls: 4_000,
  castWindow: 256,
  callWindow: 64,
  topics: 10_000,
  listeners: 10_000,
  callsInFlight: 10_000,
  topicBatch: 1_000,
  receiveFleetHosts: 100,
};

export type ScaleStepName = 'first contact' | 'directed' | 'bare' | 'fanout' | 'calls' | 'ipc topics' | 'local listeners' | 'calls in flight';

export interface ScaleStep {
  step: ScaleStepName;
  matchmaker: 'ring' | 'redis' | 'local';
  /** Simulated hosts (0 on the receiving side's topic and listener steps). */
  hosts: number;
  /** Messages that had to arrive (fanout: copies; calls: calls answered). */
  messages: number;
  seconds: number;
  msgsPerSec: number;
  /** Daemon CPU (user + system) per message, microseconds. */
  cpuUsPerMsg: number | null;
  /** The part of it spent in libzmq's threads (I/O thread, reaper), microseconds per message. */
  zmqCpuUsPerMsg: number | null;
  peakRssMiB: number;
  peakFds: number;
  /** Peak ZeroMQ sockets: peer connections + ipc outlets + the receiver. */
  peakSockets: number | null;
  lost: number;
  /** Refusals and failures the daemon counted during the step (PEER_LIMIT, SEND_FAILED, drops...). */
  errors: number;
  note?: string;
}

export interface ScaleReport {
  sizes: ScaleSizes;
  steps: ScaleStep[];
  /** Per fleet size: the ring daemon's lifetime peak RSS (VmHWM), MiB. */
  daemonHwmMiB: Record<string, number>;
  /** The socket budget the daemons logged. */
  budget: string | null;
  notes: string[];
  failures: string[];
}

type Log = (s: string) => void;

/** Counters whose increase during a step means something was refused or lost. */
const ERROR_COUNTERS = /^(sender\.(peer_limit|cast\.failed|queue_full|no_route)|receiver\.dropped\.|receiver\.outlets\.open_failed|sender\.peers\.open_failed|localapi\.errors\.|localapi\.deliver\.(overflow|errors)|replies\.(timeouts|orphaned))/;

function errorCount(c: Record<string, number>): number {
  let n = 0;
  for (const [k, v] of Object.entries(c)) if (ERROR_COUNTERS.test(k)) n += v;
  return n;
}

/** ZeroMQ sockets open in the daemon, from its counters: peers + outlets + the receiver's PULL. */
function socketsOpen(c: Record<string, number>): number {
  const g = (k: string) => c[k] ?? 0;
  const peers = g('sender.peers.opened') - g('sender.peers.closed_idle') - g('sender.peers.evicted');
  const outlets = g('receiver.outlets.created') - g('receiver.outlets.closed_idle') - g('receiver.outlets.evicted') - g('receiver.outlet.bind_failed');
  return peers + outlets + 1;
}

/** Run `count` jobs with at most `window` in flight; resolves with the errors' messages (first few). */
async function pipeline(count: number, window: number, job: (i: number) => Promise<unknown>): Promise<{ failed: number; first: string | null }> {
  let next = 0;
  let failed = 0;
  let first: string | null = null;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      try {
        await job(i);
      } catch (e) {
        failed++;
        first ??= (e as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, count) }, worker));
  return { failed, first };
}

interface DaemonHandle {
  proc: ManagedProcess;
  stats: LocalApiClient;
  clients: LocalApiClient[];
  ipcDir: string;
  socket: string;
  stop(): Promise<void>;
}

class ScaleRun {
  readonly report: ScaleReport;
  private port = 0;
  private redis: RedisServer | null = null;

  constructor(
    private readonly procs: ProcessRegistry,
    private readonly workDir: string,
    private readonly daemonCmd: string[],
    private readonly sizes: ScaleSizes,
    private readonly log: Log,
    private readonly fleet: FleetProcess,
  ) {
    this.report = { sizes, steps: [], daemonHwmMiB: {}, budget: null, notes: [], failures: [] };
  }

  /** Bind the fleet on a port of the bench's range that is free on the daemon's address too. */
  async startFleet(addrs: string[]): Promise<void> {
    let base = this.port || DEFAULT_SCALE_BASE_PORT;
    for (let attempt = 0; attempt < 10; attempt++) {
      const [port] = await pickPorts(base, 1, [SCALE_DAEMON_ADDR]);
      try {
        this.port = await this.fleet.start(addrs, port);
        return;
      } catch (e) {
        if (!/EADDRINUSE|in use/i.test((e as Error).message)) throw e;
        base = port! + 1;
      }
    }
    throw new Error('no port free for the fleet');
  }

  async startDaemon(tag: string, matchmaker: 'ring' | 'redis' | 'local', ring: Record<string, string[]> | null): Promise<DaemonHandle> {
    const dir = join(this.workDir, `scale-${tag}`);
    const ipcDir = join(dir, 'ipc');
    mkdirSync(ipcDir, { recursive: true });
    const sections: Record<string, Record<string, string | number>> = {
      DEFAULT: {
        transport_url: 'zmq://',
        rpc_zmq_host: SCALE_DAEMON_ADDR,
        rpc_zmq_bind_address: SCALE_DAEMON_ADDR,
        rpc_zmq_port: this.port,
        rpc_zmq_ipc_dir: ipcDir,
        rpc_zmq_matchmaker: matchmaker,
        rpc_response_timeout: CALL_TIMEOUT_S,
      },
    };
    if (ring) {
      const ringfile = join(dir, 'ring.json');
      writeFileSync(ringfile, JSON.stringify(ring));
      sections.matchmaker_ring = { ringfile };
    }
    if (matchmaker === 'redis') sections.matchmaker_redis = { host: this.redis!.host, port: this.redis!.port };
    const conf = writeNovaConf(join(dir, 'nova.conf'), sections);
    const logFile = join(this.workDir, `scale-daemon-${tag}.log`);
    const proc = this.procs.spawn(`scale daemon ${tag}`, this.daemonCmd[0]!, [...profilingNodeArgs(), ...this.daemonCmd.slice(1), '--config-file', conf, '--log-level', DAEMON_LOG_LEVEL], logFile, { cwd: REPO_ROOT });
    const socket = join(ipcDir, 'nova-zmq-bridge.sock');
    await waitUntil(
      `scale daemon ${tag}`,
      async () => existsSync(socket) && (await canConnect(SCALE_DAEMON_ADDR, this.port)),
      DAEMON_START_TIMEOUT_MS,
      () => (proc.isRunning() ? null : `exited: ${proc.tail(8)}`),
    );
    const stats = await LocalApiClient.connect(socket);
    await stats.hello();
    const clients: LocalApiClient[] = [];
    const handle: DaemonHandle = {
      proc,
      stats,
      clients,
      ipcDir,
      socket,
      stop: async () => {
        for (const c of clients) await c.close().catch(() => {});
        await stats.close().catch(() => {});
        await this.procs.stop(proc);
      },
    };
    return handle;
  }

  async client(d: DaemonHandle): Promise<LocalApiClient> {
    const c = await LocalApiClient.connect(d.socket);
    await c.hello();
    d.clients.push(c);
    return c;
  }

  /**
   * Measure one step: `send` issues the work, `arrived` says how much of
   * `expected` has arrived (polled until complete or stalled).
   */
  async measure(
    d: DaemonHandle,
    meta: { step: ScaleStepName; matchmaker: ScaleStep['matchmaker']; hosts: number; expected: number; note?: string },
    send: () => Promise<{ failed: number; first: string | null }>,
    arrived: () => Promise<number>,
  ): Promise<ScaleStep> {
    const before = await d.stats.stats();
    const sampler = new StepSampler(d.proc.pid, async () => socketsOpen(await d.stats.stats())).start();
    const cpu0 = cpuMs(d.proc.pid);
    const split0 = cpuSplitMs(d.proc.pid);
    const t0 = performance.now();
    const sent = await send();
    let got = await arrived();
    let lastProgress = performance.now();
    while (got < meta.expected && performance.now() - lastProgress < STALL_MS && d.proc.isRunning()) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      const now = await arrived();
      if (now > got) lastProgress = performance.now();
      got = now;
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpu1 = cpuMs(d.proc.pid);
    const split1 = cpuSplitMs(d.proc.pid);
    const peaks = await sampler.stop();
    const after = d.proc.isRunning() ? await d.stats.stats() : before;
    const lost = Math.max(0, meta.expected - got);
    const errors = errorCount(after) - errorCount(before) + sent.failed;
    const step: ScaleStep = {
      step: meta.step,
      matchmaker: meta.matchmaker,
      hosts: meta.hosts,
      messages: meta.expected,
      seconds,
      msgsPerSec: got / seconds,
      cpuUsPerMsg: cpu0 !== null && cpu1 !== null && got > 0 ? ((cpu1 - cpu0) * 1000) / got : null,
      zmqCpuUsPerMsg: split0 && split1 && got > 0 ? ((split1.zmq - split0.zmq) * 1000) / got : null,
      peakRssMiB: Math.round(peaks.rssMiB * 10) / 10,
      peakFds: peaks.fds,
      peakSockets: peaks.gauge,
      lost,
      errors,
      note: meta.note,
    };
    if (!d.proc.isRunning()) this.report.failures.push(`${meta.step} (N=${meta.hosts}, ${meta.matchmaker}): the daemon exited: ${d.proc.tail(5)}`);
    if (lost > 0 || errors > 0) this.report.failures.push(`${meta.step} (N=${meta.hosts}, ${meta.matchmaker}): ${lost} lost, ${errors} errors${sent.first ? ` (first: ${sent.first})` : ''}`);
    this.report.steps.push(step);
    const f = (x: number | null, d = 1) => (x === null ? '?' : x.toFixed(d));
    this.log(
      `    ${meta.step.padEnd(15)} ${meta.matchmaker.padEnd(5)} N=${String(meta.hosts).padEnd(5)} ${String(meta.expected).padStart(6)} msgs ${f(seconds, 2)} s ` +
        `${Math.round(step.msgsPerSec)}/s cpu ${f(step.cpuUsPerMsg)} us/msg (zmq ${f(step.zmqCpuUsPerMsg)}) rss ${f(step.peakRssMiB)} MiB fds ${step.peakFds} sockets ${step.peakSockets ?? '?'} lost ${lost} errors ${errors}`,
    );
    return step;
  }

  /** Every cast step and the call step against a ring of `n` hosts, then bare and fanout over redis. */
  async fleetSize(n: number): Promise<void> {
    const s = this.sizes;
    const hosts = fleetAddrs(n, SCALE_FLEET_NET, 1);
    this.log(`  N = ${n}: binding ${n} simulated hosts...`);
    await this.startFleet(hosts);
    const rounds = Math.max(1, Math.ceil(s.messages / n));
    const callRounds = Math.max(1, Math.ceil(s.calls / n));
    const ring = { scale_bare: hosts, scale_fan: hosts, scale_call: hosts };
    const d = await this.startDaemon(`ring-${n}`, 'ring', ring);
    try {
      const c = await this.client(d);
      const body = '{"method": "scale", "args": {"payload": "' + 'x'.repeat(200) + '"}}';
      const totals = async (base: string) => (await this.fleet.totals([base])).totals[base] ?? 0;

      await this.firstContact(d, c, 'ring', hosts, body);
      await this.fleet.reset();
      await this.measure(d, { step: 'directed', matchmaker: 'ring', hosts: n, expected: rounds * n }, () => pipeline(rounds * n, s.castWindow, (i) => c.cast({ topic: 'scale_directed', server: hosts[i % n]! }, '{}', body)), () => totals('scale_directed'));
      await this.checkSpread('scale_directed', n, rounds, 'directed');

      await this.fleet.reset();
      await this.measure(d, { step: 'bare', matchmaker: 'ring', hosts: n, expected: rounds * n }, () => pipeline(rounds * n, s.castWindow, () => c.cast({ topic: 'scale_bare' }, '{}', body)), () => totals('scale_bare'));
      await this.checkSpread('scale_bare', n, rounds, 'bare (ring)');

      await this.fleet.reset();
      await this.measure(
        d,
        { step: 'fanout', matchmaker: 'ring', hosts: n, expected: rounds * n, note: `${rounds} fanout${rounds > 1 ? 's' : ''} x ${n} hosts` },
        () => pipeline(rounds, Math.min(s.castWindow, 16), () => c.cast({ topic: 'scale_fan', fanout: true }, '{}', body)),
        () => totals('fanout~scale_fan'),
      );
      await this.checkSpread('fanout~scale_fan', n, rounds, 'fanout (ring)');

      await this.fleet.reset();
      let answered = 0;
      await this.measure(
        d,
        { step: 'calls', matchmaker: 'ring', hosts: n, expected: callRounds * n },
        () =>
          pipeline(callRounds * n, s.callWindow, async (i) => {
            const a = await c.call({ topic: 'scale_call', server: hosts[i % n]! }, '{}', body, CALL_TIMEOUT_S);
            if (a.result === FLEET_CALL_RESULT) answered++;
          }),
        async () => answered,
      );
      const hwm = memoryMiB(d.proc.pid);
      if (hwm) this.report.daemonHwmMiB[String(n)] = Math.round(hwm.hwm * 10) / 10;
    } finally {
      await d.stop();
    }
    this.budgetFrom(`ring-${n}`);

    // The same fleet registered in Redis as legacy MatchMakerRedis hosts do.
    await this.registerInRedis(['scale_bare', 'scale_fan'], hosts);
    const r = await this.startDaemon(`redis-${n}`, 'redis', null);
    try {
      const c = await this.client(r);
      const body = '{"method": "scale", "args": {"payload": "' + 'x'.repeat(200) + '"}}';
      const totals = async (base: string) => (await this.fleet.totals([base])).totals[base] ?? 0;
      await this.firstContact(r, c, 'redis', hosts, body);
      await this.fleet.reset();
      await this.measure(r, { step: 'bare', matchmaker: 'redis', hosts: n, expected: rounds * n }, () => pipeline(rounds * n, s.castWindow, () => c.cast({ topic: 'scale_bare' }, '{}', body)), () => totals('scale_bare'));
      await this.checkSpread('scale_bare', n, rounds, 'bare (redis)');
      await this.fleet.reset();
      await this.measure(
        r,
        { step: 'fanout', matchmaker: 'redis', hosts: n, expected: rounds * n, note: `${rounds} fanout${rounds > 1 ? 's' : ''} x ${n} hosts` },
        () => pipeline(rounds, Math.min(s.castWindow, 16), () => c.cast({ topic: 'scale_fan', fanout: true }, '{}', body)),
        () => totals('fanout~scale_fan'),
      );
      await this.checkSpread('fanout~scale_fan', n, rounds, 'fanout (redis)');
    } finally {
      await r.stop();
    }
  }

  /**
   * One directed cast to every host on a fresh daemon: opens the N peer
   * connections (and warms the JIT up), so the steps after it measure
   * messages rather than connection set-up. Reported on its own row: its
   * cost per message is the cost of a new connection.
   */
  private async firstContact(d: DaemonHandle, c: LocalApiClient, mm: 'ring' | 'redis', hosts: string[], body: string): Promise<void> {
    const n = hosts.length;
    const warm = Math.max(0, WARMUP_MESSAGES - n);
    await this.fleet.reset();
    await this.measure(
      d,
      { step: 'first contact', matchmaker: mm, hosts: n, expected: n + warm, note: `opens ${n} connections${warm ? `, then ${warm} more casts` : ''}` },
      () => pipeline(n + warm, this.sizes.castWindow, (i) => c.cast({ topic: 'scale_warmup', server: hosts[i % n]! }, '{}', body)),
      async () => (await this.fleet.totals(['scale_warmup'])).totals.scale_warmup ?? 0,
    );
  }

  /** Every host got exactly `each` messages of `base`, and none was misrouted. */
  private async checkSpread(base: string, n: number, each: number, what: string): Promise<void> {
    const snap = await this.fleet.snapshot();
    const sp = spread(snap.counts[base], n);
    if (sp.reached !== n || sp.min !== each || sp.max !== each) this.report.failures.push(`${what}, N=${n}: per host ${sp.min}..${sp.max}, ${sp.reached}/${n} hosts reached (expected ${each} each)`);
    if (snap.stats.misrouted > 0) this.report.failures.push(`${what}, N=${n}: ${snap.stats.misrouted} copies reached a host their topic does not name`);
  }

  private async registerInRedis(topics: string[], hosts: string[]): Promise<void> {
    if (!this.redis) {
      const [port] = await pickPorts(DEFAULT_SCALE_REDIS_PORT, 1);
      this.redis = await RedisServer.start(port);
      const redis = this.redis;
      this.procs.addCleanup({ name: 'redis-server', run: () => redis.stop(), runSync: () => void redis.stop() });
    }
    const client = createClient({ socket: { host: this.redis.host, port: this.redis.port } });
    client.on('error', () => {});
    await client.connect();
    try {
      await client.flushAll();
      for (const t of topics) {
        const m = client.multi();
        for (const h of hosts) m.sAdd(t, `${t}.${h}`).set(`${t}.${h}`, h).expire(`${t}.${h}`, 3_600);
        await m.exec();
      }
    } finally {
      client.destroy();
    }
  }

  private budgetFrom(tag: string): void {
    if (this.report.budget) return;
    try {
      const text = readFileSync(join(this.workDir, `scale-daemon-${tag}.log`), 'utf8');
      const line = text.split('\n').find((l) => l.includes('socket budget') || l.includes('open-file limit cannot hold'));
      if (line) {
        const j = JSON.parse(line) as Record<string, unknown>;
        this.report.budget = `max_peers ${j.max_peers}, max_ipc_outlets ${j.max_ipc_outlets}, context maxSockets ${j.max_sockets}, fds needed ${j.fds_needed} of an open-file limit of ${j.open_file_limit}`;
      }
    } catch {
      // the budget line is informational
    }
  }

  /** The receiving side: distinct ipc topics, local listeners, calls in flight, on one daemon. */
  async receivingSide(): Promise<void> {
    const s = this.sizes;
    const hosts = fleetAddrs(s.receiveFleetHosts, SCALE_FLEET_NET, 1);
    this.log(`  receiving side: ${s.topics} ipc topics, ${s.listeners} local listeners, ${s.callsInFlight} calls in flight (${hosts.length} simulated hosts answer)`);
    await this.startFleet(hosts);
    const d = await this.startDaemon('receive', 'local', null);
    // Closed sockets keep their slot until libzmq's reaper is done with them: room for several batches.
    const ctx = new zmq.Context({ maxSockets: 4 * s.topicBatch + 64 });
    const push = new zmq.Push({ context: ctx, linger: 0, sendHighWaterMark: 1_000_000 });
    push.connect(tcpEndpoint(SCALE_DAEMON_ADDR, this.port));
    try {
      // 1. distinct topics through ipc outlets, legacy consumers connected a batch at a time.
      let received = 0;
      await this.measure(
        d,
        { step: 'ipc topics', matchmaker: 'local', hosts: 0, expected: s.topics, note: `${s.topics} distinct topics, consumers ${s.topicBatch} at a time` },
        async () => {
          let failed = 0;
          for (let b = 0; b < s.topics; b += s.topicBatch) {
            const n = Math.min(s.topicBatch, s.topics - b);
            const pulls = Array.from({ length: n }, (_, i) => {
              const p = new zmq.Pull({ context: ctx, linger: 0 });
              p.receiveTimeout = STALL_MS;
              p.connect(ipcEndpoint(d.ipcDir, `scale_topic_${b + i}`));
              return p;
            });
            for (let i = 0; i < n; i++) await push.send(buildCastFrames(`scale_topic_${b + i}`, '{}', '{"method": "t", "args": {}}'));
            const got = await Promise.allSettled(pulls.map((p) => p.receive()));
            for (const g of got) g.status === 'fulfilled' ? received++ : failed++;
            for (const p of pulls) p.close();
          }
          return { failed: 0, first: failed ? `${failed} consumers got nothing` : null };
        },
        async () => received,
      );

      // 2. local listeners on distinct topics, each sent one directed cast over tcp.
      const listener = await this.client(d);
      let delivered = 0;
      const t0 = performance.now();
      await pipeline(s.listeners, 256, (k) => listener.listen({ topic: `scale_listen_${k}`, server: SCALE_DAEMON_ADDR }, () => void delivered++));
      const listenSeconds = (performance.now() - t0) / 1000;
      await this.measure(
        d,
        { step: 'local listeners', matchmaker: 'local', hosts: 0, expected: s.listeners, note: `${s.listeners} listeners registered in ${listenSeconds.toFixed(1)} s` },
        async () => {
          for (let k = 0; k < s.listeners; k++) await push.send(buildCastFrames(`scale_listen_${k}.${SCALE_DAEMON_ADDR}`, '{}', '{"method": "l", "args": {}}'));
          return { failed: 0, first: null };
        },
        async () => delivered,
      );

      // 3. calls in flight at once: the simulated hosts answer none until all have arrived.
      const callers = await Promise.all(Array.from({ length: 4 }, () => this.client(d)));
      await this.fleet.reset();
      await this.fleet.hold(s.callsInFlight);
      let answered = 0;
      await this.measure(
        d,
        { step: 'calls in flight', matchmaker: 'local', hosts: hosts.length, expected: s.callsInFlight, note: `all ${s.callsInFlight} pending before the first reply` },
        async () => {
          const calls = Array.from({ length: s.callsInFlight }, (_, i) =>
            callers[i % callers.length]!.call({ topic: 'scale_call', server: hosts[i % hosts.length]! }, '{}', '{"method": "c", "args": {}}', CALL_TIMEOUT_S).then((a) => {
              if (a.result === FLEET_CALL_RESULT) answered++;
            }),
          );
          const settled = await Promise.allSettled(calls);
          const failed = settled.filter((x) => x.status === 'rejected') as PromiseRejectedResult[];
          return { failed: failed.length, first: failed[0] ? String((failed[0].reason as Error).message) : null };
        },
        async () => answered,
      );
    } finally {
      push.close();
      await d.stop();
    }
  }

  async close(): Promise<void> {
    await this.redis?.stop().catch(() => {});
    this.redis = null;
  }
}

/** Run the scale part; never throws for a failed step (recorded in `failures`). */
export async function runScale(procs: ProcessRegistry, workDir: string, daemonCmd: string[], given: ScaleSizes, log: Log): Promise<ScaleReport> {
  // NZB_SCALE_HOSTS=10,2000: other fleet sizes (for profiling one comparison; reports say so).
  const only = process.env.NZB_SCALE_HOSTS?.split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);
  const sizes = only?.length ? { ...given, hosts: only } : given;
  const fleet = FleetProcess.spawn(procs, join(workDir, 'scale-fleet.log'));
  const run = new ScaleRun(procs, workDir, daemonCmd, sizes, log, fleet);
  if (only?.length) run.report.notes.push(`fleet sizes from NZB_SCALE_HOSTS: ${only.join(', ')}`);
  try {
    for (const n of sizes.hosts) {
      try {
        await run.fleetSize(n);
      } catch (e) {
        run.report.failures.push(`N=${n}: ${(e as Error).message}`);
        log(`    N=${n} failed: ${(e as Error).message}`);
      }
    }
    try {
      await run.receivingSide();
    } catch (e) {
      run.report.failures.push(`receiving side: ${(e as Error).message}`);
      log(`    receiving side failed: ${(e as Error).message}`);
    }
  } finally {
    await run.close();
    await fleet.stop();
  }
  return run.report;
}
