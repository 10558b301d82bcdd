/**
 * Argument parsing for the subcommands, in the daemon's style (`--flag
 * VALUE` or `--flag=VALUE`, `--help`). Every subcommand takes
 * `--config-file`/`--config-dir` like the daemon, so it reads the same
 * nova.conf and finds the running daemon's local API socket.
 */
import { ConfigUsageError } from '../config/errors';

/** `value`: one value (last wins); `list`: repeatable; `bool`: no value. */
export type FlagKind = 'value' | 'list' | 'bool';

export interface ArgSpec {
  /** Flags besides the common ones, by name with the dashes (`--topic`). */
  readonly flags: Readonly<Record<string, FlagKind>>;
  /** Names of the positional arguments, all required, for messages (`HOST`). */
  readonly positionals: readonly string[];
}

export interface ParsedArgs {
  configFiles: string[];
  configDirs: string[];
  help: boolean;
  values: Map<string, string>;
  lists: Map<string, string[]>;
  bools: Set<string>;
  positionals: string[];
}

const COMMON: Record<string, FlagKind> = { '--config-file': 'list', '--config-dir': 'list' };

function accepted(command: string, spec: ArgSpec): string {
  const flags = Object.entries({ ...COMMON, ...spec.flags }).map(([f, k]) => (k === 'bool' ? f : `${f} VALUE`));
  return `nova-zmq-bridge ${command} ${[...spec.positionals, ...flags, '--help'].join(' ')}`;
}

/** Parse `argv` (after the command name). Throws {@link ConfigUsageError} (exit code 2). */
export function parseCommandArgs(command: string, argv: string[], spec: ArgSpec): ParsedArgs {
  const out: ParsedArgs = { configFiles: [], configDirs: [], help: false, values: new Map(), lists: new Map(), bools: new Set(), positionals: [] };
  const kinds = { ...COMMON, ...spec.flags };
  const usage = (option: string, value: string | null, reason: string): ConfigUsageError =>
    new ConfigUsageError({ file: null, option, value, reason, accepted: accepted(command, spec) });
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      out.help = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      out.positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const kind = kinds[flag];
    if (!kind) throw usage('command line', arg, `unknown argument of ${command}`);
    if (kind === 'bool') {
      if (eq > 0) throw usage(flag, arg.slice(eq + 1), 'takes no value');
      out.bools.add(flag);
      continue;
    }
    let value: string;
    if (eq > 0) value = arg.slice(eq + 1);
    else if (i + 1 < argv.length) value = argv[++i]!;
    else throw usage(flag, null, 'missing value');
    if (value === '') throw usage(flag, value, 'empty value');
    if (flag === '--config-file') out.configFiles.push(value);
    else if (flag === '--config-dir') out.configDirs.push(value);
    else if (kind === 'list') out.lists.set(flag, [...(out.lists.get(flag) ?? []), value]);
    else out.values.set(flag, value);
  }
  if (!out.help && out.positionals.length !== spec.positionals.length) {
    const reason = out.positionals.length < spec.positionals.length ? `missing ${spec.positionals.slice(out.positionals.length).join(' ')}` : 'too many arguments';
    throw usage('command line', out.positionals.join(' ') || null, reason);
  }
  return out;
}

/** A flag's value as a positive number (seconds, counts), or `dflt` when absent. */
export function positiveNumber(command: string, args: ParsedArgs, flag: string, dflt: number, integer = false): number {
  const raw = args.values.get(flag);
  if (raw === undefined) return dflt;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new ConfigUsageError({ file: null, option: flag, value: raw, reason: `not a positive ${integer ? 'integer' : 'number'}`, accepted: `${flag} ${integer ? 'N' : 'SECONDS'} (e.g. ${dflt})` });
  }
  return n;
}
