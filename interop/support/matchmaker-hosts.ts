/**
 * Several hosts on one machine for the matchmaker interop tests: per
 * loopback address (127.0.0.2..4) a real Daemon (receiver -> legacy ipc
 * sockets) with its own ipc dir and the same port, the matchmaker under test
 * with a real Sender (persistent PUSH connections to each host's receiver),
 * and a legacy-protocol Python consumer (Debian's python3 + pyzmq) reading
 * that host's ipc sockets the way an impl_zmq service does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Daemon } from '../../src/daemon';
import { Sender } from '../../src/sender/sender';
import { createMatchmaker } from '../../src/matchmaker/factory';
import type { Matchmaker } from '../../src/matchmaker/types';
import type { BridgeConfig } from '../../src/config/types';
import type { LocalSink } from '../../src/receiver/sink';
import { Counters } from '../../src/metrics/counters';
import { silentLogger } from '../../src/log';
import { testConfig } from '../../test/support/config';
import { freePort } from '../../test/support/redis';

export const ROOT = join(__dirname, '..', '..');
export const PYTHON = '/usr/bin/python3';
export const ADDRS = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];
/** Receiver ports of these tests (inside the matchmaker range 21000-21999). */
export const RECEIVER_PORT_MIN = 21100;
export const RECEIVER_PORT_MAX = 21199;
/** Broker / scheduler service ports of these tests. */
export const SERVICE_PORT_MIN = 21200;
export const SERVICE_PORT_MAX = 21299;

/** A port free on every address. */
export async function portOnAll(min: number, max: number, addrs = ADDRS): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = await freePort(min, max, addrs[0]);
    let ok = true;
    for (const a of addrs.slice(1)) if ((await freePort(p, p, a).catch(() => -1)) !== p) ok = false;
    if (ok) return p;
  }
  throw new Error(`no port free on all of ${addrs.join(', ')} in ${min}-${max}`);
}

