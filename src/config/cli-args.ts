/** Command line of the daemon, oslo.config style. */
import { ConfigUsageError } from './errors';

export interface CliArgs {
  /** `--config-file PATH`, repeatable, in order (later files win). */
  configFiles: string[];
  /** `--config-dir DIR`, repeatable; each dir's `*.conf` is read, sorted, after the files. */
  configDirs: string[];
  /** `--log-level LEVEL`, or null. */
  logLevel: string | null;
  /** `--help` / `-h`. */
  help: boolean;
  /** `--version`. */
  version: boolean;
}

export const USAGE = `Usage: nova-zmq-bridge [--config-file PATH]... [--config-dir DIR]... [--log-level LEVEL] [--help] [--version]

  --config-file PATH  nova.conf to read; repeatable, later files win
                      (default: the first of ~/.nova/nova.conf, ~/nova.conf,
                      /etc/nova/nova.conf, /etc/nova.conf, plus nova.conf.d dirs)
  --config-dir DIR    read DIR/*.conf in sorted order after the files; repeatable
  --log-level LEVEL   trace, debug, info, warn, error, fatal or silent
                      (overrides NOVA_ZMQ_BRIDGE_LOG_LEVEL and nova.conf)
  --help, -h          show this help
  --version           show the version

       nova-zmq-bridge keygen NAME [--dir DIR]   write a CURVE key pair (docs/security.md)
`;

const WITH_VALUE = ['--config-file', '--config-dir', '--log-level'] as const;
const ACCEPTED = '--config-file PATH, --config-dir DIR, --log-level LEVEL (also --flag=VALUE), --help, --version';

/** Parse `argv` (without node and script). Unknown arguments or missing values throw {@link ConfigUsageError} (exit code 2). */
export function parseArgs(argv: string[]): CliArgs {
  const out: CliArgs = { configFiles: [], configDirs: [], logLevel: null, help: false, version: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      out.help = true;
      continue;
    }
    if (arg === '--version') {
      out.version = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (!(WITH_VALUE as readonly string[]).includes(flag)) {
      throw new ConfigUsageError({ file: null, option: 'command line', value: arg, reason: 'unknown argument', accepted: ACCEPTED });
    }
    let value: string;
    if (flag !== arg) {
      value = arg.slice(eq + 1);
    } else {
      if (i + 1 >= argv.length) {
        throw new ConfigUsageError({ file: null, option: flag, value: null, reason: 'missing value', accepted: ACCEPTED });
      }
      value = argv[++i];
    }
    if (value === '') {
      throw new ConfigUsageError({ file: null, option: flag, value, reason: 'empty value', accepted: ACCEPTED });
    }
    if (flag === '--config-file') out.configFiles.push(value);
    else if (flag === '--config-dir') out.configDirs.push(value);
    else out.logLevel = value;
  }
  return out;
}
