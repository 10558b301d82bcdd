/**
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
