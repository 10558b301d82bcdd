/**
 * `npm run bench -- --curve`: what CURVE costs (docs/security.md). Two
 * daemon pairs run side by side on 127.0.0.3 -> 127.0.0.2, one plaintext and
 * one with `[zmq_bridge] security = curve` (keys made by the daemon's own
 * keygen), and the oslo.messaging client/server rounds of bench/e2e.ts
 * alternate between them (plain, CURVE, then CURVE, plain...), so load
 * changes on a shared machine hit both sides alike. Every figure is the
 * median of the rounds, with min and max, and the ratio CURVE / plaintext.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keygen } from '../src/security/keygen';
import { CLIENT_HOST_ADDR, SERVER_HOST_ADDR, startBridgePair } from './bridge';
import { runE2E, type E2EResult, type E2ESizes, type Executor } from './e2e';
import type { ProcessRegistry } from './lib/procs';
import { summarize, type Summary } from './lib/stats';

export type CurveSide = 'plaintext' | 'curve';

export interface CurveComparison {
  executor: Executor;
  rounds: number;
  /** Per side, the figures of every round (one E2E round each). */
  sides: Record<CurveSide, { seqCallsPerSec: Summary; seqP50Ms: Summary; seqP99Ms: Summary; concCallsPerSec: Summary; castsPerSec: Summary; lostReplies: number; callsMade: number; errors: string[] }>;
}

/** Key pairs for both hosts and a trusted dir holding both public certificates. */
function makeKeys(dir: string): { secret: (addr: string) => string; trusted: string } {
  const keys = join(dir, 'keys');
  const trusted = join(dir, 'trusted');
  mkdirSync(trusted, { recursive: true, mode: 0o755 });
  for (const addr of [SERVER_HOST_ADDR, CLIENT_HOST_ADDR]) {
    keygen(addr, keys);
    copyFileSync(join(keys, `${addr}.key`), join(trusted, `${addr}.key`));
  }
  return { secret: (addr) => join(keys, `${addr}.key_secret`), trusted };
}

export async function runCurveComparison(
  procs: ProcessRegistry,
  workDir: string,
  daemonCmd: string[],
  executor: Executor,
  sizes: E2ESizes,
  log: (s: string) => void,
): Promise<CurveComparison> {
  const keys = makeKeys(join(workDir, 'curve-keys'));
  const plain = await startBridgePair(procs, workDir, daemonCmd, 'plaintext');
  const results: Record<CurveSide, E2EResult[]> = { plaintext: [], curve: [] };
  try {
    const curve = await startBridgePair(procs, workDir, daemonCmd, 'curve', (addr) => ({
      zmq_bridge: { security: 'curve', curve_certificate: keys.secret(addr), curve_trusted_dir: keys.trusted },
    }));
    try {
      for (let r = 0; r < sizes.rounds; r++) {
        const order: CurveSide[] = r % 2 === 0 ? ['plaintext', 'curve'] : ['curve', 'plaintext'];
        for (const side of order) {
          const dir = join(workDir, `curve-cmp-${r}-${side}`);
          mkdirSync(dir, { recursive: true });
          const target = (side === 'curve' ? curve : plain).target;
          const res = await runE2E(procs, dir, target, executor, { ...sizes, rounds: 1 });
          if (!res.ok) throw new Error(`${side} round ${r + 1} failed: ${res.error}`);
          log(`    round ${r + 1} ${side}: seq ${res.seqCallsPerSec!.median.toFixed(0)} calls/s, p50 ${res.seqP50Ms!.median.toFixed(2)} ms`);
          results[side].push(res);
        }
      }
    } finally {
      await curve.stop();
    }
  } finally {
    await plain.stop();
  }
  const side = (rs: E2EResult[]) => ({
    seqCallsPerSec: summarize(rs.map((r) => r.seqCallsPerSec!.median)),
    seqP50Ms: summarize(rs.map((r) => r.seqP50Ms!.median)),
    seqP99Ms: summarize(rs.map((r) => r.seqP99Ms!.median)),
    concCallsPerSec: summarize(rs.map((r) => r.concCallsPerSec!.median)),
    castsPerSec: summarize(rs.map((r) => r.castsPerSec!.median)),
    lostReplies: rs.reduce((a, r) => a + (r.lostReplies ?? 0), 0),
    callsMade: rs.reduce((a, r) => a + (r.callsMade ?? 0), 0),
    errors: rs.flatMap((r) => r.errorsSample ?? []).slice(0, 5),
  });
  return { executor, rounds: sizes.rounds, sides: { plaintext: side(results.plaintext), curve: side(results.curve) } };
}

function fmt(s: Summary, digits: number): string {
  const f = (x: number) => (digits === 0 ? Math.round(x).toLocaleString('en-US') : x.toFixed(digits));
  return `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
}

/** The comparison as a markdown table (figures, then the ratio CURVE / plaintext). */
export function renderCurveTable(c: CurveComparison, header: string): string {
  const rows: [string, keyof CurveComparison['sides']['curve'], number][] = [
    ['sequential calls/s', 'seqCallsPerSec', 0],
    ['call latency p50, ms (sequential)', 'seqP50Ms', 2],
    ['call latency p99, ms (sequential)', 'seqP99Ms', 2],
    ['calls/s, 16 concurrent callers', 'concCallsPerSec', 0],
    ['casts/s (at the server)', 'castsPerSec', 0],
  ];
  const p = c.sides.plaintext;
  const k = c.sides.curve;
  const lines = [
    header,
    '',
    `| Figure (${c.executor} executor, median of ${c.rounds} rounds, min–max) | plaintext | CURVE | CURVE / plaintext |`,
    '|---|---|---|---|',
    ...rows.map(([label, key, d]) => {
      const a = p[key] as Summary;
      const b = k[key] as Summary;
      return `| ${label} | ${fmt(a, d)} | ${fmt(b, d)} | ${(b.median / a.median).toFixed(2)}x |`;
    }),
    `| lost replies / calls | ${p.lostReplies} / ${p.callsMade} | ${k.lostReplies} / ${k.callsMade} |  |`,
  ];
  return lines.join('\n');
}

export function writeCurveResults(dir: string, c: CurveComparison, md: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'curve-latest.json'), JSON.stringify(c, null, 2) + '\n');
  writeFileSync(join(dir, 'curve-latest.md'), md + '\n');
}
