/**
 * What the bench shows: the results document (bench-results/latest.json),
 * the table (console and README), the target verdicts and the latency chart
 * (bench-results/latency.svg). Only formatting lives here; every number
 * comes from a measurement, and a row that could not run says why.
 */
import type { Summary } from './lib/stats';
import type { E2EResult, Executor, ProcFigures } from './e2e';
import type { ThroughputReport } from './receiver';

export interface Unavailable {
  unavailable: string;
}

export type Maybe<T> = T | Unavailable;

export function isUnavailable<T>(x: Maybe<T> | undefined): x is Unavailable {
  return !!x && typeof x === 'object' && 'unavailable' in x;
}

export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  memoryGiB: number;
  kernel: string;
  node: string;
  libzmqNode: string;
  python: string | null;
  pyzmqLibzmq: string | null;
  osloMessaging: string | null;
  eventlet: string | null;
  rabbitmq: string | null;
  erlang: string | null;
  /** 1-minute load average when the bench started and when it ended (other work on the machine shows here). */
  loadAvg?: { start: number; end: number };
}

export interface Check {
  figure: string;
  value: number | null;
  target: string;
  met: boolean | null;
}

export interface BenchDoc {
  date: string;
  mode: 'quick' | 'full';
  durationSeconds: number;
  machine: MachineInfo;
  sizes: Record<string, unknown>;
  throughput: Maybe<ThroughputReport>;
  e2e: Record<'bridge' | 'rabbitmq', Record<Executor, Maybe<E2EResult>>>;
  /** (5) calls with client and server on the same daemon (no tcp). */
  local?: Maybe<Record<Executor, Maybe<E2EResult>>>;
  /** (6) bridge and RabbitMQ calls beside a CPU hog. */
  hog?: Maybe<Record<'bridge' | 'rabbitmq', Record<Executor, Maybe<E2EResult>>> & { hogProcesses: number; hogNice: number }>;
  bridgeDaemonRssMiB: Maybe<Record<string, number>>;
  ratios: Record<Executor, Record<string, number | null>>;
  checks: Check[];
  notes: string[];
}

/** A target, in one place: the issues' numbers (issue 5; latency: issue 13). */
export const TARGETS = {
  receiverRatioMin: 0.7,
  /** Sequential calls/s, bridge / RabbitMQ. */
  seqCallsRatioMin: 2.5,
  /** Calls/s with 16 concurrent callers, bridge / RabbitMQ. */
  concCallsRatioMin: 3,
  p50RatioMax: 0.4,
  p99RatioMax: 0.5,
  castsRatioMin: 2,
  daemonRssMaxMiB: 100,
} as const;

const fx = (x: number) => `${Number(x.toFixed(2))}x`;
const TARGET_LABEL = {
  seq: `>= ${fx(TARGETS.seqCallsRatioMin)}`,
  conc: `>= ${fx(TARGETS.concCallsRatioMin)}`,
  p50: `<= ${fx(TARGETS.p50RatioMax)}`,
  p99: `<= ${fx(TARGETS.p99RatioMax)}`,
  casts: `>= ${fx(TARGETS.castsRatioMin)}`,
};

const EXEC: Executor[] = ['threading', 'eventlet'];

function ok(r: Maybe<E2EResult> | undefined): E2EResult | null {
  return r && !isUnavailable(r) && r.ok ? r : null;
}

function ratio(a: Summary | undefined, b: Summary | undefined): number | null {
  if (!a || !b || !(b.median > 0)) return null;
  return a.median / b.median;
}

export function computeRatios(e2e: Pick<BenchDoc['e2e'], 'bridge'> & { rabbitmq: Partial<BenchDoc['e2e']['rabbitmq']> }): BenchDoc['ratios'] {
  const out = {} as BenchDoc['ratios'];
  for (const ex of EXEC) {
    const b = ok(e2e.bridge[ex]);
    const r = ok(e2e.rabbitmq[ex]);
    out[ex] = {
      castsPerSec: ratio(b?.castsPerSec, r?.castsPerSec),
      seqCallsPerSec: ratio(b?.seqCallsPerSec, r?.seqCallsPerSec),
      seqP50Ms: ratio(b?.seqP50Ms, r?.seqP50Ms),
      seqP99Ms: ratio(b?.seqP99Ms, r?.seqP99Ms),
      concCallsPerSec: ratio(b?.concCallsPerSec, r?.concCallsPerSec),
      concP99Ms: ratio(b?.concP99Ms, r?.concP99Ms),
    };
  }
  return out;
}

