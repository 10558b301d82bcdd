/**
 * The real daemon (its CLI) in a child process, for the fuzz and fault
 * scripts: its nova.conf in a fresh temp dir, its log volume, its memory
 * (VmRSS / VmHWM) and open file descriptors from /proc, and signals
 * (SIGSTOP / SIGCONT / SIGKILL / SIGTERM) sent to its own pid only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RssSampler, type RssReport } from '../../bench/lib/rss';

export const REPO_ROOT = join(__dirname, '..', '..');
/** Hang guard of a start, in milliseconds. */
export const DAEMON_START_TIMEOUT_MS = 30_000;
/** How often file descriptors are counted, in milliseconds. */
export const FD_SAMPLE_INTERVAL_MS = 200;
/** Log text kept for failure messages, in characters. */
const LOG_TAIL_CHARS = 8_000;

/** Open file descriptors of a process, or null when it is gone. */
export function countFds(pid: number): number | null {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null;
  }
}

export interface DaemonProcOptions {
  /** nova.conf lines (without the ipc dir, which is this dir's). */
  conf: (ipcDir: string) => string[];
  /** Source tree whose src/cli.ts runs (default: this repository). */
  root?: string;
  /** Prefix of the temp dir. */
  prefix?: string;
}

export class DaemonProc {
  readonly dir: string;
  readonly ipcDir: string;
  readonly confPath: string;
  private proc: ChildProcess | null = null;
  private rss: RssSampler | null = null;
  private fdTimer: NodeJS.Timeout | null = null;
  /** Bytes the daemon wrote to stdout and stderr (its JSON log lines). */
  logBytes = 0;
  /** Log lines written. */
  logLines = 0;
  private tail = '';
  peakFds = 0;
  exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;

  constructor(private readonly opts: DaemonProcOptions) {
    this.dir = mkdtempSync(join(tmpdir(), opts.prefix ?? 'nzb-proc-'));
    this.ipcDir = join(this.dir, 'ipc');
    this.confPath = join(this.dir, 'nova.conf');
    writeFileSync(this.confPath, [...opts.conf(this.ipcDir), ''].join('\n'));
  }

  get pid(): number {
    if (!this.proc?.pid) throw new Error('daemon not started');
    return this.proc.pid;
  }

  get alive(): boolean {
    return this.proc !== null && this.exit === null;
  }

  /** The last lines the daemon wrote. */
  get logTail(): string {
    return this.tail;
  }

  /** Spawn it and resolve once it logged "daemon started". */
  async start(): Promise<void> {
    const root = this.opts.root ?? REPO_ROOT;
    this.exit = null;
    const proc = spawn(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli.ts'), '--config-file', this.confPath], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    let started = false;
    const onData = (d: Buffer): void => {
      this.logBytes += d.length;
      const text = d.toString();
      for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.logLines++;
      this.tail = (this.tail + text).slice(-LOG_TAIL_CHARS);
      if (!started && this.tail.includes('"msg":"daemon started"')) started = true;
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code, signal) => (this.exit = { code, signal }));
    const until = Date.now() + DAEMON_START_TIMEOUT_MS;
    while (!started) {
      // Set by the exit handler meanwhile (TypeScript cannot see that).
      const exit = this.exit as DaemonProc['exit'];
      if (exit) throw new Error(`daemon exited at start (${exit.code ?? exit.signal}):\n${this.tail}`);
      if (Date.now() > until) {
        await this.kill();
        throw new Error(`daemon did not start within ${DAEMON_START_TIMEOUT_MS} ms:\n${this.tail}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    this.rss = new RssSampler(proc.pid!).start();
    this.peakFds = countFds(proc.pid!) ?? 0;
    this.fdTimer = setInterval(() => {
      const n = this.proc?.pid ? countFds(this.proc.pid) : null;
      if (n !== null) this.peakFds = Math.max(this.peakFds, n);
    }, FD_SAMPLE_INTERVAL_MS);
    this.fdTimer.unref();
  }

  /** Memory so far (peak from the kernel's VmHWM). */
  memory(): RssReport | null {
    if (!this.rss) return null;
    this.rss.sample();
    return this.rss.report();
  }

  fds(): number | null {
    return this.proc?.pid ? countFds(this.proc.pid) : null;
  }

  /** Send a signal to the daemon's own pid. */
  signal(sig: NodeJS.Signals): void {
    if (this.alive) this.proc!.kill(sig);
  }

  private async waitExit(ms: number): Promise<boolean> {
    const until = Date.now() + ms;
    while (this.exit === null && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    return this.exit !== null;
  }

  private stopSampling(): void {
    if (this.fdTimer) clearInterval(this.fdTimer);
    this.fdTimer = null;
    this.rss?.stop();
  }

  /** SIGTERM (SIGKILL after `graceMs`); resolves once it exited. */
  async stop(graceMs = 15_000): Promise<void> {
    this.stopSampling();
    if (!this.alive) return;
    this.proc!.kill('SIGCONT');
    this.proc!.kill('SIGTERM');
    if (!(await this.waitExit(graceMs))) await this.kill();
  }

  /** SIGKILL: a crash. */
  async kill(): Promise<void> {
    this.stopSampling();
    if (!this.alive) return;
    this.proc!.kill('SIGKILL');
    await this.waitExit(10_000);
  }

  /** Stop if running and remove the temp dir. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
