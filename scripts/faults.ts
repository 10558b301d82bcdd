/**
 * Faults on real processes (issue 12): while a steady stream of legitimate
 * messages flows, freeze (SIGSTOP ... SIGCONT) or kill (SIGKILL, then
 * restart) one part - the daemon's legacy ipc consumer (pyzmq), a shim-like
 * listener process, the receiving daemon itself (a peer of the sending
 * daemon), Redis under the redis matchmaker - and report what was lost, what
 * the daemons counted, whether they stayed up, and their peak RSS.
 *
 *   npm run faults -- [--freeze-seconds 20] [--rate 200] [--only name,name] [--daemon-root DIR] [--json]
 *
 * Every process is started here and signalled by its own pid; all are
 * stopped at the end. docs/limits.md records what a run showed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as zmq from 'zeromq';
import { ipcEndpoint } from '../src/wire/endpoints';
import { buildCastFrames } from '../src/wire/envelope';
import { LocalApiClient, LocalApiError } from '../test/support/localapi-client';
import { freeTcpPorts } from '../test/support/ports';
import { RedisServer } from '../test/support/redis';
import { loopbackBlock } from '../test/support/cluster';
import { DaemonProc, REPO_ROOT } from './lib/daemon-proc';
import { legitMarker } from './lib/fuzz-kinds';

const PYTHON = '/usr/bin/python3';
/** Seconds of traffic before the fault and after recovery. */
const PRE_S = 2;
const POST_S = 3;
/** How long to wait after the stream for messages still in flight, in milliseconds. */
const SETTLE_MS = 30_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A peer process that prints one sequence number per line (after a `ready` line). */
class Peer {
  readonly seen = new Set<number>();
  deliveries = 0;
  private proc: ChildProcess | null = null;
  private out = '';

  constructor(
    private readonly command: string,
    private readonly args: string[],
  ) {}

  async start(): Promise<void> {
    const proc = spawn(this.command, this.args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    let ready = false;
    let err = '';
    proc.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    proc.stdout!.on('data', (d: Buffer) => {
      this.out += d.toString();
      let nl: number;
      while ((nl = this.out.indexOf('\n')) !== -1) {
        const line = this.out.slice(0, nl);
        this.out = this.out.slice(nl + 1);
        if (line === 'ready') ready = true;
        else if (/^\d+$/.test(line)) {
          this.deliveries++;
          this.seen.add(Number(line));
        }
      }
    });
    const until = Date.now() + 20_000;
    while (!ready) {
      if (proc.exitCode !== null) throw new Error(`${this.args[0]} exited: ${err}`);
      if (Date.now() > until) throw new Error(`${this.args[0]} not ready: ${err}`);
      await sleep(20);
    }
  }

  /** Count what a predecessor (a killed consumer) printed as this one's. */
  inherit(old: Peer): void {
    for (const n of old.seen) this.seen.add(n);
    this.deliveries += old.deliveries;
  }

  signal(sig: NodeJS.Signals): void {
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(sig);
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const gone = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill('SIGCONT');
    p.kill('SIGKILL');
    await gone;
  }
}

const legacyConsumer = (endpoint: string) => new Peer(PYTHON, [join(REPO_ROOT, 'scripts', 'lib', 'fault_consumer.py'), endpoint]);
const shimListener = (socketPath: string, topic: string) =>
  new Peer(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'scripts', 'lib', 'fault-shim.ts'), socketPath, topic]);

interface Host {
  addr: string;
  d: DaemonProc;
  socket: string;
}

interface Env {
  freezeS: number;
  rate: number;
  /** Source tree of the daemons to run (default: this repository; another checkout to measure before a fix). */
  daemonRoot?: string;
}

export interface FaultResult {
  scenario: string;
  fault: string;
  sent: number;
  /** Sends the sender was refused (local API errors by code). */
  refused: Record<string, number>;
  delivered: number;
  lost: number;
  duplicates: number;
  /** Counters of the daemons that moved (drops, failures, stale look-ups). */
  counters: Record<string, number>;
  daemonsAlive: boolean;
  peakRssMiB: number;
}

const INTERESTING = /dropped|failed|queue_full|overflow|no_route|stale|disconnects|orphaned|errors\.|cancelled|reconnects/;

