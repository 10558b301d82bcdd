// The bench's arithmetic and verdicts (bench/lib/stats.ts, bench/report.ts):
// medians, percentiles, ratios bridge/RabbitMQ, target checks, the table and
// the chart. The measurements themselves run in `npm run bench`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { median, percentile, summarize } from '../bench/lib/stats';
import { computeChecks, computeRatios, renderLatencySvg, renderTable, renderTimeTable, TARGETS, type BenchDoc } from '../bench/report';
import { medianProcs, type E2EResult, type ProcFigures } from '../bench/e2e';
import { parseTraceGc, summarizeGcPauses } from '../bench/lib/trace-gc';
import { execFileSync } from 'node:child_process';

const s = (...runs: number[]) => summarize(runs);

function e2e(transport: string, executor: 'threading' | 'eventlet', k: number, lost = 0): E2EResult {
  return {
    transport,
    executor,
    ok: true,
    castsPerSec: s(1000 * k, 900 * k, 1100 * k),
    castsLost: 0,
    seqCallsPerSec: s(300 * k),
    seqP50Ms: s(3 / k),
    seqP99Ms: s(9 / k),
    concCallsPerSec: s(500 * k),
    concP50Ms: s(30 / k),
    concP99Ms: s(60 / k),
    lostReplies: lost,
    callsMade: 100,
  };
}

test('median, summarize and nearest-rank percentile', () => {
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.deepEqual(summarize([3, 1, 2]), { median: 2, min: 1, max: 3, runs: [3, 1, 2] });
  const v = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1
  assert.equal(percentile(v, 50), 50);
  assert.equal(percentile(v, 99), 99);
  assert.equal(percentile(v, 100), 100);
  assert.ok(Number.isNaN(percentile([], 50)));
});

test('ratios are bridge / RabbitMQ of the medians; checks apply the issue targets', () => {
  const doc = {
    throughput: { bodyBytes: 1024, messages: 10, ceiling: s(100), receiver: s(80), relay: null, ratio: s(0.8, 0.75, 0.85), daemonRss: { peakMiB: 120, maxSampledMiB: 119, lastMiB: 110, samples: 5 } },
    e2e: {
      bridge: { threading: e2e('bridge', 'threading', 4), eventlet: e2e('bridge', 'eventlet', 2, 1) },
      rabbitmq: { threading: e2e('rabbitmq', 'threading', 1), eventlet: e2e('rabbitmq', 'eventlet', 1) },
    },
    bridgeDaemonRssMiB: { '127.0.0.2': 60, '127.0.0.3': 70 },
  } as Pick<BenchDoc, 'throughput' | 'e2e' | 'bridgeDaemonRssMiB'>;
  const ratios = computeRatios(doc.e2e);
  assert.equal(ratios.threading.seqCallsPerSec, 4);
  assert.equal(ratios.threading.seqP50Ms, 0.25);
  assert.equal(ratios.eventlet.castsPerSec, 2);
  const checks = computeChecks({ ...doc, ratios });
  const verdict = (f: string) => checks.find((c) => c.figure === f)?.met;
  assert.equal(verdict('(2) receiver / raw PUSH->PULL'), true);
  assert.equal(verdict('(3)/(4) sequential calls/s, threading'), true);
  assert.equal(verdict('(3)/(4) call p50 latency, threading'), true);
  assert.equal(verdict('(3)/(4) sequential calls/s, eventlet'), false); // 2x < 3x
  assert.equal(verdict('(3)/(4) call p50 latency, eventlet'), false); // 0.5 > 1/3
  assert.equal(verdict('(3)/(4) casts/s, eventlet'), true); // exactly 2x
  assert.equal(verdict('(3) lost replies, threading'), true);
  assert.equal(verdict('(3) lost replies, eventlet'), false);
  assert.equal(verdict('(3) bridge daemons peak RSS, MiB'), true);
  assert.equal(verdict('(2) receiver daemon peak RSS, MiB'), false);
});

test('rows that could not run say why, and have no verdict', () => {
  const why = { unavailable: 'the Python shim (python-shim/) is not in the tree yet' };
  const base = {
    date: '2026-01-01T00:00:00.000Z',
    mode: 'quick' as const,
    durationSeconds: 1,
    machine: {} as BenchDoc['machine'],
    sizes: {},
    throughput: { unavailable: 'skipped' },
    e2e: { bridge: { threading: why, eventlet: why }, rabbitmq: { threading: e2e('rabbitmq', 'threading', 1), eventlet: e2e('rabbitmq', 'eventlet', 1) } },
    bridgeDaemonRssMiB: why,
    notes: [],
  };
  const ratios = computeRatios(base.e2e);
  const doc: BenchDoc = { ...base, ratios, checks: computeChecks({ ...base, ratios }) };
  assert.equal(ratios.threading.seqCallsPerSec, null);
  assert.ok(doc.checks.every((c) => c.met === null));
  const table = renderTable(doc);
  assert.match(table, /not available: the Python shim \(python-shim\/\) is not in the tree yet/);
  assert.match(table, /\| 300 \(300–300\) \|/); // RabbitMQ's own figures still shown
});

