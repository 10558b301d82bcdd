/**
 * Start a real Debian `redis-server` for a test, on loopback and a port the
 * OS picked as free, without persistence; stop it (or kill it hard, or
 * restart it on the same port) from the test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { freeTcpPort, isAddressInUse, PORT_PICK_ATTEMPTS } from './ports';

export const REDIS_SERVER = '/usr/bin/redis-server';
/** The Redis tests' former port range, still passed to {@link freePort} by some callers (unused). */
export const REDIS_PORT_MIN = 21900;
export const REDIS_PORT_MAX = 21999;
/** How long to wait for redis-server to accept connections (ms). */
const START_TIMEOUT_MS = 10000;

/**
 * A free port on `host`, chosen by the OS. The range arguments are what
 * callers used to pass when ports came from fixed per-suite ranges (which
 * parallel runs shared, and collided in); they are no longer used - new code
 * calls `freeTcpPort` (test/support/ports.ts) directly.
 */
export async function freePort(_min?: number, _max?: number, host = '127.0.0.1'): Promise<number> {
  return freeTcpPort(host);
}

export class RedisServer {
  private proc: ChildProcess | null = null;
  readonly host = '127.0.0.1';

  private constructor(
    readonly port: number,
    /** More redis-server arguments (`--requirepass pw`, `--user name on >pw ~* +@all`...). */
    private readonly extraArgs: readonly string[] = [],
  ) {}

  /**
   * Start a server on `port`, or on a port the OS picked as free (picked
   * again if redis-server lost the race for it).
   */
  static async start(port?: number, extraArgs: readonly string[] = []): Promise<RedisServer> {
    if (port !== undefined) {
      const s = new RedisServer(port, extraArgs);
      await s.launch();
      return s;
    }
    for (let attempt = 1; ; attempt++) {
      const s = new RedisServer(await freeTcpPort('127.0.0.1'), extraArgs);
      try {
        await s.launch();
        return s;
      } catch (err) {
        if (attempt >= PORT_PICK_ATTEMPTS || !isAddressInUse(err)) throw err;
      }
    }
  }

  /** A server for `port` that is not started yet (call {@link launch}). */
  static unstarted(port: number): RedisServer {
    return new RedisServer(port);
  }

  get running(): boolean {
    return this.proc !== null;
  }

  /** (Re)start on the same port. */
  async launch(): Promise<void> {
    if (this.proc) throw new Error('redis-server already running');
    const proc = spawn(
      REDIS_SERVER,
      ['--port', String(this.port), '--bind', this.host, '--save', '', '--appendonly', 'no', '--daemonize', 'no', ...this.extraArgs],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.proc = proc;
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start on ${this.port}:\n${out}`)), START_TIMEOUT_MS);
      const onData = (d: Buffer) => {
        out += d.toString();
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout!.on('data', onData);
      proc.stderr!.on('data', onData);
      proc.once('exit', (code) => {
        clearTimeout(timer);
        this.proc = null;
        reject(new Error(`redis-server exited with ${code} on port ${this.port}:\n${out}`));
      });
    });
    proc.stdout!.resume();
    proc.stderr!.resume();
  }

  /** Send a signal to the server process (SIGSTOP / SIGCONT to freeze and thaw it). */
  signal(sig: NodeJS.Signals): void {
    if (!this.proc) throw new Error('redis-server is not running');
    this.proc.kill(sig);
  }

  /**
   * Freeze the server (SIGSTOP): its connections stay open and commands
   * queue up unanswered, as with a Redis stalled by swapping or a VM pause.
   */
  pause(): void {
    this.signal('SIGSTOP');
  }

  /** Thaw a {@link pause}d server (SIGCONT): it answers the queued commands in order. */
  resume(): void {
    this.signal('SIGCONT');
  }

  /** Stop the server (SIGKILL: like a crash, nothing is flushed) and wait for it to exit. */
  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    this.proc = null;
    proc.removeAllListeners('exit');
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGKILL');
      // A paused server dies of SIGKILL all the same; SIGCONT is harmless otherwise.
      proc.kill('SIGCONT');
    });
  }
}
