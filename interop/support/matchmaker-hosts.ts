/**
 * Several hosts on one machine for the matchmaker interop tests, on the
 * shared cluster helper (test/support/cluster.ts): per host (a loopback
 * address of the cluster's block, its own ipc dir, the common port) a real
 * in-process Daemon (receiver -> legacy ipc sockets), the matchmaker under
 * test with a real Sender (persistent PUSH connections to each host's
 * receiver), the broker role where the cluster's config puts it, and a
 * legacy-protocol Python consumer (Debian's python3 + pyzmq) reading that
 * host's ipc sockets the way an impl_zmq service does.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { BrokerRole } from '../../src/broker/broker-role';
import { Sender } from '../../src/sender/sender';
import { createMatchmaker } from '../../src/matchmaker/factory';
import type { Matchmaker } from '../../src/matchmaker/types';
import type { BridgeConfig } from '../../src/config/types';
import { Counters } from '../../src/metrics/counters';
import { silentLogger } from '../../src/log';
import {
  Cluster,
  REPO_ROOT,
  inProcessDaemon,
  stopChild,
  type ClusterHost,
  type ClusterOptions,
  type DaemonLauncher,
  type InProcessDaemon,
  type RunningDaemon,
} from '../../test/support/cluster';
import { waitFor } from '../../test/support/wait';

export const PYTHON = '/usr/bin/python3';
const CONSUMER = join(REPO_ROOT, 'interop', 'support', 'matchmaker_consumer.py');
const CHILD = join(REPO_ROOT, 'interop', 'support', 'matchmaker_child.ts');

export interface Received {
  via: 'pull' | 'sub';
  frames: string[];
}

/** The Python legacy consumer of one host. */
export class LegacyConsumer {
  readonly got: Received[] = [];
  readonly stderr: string[] = [];
  private constructor(readonly proc: ChildProcess) {}

  static async start(cluster: Cluster<any>, ipcDir: string, host: string, topics: string[]): Promise<LegacyConsumer> {
    const proc = cluster.spawn(PYTHON, [CONSUMER, ipcDir, host, ...topics], { stdio: ['pipe', 'pipe', 'pipe'] });
    const c = new LegacyConsumer(proc);
    proc.stderr!.on('data', (d: Buffer) => c.stderr.push(d.toString()));
    let ready = false;
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      if (line === 'ready') ready = true;
      else c.got.push(JSON.parse(line) as Received);
    });
    await waitFor(() => ready || proc.exitCode !== null, 20000, `python consumer of ${host} ready`);
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

/** A running host: its daemon, the matchmaker under test and its sender, the broker role if any, the consumer. */
export interface MmHost extends RunningDaemon {
  addr: string;
  ipcDir: string;
  config: BridgeConfig;
  daemon: InProcessDaemon;
  matchmaker: Matchmaker;
  sender: Sender;
  counters: Counters;
  consumer: LegacyConsumer;
  role: BrokerRole | null;
}

/** Launcher of matchmaker hosts whose consumers read `topics`. */
export function matchmakerHost(topics: string[]): DaemonLauncher<MmHost> {
  return {
    async start(host: ClusterHost, cluster: Cluster<MmHost>): Promise<MmHost> {
      const config = host.config;
      const log = silentLogger();
      const counters = new Counters();
      // Stopped in the reverse of this order: consumer, matchmaker, role, sender, daemon.
      const undo: Array<() => unknown> = [];
      const unwind = async () => {
        for (const fn of undo.splice(0).reverse()) await fn();
      };
      try {
        const sender = new Sender({ config, log, counters, local: null });
        const role = config.bridge.brokerRole
          ? new BrokerRole({ bindAddress: host.addr, brokerPort: config.bridge.brokerPort, schedulerPort: config.bridge.schedulerPort, log, counters, sender })
          : null;
        // The daemon's own wiring gets the plain local matchmaker and no role
        // of its own; the matchmaker under test and the role are built here so
        // the test drives (and stops) them directly.
        const daemon = await inProcessDaemon({
          config: () => ({ ...config, matchmaker: 'local', matchmakerRaw: 'local', bridge: { ...config.bridge, brokerRole: false } }),
          deps: () => ({ counters, stages: role ? { broker: role } : {} }),
          log,
        })
          .start(host, cluster as unknown as Cluster<InProcessDaemon>)
          .catch((err: unknown) => {
            sender.close();
            throw err;
          });
        undo.push(() => daemon.stop(), () => sender.close());
        if (role) {
          await role.start();
          undo.push(() => role.stop());
        }
        const matchmaker = createMatchmaker(config, { log, counters });
        await matchmaker.start();
        undo.push(() => matchmaker.stop().catch(() => undefined));
        const consumer = await LegacyConsumer.start(cluster, host.ipcDir, host.addr, topics);
        undo.push(() => consumer.stop());
        return { addr: host.addr, ipcDir: host.ipcDir, config, daemon, matchmaker, sender, counters, consumer, role, stop: unwind };
      } catch (err) {
        await unwind().catch(() => undefined);
        throw err;
      }
    },
  };
}

export type MmClusterOptions = Omit<ClusterOptions<MmHost>, 'launcher' | 'hosts'> & {
  /** Number of hosts (default 3). */
  hosts?: number;
  /** Topics the Python consumers read. */
  topics: string[];
};

/** Start one matchmaker host per address of a fresh cluster; close it with `cluster.close()`. */
export async function startCluster(opts: MmClusterOptions): Promise<Cluster<MmHost>> {
  const { topics, ...rest } = opts;
  return Cluster.start<MmHost>({ hosts: 3, ...rest, launcher: matchmakerHost(topics), dirPrefix: 'nzb-mm-' });
}

/** The running hosts of a cluster, in index order. */
export function mmHosts(cluster: Cluster<MmHost>): MmHost[] {
  return cluster.hosts.map((h) => cluster.daemon(h.index));
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
 * without unregistering. The cluster kills it at close if the test did not.
 */
export async function startRegistrant(cluster: Cluster<any>, config: BridgeConfig, register: [string, string][]): Promise<ChildProcess> {
  const proc = cluster.spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify({ config, register })], {
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
export function kill(proc: ChildProcess): Promise<void> {
  return stopChild(proc, 'SIGKILL');
}