test('latency chart: one line per series, legend with counts, valid SVG frame', () => {
  const svg = renderLatencySvg(
    [
      { label: 'bridge threading, sequential', values: [1, 2, 3, 4], color: '#00f', dashed: false },
      { label: 'rabbitmq threading, 16 callers', values: [10, 20, 30], color: '#f80', dashed: true },
      { label: 'empty', values: [], color: '#000', dashed: false },
    ],
    'title <&>',
  );
  assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.match(svg, /<\/svg>$/);
  assert.equal((svg.match(/<polyline /g) ?? []).length, 2);
  assert.match(svg, /bridge threading, sequential \(n=4\)/);
  assert.match(svg, /title &lt;&amp;&gt;/);
});

const proc = (cpu: number, wait: number, cs: number): ProcFigures => ({ cpu_us: cpu, wait_us: wait, cs, preempt: 0 });

test('issue 13 latency targets: p50 <= 0.4x, p99 <= 0.5x, sequential >= 2.5x, 16 callers >= 3x', () => {
  assert.equal(TARGETS.p50RatioMax, 0.4);
  assert.equal(TARGETS.p99RatioMax, 0.5);
  assert.equal(TARGETS.seqCallsRatioMin, 2.5);
  assert.equal(TARGETS.concCallsRatioMin, 3);
  const b = { ...e2e('bridge', 'eventlet', 1), seqCallsPerSec: s(250), seqP50Ms: s(1.2), seqP99Ms: s(4.5), concCallsPerSec: s(1500) };
  const r = { ...e2e('rabbitmq', 'eventlet', 1), seqCallsPerSec: s(100), seqP50Ms: s(3), seqP99Ms: s(9), concCallsPerSec: s(500) };
  const doc = {
    throughput: { unavailable: 'skipped' },
    e2e: { bridge: { threading: b, eventlet: b }, rabbitmq: { threading: r, eventlet: r } },
    bridgeDaemonRssMiB: { unavailable: 'skipped' },
  } as Pick<BenchDoc, 'throughput' | 'e2e' | 'bridgeDaemonRssMiB'>;
  const checks = computeChecks({ ...doc, ratios: computeRatios(doc.e2e) });
  const verdict = (f: string) => checks.find((c) => c.figure === f)?.met;
  assert.equal(verdict('(3)/(4) sequential calls/s, eventlet'), true); // exactly 2.5x
  assert.equal(verdict('(3)/(4) call p50 latency, eventlet'), true); // exactly 0.4x
  assert.equal(verdict('(3)/(4) call p99 latency, eventlet'), true); // exactly 0.5x
  assert.equal(verdict('(3)/(4) 16-caller calls/s, eventlet'), true); // exactly 3x
  const worse = { ...b, seqP99Ms: s(4.6) };
  const doc2 = { ...doc, e2e: { ...doc.e2e, bridge: { threading: b, eventlet: worse } } };
  const checks2 = computeChecks({ ...doc2, ratios: computeRatios(doc2.e2e) });
  assert.equal(checks2.find((c) => c.figure === '(3)/(4) call p99 latency, eventlet')?.met, false);
  // Eventlet first: Nova runs under it.
  assert.ok(checks.findIndex((c) => c.figure.endsWith('eventlet')) < checks.findIndex((c) => c.figure.endsWith('threading')));
});

test('medianProcs: per process, the median of each figure over the rounds', () => {
  const m = medianProcs([{ client: proc(100, 10, 1) }, undefined, { client: proc(300, 30, 3) }, { client: proc(200, 20, 2) }]);
  assert.deepEqual(m, { client: proc(200, 20, 2) });
  assert.equal(medianProcs([undefined]), undefined);
});

