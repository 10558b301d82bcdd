/**
 * Readiness: whether this daemon can do its job now, asked by `/readyz`
 * (src/http/server.ts), the `nova_zmq_bridge_ready` gauge and the systemd
 * STATUS line. Each component that can be "not ready" implements
 * {@link ReadinessCheck}; the daemon collects them in a {@link Readiness}
 * (receiver bound, local API listening, matchmaker backend reachable, and
 * whatever other parts add - the security layer adds its own check with
 * `daemon.readiness.add(...)`).
 *
 * Checks read state the component already keeps: they are synchronous,
 * cheap and do no I/O, so a probe or a scrape never waits on a backend.
 */
import { DuplicateCheckError } from './errors';

export interface ReadinessResult {
  ready: boolean;
  /** What is wrong, for operators (`/readyz` body, logs), when not ready. */
  reason?: string;
}

export interface ReadinessCheck {
  /** Short name in the `/readyz` body and the gauge's `check` label: `receiver`, `localapi`, `matchmaker`, `security`, ... */
  readonly name: string;
  /** The current state; must not throw (a throw counts as not ready) and must not block. */
  check(): ReadinessResult;
}

/** One check's answer, as reported. */
export interface CheckReport extends ReadinessResult {
  name: string;
}

export interface ReadinessReport {
  /** True when every check is ready. */
  ready: boolean;
  checks: CheckReport[];
}

/** A check from a name and a function (the daemon's own checks). */
export function readinessCheck(name: string, check: () => ReadinessResult): ReadinessCheck {
  return { name, check };
}

export class Readiness {
  private readonly checks: ReadinessCheck[] = [];

  /** Add a check; names are unique (a second check under a name is a wiring mistake). */
  add(check: ReadinessCheck): void {
    if (this.checks.some((c) => c.name === check.name)) throw new DuplicateCheckError(check.name);
    this.checks.push(check);
  }

  /** Names of the checks, in the order added. */
  names(): string[] {
    return this.checks.map((c) => c.name);
  }

  /** Ask every check now. */
  evaluate(): ReadinessReport {
    const checks = this.checks.map((c): CheckReport => {
      try {
        const r = c.check();
        return r.ready ? { name: c.name, ready: true } : { name: c.name, ready: false, reason: r.reason ?? 'not ready' };
      } catch (err) {
        return { name: c.name, ready: false, reason: `the check failed: ${err instanceof Error ? err.message : String(err)}` };
      }
    });
    return { ready: checks.every((c) => c.ready), checks };
  }
}
