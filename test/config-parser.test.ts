import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIni, normalizeGroup } from '../src/config/ini-parser';
import { substitute } from '../src/config/substitution';
import { ConfigParseError } from '../src/config/errors';

const entries = (text: string) => parseIni(text, '/etc/nova/nova.conf').entries.map((e) => [e.section, e.key, e.value]);

test('sections, key = value and key: value, split at the first of = or :', () => {
  assert.deepEqual(
    entries('[DEFAULT]\na = 1\nb: 2\nurl = zmq://h:1\nc:d=e\n[matchmaker_redis]\nhost=10.0.0.1\n'),
    [
      ['DEFAULT', 'a', '1'],
      ['DEFAULT', 'b', '2'],
      ['DEFAULT', 'url', 'zmq://h:1'],
      ['DEFAULT', 'c', 'd=e'],
      ['matchmaker_redis', 'host', '10.0.0.1'],
    ],
  );
});

test('comment lines only: # and ; (also indented), no inline comments', () => {
  assert.deepEqual(entries('# c\n; c\n[DEFAULT]\n   # indented comment\na = b # c\nd = e ; f\n'), [
    ['DEFAULT', 'a', 'b # c'],
    ['DEFAULT', 'd', 'e ; f'],
  ]);
});

test('continuation lines join with newline; a blank line ends the value', () => {
  assert.deepEqual(entries('[DEFAULT]\na = one\n  two\n\tthree\n\nb = x\n'), [
    ['DEFAULT', 'a', 'one\ntwo\nthree'],
    ['DEFAULT', 'b', 'x'],
  ]);
  // as in oslo, an indented # line right after a value is part of it
  assert.deepEqual(entries('[DEFAULT]\na = one\n  # two\n'), [['DEFAULT', 'a', 'one\n# two']]);
});

test('matching surrounding quotes are stripped, unmatched kept; blank values allowed', () => {
  assert.deepEqual(entries(`[DEFAULT]\na = "x y"\nb = 'z'\nc = "q'\nd =\ne = ""\n`), [
    ['DEFAULT', 'a', 'x y'],
    ['DEFAULT', 'b', 'z'],
    ['DEFAULT', 'c', `"q'`],
    ['DEFAULT', 'd', ''],
    ['DEFAULT', 'e', ''],
  ]);
});

test('repeated keys are all kept in order; CRLF files parse', () => {
  assert.deepEqual(entries('[DEFAULT]\r\na = 1\r\na = 2\r\n'), [
    ['DEFAULT', 'a', '1'],
    ['DEFAULT', 'a', '2'],
  ]);
});

test('group names: DEFAULT exact, other groups compared lower-cased', () => {
  assert.equal(normalizeGroup('DEFAULT'), 'DEFAULT');
  assert.equal(normalizeGroup('default'), 'default');
  assert.equal(normalizeGroup('MatchMaker_Redis'), 'matchmaker_redis');
  const [e] = parseIni('[Zmq_Bridge]\nx = 1\n', 'f').entries;
  assert.equal(e.section, 'Zmq_Bridge');
  assert.equal(e.group, 'zmq_bridge');
});

for (const [name, text, line] of [
  ['no = or :', '[DEFAULT]\njust words\n', 2],
  ['unterminated section', '[DEFAULT\n', 1],
  ['empty section name', '[]\n', 1],
  ['empty key', '[DEFAULT]\n = v\n', 2],
  ['assignment before any section', 'a = 1\n', 1],
  ['continuation without a key', '[DEFAULT]\n  orphan\n', 2],
] as const) {
  test(`parse error names file and line: ${name}`, () => {
    assert.throws(
      () => parseIni(text, '/tmp/x/nova.conf'),
      (err: unknown) => {
        assert.ok(err instanceof ConfigParseError);
        assert.equal(err.code, 'CONFIG_PARSE');
        assert.equal(err.exitCode, 2);
        assert.equal(err.file, '/tmp/x/nova.conf');
        assert.equal(err.line, line);
        assert.match(err.message, new RegExp(`^/tmp/x/nova\\.conf:${line}: `));
        assert.match(err.message, /accepted: /);
        assert.ok(!err.message.includes('\n'));
        return true;
      },
    );
  });
}

test('substitute: $x, ${x}, ${g.x}, $$ and \\$ escapes, lone $ kept', () => {
  const seen: string[] = [];
  const out = substitute('a=$x b=${y} c=${g.z} d=$$x e=\\$x f=$ g=$1 h=$x/p', (ref) => {
    seen.push(ref.id);
    return `<${ref.id}>`;
  });
  assert.equal(out, 'a=<x> b=<y> c=<g.z> d=$x e=$x f=$ g=$1 h=<x>/p');
  assert.deepEqual(seen, ['x', 'y', 'g.z', 'x']);
});
