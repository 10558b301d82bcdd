// The raw-JSON toolkit (src/wire/json-raw.ts): what the scanner accepts and
// refuses (Python's json as the reference), that reading deeper into a
// scanned value through the spans' container index finds exactly the spans a
// fresh scan finds, and that strings are encoded byte for byte as Debian's
// python3 json.dumps encodes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { arrayElements, isJsonText, objectMembers, pyJsonString, scanValue, stringAt, textAt, wholeValue, type Span } from '../src/wire/json-raw';

test('accepts what Python json.dumps writes, NaN and Infinity included', () => {
  for (const t of [
    '{}',
    '[]',
    ' {"a": 1, "b": [true, false, null], "c": {"d": "e"}} ',
    '"\\u00e9\\n\\t\\"\\\\\\/"',
    '-0.5e-10',
    '[NaN, Infinity, -Infinity]',
    '12345678901234567890123',
    '{"k\\u00e9y": 1.0}',
  ]) {
    assert.equal(isJsonText(t), true, t);
  }
});

test('refuses malformed texts', () => {
  for (const t of [
    '',
    '{',
    '[1, 2',
    '{"a" 1}',
    '{"a": 1,}',
    '[1,]',
    '{a: 1}',
    '"unterminated',
    '"bad \\x escape"',
    '"bad \\u12 escape"',
    '"raw \n newline"',
    '"raw \u0001 control"',
    '01',
    '1.',
    '-',
    'tru',
    '{} {}',
    '[' .repeat(600) + ']'.repeat(600),
  ]) {
    assert.equal(isJsonText(t), false, JSON.stringify(t.slice(0, 40)));
  }
});

/** Every member/element span of `span`, recursively, as text: the index must not change any of them. */
function walk(text: string, span: Span, out: string[]): void {
  const c = text[span.start];
  if (c === '{') {
    for (const [k, v] of objectMembers(text, span)) {
      out.push(`${k}=${textAt(text, v)}`);
      walk(text, v, out);
    }
  } else if (c === '[') {
    for (const v of arrayElements(text, span)) {
      out.push(textAt(text, v));
      walk(text, v, out);
    }
  }
}

test('spans read through the scan index equal those of a fresh scan', () => {
  const text = '{"method": "-reply", "args": {"msg_id": "ab", "msg": ["{\\"ctx\\": 1}", {"method": "m", "args": {"x": [1, {"y": [2, 3]}, "z"]}}]}, "nzb": {"monitor": 5.0}}';
  const indexed = wholeValue(text);
  assert.ok(indexed.index && indexed.index.size > 0, 'the scan records its containers');
  const fresh: Span = { start: indexed.start, end: indexed.end };
  const a: string[] = [];
  const b: string[] = [];
  walk(text, indexed, a);
  walk(text, fresh, b);
  assert.deepEqual(a, b);
  assert.ok(a.includes('y=[2, 3]'));
  const args = objectMembers(text, indexed).get('args')!;
  const msg = objectMembers(text, args).get('msg')!;
  assert.equal(stringAt(text, arrayElements(text, msg)[0]!), '{"ctx": 1}');
});

test('one scan notes every container once; reading deeper adds none and finds each end', () => {
  const text = '[{"a": [1, [2, {"b": {}}]], "c": {"d": []}}, [], "[not {a container}"]';
  const whole = wholeValue(text);
  const index = whole.index!;
  // Containers: the outer array, the object, [1, ...], [2, ...], {"b"...}, {}, {"d"...}, [] (d), [] (second element).
  assert.equal(index.size, 9);
  const before = index.size;
  const spans: string[] = [];
  walk(text, whole, spans);
  assert.equal(index.size, before, 'the readers found every container in the index');
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '[' && c !== '{') continue;
    const end = index.endOf(i);
    if (i > text.indexOf('"[not')) {
      assert.equal(end, undefined, `offset ${i} is inside a string`);
      continue;
    }
    // Each end is where a fresh scan of that value ends.
    assert.equal(end, scanValue(text, i), `container at offset ${i}`);
  }
  // A start below the last one noted is not noted (the starts stay ascending).
  assert.equal(index.open(0), -1);
  assert.equal(index.size, before);
});

test('object keys with escapes are decoded, plain ones taken as they are', () => {
  const text = '{"pl\\u0061in": 1, "plain2": 2, "q\\"uote": 3}';
  assert.deepEqual([...objectMembers(text, wholeValue(text)).keys()], ['plain', 'plain2', 'q"uote']);
});

test('pyJsonString writes what python3 json.dumps writes, every ASCII character and beyond', () => {
  const samples = ['', 'plain', 'q"uote', 'back\\slash', '{"user_id": "u1", "x": "a\\"b"}', 'ctl\u0001\u001f\b\f\n\r\t', 'del\u007f', 'h\u00e9llo \u2603 \ud83d\ude00', '\ud800 lone'];
  for (let c = 0; c < 0x80; c++) samples.push(`${String.fromCharCode(c)}x"y\\`);
  const script = 'import json, sys; print(json.dumps([json.dumps(s) for s in json.load(sys.stdin)]))';
  const python = JSON.parse(execFileSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify(samples) }).toString()) as string[];
  assert.equal(python.length, samples.length);
  samples.forEach((s, i) => assert.equal(pyJsonString(s), python[i], JSON.stringify(s)));
});