export function computeChecks(doc: Pick<BenchDoc, 'throughput' | 'e2e' | 'ratios' | 'bridgeDaemonRssMiB'>): Check[] {
  const checks: Check[] = [];
  const atLeast = (figure: string, value: number | null, min: number, label: string) =>
    checks.push({ figure, value, target: label, met: value === null ? null : value >= min });
  const atMost = (figure: string, value: number | null, max: number, label: string) =>
    checks.push({ figure, value, target: label, met: value === null ? null : value <= max });
  const tp = isUnavailable(doc.throughput) ? null : doc.throughput;
  atLeast('(2) receiver / raw PUSH->PULL', tp ? tp.ratio.median : null, TARGETS.receiverRatioMin, '>= 0.70');
  // Eventlet first: that is how Nova runs.
  for (const ex of [...EXEC].reverse()) {
    const r = doc.ratios[ex]!;
    atLeast(`(3)/(4) sequential calls/s, ${ex}`, r.seqCallsPerSec ?? null, TARGETS.seqCallsRatioMin, TARGET_LABEL.seq);
    atLeast(`(3)/(4) 16-caller calls/s, ${ex}`, r.concCallsPerSec ?? null, TARGETS.concCallsRatioMin, TARGET_LABEL.conc);
    atMost(`(3)/(4) call p50 latency, ${ex}`, r.seqP50Ms ?? null, TARGETS.p50RatioMax, TARGET_LABEL.p50);
    atMost(`(3)/(4) call p99 latency, ${ex}`, r.seqP99Ms ?? null, TARGETS.p99RatioMax, TARGET_LABEL.p99);
    atLeast(`(3)/(4) casts/s, ${ex}`, r.castsPerSec ?? null, TARGETS.castsRatioMin, TARGET_LABEL.casts);
    const b = ok(doc.e2e.bridge[ex]);
    checks.push({ figure: `(3) lost replies, ${ex}`, value: b ? b.lostReplies! : null, target: '= 0', met: b ? b.lostReplies === 0 : null });
  }
  // The deployed form: the compiled daemons of (3), sampled all along.
  const bridgeRss = isUnavailable(doc.bridgeDaemonRssMiB) ? [] : Object.values(doc.bridgeDaemonRssMiB);
  atMost('(3) bridge daemons peak RSS, MiB', bridgeRss.length ? Math.max(...bridgeRss) : null, TARGETS.daemonRssMaxMiB - 1e-9, '< 100 MB');
  // receiver-throughput.ts runs its daemon through tsx (its transpiler adds
  // tens of MiB): reported against the same target, labelled as such.
  atMost('(2) receiver daemon peak RSS, MiB', tp?.daemonRss ? tp.daemonRss.peakMiB : null, TARGETS.daemonRssMaxMiB - 1e-9, '< 100 MB');
  return checks;
}

// ---------- formatting ----------

