/**
 * What a Prometheus scrape costs the daemon (issue 11): a CLI daemon in a
 * child process, loaded to the bounds of every per-topic series - 1,000
 * topics in its ring file, 1,000 ipc outlets (one message queued in each),
 * 300 call methods (the latency histogram at its series bound) - then N
 * scrapes in a row over HTTP. The figure is the daemon's CPU time
 * (/proc/<pid>/stat utime+stime) across the scrapes divided by N, with the
 * size of one scrape and the median wall time.
 *
 *   flock /tmp/nzb-bench.lock node --import tsx bench/scrape.ts [--scrapes N]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import * as zmq from 'zeromq';
import { LocalApiClient, type Delivery } from '../test/support/localapi-client';
import { freeTcpPort } from '../test/support/ports';

const REPO_ROOT = join(__dirname, '..');
const TOPICS = 1_000;
const METHODS = 300;
/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // After "pid (comm) ": state is field 3 -> index 0; utime 14 -> 11, stime 15 -> 12.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
}

function get(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

async function waitUntil(cond: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--scrapes');
  const scrapes = i > 0 ? Number(process.argv[i + 1]) : 500;
  const dir = mkdtempSync(join(os.tmpdir(), 'nzb-scrape-'));
  const [port, httpPort] = [await freeTcpPort('127.0.0.1'), await freeTcpPort('127.0.0.1')];
  const ring: Record<string, string[]> = {};
  for (let t = 0; t < TOPICS; t++) ring[`topic${t}`] = ['localhost', `h${t % 7}`, `h${(t + 1) % 7}`];
  ring.compute = ['localhost'];
  writeFileSync(join(dir, 'ring.json'), JSON.stringify(ring));
  const conf = join(dir, 'nova.conf');
  writeFileSync(
    conf,
    ['[DEFAULT]', 'rpc_zmq_bind_address = 127.0.0.1', 'rpc_zmq_host = localhost', `rpc_zmq_port = ${port}`, `rpc_zmq_ipc_dir = ${dir}/ipc`, 'rpc_zmq_matchmaker = ring',
      '[matchmaker_ring]', `ringfile = ${dir}/ring.json`, '[zmq_bridge]', `http_listen = 127.0.0.1:${httpPort}`, 'log_level = warn', ''].join('\n'),
  );
  const daemon = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src', 'cli.ts'), '--config-file', conf], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const push = new zmq.Push({ linger: 0 });
  let server: LocalApiClient | null = null;
  let client: LocalApiClient | null = null;
  try {
    await waitUntil(async () => (await get(httpPort, '/readyz').catch(() => '')).includes('"ready"'), 'the daemon to be ready');
    // 1,000 ipc outlets, one message waiting in each (no consumer).
    push.connect(`tcp://127.0.0.1:${port}`);
    for (let t = 0; t < TOPICS; t++) await push.send(['0', `topic${t}.localhost`, 'cast', '["{}", {"method": "x", "args": {}}]']);
    await waitUntil(async () => /nova_zmq_bridge_ipc_outlets 1000\b/.test(await get(httpPort, '/metrics')), '1,000 outlets');
    // 300 methods called: the histogram at its bound.
    server = await LocalApiClient.connect(join(dir, 'ipc', 'nova-zmq-bridge.sock'));
    client = await LocalApiClient.connect(join(dir, 'ipc', 'nova-zmq-bridge.sock'));
    await server.hello();
    await client.hello();
    const srv = server;
    await srv.listen({ topic: 'compute', server: 'localhost' }, (d: Delivery) => srv.reply(d.reply_to!, '{}', { result: '1' }));
    for (let m = 0; m < METHODS; m++) await client.call({ topic: 'compute', server: 'localhost' }, '{}', `{"method": "m${m}", "args": {}}`, 30);

    const sample = await get(httpPort, '/metrics');
    const walls: number[] = [];
    const before = cpuMs(daemon.pid!);
    for (let n = 0; n < scrapes; n++) {
      const t0 = process.hrtime.bigint();
      await get(httpPort, '/metrics');
      walls.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const cpu = cpuMs(daemon.pid!) - before;
    walls.sort((a, b) => a - b);
    const lines = sample.split('\n').filter((l) => l && !l.startsWith('#')).length;
    const result = {
      scrapes,
      topics: TOPICS,
      outlets: TOPICS,
      methods: METHODS,
      scrapeBytes: Buffer.byteLength(sample),
      scrapeSamples: lines,
      daemonCpuMsPerScrape: Number((cpu / scrapes).toFixed(2)),
      wallMsMedian: Number(walls[Math.floor(walls.length / 2)]!.toFixed(2)),
      wallMsP99: Number(walls[Math.floor(walls.length * 0.99)]!.toFixed(2)),
      loadavg: os.loadavg().map((x) => Number(x.toFixed(2))),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await client?.close();
    await server?.close();
    push.close();
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/scrape: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