/** Steady traffic: `send(seq)` at `rate` per second for the whole timeline; the fault runs beside it. */
async function stream(env: Env, send: (seq: number) => Promise<void>, fault: () => Promise<void>): Promise<{ sent: number; refused: Record<string, number> }> {
  const totalMs = (PRE_S + env.freezeS + POST_S) * 1000;
  const start = Date.now();
  let sent = 0;
  const refused: Record<string, number> = {};
  const inflight = new Set<Promise<void>>();
  const faultDone = (async () => {
    await sleep(PRE_S * 1000);
    await fault();
  })();
  for (let seq = 0; Date.now() - start < totalMs; seq++) {
    const due = start + (seq * 1000) / env.rate;
    if (due > Date.now()) await sleep(due - Date.now());
    const p = send(seq).then(
      () => void sent++,
      (err: unknown) => {
        const code = err instanceof LocalApiError ? err.code : (err as Error).message;
        refused[code] = (refused[code] ?? 0) + 1;
      },
    );
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
    // Bound what waits on a frozen far end (its sends resolve after the fault).
    if (inflight.size > 20_000) await Promise.race(inflight);
  }
  await faultDone;
  await Promise.allSettled([...inflight]);
  return { sent, refused };
}

async function stats(socket: string): Promise<Record<string, number>> {
  const c = await LocalApiClient.connect(socket);
  try {
    await c.hello();
    return (await c.stats()) as Record<string, number>;
  } finally {
    await c.close();
  }
}

async function settle(peer: Peer, expected: () => number): Promise<void> {
  const until = Date.now() + SETTLE_MS;
  while (peer.seen.size < expected() && Date.now() < until) await sleep(100);
}

function daemonConf(addr: string, port: number, extra: string[]): (ipcDir: string) => string[] {
  return (ipcDir) => [
    '[DEFAULT]',
    `rpc_zmq_bind_address = ${addr}`,
    `rpc_zmq_port = ${port}`,
    `rpc_zmq_host = ${addr}`,
    `rpc_zmq_ipc_dir = ${ipcDir}`,
    ...extra,
  ];
}

async function startHost(env: Env, addr: string, port: number, extra: string[]): Promise<Host> {
  const d = new DaemonProc({ conf: daemonConf(addr, port, extra), prefix: 'nzb-faults-', root: env.daemonRoot });
  await d.start();
  return { addr, d, socket: join(d.ipcDir, 'nova-zmq-bridge.sock') };
}

/** What a scenario showed; `counters` by daemon label (`A`, `B`), only those that say something went wrong. */
function summarize(
  scenario: string,
  fault: string,
  s: { sent: number; refused: Record<string, number> },
  peer: Peer,
  hosts: Host[],
  counters: Record<string, Record<string, number>>,
): FaultResult {
  const moved: Record<string, number> = {};
  for (const [label, c] of Object.entries(counters)) {
    for (const [k, v] of Object.entries(c)) if (v > 0 && INTERESTING.test(k)) moved[`${label}:${k}`] = v;
  }
  let delivered = 0;
  for (let i = 0; i < s.sent + Object.values(s.refused).reduce((a, b) => a + b, 0); i++) if (peer.seen.has(i)) delivered++;
  return {
    scenario,
    fault,
    sent: s.sent,
    refused: s.refused,
    delivered,
    lost: s.sent - delivered,
    duplicates: peer.deliveries - peer.seen.size,
    counters: moved,
    daemonsAlive: hosts.every((h) => h.d.alive),
    peakRssMiB: Math.max(...hosts.map((h) => h.d.memory()?.peakMiB ?? 0)),
  };
}

// ---------------------------------------------------------------- scenarios on one daemon

