/**
 * Named monotonically increasing counters, one instance per daemon (never a
 * module-global), read by the local API `stats` operation, tests and the
 * benchmark.
 *
 * Names are dotted, by component (`receiver.received`,
 * `receiver.refused.too_long`, `sender.cast.failed`, ...), and every one is
 * declared in metrics/catalogue.ts with its meaning and unit
 * (docs/counters.md). The methods accept only catalogued names; a name that
 * slips through anyway (built from input) is counted under its family's
 * fallback or `metrics.uncatalogued`, never as a new counter.
 */
import { resolveCounterName, type CounterInput, type CounterName } from './catalogue';

export type { CounterInput, CounterName } from './catalogue';

/** One counter, held by a hot path so that counting is a field increment rather than a map lookup. */
export interface CounterCell {
  value: number;
}

export class Counters {
  /** Keyed by catalogued names only (see resolveCounterName), so its size is bounded by the catalogue. */
  private readonly values = new Map<string, CounterCell>();
  /** Counters ever passed to inc(): listed even at 0, as before cells existed. */
  private readonly named = new Set<string>();

  /** The cell of counter `name` (created at 0; it only appears in snapshots once non-zero). */
  cell(name: CounterInput): CounterCell {
    return this.cellOf(this.values.get(name) ? name : resolveCounterName(name));
  }

  /** The cells of many counters at once, in order (an exporter reads them at each scrape). */
  cells(names: readonly CounterName[]): CounterCell[] {
    return names.map((n) => this.cellOf(resolveCounterName(n)));
  }

  /** Add `n` (default 1) to counter `name`. */
  inc(name: CounterInput, n = 1): void {
    // Fast path: a catalogued name already in use.
    let c = this.values.get(name);
    let key: string = name;
    if (!c) {
      key = resolveCounterName(name);
      c = this.cellOf(key);
    }
    c.value += n;
    this.named.add(key);
  }

  /** Current value (0 for a counter never incremented); a name is resolved as inc() resolves it. */
  get(name: CounterInput): number {
    return (this.values.get(name) ?? this.values.get(resolveCounterName(name)))?.value ?? 0;
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

  /** The cell of a resolved (catalogued) name. */
  private cellOf(key: string): CounterCell {
    let c = this.values.get(key);
    if (!c) this.values.set(key, (c = { value: 0 }));
    return c;
  }
}
