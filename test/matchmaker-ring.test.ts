import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { RingMatchmaker } from '../src/matchmaker/ring';
import { FanoutRingMatchmaker } from '../src/matchmaker/fanout-ring';
import { loadRingFile } from '../src/matchmaker/ring-file';
import { RingFileError } from '../src/matchmaker/errors';
import { Counters } from '../src/metrics/counters';
import { silentLogger } from '../src/log';
import { waitFor } from './support/wait';
import { createMatchmaker } from '../src/matchmaker/factory';
import { ManualClock } from './support/manual-clock';
import { testConfig } from './support/config';
import { ringProblem } from './support/ring-file';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'nzb-mmring-'));
}

test('ring file validation names each problem', () => {
  assert.equal(ringProblem('{"a": ["h1"'), 'not_json');
  assert.equal(ringProblem('["h1"]'), 'not_object');
  assert.equal(ringProblem('null'), 'not_object');
  assert.equal(ringProblem('{"compute": "h1"}'), 'not_list');
  assert.equal(ringProblem('{"compute": []}'), 'empty_list');
  assert.equal(ringProblem('{"compute": ["h1", 7]}'), 'host_not_string');
  assert.equal(ringProblem('{"compute": [""]}'), 'host_not_string');
  assert.equal(ringProblem('{"compute.h1": ["h1"]}'), 'topic_with_dot');
  assert.equal(ringProblem('{"": ["h1"]}'), 'empty_topic');
  assert.equal(ringProblem('{"compute": ["h1", "h2"], "network": ["h3"]}'), 'accepted');
});

