#!/usr/bin/env node
/**
 * The daemon's command line: `nova-zmq-bridge --config-file /etc/nova/nova.conf`
 * runs it in the foreground until SIGTERM/SIGINT. `nova-zmq-bridge COMMAND
 * ...` runs one of the operator's subcommands instead (status, ping,
 * check-config, ...: one module each under src/cli/, listed in
 * src/cli/commands.ts).
 *
 * Exit codes: 0 after a clean stop; 2 for a configuration problem (bad
 * option, unreadable file, bad arguments, an unusable matchmaker option or
 * ring file); 3 when the environment prevents start-up (the receiver's or
 * the broker role's port in use, ipc dir unwritable); 1 for anything
 * unexpected. Each failure prints one line on stderr. The code comes from
 * the error itself: every BridgeError raised for one of these conditions
 * carries `exitCode` (EXIT_CONFIG / EXIT_STARTUP, src/errors.ts).
 *
 * Signals: SIGTERM/SIGINT stop gracefully (sockets closed, this daemon's ipc
 * files removed; a second SIGINT exits at once, repeated SIGTERMs are
 * ignored); SIGHUP re-reads the config files and applies what can change
 * live (log level, topic backlog, holds, components' own reload such as the
 * ring file).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import pino from 'pino';
import { parseArgs, USAGE, loadConfig, resolveLogLevel, type CliArgs } from './config';
import type { BridgeConfig } from './config/types';
import { createLogger } from './log';
import { Daemon } from './daemon';
import { EXIT_CONFIG } from './errors';
import { ConfigUsageError } from './config/errors';
import { COMMANDS, commandsHelp, findCommand } from './cli/commands';
import { processIo } from './cli/command';
import { EXIT_UNEXPECTED, exitCodeOf, oneLine } from './cli/exit';
import { SystemdNotifier } from './systemd/notifier';
/** Exit code after a second SIGINT cut a graceful stop short. */
const EXIT_FORCED = 130;
/** Longest a graceful stop may take before the process exits anyway, in milliseconds. */
const DEFAULT_STOP_TIMEOUT_MS = 15_000;
/**
 * V8 flags applied at start-up. Both are read by V8 at each collection, so
 * they take effect when set here (flags read only at isolate creation, such
 * as `--max-semi-space-size` or `--single-threaded-gc`, cannot be: the latter
 * aborts V8 if set after start).
 *
 * - `--semi-space-growth-factor=1`: every message leaves short-lived garbage
 *   (zeromq.js buffers, promises); with V8's default growth the young
 *   generation swells to tens of MiB under a burst. A factor of 1 keeps it
 *   at its initial size (1 MiB semi-spaces): more, smaller scavenges, and
 *   ~30 MiB less peak RSS.
 * - `--no-parallel-scavenge`: a scavenge of such a small young generation is
 *   a fraction of a millisecond of work, but done in parallel it waits for
 *   V8's worker threads, and on a busy host (a compute node, the Python
 *   services beside the daemon) they wait for a CPU. Measured on the bench's
 *   2-core machine with its Python peers running (--trace-gc, ~250
 *   scavenges per run): median pause 0.42-0.71 ms -> 0.28-0.50 ms, p90
 *   1.9-3.1 ms -> 1.0-2.1 ms, scavenges over 1 ms down by about 40%. The
 *   pauses stop every message of the daemon, so they are in the calls' tail.
 *
 * Overridden by the environment variable {@link V8_FLAGS_ENV} (empty: V8's
 * defaults).
 */
export const DEFAULT_V8_FLAGS = '--semi-space-growth-factor=1 --no-parallel-scavenge';
/** Environment variable replacing {@link DEFAULT_V8_FLAGS}. */
export const V8_FLAGS_ENV = 'NOVA_ZMQ_BRIDGE_V8_FLAGS';

function version(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      return (JSON.parse(readFileSync(join(__dirname, rel), 'utf8')) as { version: string }).version;
    } catch {
      // try the next layout (src/ under tsx, dist/src/ when compiled)
    }
  }
  return 'unknown';
}

function readConfig(args: CliArgs): { config: BridgeConfig; level: pino.LevelWithSilent } {
  const config = loadConfig({ configFiles: args.configFiles, configDirs: args.configDirs });
  const level = resolveLogLevel(config, args.logLevel, process.env);
  return { config, level };
}

