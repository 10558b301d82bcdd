/**
 * A directed call's latency by how its server name resolves
 * (docs/server-names.md): to a listener on the caller's own daemon (no tcp)
 * vs to a listener on another daemon over tcp - found through the ring
 * file's server map, through Redis registrations (one more Redis round trip
 * per call), or addressed the legacy way by its host.
 *
 *   node --import tsx bench/directed.ts [--calls N] [--warmup N] [--rounds N]
 *
 * Two daemons (real CLI processes, on two loopback addresses of a cluster,
 * test/support/cluster.ts) per matchmaker; the caller and the answering
 * listener are local-API clients in this process (test/support/
 * localapi-client.ts, the shim's protocol), so the figures are the daemons'
 * path, not Python's. Sequential calls; each figure is the median over
 * rounds of that round's percentile. Run it under the bench lock
 * (`flock /tmp/nzb-bench.lock ...`) and say how loaded the machine was.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { join } from 'node:path';
import { Cluster } from '../test/support/cluster';
import { LocalApiClient } from '../test/support/localapi-client';
import { RedisServer } from '../test/support/redis';
import { median, percentile } from './lib/stats';

interface Args {
  calls: number;
  warmup: number;
  rounds: number;
  /** Internal: measure this matchmaker only and print its rows as JSON. */
  only?: 'ring' | 'redis';
}

function parseArgs(argv: string[]): Args {
  const a: Args = { calls: 2000, warmup: 200, rounds: 3 };
  for (let i = 0; i < argv.length; i++) {
    const v = Number(argv[i + 1]);
    if (argv[i] === '--calls') a.calls = v;
    else if (argv[i] === '--warmup') a.warmup = v;
    else if (argv[i] === '--rounds') a.rounds = v;
    else if (argv[i] === '--only' && (argv[i + 1] === 'ring' || argv[i + 1] === 'redis')) a.only = argv[i + 1] as 'ring' | 'redis';
    else throw new Error(`unknown option ${argv[i]} (--calls N, --warmup N, --rounds N)`);
    i++;
  }
  return a;
}

const TOPIC = 'bench';
const CTX = '{}';
const MSG = JSON.stringify({ method: 'ping', args: { payload: 'x'.repeat(200) } });

/** Sequential call latencies in microseconds. */
async function measure(caller: LocalApiClient, server: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await caller.call({ topic: TOPIC, server }, CTX, MSG, 30);
    out.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  return out;
}

interface Row {
  path: string;
  p50: number;
  p90: number;
  p99: number;
  mean: number;
}

async function runCluster(kind: 'ring' | 'redis', args: Args, redis: RedisServer | null): Promise<Row[]> {
  const cluster = await Cluster.start({
    hosts: 2,
    matchmaker:
      kind === 'ring'
        ? { kind: 'ring', ring: ([a, b]) => ({ [TOPIC]: [a!, b!], 'zmq_bridge.servers': { 'srv-a': a!, 'srv-b': b! } }) }
        : { kind: 'redis', redis: { host: redis!.host, port: redis!.port } },
    dirPrefix: 'nzb-bench-directed-',
  });
  const clients: LocalApiClient[] = [];
  try {
    const [A, B] = cluster.hosts;
    const connect = async (path: string) => {
      const c = await LocalApiClient.connect(path);
      clients.push(c);
      await c.hello();
      return c;
    };
    const caller = await connect(A!.config.bridge.localSocket);
    for (const [host, name] of [[A!, 'srv-a'], [B!, 'srv-b']] as const) {
      const responder = await connect(host.config.bridge.localSocket);
      await responder.listen({ topic: TOPIC, server: name }, (d) => {
        if (d.reply_to) responder.reply(d.reply_to, d.ctx, { result: '"pong"' });
      });
    }
    const paths: [string, string][] = [
      [`${kind}: local listener (same daemon, no tcp)`, 'srv-a'],
      [`${kind}: listener on the other daemon, found by name (tcp)`, 'srv-b'],
    ];
    if (kind === 'ring') paths.push(['legacy: server = the other host\'s address (tcp)', B!.addr]);
    const rows: Row[] = [];
    for (const [path, server] of paths) {
      await measure(caller, server, args.warmup);
      const p50: number[] = [];
      const p90: number[] = [];
      const p99: number[] = [];
      const mean: number[] = [];
      for (let r = 0; r < args.rounds; r++) {
        const lat = await measure(caller, server, args.calls);
        p50.push(percentile(lat, 50));
        p90.push(percentile(lat, 90));
        p99.push(percentile(lat, 99));
        mean.push(lat.reduce((s, x) => s + x, 0) / lat.length);
      }
      rows.push({ path, p50: median(p50), p90: median(p90), p99: median(p99), mean: median(mean) });
    }
    return rows;
  } finally {
    for (const c of clients) await c.close().catch(() => undefined);
    await cluster.close();
  }
}

/** One matchmaker's rows, in a fresh child process: a second cluster in one process measured slower, whatever its kind. */
function runChild(kind: 'ring' | 'redis', args: Args): Row[] {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', __filename, '--only', kind, '--calls', String(args.calls), '--warmup', String(args.warmup), '--rounds', String(args.rounds)],
    { cwd: join(__dirname, '..'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  if (r.status !== 0) throw new Error(`bench/directed.ts --only ${kind} exited ${r.status ?? r.signal}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Row[];
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.only) {
    const redis = args.only === 'redis' ? await RedisServer.start() : null;
    try {
      console.log(JSON.stringify(await runCluster(args.only, args, redis)));
    } finally {
      await redis?.stop();
    }
    return;
  }
  const load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  const rows = [...runChild('ring', args), ...runChild('redis', args)];
  const loadAfter = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(`directed call latency, ${args.rounds} rounds x ${args.calls} sequential calls (+${args.warmup} warm-up), median of rounds, microseconds`);
  console.log(`machine: ${os.cpus().length} cpus, load average ${load} before, ${loadAfter} after`);
  console.log('| path | p50 | p90 | p99 | mean |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const r of rows) console.log(`| ${r.path} | ${r.p50.toFixed(0)} | ${r.p90.toFixed(0)} | ${r.p99.toFixed(0)} | ${r.mean.toFixed(0)} |`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
