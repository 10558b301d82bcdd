/**
 * The scale part's targets (bench/scale-report.ts) judged from step rows:
 * cost per message at the largest fleet against the smallest, peak RSS,
 * complete fanouts, nothing lost; first-contact rows are shown but not held
 * to the cost target.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderScaleTables, scaleChecks, TARGET_COST_RATIO } from '../bench/scale-report';
import type { ScaleReport, ScaleStep } from '../bench/scale';
import { FULL_SCALE } from '../bench/scale';

function step(over: Partial<ScaleStep>): ScaleStep {
  return {
    step: 'bare', matchmaker: 'ring', hosts: 10, messages: 1000, seconds: 1, msgsPerSec: 1000,
    cpuUsPerMsg: 10, zmqCpuUsPerMsg: 2, peakRssMiB: 100, peakFds: 50, peakSockets: 11, lost: 0, errors: 0,
    ...over,
  };
}

function report(steps: ScaleStep[], failures: string[] = []): ScaleReport {
  return { sizes: FULL_SCALE, steps, daemonHwmMiB: {}, budget: null, notes: [], failures };
}

test('cost within the ratio, RSS under the target, nothing lost: every target met', () => {
  const r = report([
    step({ hosts: 10, cpuUsPerMsg: 10 }),
    step({ hosts: 2000, cpuUsPerMsg: 10 * TARGET_COST_RATIO }),
    step({ hosts: 10, step: 'first contact', cpuUsPerMsg: 1 }),
    step({ hosts: 2000, step: 'first contact', cpuUsPerMsg: 500 }),
    step({ hosts: 2000, step: 'fanout', cpuUsPerMsg: 5, peakRssMiB: 250 }),
    step({ hosts: 10, step: 'fanout', cpuUsPerMsg: 5 }),
  ]);
  const checks = scaleChecks(r);
  assert.ok(checks.every((c) => c.met), JSON.stringify(checks.filter((c) => !c.met)));
  assert.ok(!checks.some((c) => c.name.includes('first contact')), 'connection set-up is not a cost target');
  assert.ok(checks.some((c) => c.name.startsWith('fanout to 2000 hosts')));
  assert.match(renderScaleTables(r), /\| 2,000 \| first contact \| ring \|/);
});

test('a cost ratio above the target, a peak RSS over 300 MiB, a lost message, a failure: each is NOT met', () => {
  const r = report(
    [
      step({ hosts: 10, cpuUsPerMsg: 10 }),
      step({ hosts: 2000, cpuUsPerMsg: 10 * TARGET_COST_RATIO + 1, peakRssMiB: 301 }),
      step({ hosts: 2000, step: 'fanout', lost: 1 }),
      step({ hosts: 10, step: 'fanout' }),
    ],
    ['calls (N=2000, ring): the daemon exited'],
  );
  const failed = scaleChecks(r).filter((c) => !c.met).map((c) => c.name);
  assert.deepEqual(failed.sort(), [
    'CPU per message, bare (ring), N=2000 / N=10',
    'daemon passes every step',
    'daemon peak RSS at N=2000, MiB',
    'fanout to 2000 hosts (ring) complete',
    'messages lost, every step',
  ]);
});
