/**
 * The fleet simulator (bench/fleet.ts) as its own process, driven by the
 * bench over Node's IPC channel (bench/fleet-process.ts), so the daemon's
 * CPU and file descriptors are measured without the fleet's.
 *
 * Requests `{id, op, ...}`, answers `{id, ok, ...}` / `{id, ok: false, error}`:
 *   start {addrs, port?}  -> {port}
 *   snapshot              -> {stats, counts}
 *   totals {bases}        -> {totals: {base: n}, calls}
 *   hold {calls}          -> {}
 *   reset                 -> {}
 *   stop                  -> {} (then the process exits)
 */
import { Fleet } from './fleet';

interface Request {
  id: number;
  op: 'start' | 'snapshot' | 'totals' | 'hold' | 'reset' | 'stop';
  addrs?: string[];
  port?: number;
  bases?: string[];
  calls?: number;
}

let fleet: Fleet | null = null;

function need(): Fleet {
  if (!fleet) throw new Error('fleet not started');
  return fleet;
}

async function handle(r: Request): Promise<Record<string, unknown>> {
  switch (r.op) {
    case 'start':
      fleet?.close();
      fleet = await Fleet.start({ addrs: r.addrs ?? [], port: r.port });
      return { port: fleet.port };
    case 'snapshot':
      return need().snapshot() as unknown as Record<string, unknown>;
    case 'totals': {
      const f = need();
      const totals: Record<string, number> = {};
      for (const b of r.bases ?? []) totals[b] = f.total(b);
      return { totals, calls: f.snapshot().stats.calls };
    }
    case 'hold':
      need().holdReplies(r.calls ?? 0);
      return {};
    case 'reset':
      need().reset();
      return {};
    case 'stop':
      fleet?.close();
      fleet = null;
      setImmediate(() => process.exit(0));
      return {};
  }
}

process.on('message', (r: Request) => {
  handle(r).then(
    (answer) => process.send?.({ id: r.id, ok: true, ...answer }),
    (err: unknown) => process.send?.({ id: r.id, ok: false, error: err instanceof Error ? err.message : String(err) }),
  );
});
// The bench went away: so does the fleet.
process.on('disconnect', () => {
  fleet?.close();
  process.exit(0);
});
