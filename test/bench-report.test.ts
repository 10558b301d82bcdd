// The bench's arithmetic and verdicts (bench/lib/stats.ts, bench/report.ts):
// medians, percentiles, ratios bridge/RabbitMQ, target checks, the table and
// the chart. The measurements themselves run in `npm run bench`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { median, percentile, summarize } from '../bench/lib/stats';
import { computeChecks, computeRatios, renderLatencySvg, renderTable, type BenchDoc } from '../bench/report';
import type { E2EResult } from '../bench/e2e';

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
