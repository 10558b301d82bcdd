/**
 * TCP ports the OS picked as free, for tests that bind the port themselves
 * (a daemon's receiver, redis-server, a legacy Python node): bind port 0,
 * read the port back, release it. A port wanted on several addresses is
 * bound on all of them at once before it is released, so it is free on
 * each; a clash (EADDRINUSE) means another pick.
 *
 * The port is free when returned, not reserved: whoever binds it next wins.
 * Callers that can tell a lost race (a bind failing with "address already in
 * use") pick again - see {@link isAddressInUse}.
 */
import { createServer, type Server } from 'node:net';

/** Picks tried before giving up (each a fresh OS choice). */
export const PORT_PICK_ATTEMPTS = 20;

function listen(port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(port, host, () => {
      srv.off('error', reject);
      resolve(srv);
    });
  });
}

function close(srv: Server): Promise<void> {
  return new Promise((resolve) => srv.close(() => resolve()));
}

/** True for an error (or a daemon's log text) that says a port was taken. */
export function isAddressInUse(errOrText: unknown): boolean {
  const e = errOrText as { code?: unknown; message?: unknown } | null;
  if (e && typeof e === 'object' && (e.code === 'EADDRINUSE' || e.code === 'STARTUP_PORT_IN_USE')) return true;
  const text = typeof errOrText === 'string' ? errOrText : String(e?.message ?? '');
  return /EADDRINUSE|STARTUP_PORT_IN_USE|address already in use/i.test(text);
}

/**
 * `count` distinct ports, each free on every address of `addrs` (all
 * loopback or local addresses), chosen by the OS.
 */
export async function freeTcpPorts(addrs: readonly string[], count = 1): Promise<number[]> {
  if (addrs.length === 0) throw new Error('freeTcpPorts: no address given');
  let lastErr: unknown;
  for (let attempt = 0; attempt < PORT_PICK_ATTEMPTS; attempt++) {
    const held: Server[] = [];
    try {
      const ports: number[] = [];
      for (let i = 0; i < count; i++) {
        const srv = await listen(0, addrs[0]!);
        held.push(srv);
        ports.push((srv.address() as { port: number }).port);
      }
      for (const addr of addrs.slice(1)) for (const p of ports) held.push(await listen(p, addr));
      return ports;
    } catch (err) {
      if (!isAddressInUse(err)) throw err;
      lastErr = err;
    } finally {
      await Promise.all(held.map(close));
    }
  }
  throw new Error(`no port free on all of ${addrs.join(', ')} after ${PORT_PICK_ATTEMPTS} picks: ${String(lastErr)}`);
}

/** One port free on every address of `addrs` (default: 127.0.0.1), chosen by the OS. */
export async function freeTcpPort(...addrs: string[]): Promise<number> {
  const [port] = await freeTcpPorts(addrs.length ? addrs : ['127.0.0.1'], 1);
  return port!;
}