/** Apply {@link DEFAULT_V8_FLAGS} (or the environment's replacement). */
export function applyV8Flags(env: NodeJS.ProcessEnv = process.env): void {
  const flags = env[V8_FLAGS_ENV] ?? DEFAULT_V8_FLAGS;
  if (flags.trim()) setFlagsFromString(flags);
}

export async function main(argv: string[]): Promise<void> {
  const command = argv.length > 0 ? findCommand(argv[0]!) : undefined;
  if (command) {
    process.exitCode = await command.run(argv.slice(1), processIo());
    return;
  }
  let args: CliArgs;
  let config: BridgeConfig;
  let level: pino.LevelWithSilent;
  try {
    if (argv.length > 0 && !argv[0]!.startsWith('-')) {
      throw new ConfigUsageError({ file: null, option: 'command', value: argv[0]!, reason: 'unknown command', accepted: `${COMMANDS.map((c) => c.name).join(', ')}, or daemon options (--help)` });
    }
    args = parseArgs(argv);
    if (args.help) {
      process.stdout.write(USAGE + commandsHelp());
      return;
    }
    if (args.version) {
      process.stdout.write(`nova-zmq-bridge ${version()}\n`);
      return;
    }
    ({ config, level } = readConfig(args));
  } catch (err) {
    process.stderr.write(`nova-zmq-bridge: ${oneLine(err)}\n`);
    process.exitCode = exitCodeOf(err) === EXIT_UNEXPECTED ? EXIT_CONFIG : exitCodeOf(err);
    return;
  }

  applyV8Flags();
  const dest = pino.destination({ fd: 1, sync: false });
  const log = createLogger({ level, destination: dest, base: { host: config.host } });
  const cliLog = log.child({ component: 'cli' });
  const exit = (code: number): never => {
    try {
      dest.flushSync();
    } catch {
      // nothing left to flush, or stdout is gone
    }
    process.exit(code);
  };

  let daemon: Daemon;
  try {
    // Building the parts can already refuse the configuration (e.g. the
    // matchmaker's options): same one-line report and exit code as a failed start.
    daemon = new Daemon(config, log);
    await daemon.start();
  } catch (err) {
    cliLog.fatal({ err }, 'start-up failed');
    process.stderr.write(`nova-zmq-bridge: ${oneLine(err)}\n`);
    exit(exitCodeOf(err));
  }
  // Type=notify: READY=1 now that every part is bound; STATUS= and WATCHDOG=1 from here on.
  const notifier = SystemdNotifier.fromEnv({
    env: process.env,
    clock: daemon!.clock,
    log: log.child({ component: 'systemd' }),
    counters: daemon!.counters,
    status: () => daemon.statusLine(),
  });
  await notifier?.ready();

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      // A repeated SIGTERM is usual (npm forwards it and a process-group kill sends it too):
      // only a second Ctrl-C means "don't wait".
      if (signal !== 'SIGINT') return;
      cliLog.warn({ signal }, 'second SIGINT: exiting without waiting');
      exit(EXIT_FORCED);
    }
    stopping = true;
    cliLog.info({ signal }, 'stopping');
    setTimeout(() => {
      cliLog.error({ timeout_ms: DEFAULT_STOP_TIMEOUT_MS }, 'graceful stop took too long; exiting');
      exit(EXIT_UNEXPECTED);
    }, DEFAULT_STOP_TIMEOUT_MS).unref();
    void notifier?.stopping();
    daemon.stop().then(
      () => {
        notifier?.close();
        exit(0);
      },
      (err: unknown) => {
        cliLog.error({ err }, 'error while stopping');
        exit(EXIT_UNEXPECTED);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGHUP', () => {
    if (stopping) return;
    let next: { config: BridgeConfig; level: pino.LevelWithSilent };
    try {
      next = readConfig(args);
    } catch (err) {
      cliLog.error({ err: oneLine(err) }, 'SIGHUP: configuration not reloaded; keeping the running one');
      return;
    }
    void notifier?.reloading();
    daemon
      .reload(next.config, next.level)
      .catch((err: unknown) => cliLog.error({ err }, 'SIGHUP: reload failed'))
      .finally(() => void notifier?.reloaded());
  });
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`nova-zmq-bridge: ${oneLine(err)}\n`);
    process.exit(exitCodeOf(err));
  });
}
