import { BridgeError, EXIT_CONFIG } from '../errors';

/** What a configuration error is about; every field is named in the message. */
export interface ConfigErrorDetails {
  /** File the offending value came from (null: built-in default, command line or environment). */
  file: string | null;
  /** The option as `[group] key` (or a CLI flag / environment variable name). */
  option: string | null;
  /** The offending value as written. */
  value: string | null;
  /** What would have been accepted, in words. */
  accepted: string;
  /** 1-based line number in `file`, when known. */
  line?: number | null;
  /** Extra explanation placed before the accepted values. */
  reason?: string;
}

function describe(d: ConfigErrorDetails): string {
  // Without a file (command line, environment, derived default) the option says where it came from.
  const where = d.file ? `${d.line ? `${d.file}:${d.line}` : d.file}: ` : '';
  const opt = d.option ?? '(no option)';
  const val = d.value === null ? '(unset)' : JSON.stringify(d.value);
  const why = d.reason ? `: ${d.reason}` : '';
  // One line on purpose: start-up failures are read in journald / a terminal.
  return `${where}${opt} = ${val} is not valid${why}; accepted: ${d.accepted}`.replace(/[\r\n]+/g, ' ');
}

/**
 * Base of every configuration failure. Start-up stops with {@link exitCode}
 * (2) and this one-line message naming the file, the option, the value and
 * what would have been accepted.
 */
export class ConfigError extends BridgeError {
  readonly file: string | null;
  readonly option: string | null;
  readonly value: string | null;
  readonly accepted: string;
  readonly line: number | null;
  readonly exitCode: number = EXIT_CONFIG;

  constructor(code: string, details: ConfigErrorDetails, options?: { cause?: unknown }) {
    super(code, describe(details), options);
    this.file = details.file;
    this.option = details.option;
    this.value = details.value;
    this.accepted = details.accepted;
    this.line = details.line ?? null;
  }
}

/** A value does not fit its option's type, range or choices. */
export class ConfigInvalidValueError extends ConfigError {
  constructor(details: ConfigErrorDetails) {
    super('CONFIG_INVALID_VALUE', details);
  }
}

/** A config file or config dir named (or found) could not be read. */
export class ConfigUnreadableError extends ConfigError {
  constructor(details: ConfigErrorDetails, cause?: unknown) {
    super('CONFIG_UNREADABLE', details, { cause });
  }
}

/** A line of a config file is neither a section, an assignment, a comment nor a continuation. */
export class ConfigParseError extends ConfigError {
  constructor(details: ConfigErrorDetails) {
    super('CONFIG_PARSE', details);
  }
}

/** `rpc_zmq_bind_address` names a network interface this machine lacks (or one without IPv4). */
export class ConfigUnknownInterfaceError extends ConfigError {
  constructor(details: ConfigErrorDetails) {
    super('CONFIG_UNKNOWN_INTERFACE', details);
  }
}

/** A `$opt` / `${group.opt}` reference names no known option, or references form a cycle. */
export class ConfigBadSubstitutionError extends ConfigError {
  constructor(details: ConfigErrorDetails) {
    super('CONFIG_BAD_SUBSTITUTION', details);
  }
}

/** The command line holds an unknown argument or a flag without its value. */
export class ConfigUsageError extends ConfigError {
  constructor(details: ConfigErrorDetails) {
    super('CONFIG_USAGE', details);
  }
}
