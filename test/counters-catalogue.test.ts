/**
 * The counter catalogue (src/metrics/catalogue.ts) against everything that
 * must agree with it: docs/counters.md, the counter names the sources pass
 * to `counters.inc/cell/get`, the types its closed sets mirror, and the
 * runtime guard of `Counters` (alone, and through a real daemon's local API).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ALL_COUNTER_NAMES,
  COUNTER_CATALOGUE,
  LOCAL_API_ERROR_CODES,
  LOCAL_API_OPS,
  REFUSAL_PROBLEMS,
  SERVICES,
  SERVICE_CLIENTS,
  SERVICE_OPS,
  UNCATALOGUED,
  expandPattern,
  placeholders,
  resolveCounterName,
  type CounterSpec,
} from '../src/metrics/catalogue';
import { Counters } from '../src/metrics/counters';
import { COUNTERS_MARKER, renderCounterReference } from '../src/metrics/docs';
import { markedBlock } from '../src/config/docs';
import { Daemon } from '../src/daemon';
import { silentLogger } from '../src/log';
import type { RefusalProblem } from '../src/receiver/receiver';
import type { ServiceRequest } from '../src/matchmaker/service-protocol';
import type { BrokerServiceName } from '../src/broker/errors';
import type { ServiceClient } from '../src/matchmaker/service-client';
import { makeIpcDir, randomPort, removeDir, testConfig } from './support/config';
import { LocalApiClient, LocalApiError } from './support/localapi-client';

const ROOT = path.join(__dirname, '..');
const SRC = path.join(ROOT, 'src');
/** This file's receiver ports. */
const PORTS = [27800, 27899] as const;
const ENTRIES = Object.entries(COUNTER_CATALOGUE as Record<string, CounterSpec>);

// ---- the closed sets mirror the types they stand for (checked by the type checker) ----
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const mirrors: [
  Same<(typeof REFUSAL_PROBLEMS)[number], RefusalProblem>,
  Same<(typeof SERVICE_OPS)[number], ServiceRequest['op']>,
  Same<(typeof SERVICES)[number], BrokerServiceName>,
  Same<(typeof SERVICE_CLIENTS)[number], ServiceClient['service']>,
] = [true, true, true, true];
void mirrors;

test('docs/counters.md holds the reference rendered from the catalogue', () => {
  const doc = fs.readFileSync(path.join(ROOT, 'docs', 'counters.md'), 'utf8');
  assert.equal(markedBlock(doc, COUNTERS_MARKER), renderCounterReference());
});

test('the catalogue is well formed: closed sets, fallbacks in their set, no name twice', () => {
  for (const [pattern, spec] of ENTRIES) {
    assert.match(pattern, /^[a-z_]+(\.[a-z_{}]+)+$/, pattern);
    assert.ok(spec.counts.length > 20, `${pattern}: says what it counts`);
    const vars = placeholders(pattern);
    assert.deepEqual(Object.keys(spec.vars ?? {}).sort(), [...vars].sort(), `${pattern}: one closed set per placeholder`);
    for (const v of vars) assert.ok(spec.vars![v]!.length > 0, `${pattern}: {${v}} has values`);
    if (spec.fallback !== undefined) {
      assert.equal(vars.length, 1, `${pattern}: a fallback needs exactly one placeholder`);
      assert.ok(spec.vars![vars[0]!]!.includes(spec.fallback), `${pattern}: fallback in its set`);
    }
  }
  const all = ENTRIES.flatMap(([p, s]) => expandPattern(p, s));
  assert.equal(new Set(all).size, all.length, 'no counter name twice');
  assert.deepEqual([...ALL_COUNTER_NAMES], [...all].sort());
  // Bounded: the catalogue is the whole universe of counters.
  assert.ok(ALL_COUNTER_NAMES.length < 300, `${ALL_COUNTER_NAMES.length} names`);
});

test('localapi.ops.{op} lists exactly the operations of docs/local-api.md', () => {
  const doc = fs.readFileSync(path.join(ROOT, 'docs', 'local-api.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Shim -> daemon'), doc.indexOf('## Daemon -> shim'));
  const documented = new Set([...section.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]!));
  assert.ok(documented.size >= 9, 'op table found');
  assert.deepEqual([...documented].sort(), LOCAL_API_OPS.filter((o) => o !== 'unknown').sort());
});

