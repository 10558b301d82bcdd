/**
 * A host's matchmaker alone in its own process, for tests that kill a host
 * hard: argv[2] is JSON `{config: BridgeConfig, register: [[topic, host], ...]}`.
 * Registers, prints "ready", then heartbeats until killed.
 */
import { createMatchmaker } from '../../src/matchmaker/factory';
import { Counters } from '../../src/metrics/counters';
import { silentLogger } from '../../src/log';

async function main(): Promise<void> {
  const { config, register } = JSON.parse(process.argv[2]!) as { config: any; register: [string, string][] };
  const mm = createMatchmaker(config, { log: silentLogger(), counters: new Counters() });
  await mm.start();
  for (const [topic, host] of register) await mm.register(topic, host);
  process.stdout.write('ready\n');
  setInterval(() => undefined, 1 << 30);
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(1);
});
