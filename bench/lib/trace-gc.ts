/**
 * The bench daemons' garbage-collection pauses, read from the lines V8's
 * `--trace-gc` writes to their logs (one per collection), e.g.
 *
 *     [1234:0x...]   3144 ms: Scavenge 11.4 (16.2) -> 9.8 (16.2) MB, 0.51 / 0.00 ms  (average mu = ...) task;
 *
 * The first figure after "MB," is the pause of the main thread: every
 * message the daemon handles waits while it lasts, so these pauses are part
 * of the calls' tail. Summed over a bench row (all its phases): the lines
 * carry only the time since the process started, not the client's phases.
 */

/** One collection's pause of the main thread, in milliseconds. */
export interface GcPause {
  ms: number;
  scavenge: boolean;
}

/** One `--trace-gc` line: ms since the process started, the kind (Scavenge, Mark-Compact and its "(reduce)" variant, Minor Mark-Sweep), the main-thread pause in ms. */
const TRACE_GC_LINE = /\s(\d+) ms: (Scavenge|Minor Mark-Sweep|Mark-Compact(?: \(reduce\))?)\b[^\n]*? MB, ([\d.]+) \/ [\d.]+ ms/g;

export interface DaemonGcFigures {
  /** Collections seen (all kinds). */
  count: number;
  /** Of which young-generation scavenges. */
  scavenges: number;
  total_ms: number;
  p50_ms: number;
  p90_ms: number;
  max_ms: number;
}

/**
 * Every pause (ms) and whether it was a scavenge, in log order; only those
 * from `sinceMs` after the process started (the line's own time stamp), so
 * that a caller can leave out the daemon's start-up (loading its modules
 * collects too, before any message).
 */
export function parseTraceGc(text: string, sinceMs = 0): GcPause[] {
  const out: GcPause[] = [];
  for (const m of text.matchAll(TRACE_GC_LINE)) {
    if (Number(m[1]) >= sinceMs) out.push({ ms: Number(m[3]), scavenge: m[2] === 'Scavenge' });
  }
  return out;
}

/** Count and distribution of the pauses; null when there were none (or no trace). */
export function summarizeGcPauses(pauses: GcPause[]): DaemonGcFigures | null {
  if (pauses.length === 0) return null;
  const ms = pauses.map((p) => p.ms).sort((a, b) => a - b);
  const at = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))]!;
  return {
    count: ms.length,
    scavenges: pauses.filter((p) => p.scavenge).length,
    total_ms: Math.round(ms.reduce((a, b) => a + b, 0) * 10) / 10,
    p50_ms: at(0.5),
    p90_ms: at(0.9),
    max_ms: ms[ms.length - 1]!,
  };
}
