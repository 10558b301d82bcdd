// Runs the shim's own Python unittest suite (python-shim/tests) with the
// project's .venv (Debian's python3 + the installed shim) and asserts it passed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..');

test('python-shim unittest suite passes', () => {
  const r = spawnSync(join(root, '.venv/bin/python'), ['-m', 'unittest', 'discover', '-v', '-s', 'tests', '-t', '.'], {
    cwd: join(root, 'python-shim'),
    encoding: 'utf8',
    timeout: 120_000,
  });
  const out = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.status, 0, out);
  const ran = /Ran (\d+) tests?/.exec(out);
  assert.ok(ran && Number(ran[1]) > 0, out);
  assert.match(out, /\nOK/);
});
