/**
 * The Prometheus side of the catalogue: every counter's mapping follows the
 * naming rules and lands on its own series, the metrics reference in
 * docs/counters.md is the rendered one, and the label rules keep the number
 * of series bounded (base topics, first-N histogram series, largest-N gauges)
 * - checked on the rules themselves and on a real daemon fed 300 topics.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { COUNTER_CATALOGUE, type CounterPattern, type CounterSpec } from '../src/metrics/catalogue';
import { PROMETHEUS_MAP, SHARED_METRIC_HELP, METRIC_PREFIX } from '../src/metrics/prometheus-map';
import { counterSeries, counterMetricHelp } from '../src/metrics/exporter';
import { STATE_METRICS, DEFAULT_PEER_SERIES_LIMIT, DEFAULT_TOPIC_SERIES_LIMIT } from '../src/metrics/state-metrics';
import { METRICS_MARKER, renderMetricsReference } from '../src/metrics/docs';
import { markedBlock } from '../src/config/docs';
import { CallLatency, DEFAULT_CALL_SERIES_LIMIT } from '../src/metrics/call-latency';
import { largestWithOther, methodOf, topicLabels, OTHER, MAX_LABEL_VALUE_CHARS } from '../src/metrics/labels';
import { histogramLines } from '../src/metrics/histogram-text';
import type { MetricsSources } from '../src/metrics/sources';
import { Counters } from '../src/metrics/counters';
import { Daemon } from '../src/daemon';
import { silentLogger } from '../src/log';
import { makeIpcDir, removeDir, testConfigOnFreePort } from './support/config';
import { parseScrape, value } from './support/prom-text';
import type { PeerSnapshot } from '../src/sender/peer-pool';

const ROOT = path.join(__dirname, '..');
const LABEL_NAME = /^[a-z][a-z0-9_]*$/;

test('docs/counters.md holds the gauges and histogram table rendered from state-metrics.ts', () => {
  const doc = fs.readFileSync(path.join(ROOT, 'docs', 'counters.md'), 'utf8');
  assert.equal(markedBlock(doc, METRICS_MARKER), renderMetricsReference());
});

test('every counter maps to a well-named Prometheus counter in its base unit', () => {
  for (const [pattern, spec] of Object.entries(COUNTER_CATALOGUE as Record<string, CounterSpec>)) {
    const m = PROMETHEUS_MAP[pattern as CounterPattern];
    assert.match(m.metric, /^nova_zmq_bridge_[a-z][a-z0-9_]*_total$/, pattern);
    if (spec.unit === 'bytes') assert.match(m.metric, /_bytes_total$/, `${pattern}: bytes`);
    else if (spec.unit === 'milliseconds') {
      assert.match(m.metric, /_seconds_total$/, `${pattern}: time in seconds`);
      assert.equal(m.scale, 1 / 1000, `${pattern}: milliseconds scaled to seconds`);
    } else {
      assert.doesNotMatch(m.metric, /_(bytes|seconds)_total$/, `${pattern}: ${spec.unit} are neither bytes nor seconds`);
      assert.equal(m.scale, undefined, pattern);
    }
  }
});

test('counter series: valid label names, one label set per metric, no two counters on one series', () => {
  const seen = new Map<string, string>();
  const labelNames = new Map<string, string>();
  for (const s of counterSeries()) {
    for (const l of Object.keys(s.labels)) assert.match(l, LABEL_NAME, `${s.counter}: label ${l}`);
    const names = Object.keys(s.labels).sort().join(',');
    const before = labelNames.get(s.metric);
    if (before !== undefined) assert.equal(names, before, `${s.metric}: every series has the labels ${before}`);
    labelNames.set(s.metric, names);
    const k = `${s.metric}{${Object.entries(s.labels).sort().map(([a, b]) => `${a}=${b}`).join(',')}}`;
    assert.equal(seen.get(k), undefined, `${s.counter} and ${seen.get(k)} are both ${k}`);
    seen.set(k, s.counter);
  }
  const shared = [...labelNames.keys()].filter((metric) => Object.values(PROMETHEUS_MAP).filter((m) => m.metric === metric).length > 1);
  assert.deepEqual(shared.sort(), Object.keys(SHARED_METRIC_HELP).sort(), 'a metric fed by several counters has its own HELP');
  for (const metric of labelNames.keys()) assert.ok(counterMetricHelp(metric).length > 20, metric);
  // Drops and refusals: every reason once; the security layer will add auth_denied to the refusals.
  const reasons = (metric: string) => counterSeries().filter((s) => s.metric === METRIC_PREFIX + metric).map((s) => s.labels.reason);
  assert.ok(reasons('messages_dropped_total').includes('backlog_full'));
  assert.ok(reasons('messages_refused_total').includes('no_route') && reasons('messages_refused_total').includes('too_few_frames'));
});

test('gauges and histogram: valid names and labels, none shadows a counter', () => {
  const counters = new Set(counterSeries().map((s) => s.metric));
  for (const d of STATE_METRICS) {
    assert.match(d.name, /^nova_zmq_bridge_[a-z][a-z0-9_]*$/, d.name);
    assert.doesNotMatch(d.name, /_total$/, `${d.name}: only counters end in _total`);
    assert.ok(!counters.has(d.name), d.name);
    for (const l of d.labels) assert.match(l, LABEL_NAME, `${d.name}: ${l}`);
    assert.ok(!d.labels.includes('le'), d.name);
  }
  assert.equal(new Set(STATE_METRICS.map((d) => d.name)).size, STATE_METRICS.length);
});

test('topic labels are base topics; the exchange goes to its own label', () => {
  const cases: [string, string, string][] = [
    ['compute', 'nova', 'compute'],
    ['compute.host7', 'nova', 'compute'],
    ['fanout~compute', 'nova', 'compute'],
    ['fanout~compute.host7', 'nova', 'compute'],
    ['zmq_replies.host7', 'nova', 'zmq_replies'],
    ['E:compute.host7', 'E', 'compute'],
    ['notifications-info.host7', 'nova', 'notifications-info'],
  ];
  for (const [wire, exchange, topic] of cases) assert.deepEqual(topicLabels(wire, 'nova'), { exchange, topic }, wire);
  assert.equal(topicLabels('x'.repeat(500), 'nova').topic.length, MAX_LABEL_VALUE_CHARS);
});

test('method labels: oslo\'s usual layout, any key order, and nothing for non-requests', () => {
  assert.equal(methodOf('{"method": "ping", "args": {}}'), 'ping');
  assert.equal(methodOf('{"args": {"method": "inner"}, "version": "1.0", "method": "build_and_run"}'), 'build_and_run');
  assert.equal(methodOf('{"args": {}}'), '');
  assert.equal(methodOf('[1, 2]'), '');
  assert.equal(methodOf('{"method": 12}'), '');
  assert.equal(methodOf('{"method": "unterminated'), '');
});

test('the call histogram keeps the first N series; the rest count under other', () => {
  const h = new CallLatency();
  for (let i = 0; i < 1_000; i++) h.observe({ exchange: 'nova', topic: 'compute', method: `m${i}` }, 0.02);
  const series = h.series();
  assert.equal(series.length, DEFAULT_CALL_SERIES_LIMIT + 1);
  const other = series.find((s) => s.labels.method === OTHER)!;
  assert.deepEqual(other.labels, { exchange: OTHER, topic: OTHER, method: OTHER });
  assert.equal(other.count, 1_000 - DEFAULT_CALL_SERIES_LIMIT);
  assert.equal(series.reduce((n, s) => n + s.count, 0), 1_000, 'nothing lost');
  h.observe({ exchange: 'nova', topic: 'compute', method: 'm0' }, 0.02);
  assert.equal(series.find((s) => s.labels.method === 'm0')!.count, 2, 'a known series keeps counting');
});

test('largest N with the rest summed as other', () => {
  const v = new Map(Array.from({ length: 10 }, (_, i) => [`t${i}`, i] as [string, number]));
  const top = largestWithOther(v, 3);
  assert.deepEqual([...top], [['t9', 9], ['t8', 8], ['t7', 7], [OTHER, 21]]);
  assert.equal(largestWithOther(v, 10), v);
});

test('per-peer gauges: bounded, disconnected and deepest queues first, the rest summed', () => {
  const peers: PeerSnapshot[] = Array.from({ length: 120 }, (_, i) => {
    const host = `h${String(i).padStart(3, '0')}`;
    const connection = i === 119 ? 'disconnected' : 'connected';
    return { host, endpoint: `tcp://${host}:9501`, connection, queued: i % 7, sent: 0, failed: 0, lastSentAt: null, lastFailedAt: null, lastFailure: null };
  });
  const src = { peers: () => peers.map((p) => ({ ...p })) } as unknown as MetricsSources;
  const read = (name: string) => STATE_METRICS.find((d) => d.name === METRIC_PREFIX + name)!.read(src);
  const queue = read('peer_send_queue_messages');
  assert.equal(queue.length, DEFAULT_PEER_SERIES_LIMIT + 1);
  assert.deepEqual(queue[0], { labels: { server: 'h119' }, value: 0 }, 'the disconnected peer first');
  assert.equal(queue[1]!.value, 6, 'then the deepest queues');
  const total = peers.reduce((n, p) => n + p.queued, 0);
  assert.equal(queue.reduce((n, s) => n + s.value, 0), total, 'named plus other is every queued message');
  assert.equal(queue.at(-1)!.labels.server, OTHER);
  const connected = read('peer_connected');
  assert.equal(connected.length, DEFAULT_PEER_SERIES_LIMIT);
  assert.equal(connected[0]!.value, 0);
  assert.deepEqual(read('peers').map((s) => [s.labels.state, s.value]), [['connected', 119], ['connecting', 0], ['disconnected', 1]]);
});

test('a real daemon fed 300 base topics and 300 directed ones: the scrape stays bounded', async () => {
  const dir = makeIpcDir();
  const daemon = new Daemon(await testConfigOnFreePort({ ipcDir: dir }), silentLogger(), { counters: new Counters() });
  await daemon.start();
  try {
    const msg = (topic: string) => [Buffer.from('0'), Buffer.from(topic), Buffer.from('cast'), Buffer.from('["{}", {"method": "x", "args": {}}]')];
    for (let i = 0; i < 300; i++) daemon.receiver.dispatch(msg(`topic${i}.localhost`));
    for (let i = 0; i < 300; i++) daemon.receiver.dispatch(msg(`compute.host${i}`));
    const s = parseScrape(await daemon.metrics.scrape());
    assert.equal(value(s, `${METRIC_PREFIX}ipc_outlets`), 600);
    const perTopic = [...s.samples.keys()].filter((k) => k.startsWith(`${METRIC_PREFIX}ipc_queue_messages{`));
    assert.equal(perTopic.length, DEFAULT_TOPIC_SERIES_LIMIT + 1, '50 topics and other');
    // No consumer: all 600 wait; every directed compute topic is one `compute` series.
    const queued = perTopic.reduce((n, k) => n + s.samples.get(k)!, 0);
    assert.equal(queued, 600);
    assert.equal(s.samples.get(`${METRIC_PREFIX}ipc_queue_messages{topic="compute"}`), 300);
    assert.equal(value(s, `${METRIC_PREFIX}messages_received_total`, { kind: 'rpc' }), 600);
    assert.ok(s.samples.size < 1_000, `${s.samples.size} samples`);
  } finally {
    await daemon.stop();
    removeDir(dir);
  }
});

test('histogram text: label values escaped, cumulative buckets, parsed back exactly', () => {
  const h = new CallLatency({ bounds: [0.1, 1] });
  const weird = methodOf('{"args": {}, "method": "a\\"b\\\\c\\nd"}');
  assert.equal(weird, 'a"b\\c\nd');
  h.observe({ exchange: 'nova', topic: 'compute', method: weird }, 0.05);
  h.observe({ exchange: 'nova', topic: 'compute', method: weird }, 0.5);
  h.observe({ exchange: 'nova', topic: 'compute', method: weird }, 5);
  const lines = histogramLines('x_seconds', { call_type: 'call' }, h);
  const s = parseScrape(`${lines.join('\n')}\n`);
  const labels = { call_type: 'call', exchange: 'nova', topic: 'compute', method: weird };
  assert.deepEqual([0.1, 1, '+Inf'].map((le) => value(s, 'x_seconds_bucket', { ...labels, le })), [1, 2, 3]);
  assert.equal(value(s, 'x_seconds_count', labels), 3);
  assert.equal(value(s, 'x_seconds_sum', labels), 5.55);
});
