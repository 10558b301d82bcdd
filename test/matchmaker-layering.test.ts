/**
 * src/matchmaker is the routing strategies and their service clients only:
 * it must not reach into the parts that use it (sender, receiver) nor into
 * the broker role's server (src/broker), which depends on it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const SRC = join(__dirname, '..', 'src');
const MATCHMAKER = join(SRC, 'matchmaker');
const FORBIDDEN = ['sender', 'receiver', 'broker'].map((d) => join(SRC, d));

/** Every module specifier of a TypeScript source: static and type imports, re-exports, import(), require(). */
function specifiers(text: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const re of patterns) for (const m of text.matchAll(re)) found.push(m[1]!);
  return found;
}

/** The forbidden folders `file` (a path under src/) imports from, as `spec` strings. */
function violations(file: string, text: string): string[] {
  return specifiers(text).filter((spec) => {
    if (!spec.startsWith('.')) return false;
    const target = resolve(dirname(file), spec);
    return FORBIDDEN.some((dir) => target === dir || target.startsWith(dir + sep));
  });
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return name.endsWith('.ts') ? [p] : [];
  });
}

test('the check recognises every import form', () => {
  const file = join(MATCHMAKER, 'x.ts');
  const text = [
    "import type { FrameSender } from '../sender/types';",
    "import { InboundMessage } from\n  '../receiver/sink';",
    "export { BrokerRole } from '../broker/broker-role';",
    "const r = require('../broker');",
    "void import('../receiver/receiver');",
    "import '../sender';",
    "import { bindingOf } from './topics';",
    "import { directedTopic } from '../wire/topic';",
  ].join('\n');
  assert.deepEqual(violations(file, text).sort(), ['../broker', '../broker/broker-role', '../receiver/receiver', '../receiver/sink', '../sender', '../sender/types']);
});

test('src/matchmaker imports nothing from src/sender, src/receiver or src/broker', () => {
  const files = sources(MATCHMAKER);
  assert.ok(files.length >= 10, `found ${files.length} files under src/matchmaker`);
  const bad = files.flatMap((f) => violations(f, readFileSync(f, 'utf8')).map((spec) => `${relative(SRC, f)}: ${spec}`));
  assert.deepEqual(bad, []);
});
