/**
 * Run `nova-zmq-bridge` (src/cli.ts through tsx, as the cluster's daemons
 * run) to completion in a child process: the operator's subcommands are
 * tested as an operator runs them, exit code and output included.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './cluster';

/** Hang guard of one CLI run (ms). */
export const CLI_RUN_TIMEOUT_MS = 60_000;

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `nova-zmq-bridge ARGS...`; resolves when it exits (killed after {@link CLI_RUN_TIMEOUT_MS}). */
export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; command?: string[] } = {}): Promise<CliRun> {
  const command = opts.command ?? [process.execPath, '--import', 'tsx', join(REPO_ROOT, 'src', 'cli.ts')];
  return new Promise((resolve, reject) => {
    const proc = spawn(command[0]!, [...command.slice(1), ...args], { cwd: REPO_ROOT, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => proc.kill('SIGKILL'), CLI_RUN_TIMEOUT_MS);
    proc.once('error', reject);
    proc.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `runCli` and parse stdout as JSON (the `--json` forms). */
export async function runCliJson(args: string[], opts: { env?: NodeJS.ProcessEnv; command?: string[] } = {}): Promise<CliRun & { json: any }> {
  const r = await runCli(args, opts);
  let json: any;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    throw new Error(`nova-zmq-bridge ${args.join(' ')} exited ${r.code} without JSON on stdout:\n${r.stdout}\n${r.stderr}`);
  }
  return { ...r, json };
}
