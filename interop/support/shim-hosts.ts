// Hosts for the shim interop tests: a cluster (test/support/cluster.ts) of
// real CLI daemons, one per loopback address, and Python peers around them
// (Debian's python3 in .venv with the shim, or plain /usr/bin/python3 for
// legacy pyzmq nodes) that read a host's nova.conf or ipc dir.
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Cluster, REPO_ROOT, type CliDaemon, type ClusterHost, type ClusterOptions } from '../../test/support/cluster';
import { waitFor } from '../../test/support/wait';

export const ROOT = REPO_ROOT;
/** Debian's python3 with the shim installed (scripts/setup-test-deps.sh). */
export const PY = join(ROOT, '.venv', 'bin', 'python');
/** Debian's python3 alone (pyzmq, no shim): legacy nodes. */
export const SYSTEM_PY = '/usr/bin/python3';
export const PYDIR = join(ROOT, 'interop', 'py');
/** rpc_response_timeout of the shim hosts (s): calls that must fail do so in reasonable time. */
export const SHIM_RESPONSE_TIMEOUT_S = 30;

export type ShimHostsOptions = Omit<ClusterOptions<CliDaemon>, 'launcher'>;

/** Hang guard of a Python script run to completion (ms). */
const RUN_TIMEOUT_MS = 120_000;
/** Hang guard of a peer's start-up (ms). */
const PEER_READY_TIMEOUT_MS = 30_000;

export class ShimHosts {
  private constructor(readonly cluster: Cluster<CliDaemon>) {}

  /** Start the hosts' daemons (CLI processes); close with {@link close}. */
  static async start(opts: ShimHostsOptions): Promise<ShimHosts> {
    const cluster = await Cluster.start<CliDaemon>({
      ...opts,
      config: (h) => ({ responseTimeout: SHIM_RESPONSE_TIMEOUT_S, ...opts.config?.(h) }),
    });
    return new ShimHosts(cluster);
  }

  /** The cluster's temp dir (scripts may write their own files there). */
  get dir(): string {
    return this.cluster.dir;
  }

  get port(): number {
    return this.cluster.port;
  }

  /** The hosts' addresses, in index order. */
  get addrs(): string[] {
    return this.cluster.addrs;
  }

  /** Addresses with no daemon where the port is free (legacy nodes binding it). */
  get spareAddrs(): string[] {
    return this.cluster.spareAddrs;
  }

  host(which: number | string): ClusterHost {
    return this.cluster.host(which);
  }

  async startDaemon(which: number | string): Promise<void> {
    await this.cluster.startHost(which);
  }

  async stopDaemon(which: number | string): Promise<void> {
    await this.cluster.stopHost(which);
  }

  async restartDaemon(which: number | string): Promise<void> {
    await this.cluster.restartHost(which);
  }

  /**
   * A long-running Python peer printing JSON lines; resolves once it printed
   * {"event":"ready"}. Stopped by {@link close} if the test did not.
   */
  async startPeer(script: string, args: string[], opts: { python?: string; readyTimeoutMs?: number } = {}): Promise<Peer> {
    const proc = this.cluster.spawn(opts.python ?? PY, [join(PYDIR, script), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const peer = new Peer(proc, script);
    await peer.waitFor((e) => e.event === 'ready', opts.readyTimeoutMs ?? PEER_READY_TIMEOUT_MS);
    return peer;
  }

  /** Run a Python script to completion and parse its last stdout line as JSON. */
  run(script: string, args: string[], timeoutMs = RUN_TIMEOUT_MS): Promise<any> {
    const what = `${script} ${args.join(' ')}`;
    return new Promise((resolve, reject) => {
      const proc = this.cluster.spawn(PY, [join(PYDIR, script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      const t = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
      proc.once('exit', (code, signal) => {
        clearTimeout(t);
        const lines = out.trim().split('\n');
        let res: any;
        try {
          res = JSON.parse(lines[lines.length - 1]!);
        } catch {
          reject(new Error(`${what} exited ${code ?? signal} without a JSON result: ${out}\n${err}`));
          return;
        }
        if (res && res.fatal) reject(new Error(`${what}: ${JSON.stringify(res.fatal)}\n${err}`));
        else resolve(res);
      });
    });
  }

  close(): Promise<void> {
    return this.cluster.close();
  }
}

/** A Python peer printing JSON event lines on stdout; other lines are kept with its stderr. */
export class Peer {
  readonly events: any[] = [];
  readonly stderr: string[] = [];

  constructor(readonly proc: ChildProcess, readonly name = 'peer') {
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      try {
        this.events.push(JSON.parse(line));
      } catch {
        this.stderr.push(line);
      }
    });
    proc.stderr!.on('data', (d: Buffer) => this.stderr.push(d.toString()));
  }

  /** The first event matching `pred`, waiting for it; fails at once if the peer exited. */
  async waitFor(pred: (e: any) => boolean, timeoutMs = 20_000): Promise<any> {
    let hit: any;
    await waitFor(
      () => {
        hit = this.events.find(pred);
        if (hit !== undefined) return true;
        if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
          throw new Error(`${this.name} exited (${this.proc.exitCode ?? this.proc.signalCode}): ${this.stderr.join('')}`);
        }
        return false;
      },
      { timeoutMs, what: () => `${this.name} event; events ${JSON.stringify(this.events)} ${this.stderr.join('')}` },
    );
    return hit;
  }

  /** Close stdin: the peer stops its server and exits (SIGKILL after 10 s). */
  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const done = new Promise((r) => this.proc.once('exit', r));
    this.proc.stdin!.end();
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 10_000);
    await done;
    clearTimeout(t);
  }
}
