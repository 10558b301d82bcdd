/**
 * Named monotonically increasing counters, one instance per daemon (never a
 * module-global), read by the local API `stats` operation, tests and the
 * benchmark.
 *
 * Names are dotted, by component: `receiver.received`, `receiver.refused.bad_topic`,
 * `receiver.dropped.backlog`, `sender.cast.failed`, `replies.orphaned`, ...
 */

/** One counter, held by a hot path so that counting is a field increment rather than a map lookup. */
export interface CounterCell {
  value: number;
}

export class Counters {
  private readonly values = new Map<string, CounterCell>();
  /** Counters ever passed to inc(): listed even at 0, as before cells existed. */
  private readonly named = new Set<string>();

  /** The cell of counter `name` (created at 0; it only appears in snapshots once non-zero). */
  cell(name: string): CounterCell {
    let c = this.values.get(name);
    if (!c) this.values.set(name, (c = { value: 0 }));
    return c;
  }

  /** Add `n` (default 1) to counter `name`. */
  inc(name: string, n = 1): void {
    const c = this.cell(name);
    c.value += n;
    this.named.add(name);
  }

  /** Current value (0 for a counter never incremented). */
  get(name: string): number {
    return this.values.get(name)?.value ?? 0;
  }

  /** Plain object copy of every counter, sorted by name. */
  snapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const k of [...this.values.keys()].sort()) {
      const v = this.values.get(k)!.value;
      if (v !== 0 || this.named.has(k)) out[k] = v;
    }
    return out;
  }
}