// ---- what the sources count ----

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Index just past the quoted string starting at `i`. */
function skipString(s: string, i: number): number {
  const q = s[i];
  for (let j = i + 1; j < s.length; j++) {
    if (s[j] === '\\') j++;
    else if (s[j] === q) return j + 1;
  }
  return s.length;
}

/** Index just past the `${ ... }` expression whose `{` is at `i`. */
function skipHole(s: string, i: number): number {
  let depth = 0;
  for (let j = i; j < s.length; ) {
    const c = s[j]!;
    if (c === "'" || c === '"') j = skipString(s, j);
    else if (c === '`') j = readTemplate(s, j).end;
    else {
      if (c === '{') depth++;
      else if (c === '}' && --depth === 0) return j + 1;
      j++;
    }
  }
  return s.length;
}

/** The template literal starting at `i`: its literal chunks (between `${}` holes) and where it ends. */
function readTemplate(s: string, i: number): { chunks: string[]; end: number } {
  const chunks = [''];
  for (let j = i + 1; j < s.length; ) {
    const c = s[j]!;
    if (c === '\\') {
      chunks[chunks.length - 1] += s.slice(j, j + 2);
      j += 2;
    } else if (c === '`') {
      return { chunks, end: j + 1 };
    } else if (c === '$' && s[j + 1] === '{') {
      j = skipHole(s, j + 1);
      chunks.push('');
    } else {
      chunks[chunks.length - 1] += c;
      j++;
    }
  }
  return { chunks, end: s.length };
}

/** The string and template literals of an expression, outside template holes: each as literal chunks. */
function literals(expr: string): string[][] {
  const out: string[][] = [];
  for (let j = 0; j < expr.length; ) {
    const c = expr[j]!;
    if (c === "'" || c === '"') {
      const end = skipString(expr, j);
      out.push([expr.slice(j + 1, end - 1)]);
      j = end;
    } else if (c === '`') {
      const t = readTemplate(expr, j);
      out.push(t.chunks);
      j = t.end;
    } else {
      j++;
    }
  }
  return out;
}

/** The argument text of the call whose `(` is at `open`. */
function callArgs(s: string, open: number): string {
  let depth = 0;
  for (let j = open; j < s.length; ) {
    const c = s[j]!;
    if (c === "'" || c === '"') j = skipString(s, j);
    else if (c === '`') j = readTemplate(s, j).end;
    else {
      if (c === '(') depth++;
      else if (c === ')' && --depth === 0) return s.slice(open + 1, j);
      j++;
    }
  }
  throw new Error('unbalanced call');
}

interface Use {
  where: string;
  /** Literal chunks; a template's holes lie between them. */
  chunks: string[];
}

/** Every counter name (or name template) passed to `counters.inc/cell/get` in `src/`. */
function counterUses(): Use[] {
  const uses: Use[] = [];
  for (const file of sourceFiles(SRC)) {
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\bcounters\s*\.\s*(?:inc|cell|get)\s*\(/g)) {
      const open = m.index! + m[0].length - 1;
      const where = `${path.relative(ROOT, file)}:${text.slice(0, m.index).split('\n').length}`;
      const first = callArgs(text, open).split(',')[0]!.trim();
      let found = literals(first);
      if (found.length === 0 && /^[A-Za-z_$][\w$]*$/.test(first)) {
        // A name held in a local constant: `const name = `receiver.refused.${problem}` as const;`
        const decl = new RegExp(`\\bconst\\s+${first.replace(/\$/g, '\\$')}\\s*=\\s*([^;\\n]+)`).exec(text);
        if (decl) found = literals(decl[1]!);
      }
      assert.ok(found.length > 0, `${where}: counter name not found in ${first}`);
      for (const chunks of found) uses.push({ where, chunks });
    }
  }
  return uses;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('every counter the sources use is in the catalogue, and every catalogue entry is used', () => {
  const uses = counterUses();
  assert.ok(uses.length > 60, `${uses.length} uses found`);
  const used = new Set<string>([UNCATALOGUED]);
  const missing: string[] = [];
  for (const u of uses) {
    const re = new RegExp(`^${u.chunks.map(escape).join('[^.]+')}$`);
    const hits = ALL_COUNTER_NAMES.filter((n) => re.test(n));
    if (hits.length === 0) missing.push(`${u.where}: ${u.chunks.join('${...}')}`);
    hits.forEach((h) => used.add(h));
  }
  assert.deepEqual(missing, [], 'counter names used in src/ but missing from src/metrics/catalogue.ts');
  const unused = ENTRIES.filter(([p, s]) => !expandPattern(p, s).some((n) => used.has(n))).map(([p]) => p);
  assert.deepEqual(unused, [], 'catalogue entries that no source uses');
  // Every value of a family is used when the source builds the name from a typed value, and
  // each listed local API error code is raised somewhere.
  const srcText = sourceFiles(SRC).map((f) => fs.readFileSync(f, 'utf8')).join('\n');
  for (const code of LOCAL_API_ERROR_CODES.filter((c) => c !== 'unknown')) assert.ok(srcText.includes(`'${code}'`), `${code} is raised somewhere`);
});

