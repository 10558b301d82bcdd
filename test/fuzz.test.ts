/**
 * A bounded run of the fuzz harness (scripts/fuzz.ts; the long run is
 * `npm run fuzz -- --messages 100000`): the real daemon in a child process
 * takes a seeded mix of malformed, hostile and legitimate messages on its
 * tcp port, 8 GiB frame headers, and garbage on its local API socket. It must
 * stay up, deliver every legitimate message, count every kind of refusal,
 * and keep its memory and its logs bounded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFuzz } from '../scripts/fuzz';

/** Messages of the bounded run (a few seconds). */
const MESSAGES = 3_000;
/** Peak RSS the run must stay under, MiB: the fuzz daemon's budgets (32 MiB of queues, 16 MiB of local API buffers) plus Node and libzmq. */
const PEAK_RSS_BOUND_MIB = 300;
/** Log volume the run must stay under: thinned warnings, not one line per hostile message. */
const LOG_BOUND_BYTES = 256 * 1024;

test(`fuzz: ${MESSAGES} hostile and legitimate messages; the daemon stays up, delivers every legitimate one, refuses and counts the rest`, async () => {
  const r = await runFuzz({ messages: MESSAGES, seed: 12 });
  assert.equal(r.daemon.alive, true, `the daemon died (exit ${r.daemon.exit})`);
  assert.ok(r.legit.sent > MESSAGES / 10, `${r.legit.sent} legitimate messages sent`);
  assert.equal(r.legit.missing, 0, JSON.stringify(r.legit.byKind));
  // Every kind of hostile input was met, refused and counted (a few are lost with the connections oversized frames cut).
  const refused = (k: string) => r.refusals[k] ?? 0;
  for (const [kind, counter] of [
    ['too_few_frames', 'receiver.refused.too_few_frames'],
    ['unknown_style', 'receiver.refused.unknown_style'],
    ['too_large', 'receiver.refused.too_large'],
    ['unreadable_for_shim', 'localapi.deliver.bad_envelope'],
    ['orphan_reply', 'replies.orphaned'],
  ] as const) {
    assert.ok((r.sent[kind] ?? 0) > 0, `${kind} sent`);
    assert.ok(refused(counter) > 0 && refused(counter) <= r.sent[kind]!, `${counter}: ${refused(counter)} of ${r.sent[kind]} ${kind}`);
  }
  const badTopics = Object.entries(r.refusals)
    .filter(([k]) => /receiver\.refused\.(empty|invalid_utf8|nul|path_separator|dot_dot|too_long|control_char)$/.test(k))
    .reduce((n, [, v]) => n + v, 0);
  assert.ok(badTopics > 0 && badTopics <= r.sent.bad_topic! + r.sent.random_frames!, `${badTopics} bad topics refused`);
  assert.ok(refused('receiver.disconnects') >= 1, 'oversized frames and 8 GiB headers cut their connections');
  assert.ok(refused('localapi.protocol_errors') >= 1, 'local API garbage answered PROTOCOL');
  assert.ok(r.daemon.peakRssMiB < PEAK_RSS_BOUND_MIB, `peak RSS ${r.daemon.peakRssMiB} MiB`);
  assert.ok(r.daemon.logBytes < LOG_BOUND_BYTES, `${r.daemon.logBytes} bytes of logs`);
});
