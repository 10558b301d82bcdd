/**
 * Several "hosts" on one machine for multi-daemon tests: one daemon per
 * loopback address of a random 127.A.B.0/24 block (so parallel runs of the
 * suite don't meet), each with its own ipc dir and nova.conf, all on one
 * receiver port the OS picked as free on every address. Optionally a
 * matchmaker (ring file written here, redis, broker / topic scheduler with
 * OS-picked service ports). Hosts start, stop, restart (and die hard) one
 * at a time; {@link Cluster.close} always cleans up: daemons, child
 * processes, the temp dir - and, should a test file die without closing, a
 * process-exit hook kills what is left.
 *
 * How a host's daemon runs is a {@link DaemonLauncher}: {@link cliDaemon}
 * (the real CLI in a child process, for tests that need a separate process
 * to kill or restart, and Python peers reading its nova.conf) or
 * {@link inProcessDaemon} (a `Daemon` object in the test process).
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BridgeConfig, MatchmakerKind } from '../../src/config/types';
import { Daemon, type DaemonOptions } from '../../src/daemon';
import { silentLogger, type Logger } from '../../src/log';
import { mergeOverrides, testConfig, type ConfigOverrides } from './config';
import { freeTcpPorts, isAddressInUse } from './ports';
import { waitFor } from './wait';

export const REPO_ROOT = join(__dirname, '..', '..');
/** Attempts at a receiver port before giving up (a daemon losing the race for its port means a new port for all). */
export const CLUSTER_PORT_ATTEMPTS = 3;
/** Hang guard for one daemon's start (ms). */
export const DAEMON_START_TIMEOUT_MS = 30_000;
/** Grace between SIGTERM and SIGKILL when stopping a child (ms). */
export const STOP_GRACE_MS = 5_000;

// ---------------------------------------------------------------- addresses

/**
 * `count` addresses of a random 127.A.B.0/24 block, from .2 up. A is kept
 * away from 127.0.x.x, where fixed test addresses and the host's own
 * 127.0.0.1 / 127.0.1.1 live.
 */
export function loopbackBlock(count: number): string[] {
  if (count < 1 || count > 250) throw new Error(`loopbackBlock: ${count} addresses`);
  const a = 16 + Math.floor(Math.random() * 239); // 16..254
  const b = Math.floor(Math.random() * 256);
  return Array.from({ length: count }, (_, i) => `127.${a}.${b}.${i + 2}`);
}

// ---------------------------------------------------------------- options

/**
 * Ring file contents (`{topic: [hosts]}`, optionally `"zmq_bridge.servers"`),
 * or a function of all the cluster's addresses (hosts first, then spares).
 */
export type RingSpec = Record<string, unknown> | ((addrs: string[]) => Record<string, unknown>);

export type ClusterMatchmaker =
  | { kind: 'local' | 'stub'; raw?: string }
  /** Ring file written in the cluster's dir; every host's `ringfile` points at it. */
  | { kind: 'ring' | 'fanout_ring'; ring: RingSpec; raw?: string }
  | { kind: 'redis'; redis: { host: string; port: number; password?: string | null }; raw?: string }
  /**
   * Broker / topic scheduler on host `brokerHost` (index): rpc_zmq_broker_ip
   * is its address, broker and scheduler ports are OS-picked, and that host
   * alone has `[zmq_bridge] broker_role = true`.
   */
  | { kind: 'broker' | 'topic_scheduler'; brokerHost: number; raw?: string };

