/**
 * Child processes of the bench (daemons, RabbitMQ, Python peers), tracked so
 * that every one of them is stopped at the end - on success, on failure, on
 * Ctrl-C - and the bench leaves nothing running.
 *
 * Each child runs in its own process group (detached) so that stopping it
 * also stops what it started (RabbitMQ's shell wrapper -> beam -> helpers);
 * only groups this module created are ever signalled.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync, existsSync } from 'node:fs';

/** Milliseconds a child gets between SIGTERM and SIGKILL. */
export const DEFAULT_STOP_GRACE_MS = 10_000;

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  logFile: string;
  /** Resolves with the exit code (or signal name) when the child exits. */
  exited: Promise<number | string>;
  isRunning(): boolean;
  /** The last lines of its log, for error messages. */
  tail(lines?: number): string;
}

export interface SpawnOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** Something else to undo at the end (e.g. an epmd the Erlang VM daemonized). */
export interface Cleanup {
  name: string;
  run(): Promise<void>;
  /** Best effort from the process 'exit' hook, where nothing async runs. */
  runSync(): void;
}

export class ProcessRegistry {
  private readonly procs: ManagedProcess[] = [];
  private readonly cleanups: Cleanup[] = [];
  private closed = false;
  private readonly exitHook = () => this.killAllSync();

  constructor() {
    // Last resort when the bench dies without running its finally blocks.
    process.on('exit', this.exitHook);
  }

  spawn(name: string, cmd: string, args: string[], logFile: string, opts: SpawnOptions = {}): ManagedProcess {
    if (this.closed) throw new Error(`not starting ${name}: the bench is stopping`);
    const fd = openSync(logFile, 'a');
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', fd, fd],
      detached: true,
    });
    closeSync(fd);
    if (child.pid === undefined) throw new Error(`could not start ${name} (${cmd})`);
    let running = true;
    const exited = new Promise<number | string>((resolve) => {
      child.once('exit', (code, signal) => {
        running = false;
        resolve(code ?? signal ?? 'unknown');
      });
      child.once('error', (err) => {
        running = false;
        resolve(`spawn error: ${err.message}`);
      });
    });
    const proc: ManagedProcess = {
      name,
      child,
      pid: child.pid,
      logFile,
      exited,
      isRunning: () => running,
      tail: (lines = 20) => tailOf(logFile, lines),
    };
    this.procs.push(proc);
    return proc;
  }

  /** SIGTERM to the child's group, then SIGKILL after `graceMs`. */
  async stop(proc: ManagedProcess, graceMs = DEFAULT_STOP_GRACE_MS): Promise<void> {
    if (proc.isRunning()) {
      signalGroup(proc.pid, 'SIGTERM');
      const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs).unref());
      if ((await Promise.race([proc.exited, timer])) === 'timeout') {
        signalGroup(proc.pid, 'SIGKILL');
        await proc.exited;
      }
    }
    // Helpers the child left behind in its group (none expected) go too.
    signalGroup(proc.pid, 'SIGKILL');
    const i = this.procs.indexOf(proc);
    if (i !== -1) this.procs.splice(i, 1);
  }

  addCleanup(c: Cleanup): void {
    this.cleanups.push(c);
  }

  async runCleanup(c: Cleanup): Promise<void> {
    const i = this.cleanups.indexOf(c);
    if (i === -1) return;
    this.cleanups.splice(i, 1);
    await c.run();
  }

  /** Stop every child, run every cleanup, and refuse new children from now on. */
  async stopAll(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.procs].reverse().map((p) => this.stop(p)));
    for (const c of [...this.cleanups].reverse()) await this.runCleanup(c);
  }

  private killAllSync(): void {
    for (const p of this.procs) signalGroup(p.pid, 'SIGKILL');
    for (const c of this.cleanups) {
      try {
        c.runSync();
      } catch {
        // best effort at exit
      }
    }
  }

  dispose(): void {
    process.off('exit', this.exitHook);
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // group already gone
  }
}

function tailOf(file: string, lines: number): string {
  if (!existsSync(file)) return '';
  const text = readFileSync(file, 'utf8');
  return text.split('\n').slice(-lines - 1).join('\n').trim();
}

/** Run a command to completion (output to a log file); resolves with its exit code. */
export function runToCompletion(cmd: string, args: string[], logFile: string, opts: SpawnOptions = {}): Promise<number> {
  return new Promise((resolve) => {
    const fd = openSync(logFile, 'a');
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    child.once('exit', (code) => resolve(code ?? 1));
    child.once('error', () => resolve(127));
  });
}
