import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * How the bench runs its daemons: compiled when `dist/` is fresh
 * ({@link compiledDaemonIsFresh}), with these extra Node options.
 *
 * Extra Node options for the daemons the bench starts (bridge rows and the
 * scale part), for finding where the time goes; Node refuses `--cpu-prof` in
 * NODE_OPTIONS, so the bench passes them itself:
 *
 *   NZB_BENCH_DAEMON_PROFILE=DIR   V8's sampling profiler: each daemon writes
 *                                  a .cpuprofile into DIR when stopped;
 *   NZB_BENCH_DAEMON_NODE_ARGS=".." any other flags (`--trace-gc`,
 *                                  `--require ./x.js`...); their output goes
 *                                  to the daemons' logs.
 *
 * Figures of such a run are not to be quoted.
 */
export function profilingNodeArgs(env: NodeJS.ProcessEnv = process.env): string[] {
  const dir = env.NZB_BENCH_DAEMON_PROFILE;
  const extra = (env.NZB_BENCH_DAEMON_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  return [...(dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=200'] : []), ...extra];
}

/** Newest modification time (ms) of the `.ts` files under `dir`. */
function newestSourceMs(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSourceMs(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** Whether `<root>/dist/src/cli.js` exists and is at least as new as every source under `<root>/src`. */
export function compiledDaemonIsFresh(root: string): boolean {
  const cli = join(root, 'dist', 'src', 'cli.js');
  return existsSync(cli) && statSync(cli).mtimeMs >= newestSourceMs(join(root, 'src'));
}
