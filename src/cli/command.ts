/**
 * What a subcommand of `nova-zmq-bridge` is. Each lives in its own module
 * under src/cli/ and is registered with one line in commands.ts; src/cli.ts
 * dispatches `nova-zmq-bridge <name> ...` to it, and runs the daemon when
 * the first argument is not a command name.
 */

/** Where a command writes (the process's stdout/stderr; tests may capture). */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
}

export interface Command {
  /** The word after `nova-zmq-bridge`. */
  readonly name: string;
  /** One line for `nova-zmq-bridge --help`. */
  readonly summary: string;
  /** Full usage text for `nova-zmq-bridge <name> --help`. */
  readonly usage: string;
  /** Run with the arguments after the name; resolves with the process exit code. */
  run(argv: string[], io: CliIo): Promise<number>;
}

/** The process's own stdout and stderr. */
export function processIo(): CliIo {
  return {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    env: process.env,
  };
}