export async function waitFor(pred: () => Promise<boolean> | boolean, ms = 15000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`${what} not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface Received {
  via: 'pull' | 'sub';
  frames: string[];
}

/** The Python legacy consumer of one host. */
export class LegacyConsumer {
  readonly got: Received[] = [];
  readonly stderr: string[] = [];
  private constructor(readonly proc: ChildProcess) {}

  static async start(ipcDir: string, host: string, topics: string[]): Promise<LegacyConsumer> {
    const proc = spawn(PYTHON, [join(ROOT, 'interop', 'support', 'matchmaker_consumer.py'), ipcDir, host, ...topics], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const c = new LegacyConsumer(proc);
    proc.stderr!.on('data', (d: Buffer) => c.stderr.push(d.toString()));
    let ready = false;
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      if (line === 'ready') ready = true;
      else c.got.push(JSON.parse(line) as Received);
    });
    await waitFor(() => ready || proc.exitCode !== null, 20000, 'python consumer ready');
    if (!ready) throw new Error(`python consumer exited: ${c.stderr.join('')}`);
    return c;
  }

  /** Messages whose body carries tag `tag`. */
  tagged(tag: string): Received[] {
    return this.got.filter((m) => m.frames[3]?.includes(`"tag": "${tag}"`));
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const done = new Promise((r) => this.proc.once('exit', r));
    this.proc.stdin!.end();
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    await done;
    clearTimeout(t);
  }
}

export interface MmHost {
  addr: string;
  ipcDir: string;
  config: BridgeConfig;
  daemon: Daemon;
  matchmaker: Matchmaker;
  sender: Sender;
  counters: Counters;
  consumer: LegacyConsumer;
  role: (LocalSink & { start(): Promise<void>; stop(): Promise<void> }) | null;
}

export interface ClusterOptions {
  /** Config of every host beyond the per-host fields (matchmaker, ringfile, redis, broker...). */
  config: (addr: string) => Parameters<typeof testConfig>[0];
  /** Topics the Python consumers read. */
  topics: string[];
  /** A component with a receiver sink for a host (the broker role), given that host's sender. */
  role?: (addr: string, sender: Sender, counters: Counters) => (LocalSink & { start(): Promise<void>; stop(): Promise<void> }) | null;
  addrs?: string[];
}

/** Start one host per address; stop them all with {@link stopCluster}. */
export async function startCluster(opts: ClusterOptions): Promise<MmHost[]> {
  const port = await portOnAll(RECEIVER_PORT_MIN, RECEIVER_PORT_MAX, opts.addrs ?? ADDRS);
  const hosts: MmHost[] = [];
  try {
    for (const addr of opts.addrs ?? ADDRS) {
      const ipcDir = mkdtempSync(join(tmpdir(), 'nzb-mm-'));
      const extra = opts.config(addr) ?? {};
      const config = testConfig({ ...extra, host: addr, bindAddress: addr, bindAddressRaw: addr, port, ipcDir });
      const counters = new Counters();
      const sender = new Sender({ config, log: silentLogger(), counters, local: null });
      const role = opts.role?.(addr, sender, counters) ?? null;
      // The daemon's own wiring gets the plain local matchmaker; the one under
      // test is built here so the test drives it and its sender directly.
      const daemon = new Daemon({ ...config, matchmaker: 'local', matchmakerRaw: 'local', bridge: { ...config.bridge, brokerRole: false } }, silentLogger(), {
        counters,
        sinks: role ? [role] : [],
      });
      const matchmaker = createMatchmaker(config, { log: silentLogger(), counters });
      const host: MmHost = { addr, ipcDir, config, daemon, matchmaker, sender, counters, role, consumer: null as unknown as LegacyConsumer };
      hosts.push(host);
      await daemon.start();
      if (role) await role.start();
      await matchmaker.start();
      host.consumer = await LegacyConsumer.start(ipcDir, addr, opts.topics);
    }
  } catch (err) {
    await stopCluster(hosts);
    throw err;
  }
  return hosts;
}

export async function stopCluster(hosts: MmHost[]): Promise<void> {
  for (const h of hosts) {
    await h.consumer?.stop();
    await h.matchmaker.stop().catch(() => undefined);
    await h.role?.stop();
    h.sender.close();
    await h.daemon.stop();
    rmSync(h.ipcDir, { recursive: true, force: true });
  }
}

/** A legacy cast body carrying `tag` and `n`. */
export function castBody(tag: string, n: number): string {
  return JSON.stringify(['{}', { method: 'record', args: { tag, n } }]).replace(/,"/g, ', "').replace(/":/g, '": ');
}

/**
 * Send one legacy cast from `from`, as the sender does: ask the matchmaker
 * for the (topic, host) pairs and hand one copy per pair to that host's
 * receiver. Returns the pairs.
 */
export async function cast(from: MmHost, topic: string, tag: string, n = 0): Promise<{ topic: string; host: string }[]> {
  const queues = await from.matchmaker.queues(topic);
  for (const q of queues) {
    await from.sender.send(q.host, [Buffer.from('0'), Buffer.from(q.topic), Buffer.from('cast'), Buffer.from(castBody(tag, n))]);
  }
  return queues;
}

/**
 * A matchmaker in a child process (`matchmaker_child.ts`) that registers
 * `(topic, host)` pairs and heartbeats until it is killed - a host that dies
 * without unregistering.
 */
export async function startRegistrant(config: BridgeConfig, register: [string, string][]): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'interop', 'support', 'matchmaker_child.ts'), JSON.stringify({ config, register })], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(() => out.includes('ready') || proc.exitCode !== null, 30000, 'registrant ready');
  if (!out.includes('ready')) throw new Error(`registrant exited: ${out}`);
  return proc;
}

/** SIGKILL a child and wait for it to be gone. */
export async function kill(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const done = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGKILL');
  await done;
}