function num(x: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US');
  if (Math.abs(x) >= 100) return x.toFixed(0);
  if (Math.abs(x) >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

function fmt(s: Summary | undefined): string {
  if (!s) return 'n/a';
  return `${num(s.median)} (${num(s.min)}–${num(s.max)})`;
}

function fmtRatio(x: number | null | undefined, check?: Check): string {
  if (x === null || x === undefined) return 'n/a';
  const mark = check && check.met !== null ? (check.met ? ' ✔' : ' ✘') : '';
  return `${x.toFixed(2)}x${mark}`;
}

function cell(r: Maybe<E2EResult> | undefined, pick: (x: E2EResult) => string): string {
  if (!r) return 'n/a';
  if (isUnavailable(r)) return `not available: ${r.unavailable}`;
  if (!r.ok) return `failed: ${r.error}`;
  return pick(r);
}

type Rows = Pick<BenchDoc['e2e'], 'bridge'> & { rabbitmq: Partial<BenchDoc['e2e']['rabbitmq']> };

/** The call rows of one comparison (main, same daemon, beside a hog), eventlet first. */
function callRows(rows: string[][], cmp: Rows, prefix: string, checkOf: ((name: string) => Check | undefined) | null, withCasts: boolean): void {
  const ratios = computeRatios(cmp);
  for (const ex of [...EXEC].reverse()) {
    const b = cmp.bridge[ex];
    const r = cmp.rabbitmq[ex];
    const ra = ratios[ex]!;
    const target = (t: string) => (checkOf ? t : 'info');
    const line = (label: string, pick: (x: E2EResult) => string, rat: string, tgt: string) => rows.push([`${prefix} ${label}, ${ex}`, cell(b, pick), cell(r, pick), rat, tgt]);
    const chk = (name: string) => checkOf?.(`(3)/(4) ${name}, ${ex}`);
    if (withCasts) line('casts/s (at the server)', (x) => fmt(x.castsPerSec), fmtRatio(ra.castsPerSec, chk('casts/s')), target(TARGET_LABEL.casts));
    line('sequential calls/s', (x) => fmt(x.seqCallsPerSec), fmtRatio(ra.seqCallsPerSec, chk('sequential calls/s')), target(TARGET_LABEL.seq));
    line('call latency p50, ms', (x) => fmt(x.seqP50Ms), fmtRatio(ra.seqP50Ms, chk('call p50 latency')), target(TARGET_LABEL.p50));
    line('call latency p99, ms', (x) => fmt(x.seqP99Ms), fmtRatio(ra.seqP99Ms, chk('call p99 latency')), target(TARGET_LABEL.p99));
    line('calls/s, 16 concurrent callers', (x) => fmt(x.concCallsPerSec), fmtRatio(ra.concCallsPerSec, chk('16-caller calls/s')), target(TARGET_LABEL.conc));
    line('16 callers: call latency p99, ms', (x) => fmt(x.concP99Ms), fmtRatio(ra.concP99Ms), 'info');
    line('lost replies / calls', (x) => `${x.lostReplies} / ${x.callsMade}`, '', 'bridge = 0');
  }
}

function markdown(head: string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map((c) => c.replace(/\|/g, '/')).join(' | ')} |`)].join('\n');
}

/** The results as a markdown table (also readable as plain text). */
export function renderTable(doc: BenchDoc): string {
  const rows: string[][] = [];
  const check = (name: string) => doc.checks.find((c) => c.figure === name);
  const tp = doc.throughput;
  if (isUnavailable(tp)) {
    rows.push(['(1) raw zeromq.js PUSH->PULL, msgs/s', `not available: ${tp.unavailable}`, '', '', '']);
    rows.push(['(2) receiver tcp->daemon->ipc PULL, msgs/s', `not available: ${tp.unavailable}`, '', '', '']);
  } else {
    rows.push(['(1) raw zeromq.js PUSH->PULL, msgs/s', fmt(tp.ceiling), '', '', '']);
    rows.push(['(2) receiver tcp->daemon->ipc PULL, msgs/s', fmt(tp.receiver), '', `${fmtRatio(tp.ratio.median, check('(2) receiver / raw PUSH->PULL'))} of (1) (${tp.ratio.min.toFixed(2)}–${tp.ratio.max.toFixed(2)})`, '>= 0.70 of (1)']);
    if (tp.relay) rows.push(['    baseline: minimal zeromq.js relay, msgs/s', fmt(tp.relay), '', '', 'info']);
    rows.push(['(2) daemon peak RSS under (2), MiB', tp.daemonRss ? num(tp.daemonRss.peakMiB) : 'n/a', '', '', '< 100']);
  }
  callRows(rows, doc.e2e, '(3)/(4)', check, true);
  const local = doc.local;
  if (local && isUnavailable(local)) rows.push(['(5) same daemon (no tcp)', `not available: ${local.unavailable}`, '', '', '']);
  else if (local) callRows(rows, { bridge: local, rabbitmq: doc.e2e.rabbitmq }, '(5) same daemon vs (4):', null, false);
  const hog = doc.hog;
  if (hog && isUnavailable(hog)) rows.push(['(6) beside a CPU hog', `not available: ${hog.unavailable}`, '', '', '']);
  else if (hog) callRows(rows, hog, '(6) CPU hog:', null, false);
  const rss = doc.bridgeDaemonRssMiB;
  rows.push(['(3) bridge daemons peak RSS, MiB', isUnavailable(rss) ? `not available: ${rss.unavailable}` : Object.entries(rss).map(([h, v]) => `${h}: ${num(v)}`).join(', '), '', '', '< 100']);
  return markdown(['Figure (median of runs, min–max)', 'Bridge', 'RabbitMQ', 'Bridge / RabbitMQ', 'Target'], rows);
}

/** Column order of the processes on a call's path, as the bench names them. */
const PATH_ORDER = ['client', 'daemon-client', 'daemon', 'rabbitmq', 'daemon-server', 'server'];
const PATH_LABEL: Record<string, string> = {
  client: 'client',
  'daemon-client': "client's daemon",
  daemon: 'daemon (both)',
  rabbitmq: 'RabbitMQ',
  'daemon-server': "server's daemon",
  server: 'server',
};

function procCell(p: ProcFigures | undefined): string {
  if (!p) return '';
  return `${Math.round(p.cpu_us)} / ${Math.round(p.wait_us)} / ${p.cs.toFixed(1)}`;
}

/**
 * Where a sequential call's time goes: per process on its path, CPU time,
 * run-queue wait and context switches per call (median of the rounds).
 */
export function renderTimeTable(doc: BenchDoc): string {
  const rows: string[][] = [];
  const add = (label: string, r: Maybe<E2EResult> | undefined) => {
    const x = r && !isUnavailable(r) && r.ok ? r : null;
    if (!x?.seqProcs) return;
    const procs = x.seqProcs;
    const total = Object.values(procs).reduce((a, p) => ({ cpu: a.cpu + p.cpu_us, wait: a.wait + p.wait_us, cs: a.cs + p.cs }), { cpu: 0, wait: 0, cs: 0 });
    const gc = x.seqGc ? `${x.seqGc.count} (max ${x.seqGc.max_ms.toFixed(1)} ms)` : '';
    const dgc = x.daemonGc ? `${x.daemonGc.count} (p50 ${x.daemonGc.p50_ms.toFixed(2)}, p90 ${x.daemonGc.p90_ms.toFixed(2)}, max ${x.daemonGc.max_ms.toFixed(1)} ms)` : '';
    rows.push([label, x.seqP50Ms ? num(x.seqP50Ms.median) : '', ...PATH_ORDER.map((n) => procCell(procs[n])), `${Math.round(total.cpu)} / ${Math.round(total.wait)} / ${total.cs.toFixed(1)}`, gc, dgc]);
  };
  for (const ex of [...EXEC].reverse()) {
    add(`(3) bridge, ${ex}`, doc.e2e.bridge[ex]);
    add(`(4) RabbitMQ, ${ex}`, doc.e2e.rabbitmq[ex]);
  }
  if (doc.local && !isUnavailable(doc.local)) for (const ex of [...EXEC].reverse()) add(`(5) bridge, same daemon, ${ex}`, doc.local[ex]);
  if (doc.hog && !isUnavailable(doc.hog)) {
    for (const ex of [...EXEC].reverse()) {
      add(`(6) CPU hog: bridge, ${ex}`, doc.hog.bridge[ex]);
      add(`(6) CPU hog: RabbitMQ, ${ex}`, doc.hog.rabbitmq[ex]);
    }
  }
  if (rows.length === 0) return '';
  return markdown(['Sequential call: CPU µs / run-queue wait µs / context switches, per call', 'p50 ms', ...PATH_ORDER.map((n) => PATH_LABEL[n]!), 'total', 'client GC pauses', "daemons' GC pauses (whole row)"], rows);
}

export function renderMachine(doc: BenchDoc): string {
  const m = doc.machine;
  return [
    `${doc.date} · ${doc.mode} mode · ${Math.round(doc.durationSeconds)} s`,
    `${m.nproc} CPUs (${m.cpuModel}), ${m.memoryGiB.toFixed(1)} GiB RAM, Linux ${m.kernel}${m.loadAvg ? `; load average ${m.loadAvg.start.toFixed(2)} at the start, ${m.loadAvg.end.toFixed(2)} at the end` : ''}`,
    `Node ${m.node} (zeromq.js libzmq ${m.libzmqNode}), Python ${m.python ?? '?'} (oslo.messaging ${m.osloMessaging ?? '?'}, eventlet ${m.eventlet ?? '?'}), RabbitMQ ${m.rabbitmq ?? 'n/a'} (Erlang ${m.erlang ?? '?'})`,
  ].join('  \n');
}

export function renderChecks(doc: BenchDoc): string {
  return doc.checks
    .map((c) => {
      const v = c.value === null ? 'n/a' : c.figure.includes('lost') ? String(c.value) : c.figure.includes('RSS') ? c.value.toFixed(1) : c.value.toFixed(2);
      const verdict = c.met === null ? 'not measured' : c.met ? 'met' : 'NOT met';
      return `- ${c.figure}: ${v} (target ${c.target}): ${verdict}`;
    })
    .join('\n');
}

// ---------- latency chart ----------

export interface LatencySeries {
  label: string;
  values: number[];
  color: string;
  dashed: boolean;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Cumulative distributions of call latency on a log-scale axis, one line per series. */
export function renderLatencySvg(series: LatencySeries[], title: string): string {
  const W = 760;
  const H = 420;
  const L = 60;
  const R = 230;
  const T = 40;
  const B = 50;
  const pw = W - L - R;
  const ph = H - T - B;
  const live = series.filter((s) => s.values.length > 0);
  const all = live.flatMap((s) => s.values).filter((v) => v > 0);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  parts.push(`<text x="${L}" y="22" font-size="13" font-weight="bold">${esc(title)}</text>`);
  if (all.length === 0) {
    parts.push(`<text x="${L}" y="${T + 40}">no latency data</text></svg>`);
    return parts.join('\n');
  }
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...all))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...all))));
  const x = (v: number) => L + ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * pw;
  const y = (q: number) => T + ph - q * ph;
  for (let d = lo; d <= hi; d *= 10) {
    for (const m of [1, 2, 5]) {
      const v = d * m;
      if (v > hi) break;
      parts.push(`<line x1="${x(v).toFixed(1)}" y1="${T}" x2="${x(v).toFixed(1)}" y2="${T + ph}" stroke="#ddd"/>`);
      parts.push(`<text x="${x(v).toFixed(1)}" y="${T + ph + 15}" text-anchor="middle">${v >= 1 ? v : v.toPrecision(1)}</text>`);
    }
  }
  for (const q of [0, 0.25, 0.5, 0.75, 0.9, 0.99, 1]) {
    parts.push(`<line x1="${L}" y1="${y(q).toFixed(1)}" x2="${L + pw}" y2="${y(q).toFixed(1)}" stroke="${q === 0.5 || q === 0.99 ? '#bbb' : '#eee'}"/>`);
    parts.push(`<text x="${L - 6}" y="${(y(q) + 4).toFixed(1)}" text-anchor="end">${q * 100}%</text>`);
  }
  parts.push(`<rect x="${L}" y="${T}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
  parts.push(`<text x="${L + pw / 2}" y="${H - 12}" text-anchor="middle">call latency, ms (log scale)</text>`);
  parts.push(`<text x="16" y="${T + ph / 2}" transform="rotate(-90 16 ${T + ph / 2})" text-anchor="middle">calls at or below</text>`);
  live.forEach((s, i) => {
    const sorted = [...s.values].sort((a, b) => a - b);
    const n = sorted.length;
    const steps = Math.min(n, 300);
    const pts: string[] = [];
    for (let k = 0; k <= steps; k++) {
      const idx = Math.min(n - 1, Math.round((k / steps) * (n - 1)));
      pts.push(`${x(sorted[idx]!).toFixed(1)},${y((idx + 1) / n).toFixed(1)}`);
    }
    parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="1.8"${s.dashed ? ' stroke-dasharray="5,3"' : ''} points="${pts.join(' ')}"/>`);
    const ly = T + 10 + i * 18;
    parts.push(`<line x1="${L + pw + 12}" y1="${ly}" x2="${L + pw + 40}" y2="${ly}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5,3"' : ''}/>`);
    parts.push(`<text x="${L + pw + 46}" y="${ly + 4}">${esc(s.label)} (n=${n})</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
