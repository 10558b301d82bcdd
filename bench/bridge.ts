/**
 * The bridge side of the end-to-end comparison: two hosts on one machine,
 * each a daemon bound to its own loopback address (127.0.0.2 for the RPC
 * server's host, 127.0.0.3 for the client's) with the same port, its own ipc
 * dir and its own nova.conf - the very file its Python peer reads, as on a
 * Nova node. The daemons run compiled (`dist/src/cli.js`) when the build
 * succeeded, else through tsx; their memory is sampled all along.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ProcessRegistry, runToCompletion, type ManagedProcess } from './lib/procs';
import { canConnect, pickPorts, waitFor } from './lib/net';
import { RssSampler, type RssReport } from './lib/rss';
import { parseTraceGc, type GcPause } from './lib/trace-gc';
import { compiledDaemonIsFresh, profilingNodeArgs } from './lib/daemon-args';
import { REPO_ROOT, writeNovaConf, type E2ETarget } from './e2e';

export const SERVER_HOST_ADDR = '127.0.0.2';
export const CLIENT_HOST_ADDR = '127.0.0.3';
/** First port tried for `rpc_zmq_start_port`; `rpc_zmq_port` is the next one. */
export const DEFAULT_BRIDGE_BASE_PORT = 24200;
/** Milliseconds a daemon gets to open its receiver and local socket. */
export const DEFAULT_DAEMON_START_TIMEOUT_MS = 30_000;
/** Log level of the bench daemons: warnings still reach their log file. */
const DAEMON_LOG_LEVEL = 'warn';
/**
 * Node flags of every bench daemon: `--trace-gc` writes one line per garbage
 * collection to the daemon's log, which the bench reads back for the GC
 * pauses of each row (bench/lib/trace-gc.ts); a few lines a second, nothing
 * measurable beside the messages themselves.
 */
const DAEMON_NODE_FLAGS = ['--trace-gc'];

const CLI_TS = join(REPO_ROOT, 'src', 'cli.ts');
const CLI_JS = join(REPO_ROOT, 'dist', 'src', 'cli.js');
const SHIM_DIR = join(REPO_ROOT, 'python-shim');

/** Why the bridge rows cannot run (a missing part of the tree), or null. */
export function bridgeUnavailable(python: string): string | null {
  if (!existsSync(CLI_TS)) return 'the daemon (src/cli.ts) is not in the tree yet';
  if (!existsSync(join(SHIM_DIR, 'nova_zmq_bridge'))) return 'the Python shim (python-shim/) is not in the tree yet';
  try {
    execFileSync(python, ['-c', 'import nova_zmq_bridge'], { stdio: 'ignore', cwd: '/' });
  } catch {
    return `the shim is not installed in ${python} (run: bash scripts/setup-test-deps.sh)`;
  }
  return null;
}

/**
 * Compile once with `tsc -p tsconfig.json` (what `npm run build` does) so the
 * daemons start without tsx's load cost. Returns how the daemon will run.
 */
export async function buildDaemon(logFile: string): Promise<{ command: string[]; compiled: boolean; note: string }> {
  if (compiledDaemonIsFresh(REPO_ROOT)) {
    return { command: [process.execPath, CLI_JS], compiled: true, note: 'compiled (dist/ up to date)' };
  }
  const tsc = join(REPO_ROOT, 'node_modules', '.bin', 'tsc');
  const code = await runToCompletion(tsc, ['-p', 'tsconfig.json'], logFile, { cwd: REPO_ROOT });
  // tsc emits even when some file fails to type-check; use the output only if it is fresh.
  if (compiledDaemonIsFresh(REPO_ROOT)) return { command: [process.execPath, CLI_JS], compiled: true, note: code === 0 ? 'compiled' : `compiled (tsc exit ${code}, see ${logFile})` };
  return { command: [process.execPath, '--import', 'tsx', CLI_TS], compiled: false, note: `tsc failed (exit ${code}); running through tsx` };
}

/** Node options of a bridge daemon: {@link DAEMON_NODE_FLAGS} and any profiling asked for. */
function daemonNodeArgs(): string[] {
  return [...DAEMON_NODE_FLAGS, ...profilingNodeArgs()];
}

export interface BridgeHost {
  addr: string;
  conf: string;
  ipcDir: string;
  /** The daemon's log (its stdout and stderr, with the `--trace-gc` lines), appended to by every row of the same tag. */
  log: string;
  /** Size of the log when this daemon started: its own lines come after. */
  logOffset: number;
  /** Milliseconds from its start to accepting connections: what its log's GC lines before that are. */
  readyAfterMs: number;
  proc: ManagedProcess;
  rss: RssSampler;
}

