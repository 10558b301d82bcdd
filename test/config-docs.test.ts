import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderOptionsTable } from '../src/config/docs';
import { ALL_OPTIONS } from '../src/config/options';

for (const file of [path.join('docs', 'configuration.md'), 'README.md']) {
  test(`${file} holds the table rendered from options.ts`, () => {
    const doc = fs.readFileSync(path.join(__dirname, '..', file), 'utf8');
    const m = /<!-- options-table:begin -->\n([\s\S]*?)\n<!-- options-table:end -->/.exec(doc);
    assert.ok(m, 'table markers present');
    assert.equal(m[1], renderOptionsTable());
  });
}

test('every option is documented once with its origin', () => {
  const table = renderOptionsTable();
  const seen = new Set<string>();
  for (const o of ALL_OPTIONS) {
    const k = `[${o.name.group}] ${o.name.key}`;
    assert.ok(!seen.has(k), `duplicate ${k}`);
    seen.add(k);
    assert.ok(table.includes(`\`${k}\``), k);
    assert.ok(['seed', 'legacy', 'bridge'].includes(o.origin));
    assert.ok(o.help.length > 0);
  }
  assert.equal(table.split('\n').length, ALL_OPTIONS.length + 2);
});

test('the table shows when each option applies, and why ignored ones are ignored', () => {
  const rows = renderOptionsTable().split('\n').slice(2);
  ALL_OPTIONS.forEach((o, i) => {
    const cells = rows[i]!.split(' | ');
    assert.ok(cells[0]!.includes(`\`[${o.name.group}] ${o.name.key}\``), o.name.key);
    assert.equal(cells[3], { live: 'live (SIGHUP)', restart: 'restart', ignored: 'ignored' }[o.applies], o.name.key);
    if (o.ignored !== null) assert.ok(cells[4]!.includes(`**Accepted for compatibility; ignored:** ${o.ignored}`), o.name.key);
    else assert.ok(!cells[4]!.includes('ignored:'), o.name.key);
  });
});