// ---- the runtime guard ----

test('Counters: a name outside the catalogue never becomes a counter', () => {
  const c = new Counters();
  const ops = 300_000;
  for (let i = 0; i < ops; i++) c.inc(`localapi.ops.flood_${i}`);
  c.inc('localapi.ops.cast');
  c.inc('localapi.errors.SOMETHING_NEW');
  c.inc('no.such.counter' as 'receiver.received', 2);
  c.cell('receiver.other' as 'receiver.received').value += 3;
  assert.deepEqual(c.snapshot(), {
    'localapi.errors.unknown': 1,
    'localapi.ops.cast': 1,
    'localapi.ops.unknown': ops,
    'metrics.uncatalogued': 5,
  });
  assert.equal(c.get('localapi.ops.flood_7'), ops, 'get() resolves like inc()');
  assert.equal(c.get('localapi.ops.unknown'), ops);
  assert.equal(resolveCounterName('localapi.ops.'), 'localapi.ops.unknown');
  assert.equal(resolveCounterName('receiver.refused.too_long'), 'receiver.refused.too_long');
  assert.equal(resolveCounterName('receiver.refused.made_up'), UNCATALOGUED, 'closed families have no fallback');
});

test('Counters: snapshots list counters passed to inc() even at 0, cells only once non-zero', () => {
  const c = new Counters();
  c.inc('sender.sent', 0);
  const cell = c.cell('receiver.forwarded');
  assert.deepEqual(c.snapshot(), { 'sender.sent': 0 });
  cell.value++;
  assert.equal(c.cell('receiver.forwarded'), cell, 'one cell per counter');
  assert.deepEqual(c.snapshot(), { 'receiver.forwarded': 1, 'sender.sent': 0 });
});

test('a real daemon counts unknown local API ops in one bucket, and reports only catalogued counters', async () => {
  const dir = makeIpcDir();
  const cfg = testConfig({ ipcDir: dir, port: randomPort(...PORTS) });
  const daemon = new Daemon(cfg, silentLogger());
  await daemon.start();
  const client = await LocalApiClient.connect(cfg.bridge.localSocket);
  try {
    await client.hello();
    const bogus = 300;
    for (let i = 0; i < bogus; i++) {
      await assert.rejects(client.request({ op: `made_up_${i}` }), (err: unknown) => err instanceof LocalApiError && err.code === 'INVALID');
    }
    await assert.rejects(client.request({ op: 'X'.repeat(1000) }), LocalApiError);
    const counters = (await client.request({ op: 'stats' })).counters as Record<string, number>;
    assert.equal(counters['localapi.ops.unknown'], bogus + 1);
    assert.equal(counters['localapi.errors.INVALID'], bogus + 1);
    assert.equal(counters['localapi.ops.hello'], 1);
    assert.equal(counters['localapi.ops.stats'], 1);
    const uncatalogued = Object.keys(counters).filter((k) => !(ALL_COUNTER_NAMES as readonly string[]).includes(k));
    assert.deepEqual(uncatalogued, []);
    assert.equal(counters['metrics.uncatalogued'], undefined);
  } finally {
    await client.close();
    await daemon.stop();
    removeDir(dir);
  }
});