/** One daemon B, a legacy tcp peer streaming casts to `work.<B>`, and its consumer (legacy or shim). */
async function oneHost(env: Env, name: string, kind: 'legacy' | 'shim', action: 'freeze' | 'kill'): Promise<FaultResult> {
  const [addr] = loopbackBlock(1);
  const [port] = await freeTcpPorts([addr!]);
  const b = await startHost(env, addr!, port!, ['rpc_zmq_matchmaker = local']);
  const topic = `work.${addr}`;
  const makePeer = () => (kind === 'legacy' ? legacyConsumer(ipcEndpoint(b.d.ipcDir, topic)) : shimListener(b.socket, 'work'));
  let peer = makePeer();
  const push = new zmq.Push({ linger: 0, sendHighWaterMark: 100_000 });
  try {
    await peer.start();
    push.connect(`tcp://${addr}:${port}`);
    const s = await stream(
      env,
      async (seq) => {
        await push.send(buildCastFrames(topic, '{}', JSON.stringify({ method: 'w', args: { m: legitMarker('work', seq) } })));
      },
      async () => {
        if (action === 'freeze') {
          peer.signal('SIGSTOP');
          await sleep(env.freezeS * 1000);
          peer.signal('SIGCONT');
        } else {
          peer.signal('SIGKILL');
          await sleep(env.freezeS * 1000);
          const old = peer;
          peer = makePeer();
          peer.inherit(old);
          await peer.start();
        }
      },
    );
    await settle(peer, () => s.sent);
    const c = await stats(b.socket);
    const what = kind === 'legacy' ? 'legacy ipc consumer (pyzmq PULL)' : 'shim listener process';
    return summarize(name, `${action === 'freeze' ? 'SIGSTOP' : 'SIGKILL'} the ${what} for ${env.freezeS} s${action === 'kill' ? ', then a new one' : ''}`, s, peer, [b], { B: c });
  } finally {
    push.close();
    await peer.stop();
    await b.d.dispose();
  }
}

// ---------------------------------------------------------------- scenarios on two daemons

/** Daemon A (whose local API client casts `work`) and daemon B (where `work` is consumed). */
async function twoHosts(env: Env, name: string, target: 'peer' | 'redis', action: 'freeze' | 'kill'): Promise<FaultResult> {
  const [a, b] = loopbackBlock(2) as [string, string];
  const [port] = await freeTcpPorts([a, b]);
  let redis: RedisServer | null = null;
  let mm: string[];
  if (target === 'redis') {
    redis = await RedisServer.start();
    mm = ['rpc_zmq_matchmaker = redis', 'matchmaker_heartbeat_freq = 1', 'matchmaker_heartbeat_ttl = 3', '[matchmaker_redis]', `host = ${redis.host}`, `port = ${redis.port}`];
  } else {
    mm = ['rpc_zmq_matchmaker = ring'];
  }
  // The ring file lives in A's dir; B needs none (it only receives).
  const hostA = new DaemonProc({
    conf: (ipcDir) => [...daemonConf(a, port!, target === 'redis' ? mm : [...mm, '[matchmaker_ring]', `ringfile = ${join(ipcDir, '..', 'ring.json')}`])(ipcDir)],
    prefix: 'nzb-faults-',
    root: env.daemonRoot,
  });
  writeFileSync(join(hostA.dir, 'ring.json'), JSON.stringify({ work: [b] }));
  await hostA.start();
  const A: Host = { addr: a, d: hostA, socket: join(hostA.ipcDir, 'nova-zmq-bridge.sock') };
  const B = await startHost(env, b, port!, target === 'redis' ? mm : ['rpc_zmq_matchmaker = local']);
  const topicB = `work.${b}`;
  const makePeer = () => (target === 'redis' ? shimListener(B.socket, 'work') : legacyConsumer(ipcEndpoint(B.d.ipcDir, topicB)));
  let peer = makePeer();
  const caster = await LocalApiClient.connect(A.socket);
  try {
    await caster.hello();
    await peer.start();
    if (target === 'redis') {
      // Wait until A's matchmaker sees B's listener in Redis.
      const until = Date.now() + 20_000;
      for (;;) {
        try {
          await caster.cast({ topic: 'work' }, '{}', JSON.stringify({ method: 'probe', args: {} }));
          break;
        } catch (err) {
          if (Date.now() > until) throw err;
          await sleep(200);
        }
      }
    }
    const s = await stream(
      env,
      async (seq) => {
        await caster.cast({ topic: 'work' }, '{}', JSON.stringify({ method: 'w', args: { m: legitMarker('work', seq) } }));
      },
      async () => {
        if (target === 'redis') {
          if (action === 'freeze') {
            redis!.signal('SIGSTOP');
            await sleep(env.freezeS * 1000);
            redis!.signal('SIGCONT');
          } else {
            await redis!.stop();
            await sleep(env.freezeS * 1000);
            await redis!.launch();
          }
        } else if (action === 'freeze') {
          B.d.signal('SIGSTOP');
          await sleep(env.freezeS * 1000);
          B.d.signal('SIGCONT');
        } else {
          await B.d.kill();
          await peer.stop();
          await sleep(env.freezeS * 1000);
          await B.d.start();
          const old = peer;
          peer = makePeer();
          peer.inherit(old);
          await peer.start();
        }
      },
    );
    await settle(peer, () => s.sent);
    const ca = await stats(A.socket);
    const cb = B.d.alive ? await stats(B.socket) : {};
    const label = target === 'redis' ? 'Redis (the redis matchmaker\'s server)' : 'the receiving daemon B (a peer of the sending daemon A)';
    const fault = `${action === 'freeze' ? 'SIGSTOP' : 'SIGKILL'} ${label} for ${env.freezeS} s${action === 'kill' ? ', then restart it' : ''}`;
    return summarize(name, fault, s, peer, [A, B], { A: ca, B: cb });
  } finally {
    await caster.close();
    await peer.stop();
    await A.d.dispose();
    await B.d.dispose();
    await redis?.stop();
  }
}