export interface ClusterOptions<R extends RunningDaemon = RunningDaemon> {
  /** Number of hosts (daemons). */
  hosts: number;
  /**
   * Addresses of the block beyond the hosts', on which the receiver port is
   * free too, for peers that bind it themselves (a legacy node's receiver).
   */
  spareAddrs?: number;
  /** How each host's daemon runs (default {@link cliDaemon}). */
  launcher?: DaemonLauncher<R>;
  matchmaker?: ClusterMatchmaker;
  /** `matchmaker_heartbeat_freq` / `_ttl` in seconds (default: the daemon's defaults). */
  heartbeat?: { freqS: number; ttlS: number };
  /** More config per host (the host's address, port and ipc dir always win). */
  config?: (host: { index: number; addr: string }) => ConfigOverrides;
  /** More nova.conf lines per host, appended as written (may open groups). */
  confLines?: (host: ClusterHost) => string[];
  /** Hosts (indexes) in start order; default all, in index order. `[]`: start none. */
  startOrder?: number[];
  /** Prefix of the temp dir (default `nzb-cluster-`). */
  dirPrefix?: string;
}

// ---------------------------------------------------------------- hosts and daemons

/** One host of the cluster. `config` and `conf` describe it whether its daemon runs or not. */
export interface ClusterHost {
  readonly index: number;
  readonly addr: string;
  readonly ipcDir: string;
  /** Path of this host's nova.conf (read by CLI daemons and by the Python shim). */
  readonly conf: string;
  /** This host's config (also what `conf` says). */
  config: BridgeConfig;
  /** Output of this host's daemons (CLI launcher), for failure messages. */
  readonly log: string[];
}

/** A daemon that runs: stop it gracefully, or (if it can) kill it hard. */
export interface RunningDaemon {
  stop(): Promise<void>;
  kill?(): Promise<void>;
}

export interface DaemonLauncher<R extends RunningDaemon = RunningDaemon> {
  /** Start `host`'s daemon; resolve once it serves. A lost port race must reject with an error {@link isAddressInUse} recognizes. */
  start(host: ClusterHost, cluster: Cluster<R>): Promise<R>;
}

/** The real CLI (`node --import tsx src/cli.ts --config-file <conf>`) in a child process. */
export class CliDaemon implements RunningDaemon {
  constructor(readonly proc: ChildProcess) {}

  get exited(): boolean {
    return this.proc.exitCode !== null || this.proc.signalCode !== null;
  }

  /** SIGTERM, SIGKILL after {@link STOP_GRACE_MS}; resolves once the process is gone. */
  stop(): Promise<void> {
    return stopChild(this.proc, 'SIGTERM');
  }

  /** SIGKILL: a crash, nothing cleaned up by the daemon. */
  kill(): Promise<void> {
    return stopChild(this.proc, 'SIGKILL');
  }
}

/**
 * Launcher of CLI daemons. Ready when the daemon logged "daemon started"
 * (info level: don't raise the log level above info in `confLines`).
 */