export interface BridgePair {
  /** Client on 127.0.0.3's daemon, server on 127.0.0.2's: every call crosses tcp. */
  target: E2ETarget;
  /** Client and server on 127.0.0.2's daemon (an all-in-one host): directed calls skip tcp. */
  localTarget: E2ETarget;
  hosts: BridgeHost[];
  port: number;
  /** Stop both daemons; returns each one's memory report. */
  stop(): Promise<Record<string, RssReport>>;
  /** Both daemons' GC pauses once they were up (from their `--trace-gc` lines). */
  gcPauses(): GcPause[];
}

/** One daemon's GC pauses once it was up: its part of the log, after its start-up. */
function hostGcPauses(h: BridgeHost): GcPause[] {
  if (!existsSync(h.log)) return [];
  return parseTraceGc(readFileSync(h.log).subarray(h.logOffset).toString('utf8'), h.readyAfterMs);
}

/**
 * Start the two daemons. `extra` adds nova.conf sections to both (e.g.
 * `[zmq_bridge]` security options); a function of the host's address when
 * they differ per host (its own certificate).
 */
export async function startBridgePair(
  procs: ProcessRegistry,
  workDir: string,
  daemonCmd: string[],
  tag: string,
  extra: (addr: string) => Record<string, Record<string, string | number>> = () => ({}),
): Promise<BridgePair> {
  const [startPort, port] = await pickPorts(DEFAULT_BRIDGE_BASE_PORT, 4, [SERVER_HOST_ADDR, CLIENT_HOST_ADDR]);
  const hosts: BridgeHost[] = [];
  const stop = async () => {
    const reports: Record<string, RssReport> = {};
    for (const h of hosts) {
      reports[h.addr] = h.rss.stop();
      await procs.stop(h.proc);
    }
    return reports;
  };
  try {
    for (const addr of [SERVER_HOST_ADDR, CLIENT_HOST_ADDR]) {
      const dir = join(workDir, `${tag}-${addr}`);
      const ipcDir = join(dir, 'ipc');
      mkdirSync(ipcDir, { recursive: true });
      const conf = writeNovaConf(join(dir, 'nova.conf'), {
        DEFAULT: {
          transport_url: 'zmq://',
          rpc_zmq_host: addr,
          rpc_zmq_bind_address: addr,
          rpc_zmq_start_port: startPort!,
          rpc_zmq_port: port!,
          rpc_zmq_ipc_dir: ipcDir,
          rpc_zmq_matchmaker: 'local',
          rpc_response_timeout: 30,
        },
        ...extra(addr),
      });
      const log = join(workDir, `${tag}-daemon-${addr}.log`);
      const logOffset = existsSync(log) ? statSync(log).size : 0;
      const proc = procs.spawn(`daemon ${addr}`, daemonCmd[0]!, [...daemonNodeArgs(), ...daemonCmd.slice(1), '--config-file', conf, '--log-level', DAEMON_LOG_LEVEL], log, { cwd: REPO_ROOT });
      const rss = new RssSampler(proc.pid).start();
      const spawned = Date.now();
      const host: BridgeHost = { addr, conf, ipcDir, log, logOffset, readyAfterMs: 0, proc, rss };
      hosts.push(host);
      await waitFor(
        `daemon ${addr}`,
        async () => existsSync(join(ipcDir, 'nova-zmq-bridge.sock')) && (await canConnect(addr, port!)),
        DEFAULT_DAEMON_START_TIMEOUT_MS,
        () => (proc.isRunning() ? null : `exited: ${proc.tail(8)}`),
      );
      host.readyAfterMs = Date.now() - spawned;
    }
  } catch (e) {
    await stop();
    throw e;
  }
  const server = hosts[0]!;
  return {
    localTarget: {
      transport: 'bridge',
      serverConf: server.conf,
      clientConf: server.conf,
      serverName: SERVER_HOST_ADDR,
      watch: { daemon: String(server.proc.pid) },
    },
    target: {
      transport: 'bridge',
      serverConf: hosts[0]!.conf,
      clientConf: hosts[1]!.conf,
      serverName: SERVER_HOST_ADDR,
      watch: { 'daemon-client': String(hosts[1]!.proc.pid), 'daemon-server': String(hosts[0]!.proc.pid) },
    },
    hosts,
    port: port!,
    stop,
    gcPauses: () => hosts.flatMap(hostGcPauses),
  };
}