const SCENARIOS: Record<string, (env: Env) => Promise<FaultResult>> = {
  consumer_freeze: (e) => oneHost(e, 'consumer_freeze', 'legacy', 'freeze'),
  consumer_kill: (e) => oneHost(e, 'consumer_kill', 'legacy', 'kill'),
  shim_freeze: (e) => oneHost(e, 'shim_freeze', 'shim', 'freeze'),
  shim_kill: (e) => oneHost(e, 'shim_kill', 'shim', 'kill'),
  peer_freeze: (e) => twoHosts(e, 'peer_freeze', 'peer', 'freeze'),
  peer_kill: (e) => twoHosts(e, 'peer_kill', 'peer', 'kill'),
  redis_freeze: (e) => twoHosts(e, 'redis_freeze', 'redis', 'freeze'),
  redis_kill: (e) => twoHosts(e, 'redis_kill', 'redis', 'kill'),
};

export async function runFaults(env: Env, only?: string[], progress: (l: string) => void = () => {}): Promise<FaultResult[]> {
  const out: FaultResult[] = [];
  for (const [name, run] of Object.entries(SCENARIOS)) {
    if (only && !only.includes(name)) continue;
    progress(`${name}...`);
    out.push(await run(env));
    const r = out.at(-1)!;
    progress(`  sent ${r.sent}, delivered ${r.delivered}, lost ${r.lost}, refused ${JSON.stringify(r.refused)}, alive ${r.daemonsAlive}, peak RSS ${r.peakRssMiB} MiB`);
  }
  return out;
}

function main(): void {
  const argv = process.argv.slice(2);
  const env: Env = { freezeS: 5, rate: 200 };
  let only: string[] | undefined;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--freeze-seconds') env.freezeS = Number(argv[++i]);
    else if (a === '--rate') env.rate = Number(argv[++i]);
    else if (a === '--only') only = argv[++i]!.split(',');
    else if (a === '--json') json = true;
    else if (a === '--daemon-root') env.daemonRoot = argv[++i];
    else throw new Error(`unknown argument ${a} (use --freeze-seconds N, --rate N, --only a,b, --daemon-root DIR, --json; scenarios: ${Object.keys(SCENARIOS).join(', ')})`);
  }
  runFaults(env, only, json ? undefined : (l) => console.log(l)).then(
    (rs) => {
      if (json) console.log(JSON.stringify(rs, null, 2));
      else
        for (const r of rs) {
          console.log(`\n${r.scenario}: ${r.fault}`);
          console.log(`  sent ${r.sent}, delivered ${r.delivered}, lost ${r.lost}, duplicates ${r.duplicates}; refused at the sender ${JSON.stringify(r.refused)}`);
          console.log(`  daemons ${r.daemonsAlive ? 'alive' : 'DEAD'}, peak RSS ${r.peakRssMiB} MiB; counters ${JSON.stringify(r.counters)}`);
        }
      process.exit(rs.every((r) => r.daemonsAlive) ? 0 : 1);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}

if (require.main === module) main();