test('same-daemon and CPU-hog rows, and where the time goes', () => {
  const withProcs = (x: E2EResult, procs: Record<string, ProcFigures>): E2EResult => ({ ...x, seqProcs: procs, seqGc: { count: 2, total_ms: 1, max_ms: 0.7 } });
  const bridge: E2EResult = {
    ...withProcs(e2e('bridge', 'eventlet', 2), { client: proc(200, 50, 1.1), 'daemon-client': proc(300, 60, 4.5), 'daemon-server': proc(280, 40, 4.4), server: proc(250, 30, 1) }),
    daemonGc: { count: 410, scavenges: 408, total_ms: 160, p50_ms: 0.31, p90_ms: 1.04, max_ms: 12.5 },
  };
  const rabbit = withProcs(e2e('rabbitmq', 'eventlet', 1), { client: proc(900, 100, 2.5), rabbitmq: proc(500, 200, 7), server: proc(950, 90, 2.4) });
  const local = withProcs({ ...e2e('bridge', 'eventlet', 3), castsPerSec: undefined }, { client: proc(180, 5, 1), daemon: proc(400, 10, 2.3), server: proc(240, 5, 1) });
  const doc: BenchDoc = {
    date: '2026-01-01T00:00:00.000Z',
    mode: 'quick',
    durationSeconds: 1,
    machine: {} as BenchDoc['machine'],
    sizes: {},
    throughput: { unavailable: 'skipped' },
    e2e: { bridge: { threading: bridge, eventlet: bridge }, rabbitmq: { threading: rabbit, eventlet: rabbit } },
    local: { threading: local, eventlet: local },
    hog: { bridge: { threading: bridge, eventlet: bridge }, rabbitmq: { threading: rabbit, eventlet: rabbit }, hogProcesses: 2, hogNice: 19 },
    bridgeDaemonRssMiB: { unavailable: 'skipped' },
    ratios: { threading: {}, eventlet: {} },
    checks: [],
    notes: [],
  };
  const table = renderTable(doc);
  assert.match(table, /\| \(5\) same daemon vs \(4\): sequential calls\/s, eventlet \| 900 \(900–900\) \| 300 \(300–300\) \| 3\.00x \| info \|/);
  assert.match(table, /\| \(6\) CPU hog: call latency p99, ms, eventlet \| 4\.50 \(4\.50–4\.50\) \| 9\.00 \(9\.00–9\.00\) \| 0\.50x \| info \|/);
  const time = renderTimeTable(doc);
  assert.match(time, /\| \(3\) bridge, eventlet \| 1\.50 \| 200 \/ 50 \/ 1\.1 \| 300 \/ 60 \/ 4\.5 \|  \|  \| 280 \/ 40 \/ 4\.4 \| 250 \/ 30 \/ 1\.0 \| 1030 \/ 180 \/ 11\.0 \| 2 \(max 0\.7 ms\) \| 410 \(p50 0\.31, p90 1\.04, max 12\.5 ms\) \|/);
  assert.match(time, /\| \(4\) RabbitMQ, eventlet \| 3\.00 \| 900 \/ 100 \/ 2\.5 \|  \|  \| 500 \/ 200 \/ 7\.0 \|  \| 950 \/ 90 \/ 2\.4 \| 2350 \/ 390 \/ 11\.9 \| 2 \(max 0\.7 ms\) \|  \|/);
  assert.match(time, /\| \(5\) bridge, same daemon, eventlet \| 1\.00 \| 180 \/ 5 \/ 1\.0 \|  \| 400 \/ 10 \/ 2\.3 \|/);
  assert.match(time, /\| \(6\) CPU hog: RabbitMQ, threading \|/);
});

test("the daemons' GC pauses are read from real --trace-gc output", () => {
  // A Node process that makes young garbage, traced as the bench daemons are.
  const script = 'let keep = []; for (let i = 0; i < 3e5; i++) { keep.push({ i, s: "x".repeat(64) }); if (keep.length > 1000) keep = []; }';
  const out = execFileSync(process.execPath, ['--trace-gc', '-e', script], { encoding: 'utf8' });
  const pauses = parseTraceGc(out);
  assert.ok(pauses.length > 0, `no collection parsed from:\n${out.slice(0, 500)}`);
  assert.equal(pauses.length, out.split('\n').filter((l) => / ms: (Scavenge|Mark-Compact|Minor Mark-Sweep)/.test(l)).length);
  assert.ok(pauses.some((p) => p.scavenge));
  for (const p of pauses) assert.ok(Number.isFinite(p.ms) && p.ms >= 0);

  const line = (kind: string, ms: string) => `[7:0x1]   31 ms: ${kind} 11.4 (16.2) -> 9.8 (16.2) MB, ${ms} / 0.00 ms  (average mu = 1.000, current mu = 1.000) task;`;
  const text = [line('Scavenge', '0.51'), 'a log line', line('Mark-Compact (reduce)', '7.25'), line('Scavenge', '0.20'), line('Scavenge', '1.50')].join('\n');
  assert.deepEqual(parseTraceGc(text).map((p) => p.ms), [0.51, 7.25, 0.2, 1.5]);
  assert.deepEqual(summarizeGcPauses(parseTraceGc(text)), { count: 4, scavenges: 3, total_ms: 9.5, p50_ms: 1.5, p90_ms: 7.25, max_ms: 7.25 });
  assert.equal(summarizeGcPauses([]), null);
  // From a point in the process's life on: the line's time stamp (31 ms) is before 32 ms.
  assert.deepEqual(parseTraceGc(text, 32), []);
  assert.equal(parseTraceGc(text, 31).length, 4);
});
