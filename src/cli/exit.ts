/**
 * Exit codes and one-line error reports shared by the daemon's command line
 * and the subcommands.
 *
 * `status` and `ping` follow OpenStack's `*-status upgrade check` rule:
 * 0 everything fine, 1 a warning (works, but look at it), 2 a failure. A
 * subcommand's own usage error is 2 as well, like argparse's.
 */

export const EXIT_OK = 0;
export const EXIT_WARNING = 1;
export const EXIT_FAILURE = 2;
/** Exit code of the daemon (and check-config) for failures that are neither configuration nor environment. */
export const EXIT_UNEXPECTED = 1;

/** Result of one check, and of a whole command: its exit code is its index. */
export const CHECK_RESULTS = ['OK', 'WARNING', 'FAILURE'] as const;
export type CheckResult = (typeof CHECK_RESULTS)[number];

export function exitCodeOfResult(r: CheckResult): number {
  return CHECK_RESULTS.indexOf(r);
}

/** The worse of the results (OK < WARNING < FAILURE); OK for none. */
export function worst(results: readonly CheckResult[]): CheckResult {
  return results.reduce<CheckResult>((a, b) => (CHECK_RESULTS.indexOf(b) > CHECK_RESULTS.indexOf(a) ? b : a), 'OK');
}

/** The error's own `exitCode` (typed start-up and configuration errors), else {@link EXIT_UNEXPECTED}. */
export function exitCodeOf(err: unknown): number {
  const code = (err as { exitCode?: unknown } | null)?.exitCode;
  return typeof code === 'number' ? code : EXIT_UNEXPECTED;
}

/** The error's message on one line (start-up failures are read in journald and terminals). */
export function oneLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/[\r\n]+/g, ' ');
}
