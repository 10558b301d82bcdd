/**
 * The scale part's tables and targets (issue 13), in Markdown: one row per
 * step and fleet size, the receiving side, then each target met or not.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScaleReport, ScaleStep } from './scale';

/** Cost per message at the largest fleet may be at most this many times the smallest fleet's. */
export const TARGET_COST_RATIO = 2;
/** Peak RSS of the daemon at the largest fleet, MiB. */
export const TARGET_PEAK_RSS_MIB = 300;

export interface ScaleCheck {
  name: string;
  value: string;
  target: string;
  met: boolean;
}

const fmt = (x: number | null | undefined, digits = 1): string => (x === null || x === undefined || !Number.isFinite(x) ? '?' : x.toFixed(digits));
const int = (x: number | null | undefined): string => (x === null || x === undefined || !Number.isFinite(x) ? '?' : Math.round(x).toLocaleString('en-US'));

function row(s: ScaleStep, withHosts: boolean): string {
  const cells = [
    ...(withHosts ? [int(s.hosts)] : []),
    s.step,
    s.matchmaker,
    int(s.messages),
    fmt(s.seconds, 2),
    int(s.msgsPerSec),
    s.zmqCpuUsPerMsg === null ? fmt(s.cpuUsPerMsg) : `${fmt(s.cpuUsPerMsg)} (${fmt(s.zmqCpuUsPerMsg)})`,
    fmt(s.peakRssMiB),
    int(s.peakFds),
    int(s.peakSockets),
    `${s.lost}${s.errors ? ` (${s.errors} errors)` : ''}`,
    s.note ?? '',
  ];
  return `| ${cells.join(' | ')} |`;
}

/** Steps of the sending side; `first contact` is shown but not held to the cost target (it measures connection set-up). */
const SEND_STEPS = new Set(['first contact', 'directed', 'bare', 'fanout', 'calls']);
const COST_STEPS = new Set(['directed', 'bare', 'fanout', 'calls']);

export function renderScaleTables(r: ScaleReport): string {
  const head = '| messages | completion s | msgs/s | daemon CPU µs/msg (in libzmq threads) | peak RSS MiB | peak fds | peak ZeroMQ sockets | lost | note |';
  const sep = '|---|---|---|---|---|---|---|---|---|';
  const send = r.steps.filter((s) => SEND_STEPS.has(s.step) && s.matchmaker !== 'local');
  const recv = r.steps.filter((s) => !send.includes(s));
  const lines = [
    '**Scale, sending side** (one daemon -> N simulated legacy hosts):',
    '',
    `| hosts | step | matchmaker ${head}`,
    `|---|---|---${sep}`,
    ...send.map((s) => row(s, true)),
    '',
    '**Scale, receiving side** (one daemon):',
    '',
    `| step | matchmaker ${head}`,
    `|---|---${sep}`,
    ...recv.map((s) => row(s, false)),
  ];
  const hwm = Object.entries(r.daemonHwmMiB).map(([n, m]) => `N=${n}: ${m}`);
  if (hwm.length) lines.push('', `Daemon lifetime peak RSS (VmHWM) with the ring matchmaker, MiB: ${hwm.join(', ')}.`);
  if (r.budget) lines.push(`Socket budget: ${r.budget}.`);
  return lines.join('\n');
}

export function scaleChecks(r: ScaleReport): ScaleCheck[] {
  const checks: ScaleCheck[] = [];
  const sizes = [...new Set(r.steps.filter((s) => SEND_STEPS.has(s.step) && s.hosts > 0).map((s) => s.hosts))].sort((a, b) => a - b);
  const small = sizes[0];
  const big = sizes[sizes.length - 1];
  if (small !== undefined && big !== undefined && big > small) {
    for (const s of r.steps.filter((x) => x.hosts === big && COST_STEPS.has(x.step))) {
      const base = r.steps.find((x) => x.hosts === small && x.step === s.step && x.matchmaker === s.matchmaker);
      if (!base?.cpuUsPerMsg || !s.cpuUsPerMsg) continue;
      const ratio = s.cpuUsPerMsg / base.cpuUsPerMsg;
      checks.push({
        name: `CPU per message, ${s.step} (${s.matchmaker}), N=${big} / N=${small}`,
        value: `${ratio.toFixed(2)}x (${fmt(s.cpuUsPerMsg)} vs ${fmt(base.cpuUsPerMsg)} µs)`,
        target: `<= ${TARGET_COST_RATIO}x`,
        met: ratio <= TARGET_COST_RATIO,
      });
    }
    const atBig = r.steps.filter((x) => x.hosts === big && SEND_STEPS.has(x.step));
    const peak = Math.max(0, ...atBig.map((x) => x.peakRssMiB), r.daemonHwmMiB[String(big)] ?? 0);
    checks.push({ name: `daemon peak RSS at N=${big}, MiB`, value: fmt(peak), target: `< ${TARGET_PEAK_RSS_MIB}`, met: peak > 0 && peak < TARGET_PEAK_RSS_MIB });
    for (const f of atBig.filter((x) => x.step === 'fanout')) {
      checks.push({ name: `fanout to ${big} hosts (${f.matchmaker}) complete`, value: `${f.lost} lost, ${f.errors} errors`, target: '0 lost', met: f.lost === 0 && f.errors === 0 });
    }
  }
  const lost = r.steps.reduce((n, s) => n + s.lost, 0);
  const errors = r.steps.reduce((n, s) => n + s.errors, 0);
  checks.push({ name: 'messages lost, every step', value: `${lost} (${errors} refusals or errors)`, target: '0', met: lost === 0 && errors === 0 });
  checks.push({ name: 'daemon passes every step', value: r.failures.length ? r.failures.join('; ') : 'yes', target: 'yes', met: r.failures.length === 0 });
  return checks;
}

export function renderScaleChecks(checks: ScaleCheck[]): string {
  return checks.map((c) => `- ${c.name}: ${c.value} (target ${c.target}): ${c.met ? 'met' : 'NOT met'}`).join('\n');
}

/**
 * Write `scale-latest.json` (and a timestamped copy) to `dir`; returns the
 * Markdown (tables and targets) for latest.md, the README and the console.
 */
export function writeScaleResults(r: ScaleReport, dir: string, mode: string, date: string): string {
  const checks = scaleChecks(r);
  const json = JSON.stringify({ date, mode, ...r, checks }, null, 2) + '\n';
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'scale-latest.json'), json);
  writeFileSync(join(dir, `scale-${date.replace(/[:.]/g, '-')}.json`), json);
  const notes = r.notes.length ? `\n${r.notes.map((n) => `- ${n}`).join('\n')}\n` : '';
  return `\n${renderScaleTables(r)}\n${notes}\nScale targets:\n${renderScaleChecks(checks)}\n`;
}
