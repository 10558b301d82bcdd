/**
 * Ports and readiness. The bench owns the port range 24000-24999 (its
 * RabbitMQ, epmd and Erlang distribution ports included), so nothing it
 * starts can collide with the test suite or a packaged service.
 */
import { createConnection, createServer } from 'node:net';

export const BENCH_PORT_MIN = 24000;
export const BENCH_PORT_MAX = 24999;

/** True when `host:port` can be bound right now. */
export function isPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/**
 * `count` consecutive ports, starting at `preferred` or the next free block
 * after it inside the bench's range, free on every one of `hosts`.
 */
export async function pickPorts(preferred: number, count: number, hosts: string[] = ['127.0.0.1']): Promise<number[]> {
  for (let base = preferred; base + count - 1 <= BENCH_PORT_MAX; base += count) {
    const ports = Array.from({ length: count }, (_, i) => base + i);
    let free = true;
    for (const p of ports) {
      for (const h of hosts) {
        if (!(await isPortFree(h, p))) {
          free = false;
          break;
        }
      }
      if (!free) break;
    }
    if (free) return ports;
  }
  throw new Error(`no ${count} free consecutive ports in ${preferred}-${BENCH_PORT_MAX} on ${hosts.join(', ')}`);
}

/** True when a TCP connection to `host:port` is accepted. */
export function canConnect(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host, port });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Poll `check` every `intervalMs` until it returns true; throws after
 * `timeoutMs`, or early when `abort` returns a reason (e.g. the process died).
 */
export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  abort?: () => string | null,
  intervalMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    const why = abort?.();
    if (why) throw new Error(`${what}: ${why}`);
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${Math.round(timeoutMs / 1000)} s`);
    await sleep(intervalMs);
  }
}
