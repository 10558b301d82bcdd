/**
 * `nova-zmq-bridge check-config`: validate nova.conf (and what it points
 * to: ring file, ipc dir, local API socket) without starting the daemon.
 * Each problem is reported with the exact line start-up would print
 * (`nova-zmq-bridge: <message>` on stderr), and the exit code is the one
 * start-up would exit with: 0 fine, 2 configuration, 3 environment, 1
 * anything unexpected. Unlike start-up it goes on after a problem, so one
 * run lists every problem it can see (the exit code is the first's, in
 * start-up order).
 */
import { resolveLogLevel } from '../config/log-level';
import type { BridgeConfig } from '../config/types';
import { parseCommandArgs } from './args';
import type { CliIo, Command } from './command';
import { commandConfig } from './config';
import { EXIT_CONFIG } from '../errors';
import { EXIT_OK, exitCodeOf, oneLine } from './exit';
import { PREFLIGHT_CHECKS } from './preflight';
import { formatTable } from './table';

const USAGE = `Usage: nova-zmq-bridge check-config [--config-file PATH]... [--config-dir DIR]... [--log-level LEVEL] [--json]

Validate the configuration without starting: nova.conf (every option the
daemon reads), the matchmaker's options, the ipc dir (writable, or
creatable), the ring file of the ring matchmakers, the local API socket's
directory. Nothing is bound, created or contacted. Problems are printed as
start-up prints them, on stderr.

  --log-level LEVEL  checked like the daemon's (also NOVA_ZMQ_BRIDGE_LOG_LEVEL)
  --json             print {ok, exit_code, checks} as JSON on stdout

Exit codes, as start-up: 0 fine, 2 a configuration problem, 3 the
environment would prevent start-up (ipc dir), 1 anything unexpected.
`;

const SPEC = { flags: { '--json': 'bool', '--log-level': 'value' }, positionals: [] } as const;

interface Row {
  check: string;
  ok: boolean;
  details: string;
  exit_code: number;
}

export const checkConfigCommand: Command = {
  name: 'check-config',
  summary: 'validate nova.conf, the ring file, ipc dir and socket without starting (exit codes as start-up)',
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    const rows: Row[] = [];
    let json = false;
    const fail = (check: string, err: unknown): void => {
      // Exactly start-up's report (src/cli.ts).
      io.err(`nova-zmq-bridge: ${oneLine(err)}\n`);
      rows.push({ check, ok: false, details: oneLine(err), exit_code: exitCodeOf(err) });
    };
    let config: BridgeConfig | null = null;
    try {
      const args = parseCommandArgs('check-config', argv, SPEC);
      if (args.help) {
        io.out(USAGE);
        return EXIT_OK;
      }
      json = args.bools.has('--json');
      config = commandConfig(args, io.env);
      resolveLogLevel(config, args.values.get('--log-level') ?? null, io.env);
      rows.push({ check: 'config', ok: true, details: config.sources.length ? config.sources.join(', ') : 'no config file found: every option at its default', exit_code: EXIT_OK });
    } catch (err) {
      // As start-up: anything going wrong before the config is read is a configuration problem.
      fail('config', err);
      rows[rows.length - 1]!.exit_code = exitCodeOf(err) === 1 ? EXIT_CONFIG : exitCodeOf(err);
    }
    if (config) {
      for (const c of PREFLIGHT_CHECKS) {
        try {
          rows.push({ check: c.name, ok: true, details: await c.run(config), exit_code: EXIT_OK });
        } catch (err) {
          fail(c.name, err);
        }
      }
    }
    const first = rows.find((r) => !r.ok);
    const code = first ? first.exit_code : EXIT_OK;
    if (json) {
      io.out(`${JSON.stringify({ ok: !first, exit_code: code, checks: rows }, null, 2)}\n`);
    } else {
      const lines = formatTable(
        [{ header: 'CHECK' }, { header: 'RESULT' }, { header: 'DETAILS' }],
        rows.map((r) => [r.check, r.ok ? 'ok' : `FAILED (exit ${r.exit_code})`, r.details]),
      );
      lines.push('', first ? `Configuration has problems: start-up would exit ${code}.` : 'Configuration OK.');
      io.out(`${lines.join('\n')}\n`);
    }
    return code;
  },
};
