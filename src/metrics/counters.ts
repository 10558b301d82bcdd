/**
 * Named monotonically increasing counters, one instance per daemon (never a
 * module-global), read by the local API `stats` operation, tests and the
 * benchmark.
 *
 * Names are dotted, by component: `receiver.received`, `receiver.refused.bad_topic`,
 * `receiver.dropped.backlog`, `sender.cast.failed`, `replies.orphaned`, ...
 */
export class Counters {
  private readonly values = new Map<string, number>();

  /** Add `n` (default 1) to counter `name`. */
  inc(name: string, n = 1): void {
    this.values.set(name, (this.values.get(name) ?? 0) + n);
  }

  /** Current value (0 for a counter never incremented). */
  get(name: string): number {
    return this.values.get(name) ?? 0;
  }

  /** Plain object copy of every counter, sorted by name. */
  snapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const k of [...this.values.keys()].sort()) out[k] = this.values.get(k)!;
    return out;
  }
}
