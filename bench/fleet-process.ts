/**
 * The bench's handle on the fleet simulator child (bench/fleet-main.ts):
 * forked with an IPC channel, its output to a log file, stopped by the
 * bench's process registry on any exit.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessRegistry } from './lib/procs';
import type { FleetCounts, FleetStats } from './fleet';

/** How long one request to the fleet may take (binding 2,000 addresses included), in milliseconds. */
export const FLEET_REQUEST_TIMEOUT_MS = 120_000;

export class FleetProcess {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (a: Record<string, unknown>) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private exited = false;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m: { id: number; ok: boolean; error?: string }) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      clearTimeout(w.timer);
      if (m.ok) w.resolve(m as unknown as Record<string, unknown>);
      else w.reject(new Error(`fleet: ${m.error}`));
    });
    child.once('exit', (code, signal) => {
      this.exited = true;
      for (const w of this.waiting.values()) {
        clearTimeout(w.timer);
        w.reject(new Error(`fleet process exited (${code ?? signal})`));
      }
      this.waiting.clear();
    });
  }

  /** Fork the fleet process (through tsx); the registry kills it at the end whatever happens. */
  static spawn(procs: ProcessRegistry, logFile: string): FleetProcess {
    const fd = openSync(logFile, 'a');
    const child = fork(join(__dirname, 'fleet-main.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', fd, fd, 'ipc'] });
    closeSync(fd);
    const fp = new FleetProcess(child);
    procs.addCleanup({
      name: 'fleet simulator',
      run: () => fp.stop(),
      runSync: () => {
        child.kill('SIGKILL');
      },
    });
    return fp;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  private request(op: string, args: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    if (this.exited) return Promise.reject(new Error('fleet process is gone'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`fleet: no answer to ${op} within ${FLEET_REQUEST_TIMEOUT_MS} ms`));
      }, FLEET_REQUEST_TIMEOUT_MS);
      this.waiting.set(id, { resolve, reject, timer });
      this.child.send({ id, op, ...args });
    });
  }

  /** Bind one legacy receiver per address on `port` (or a port the OS picks); resolves with the port. */
  async start(addrs: string[], port?: number): Promise<number> {
    return (await this.request('start', { addrs, port })).port as number;
  }

  async totals(bases: string[]): Promise<{ totals: Record<string, number>; calls: number }> {
    const a = await this.request('totals', { bases });
    return { totals: a.totals as Record<string, number>, calls: a.calls as number };
  }

  async snapshot(): Promise<{ stats: FleetStats; counts: FleetCounts }> {
    const a = await this.request('snapshot');
    return { stats: a.stats as FleetStats, counts: a.counts as FleetCounts };
  }

  async hold(calls: number): Promise<void> {
    await this.request('hold', { calls });
  }

  async reset(): Promise<void> {
    await this.request('reset');
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((r) => this.child.once('exit', () => r()));
    await this.request('stop').catch(() => this.child.kill('SIGKILL'));
    await Promise.race([gone, new Promise<void>((r) => setTimeout(r, 5_000).unref())]);
    if (!this.exited) this.child.kill('SIGKILL');
  }
}
