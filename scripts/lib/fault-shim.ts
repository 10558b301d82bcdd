/**
 * A shim-like listener process for scripts/faults.ts: connects to a daemon's
 * local API, listens on one topic and prints the sequence number of each
 * legitimate delivery, one per line (a separate process, so the fault script
 * can freeze and kill it).
 *
 * Usage: node --import tsx scripts/lib/fault-shim.ts <local socket> <topic>
 */
import { LocalApiClient } from '../../test/support/localapi-client';

async function main(): Promise<void> {
  const [path, topic] = process.argv.slice(2);
  if (!path || !topic) throw new Error('usage: fault-shim.ts <local socket> <topic>');
  const c = await LocalApiClient.connect(path);
  await c.hello();
  await c.listen({ topic }, (d) => {
    const m = /legit:[a-z_]+:(\d+)/.exec(d.msg);
    if (m) process.stdout.write(`${m[1]}\n`);
  });
  process.stdout.write('ready\n');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