test('unreadable ring file is a typed error naming the file', async () => {
  const dir = tmp();
  try {
    await assert.rejects(loadRingFile(join(dir, 'missing.json')), (err: unknown) => {
      assert.ok(err instanceof RingFileError);
      assert.equal(err.problem, 'unreadable');
      assert.match(err.message, /missing\.json/);
      return true;
    });
    const mm = new RingMatchmaker({ ringfile: join(dir, 'missing.json'), log: silentLogger(), counters: new Counters(), watch: false });
    await assert.rejects(mm.start(), RingFileError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

async function ringWith(content: unknown, watch = false, clock?: ManualClock) {
  const dir = tmp();
  const file = join(dir, 'ring.json');
  writeFileSync(file, JSON.stringify(content));
  const counters = new Counters();
  const mm = new RingMatchmaker({ ringfile: file, log: silentLogger(), counters, watch, debounceMs: 50, clock });
  await mm.start();
  return { dir, file, mm, counters, done: async () => { await mm.stop(); rmSync(dir, { recursive: true, force: true }); } };
}

test('ring: bare topics round-robin evenly over the topic hosts', async () => {
  const r = await ringWith({ compute: ['h1', 'h2', 'h3'] });
  try {
    const seen = new Map<string, number>();
    for (let i = 0; i < 30; i++) {
      const q = await r.mm.queues('compute');
      assert.equal(q.length, 1);
      assert.equal(q[0]!.topic, `compute.${q[0]!.host}`);
      seen.set(q[0]!.host, (seen.get(q[0]!.host) ?? 0) + 1);
    }
    assert.deepEqual(Object.fromEntries(seen), { h1: 10, h2: 10, h3: 10 });
  } finally {
    await r.done();
  }
});

test('ring: directed goes to its host, fanout to every host, unknown topic has no route', async () => {
  const r = await ringWith({ compute: ['h1', 'h2'] });
  try {
    assert.deepEqual(await r.mm.queues('compute.h9'), [{ topic: 'compute.h9', host: 'h9' }]);
    assert.deepEqual(await r.mm.queues('fanout~compute'), [
      { topic: 'fanout~compute.h1', host: 'h1' },
      { topic: 'fanout~compute.h2', host: 'h2' },
    ]);
    assert.deepEqual(await r.mm.queues('network'), []);
    assert.deepEqual(await r.mm.queues('fanout~network'), []);
    assert.equal(r.counters.get('matchmaker.ring.no_topic'), 2);
  } finally {
    await r.done();
  }
});

test('ring: exchange-qualified topics are looked up by their base topic and keep the qualification', async () => {
  const r = await ringWith({ compute: ['h1', 'h2'] });
  try {
    assert.deepEqual(await r.mm.queues('E:compute'), [{ topic: 'E:compute.h1', host: 'h1' }]);
    assert.deepEqual(await r.mm.queues('fanout~E:compute'), [
      { topic: 'fanout~E:compute.h1', host: 'h1' },
      { topic: 'fanout~E:compute.h2', host: 'h2' },
    ]);
  } finally {
    await r.done();
  }
});

test('fanout ring: same file, fanout returns every host, bare round-robins', async () => {
  const dir = tmp();
  const file = join(dir, 'ring.json');
  writeFileSync(file, JSON.stringify({ scheduler: ['o1', 'o2'] }));
  const mm = new FanoutRingMatchmaker({ ringfile: file, log: silentLogger(), counters: new Counters(), watch: false });
  try {
    await mm.start();
    assert.equal(mm.kind, 'fanout_ring');
    assert.deepEqual((await mm.queues('fanout~scheduler')).map((q) => q.topic), ['fanout~scheduler.o1', 'fanout~scheduler.o2']);
    assert.deepEqual([(await mm.queues('scheduler'))[0]!.host, (await mm.queues('scheduler'))[0]!.host], ['o1', 'o2']);
  } finally {
    await mm.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ring: reload() picks up a valid file and keeps the old ring for an invalid one', async () => {
  const r = await ringWith({ compute: ['h1'] });
  try {
    writeFileSync(r.file, JSON.stringify({ compute: ['h2', 'h3'] }));
    await r.mm.reload();
    assert.deepEqual(r.mm.hosts('compute'), ['h2', 'h3']);
    writeFileSync(r.file, JSON.stringify({ compute: [] }));
    await r.mm.reload();
    assert.deepEqual(r.mm.hosts('compute'), ['h2', 'h3']);
    assert.equal(r.counters.get('matchmaker.ring.reload_failed'), 1);
    rmSync(r.file);
    await r.mm.reload();
    assert.deepEqual(r.mm.hosts('compute'), ['h2', 'h3']);
    assert.equal(r.counters.get('matchmaker.ring.reload_failed'), 2);
  } finally {
    await r.done();
  }
});

test('ring: a changed file is picked up without SIGHUP (in place and by rename), after the debounce', async () => {
  // Real file-change events; the debounce runs on a manual clock.
  const clock = new ManualClock();
  const r = await ringWith({ compute: ['h1'] }, true, clock);
  /** Wait for the change event to arm the debounce, check nothing was re-read yet, then let it elapse. */
  const debounced = async () => {
    await waitFor(() => clock.pending > 0);
    assert.deepEqual(r.counters.get('matchmaker.ring.reloaded') + r.counters.get('matchmaker.ring.reload_failed'), reloads);
    clock.advance(50);
  };
  let reloads = 0;
  try {
    writeFileSync(r.file, JSON.stringify({ compute: ['h2'] }));
    await debounced();
    await waitFor(() => r.mm.hosts('compute')[0] === 'h2');
    reloads = r.counters.get('matchmaker.ring.reloaded');
    const staged = join(r.dir, 'ring.json.new');
    writeFileSync(staged, JSON.stringify({ compute: ['h3', 'h4'] }));
    renameSync(staged, r.file);
    await debounced();
    await waitFor(() => r.mm.hosts('compute').length === 2);
    assert.deepEqual(r.mm.hosts('compute'), ['h3', 'h4']);
    reloads = r.counters.get('matchmaker.ring.reloaded');
    writeFileSync(r.file, '{"compute": 1}');
    await debounced();
    await waitFor(() => r.counters.get('matchmaker.ring.reload_failed') >= 1);
    assert.deepEqual(r.mm.hosts('compute'), ['h3', 'h4']);
  } finally {
    await r.done();
  }
});

test('ring: logs with the component its creator bound, once', async () => {
  const dir = tmp();
  const file = join(dir, 'ring.json');
  writeFileSync(file, JSON.stringify({ compute: ['h1'] }));
  const lines: string[] = [];
  const root = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
  const config = testConfig({ matchmaker: 'ring', matchmakerRaw: 'ring', ringfile: file });
  const mm = createMatchmaker(config, { log: root.child({ component: 'matchmaker' }), counters: new Counters() });
  try {
    await mm.start();
    assert.deepEqual(await mm.queues('network'), []);
    assert.ok(lines.some((l) => /not in the ring file/.test(l)), lines.join(''));
    for (const l of lines) {
      assert.equal(l.match(/"component":/g)?.length, 1, l);
      assert.equal(JSON.parse(l).component, 'matchmaker');
    }
  } finally {
    await mm.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
