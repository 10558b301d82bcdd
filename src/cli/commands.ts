/**
 * The subcommands of `nova-zmq-bridge`, in `--help` order. To add one, write
 * `src/cli/<name>.ts` exporting a {@link Command} and add one line here.
 */
import type { Command } from './command';
import { statusCommand } from './status';
import { pingCommand } from './ping';
import { checkConfigCommand } from './check-config';
import { keygenCommand } from './keygen';

export const COMMANDS: readonly Command[] = [
  statusCommand,
  pingCommand,
  checkConfigCommand,
  keygenCommand,
];

/** The command named `name`, if any. */
export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}

/** The commands section of `nova-zmq-bridge --help`. */
export function commandsHelp(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`);
  return `\nCommands (nova-zmq-bridge COMMAND --help for each):\n${lines.join('\n')}\n\nWithout a command, the daemon runs in the foreground.\n`;
}