export function cliDaemon(): DaemonLauncher<CliDaemon> {
  return {
    async start(host, cluster) {
      const proc = cluster.spawn(
        process.execPath,
        ['--import', 'tsx', join(REPO_ROOT, 'src', 'cli.ts'), '--config-file', host.conf],
        { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
        'daemon',
      );
      const mark = host.log.length;
      let out = '';
      const onData = (d: Buffer) => {
        const text = d.toString();
        out += text;
        host.log.push(text);
      };
      proc.stdout!.on('data', onData);
      proc.stderr!.on('data', onData);
      const daemon = new CliDaemon(proc);
      try {
        await waitFor(
          () => {
            if (out.includes('"msg":"daemon started"')) return true;
            if (daemon.exited) throw new Error(`daemon ${host.addr} exited (${proc.exitCode ?? proc.signalCode}):\n${host.log.slice(mark).join('')}`);
            return false;
          },
          { timeoutMs: DAEMON_START_TIMEOUT_MS, intervalMs: 50, what: () => `daemon ${host.addr} to start:\n${host.log.slice(mark).join('')}` },
        );
      } catch (err) {
        await daemon.kill();
        throw err;
      }
      return daemon;
    },
  };
}

/** A `Daemon` object in the test process. */
export class InProcessDaemon implements RunningDaemon {
  constructor(readonly daemon: Daemon) {}
  stop(): Promise<void> {
    return this.daemon.stop();
  }
}

export interface InProcessOptions {
  /** The config the Daemon gets (default: the host's). */
  config?: (host: ClusterHost) => BridgeConfig;
  /** Counters, router stages... for the Daemon. */
  deps?: (host: ClusterHost) => DaemonOptions;
  log?: Logger;
}

/** Launcher of in-process daemons. */
export function inProcessDaemon(opts: InProcessOptions = {}): DaemonLauncher<InProcessDaemon> {
  return {
    async start(host) {
      const daemon = new Daemon(opts.config?.(host) ?? host.config, opts.log ?? silentLogger(), opts.deps?.(host) ?? {});
      await daemon.start();
      return new InProcessDaemon(daemon);
    },
  };
}

// ---------------------------------------------------------------- child processes

function isGone(proc: ChildProcess): boolean {
  return proc.exitCode !== null || proc.signalCode !== null;
}

/** Send `signal` (SIGKILL after {@link STOP_GRACE_MS} if still alive) and wait for the process to be gone. */
export async function stopChild(proc: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (isGone(proc)) return;
  const gone = new Promise<void>((r) => proc.once('exit', () => r()));
  proc.kill(signal);
  const hard = signal === 'SIGKILL' ? undefined : setTimeout(() => proc.kill('SIGKILL'), STOP_GRACE_MS);
  await gone;
  clearTimeout(hard);
}

// ---------------------------------------------------------------- the cluster

/** nova.conf of a host: exactly the values the cluster controls, from its config. */
function novaConf(c: BridgeConfig, mm: ClusterMatchmaker, extra: string[]): string {
  const lines = [
    '[DEFAULT]',
    'transport_url = zmq://',
    `rpc_zmq_bind_address = ${c.bindAddressRaw}`,
    `rpc_zmq_host = ${c.host}`,
    `rpc_zmq_port = ${c.port}`,
    `rpc_zmq_ipc_dir = ${c.ipcDir}`,
    `rpc_zmq_matchmaker = ${c.matchmakerRaw}`,
    `rpc_response_timeout = ${c.responseTimeout}`,
    `matchmaker_heartbeat_freq = ${c.heartbeatFreq}`,
    `matchmaker_heartbeat_ttl = ${c.heartbeatTtl}`,
  ];
  if (c.brokerIp !== null) lines.push(`rpc_zmq_broker_ip = ${c.brokerIp}`);
  if (mm.kind === 'ring' || mm.kind === 'fanout_ring') lines.push('[matchmaker_ring]', `ringfile = ${c.ringfile}`);
  if (mm.kind === 'redis') {
    lines.push('[matchmaker_redis]', `host = ${c.redis.host}`, `port = ${c.redis.port}`);
    if (c.redis.password !== null) lines.push(`password = ${c.redis.password}`);
  }
  if (mm.kind === 'broker' || mm.kind === 'topic_scheduler') {
    lines.push('[zmq_bridge]', `broker_port = ${c.bridge.brokerPort}`, `scheduler_port = ${c.bridge.schedulerPort}`, `broker_role = ${c.bridge.brokerRole}`);
  }
  // Always written: the default (127.0.0.1:9504) would make parallel test daemons meet.
  lines.push('[zmq_bridge]', `http_listen = ${c.bridge.httpListen ?? ''}`);
  return [...lines, ...extra, ''].join('\n');
}

export class Cluster<R extends RunningDaemon = RunningDaemon> {
  /** The cluster's temp dir (ipc dirs, nova.conf files, ring file); removed by {@link close}. */
  readonly dir: string;
  readonly hosts: ClusterHost[] = [];
  /** Addresses of the block with no daemon, the receiver port free on them (see {@link ClusterOptions.spareAddrs}). */
  readonly spareAddrs: string[];
  /** The receiver port of every host. */
  port = 0;
  /** Broker and scheduler service ports (broker / topic_scheduler matchmakers), else 0. */
  brokerPort = 0;
  schedulerPort = 0;

  private readonly running = new Map<number, R>();
  /** Child processes by kind: peers are stopped before the daemons, daemons by their hosts. */
  private readonly children = { peer: new Set<ChildProcess>(), daemon: new Set<ChildProcess>() };
  private readonly cleanups: Array<() => unknown> = [];
  private readonly launcher: DaemonLauncher<R>;
  private readonly matchmaker: ClusterMatchmaker;
  private closed = false;
  private readonly onExit = () => this.closeNow();

  private constructor(private readonly opts: ClusterOptions<R>) {
    this.dir = mkdtempSync(join(tmpdir(), opts.dirPrefix ?? 'nzb-cluster-'));
    process.once('exit', this.onExit);
    this.launcher = opts.launcher ?? (cliDaemon() as unknown as DaemonLauncher<R>);
    this.matchmaker = opts.matchmaker ?? { kind: 'local' };
    const addrs = loopbackBlock(opts.hosts + (opts.spareAddrs ?? 0));
    this.spareAddrs = addrs.slice(opts.hosts);
    addrs.slice(0, opts.hosts).forEach((addr, index) => {
      const ipcDir = join(this.dir, addr);
      mkdirSync(ipcDir);
      this.hosts.push({ index, addr, ipcDir, conf: join(this.dir, `${addr}.conf`), config: testConfig({ ipcDir }), log: [] });
    });
  }

  /**
   * Make the cluster and start its hosts (see {@link ClusterOptions.startOrder}).
   * A daemon that lost the race for the port means a new port for all and
   * another try; any other failure closes the cluster and rejects.
   */
  static async start<R extends RunningDaemon = CliDaemon>(opts: ClusterOptions<R>): Promise<Cluster<R>> {
    const cluster = new Cluster<R>(opts);
    try {
      const mm = cluster.matchmaker;
      if (mm.kind === 'ring' || mm.kind === 'fanout_ring') {
        const ring = typeof mm.ring === 'function' ? mm.ring(cluster.allAddrs) : mm.ring;
        writeFileSync(cluster.ringfile, JSON.stringify(ring));
      }
      const order = opts.startOrder ?? cluster.hosts.map((h) => h.index);
      for (let attempt = 1; ; attempt++) {
        await cluster.pickPorts();
        try {
          for (const i of order) await cluster.startHost(i);
          return cluster;
        } catch (err) {
          for (const i of [...order].reverse()) await cluster.stopHost(i);
          if (attempt >= CLUSTER_PORT_ATTEMPTS || !isAddressInUse(err)) throw err;
        }
      }
    } catch (err) {
      await cluster.close();
      throw err;
    }
  }

  /** Every address: the hosts' in index order, then the spares. */
  get allAddrs(): string[] {
    return [...this.hosts.map((h) => h.addr), ...this.spareAddrs];
  }

  /** The hosts' addresses in index order. */
  get addrs(): string[] {
    return this.hosts.map((h) => h.addr);
  }

  get ringfile(): string {
    return join(this.dir, 'ring.json');
  }

  /** A host by index or address. */
  host(which: number | string): ClusterHost {
    const h = typeof which === 'number' ? this.hosts[which] : this.hosts.find((x) => x.addr === which);
    if (!h) throw new Error(`no host ${which} in the cluster (${this.addrs.join(', ')})`);
    return h;
  }

  /** The running daemon of a host (throws if it is stopped). */
  daemon(which: number | string): R {
    const h = this.host(which);
    const r = this.running.get(h.index);
    if (!r) throw new Error(`host ${h.addr} is not running`);
    return r;
  }

  isRunning(which: number | string): boolean {
    return this.running.has(this.host(which).index);
  }

  async startHost(which: number | string): Promise<R> {
    const h = this.host(which);
    if (this.running.has(h.index)) throw new Error(`host ${h.addr} is already running`);
    const r = await this.launcher.start(h, this);
    this.running.set(h.index, r);
    return r;
  }

  /** Stop a host's daemon gracefully (no-op when stopped). */
  async stopHost(which: number | string): Promise<void> {
    const h = this.host(which);
    const r = this.running.get(h.index);
    if (!r) return;
    this.running.delete(h.index);
    await r.stop();
  }

  /** Kill a host's daemon hard (launchers that can; others stop it). */
  async killHost(which: number | string): Promise<void> {
    const h = this.host(which);
    const r = this.running.get(h.index);
    if (!r) return;
    this.running.delete(h.index);
    await (r.kill ? r.kill() : r.stop());
  }

  /** Stop then start a host, same address, port and ipc dir. */
  async restartHost(which: number | string): Promise<R> {
    await this.stopHost(which);
    return this.startHost(which);
  }

  /**
   * Spawn a child process (cwd: the repository) that {@link close} stops if
   * it still runs: peers before the daemons, daemon processes (launchers'
   * children) last.
   */
  spawn(command: string, args: string[], options: SpawnOptions = {}, kind: 'peer' | 'daemon' = 'peer'): ChildProcess {
    const proc = spawn(command, args, { cwd: REPO_ROOT, ...options });
    const set = this.children[kind];
    set.add(proc);
    proc.once('exit', () => set.delete(proc));
    return proc;
  }

  /** Run `fn` in {@link close}, before the daemons stop (last registered, first run). */
  onClose(fn: () => unknown): void {
    this.cleanups.push(fn);
  }

  /**
   * Clean up everything, whatever failed before: registered cleanups, child
   * processes, daemons, the temp dir. Idempotent; errors of individual steps
   * are collected and rethrown together once all steps ran.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const errors: unknown[] = [];
    const attempt = async (fn: () => unknown) => {
      try {
        await fn();
      } catch (err) {
        errors.push(err);
      }
    };
    for (const fn of this.cleanups.splice(0).reverse()) await attempt(fn);
    for (const proc of [...this.children.peer]) await attempt(() => stopChild(proc));
    for (const h of [...this.hosts].reverse()) await attempt(() => this.stopHost(h.index));
    for (const proc of [...this.children.daemon]) await attempt(() => stopChild(proc));
    rmSync(this.dir, { recursive: true, force: true });
    process.off('exit', this.onExit);
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, 'cluster cleanup failed');
  }

  /** Last resort at process exit (synchronous): kill what is left, remove the dir. */
  private closeNow(): void {
    for (const proc of [...this.children.peer, ...this.children.daemon]) if (!isGone(proc)) proc.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Pick the receiver (and service) ports and (re)write every host's config and nova.conf. */
  private async pickPorts(): Promise<void> {
    const mm = this.matchmaker;
    const broker = mm.kind === 'broker' || mm.kind === 'topic_scheduler' ? this.host(mm.brokerHost) : null;
    const [port, brokerPort, schedulerPort] = await freeTcpPorts(this.allAddrs, broker ? 3 : 1);
    this.port = port!;
    this.brokerPort = brokerPort ?? 0;
    this.schedulerPort = schedulerPort ?? 0;
    for (const h of this.hosts) {
      const base: ConfigOverrides = {
        matchmaker: mm.kind as MatchmakerKind,
        matchmakerRaw: mm.raw ?? mm.kind,
        ...(this.opts.heartbeat ? { heartbeatFreq: this.opts.heartbeat.freqS, heartbeatTtl: this.opts.heartbeat.ttlS } : {}),
      };
      if (mm.kind === 'ring' || mm.kind === 'fanout_ring') base.ringfile = this.ringfile;
      if (mm.kind === 'redis') base.redis = { password: null, ...mm.redis };
      if (broker) {
        base.brokerIp = broker.addr;
        base.bridge = { brokerPort: this.brokerPort, schedulerPort: this.schedulerPort, brokerRole: h === broker };
      }
      const identity: ConfigOverrides = { host: h.addr, bindAddress: h.addr, bindAddressRaw: h.addr, port: this.port, ipcDir: h.ipcDir };
      h.config = testConfig(mergeOverrides(mergeOverrides(base, this.opts.config?.(h) ?? {}), identity));
      writeFileSync(h.conf, novaConf(h.config, mm, this.opts.confLines?.(h) ?? []));
    }
  }
}
