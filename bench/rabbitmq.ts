/**
 * A private RabbitMQ for the comparison rows: Debian's rabbitmq-server, run
 * as the current user on 127.0.0.1 with its AMQP, Erlang distribution and
 * epmd ports inside the bench's range, its mnesia/log/cookie under a tmp dir,
 * no plugins. Stopped (and its epmd with it) by `stop()`, which the bench
 * calls in a finally block.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ProcessRegistry, runToCompletion, type ManagedProcess } from './lib/procs';
import { canConnect, pickPorts, waitFor } from './lib/net';

/** Debian's unwrapped start script (the /usr/sbin wrapper would `su rabbitmq`). */
export const RABBITMQ_SERVER_BIN = '/usr/lib/rabbitmq/bin/rabbitmq-server';
export const EPMD_BIN = 'epmd';
/** First port tried for AMQP; distribution, epmd and the CLI's range follow it. */
export const DEFAULT_RABBITMQ_BASE_PORT = 24100;
/** Ports used from the base: AMQP, distribution, epmd, then 10 for rabbitmqctl's own node. */
const RABBITMQ_PORT_COUNT = 13;
/** Milliseconds RabbitMQ gets to open its AMQP listener. */
export const DEFAULT_RABBITMQ_START_TIMEOUT_MS = 90_000;

export interface RabbitHandle {
  url: string;
  amqpPort: number;
  nodeName: string;
  proc: ManagedProcess;
  startSeconds: number;
  version: string | null;
  stop(): Promise<void>;
}

export function rabbitAvailable(): string | null {
  return existsSync(RABBITMQ_SERVER_BIN) ? null : `${RABBITMQ_SERVER_BIN} not installed (apt-get install rabbitmq-server, or run via npm run bench)`;
}

export async function startRabbit(procs: ProcessRegistry, workDir: string): Promise<RabbitHandle> {
  const missing = rabbitAvailable();
  if (missing) throw new Error(missing);
  const [amqpPort, distPort, epmdPort, ctlMin] = await pickPorts(DEFAULT_RABBITMQ_BASE_PORT, RABBITMQ_PORT_COUNT);
  const dir = join(workDir, 'rabbitmq');
  const home = join(dir, 'home');
  for (const d of [dir, home, join(dir, 'mnesia'), join(dir, 'log')]) mkdirSync(d, { recursive: true });
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  writeFileSync(join(dir, 'rabbitmq-env.conf'), '# private bench node: everything comes from the environment\n');
  // guest/guest is allowed from loopback by default; nothing else to configure.
  writeFileSync(join(dir, 'rabbitmq.conf'), `listeners.tcp.default = 127.0.0.1:${amqpPort}\n`);
  const nodeName = `nzb-bench-${process.pid}@localhost`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home, // the Erlang cookie lives here, shared by server and CLI
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_PID_FILE: join(dir, 'rabbitmq.pid'),
    RABBITMQ_NODENAME: nodeName,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(amqpPort),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_CTL_DIST_PORT_MIN: String(ctlMin),
    RABBITMQ_CTL_DIST_PORT_MAX: String(ctlMin! + 9),
    ERL_EPMD_PORT: String(epmdPort),
    ERL_EPMD_ADDRESS: '127.0.0.1',
  };
  const t0 = Date.now();
  const proc = procs.spawn('rabbitmq-server', RABBITMQ_SERVER_BIN, [], join(workDir, 'rabbitmq-server.log'), { cwd: dir, env });
  // epmd is daemonized by the Erlang VM, outside the server's process
  // group: it is stopped by its private port, so only ours is touched.
  const epmdCleanup = {
    name: `epmd on port ${epmdPort}`,
    run: async () => void (await runToCompletion(EPMD_BIN, ['-port', String(epmdPort), '-kill'], join(workDir, 'epmd-kill.log'), { env })),
    runSync: () => void execFileSync(EPMD_BIN, ['-port', String(epmdPort), '-kill'], { env, stdio: 'ignore', timeout: 5000 }),
  };
  procs.addCleanup(epmdCleanup);
  const stop = async () => {
    await procs.stop(proc, 20_000);
    await procs.runCleanup(epmdCleanup);
  };
  try {
    await waitFor(
      'rabbitmq-server',
      () => canConnect('127.0.0.1', amqpPort),
      DEFAULT_RABBITMQ_START_TIMEOUT_MS,
      () => (proc.isRunning() ? null : `exited during start-up:\n${proc.tail()}`),
      200,
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    url: `rabbit://guest:guest@127.0.0.1:${amqpPort}/`,
    amqpPort,
    nodeName,
    proc,
    startSeconds: (Date.now() - t0) / 1000,
    version: debianVersion('rabbitmq-server'),
    stop,
  };
}

function debianVersion(pkg: string): string | null {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Version}', pkg], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}
