/**
 * The golden captures in test/vectors stay usable: every file is strict JSON,
 * and each message's convenience fields agree with its exact bytes
 * (`frames_b64`), which is what every other test relies on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { vectorsDir } from './support/vectors';

const dir = vectorsDir();
// fatal: a frame that is not valid UTF-8 must fail, not turn into U+FFFD
const utf8 = new TextDecoder('utf-8', { fatal: true });

function jsonFiles(d: string, out: string[] = []): string[] {
  for (const name of readdirSync(d).sort()) {
    const p = join(d, name);
    if (statSync(p).isDirectory()) jsonFiles(p, out);
    else if (name.endsWith('.json')) out.push(p);
  }
  return out;
}

const files = jsonFiles(dir);

test('the captures ship with the repository', () => {
  // 9 local, 9 ring, py2raise, the raw ZMTP dump
  assert.ok(files.length >= 20, `only ${files.length} capture files under ${dir}`);
  assert.ok(!relative(resolve(__dirname, '..'), dir).startsWith('..'), `${dir} is outside the repository`);
});

test('links in test/vectors/README.md resolve', () => {
  const readme = join(dir, 'README.md');
  const text = readFileSync(readme, 'utf8');
  const links = [...text.matchAll(/\]\(([^)#\s]+)\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/.test(l));
  assert.ok(links.some((l) => l.endsWith('docs/wire-protocol.md')), 'README no longer links the protocol description');
  for (const l of links) assert.ok(existsSync(resolve(dirname(readme), l)), `README link ${l} does not resolve`);
});

for (const path of files) {
  const file = relative(dir, path);
  test(`${file}: strict JSON, convenience fields match the bytes`, () => {
    const text = readFileSync(path, 'utf8');
    let doc: any;
    assert.doesNotThrow(() => {
      doc = JSON.parse(text);
    }, `${file} is not valid JSON`);
    assert.equal(typeof doc.case, 'string');

    if (!('messages' in doc)) {
      // the raw ZMTP byte dump: each chunk's hex holds nbytes bytes
      assert.ok(Array.isArray(doc.chunks) && doc.chunks.length > 0, `${file}: neither messages nor chunks`);
      for (const [i, c] of doc.chunks.entries()) {
        assert.match(c.hex, /^([0-9a-f]{2})*$/, `${file} chunk ${i}: hex`);
        assert.equal(c.hex.length / 2, c.nbytes, `${file} chunk ${i}: nbytes`);
      }
      return;
    }

    assert.ok(doc.messages.length > 0, `${file}: no messages`);
    for (const [i, m] of doc.messages.entries()) {
      const where = `${file} message ${i}`;
      const frames = (m.frames_b64 as string[]).map((b) => Buffer.from(b, 'base64'));
      // Buffer.from skips bad characters silently; a canonical round trip proves none were there
      assert.deepEqual(
        frames.map((f) => f.toString('base64')),
        m.frames_b64,
        `${where}: frames_b64 is not clean base64`,
      );
      assert.equal(m.nframes, frames.length, `${where}: nframes`);
      assert.deepEqual(m.frames_utf8, frames.map((f) => utf8.decode(f)), `${where}: frames_utf8 differs from frames_b64`);

      // the convenience parse names the same envelope as the bytes
      const text3 = m.frames_utf8 as string[];
      assert.equal(m.decoded.msg_id, text3[0], `${where}: decoded.msg_id`);
      assert.equal(m.decoded.topic, text3[1], `${where}: decoded.topic`);
      assert.equal(m.decoded.envelope_style, text3[2], `${where}: decoded.envelope_style`);
      if (text3[2] === 'cast') {
        const [ctx, msg] = JSON.parse(text3[3]!);
        assert.deepEqual(m.decoded.context, JSON.parse(ctx), `${where}: decoded.context`);
        assert.deepEqual(m.decoded.message, msg, `${where}: decoded.message`);
      } else {
        assert.equal(text3[2], 'impl_zmq_v2', `${where}: unknown style`);
        assert.deepEqual(m.decoded.context, JSON.parse(text3[3]!), `${where}: decoded.context`);
        const pairs = text3.slice(4);
        assert.equal(pairs.length % 2, 0, `${where}: odd key/value frames`);
        for (let k = 0; k < pairs.length; k += 2) {
          assert.equal(m.decoded.envelope[pairs[k]!], pairs[k + 1], `${where}: decoded.envelope[${pairs[k]}]`);
        }
      }
    }
  });
}
