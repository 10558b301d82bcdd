/**
 * Rewrites the generated blocks of the documentation from the code:
 *   node --import tsx src/config/sync-docs.ts
 * the option table of README.md and docs/configuration.md (options.ts) and
 * the counter and metrics reference of docs/counters.md (metrics/catalogue.ts,
 * prometheus-map.ts, state-metrics.ts). Only the
 * text between each `<!-- name:begin -->` / `<!-- name:end -->` pair changes;
 * test/config-docs.test.ts and test/counters-catalogue.test.ts fail until it
 * has been run after a change.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderOptionsTable, replaceMarkedBlock } from './docs';
import { COUNTERS_MARKER, METRICS_MARKER, renderCounterReference, renderMetricsReference } from '../metrics/docs';

/** Marker name of the option table. */
export const OPTIONS_MARKER = 'options-table';

/** Each generated block: file (relative to the repository root), marker, renderer. */
export const GENERATED_BLOCKS: readonly { file: string; marker: string; render: () => string }[] = [
  { file: 'README.md', marker: OPTIONS_MARKER, render: renderOptionsTable },
  { file: path.join('docs', 'configuration.md'), marker: OPTIONS_MARKER, render: renderOptionsTable },
  { file: path.join('docs', 'counters.md'), marker: COUNTERS_MARKER, render: renderCounterReference },
  { file: path.join('docs', 'counters.md'), marker: METRICS_MARKER, render: renderMetricsReference },
];

/** Rewrite every generated block under `root`; returns the files that changed. */
export function syncDocs(root: string): string[] {
  const changed: string[] = [];
  for (const b of GENERATED_BLOCKS) {
    const file = path.join(root, b.file);
    const before = fs.readFileSync(file, 'utf8');
    const after = replaceMarkedBlock(before, b.marker, b.render());
    if (after !== before) {
      fs.writeFileSync(file, after);
      changed.push(b.file);
    }
  }
  return changed;
}

if (require.main === module) {
  const changed = syncDocs(path.join(__dirname, '..', '..'));
  process.stdout.write(changed.length ? `updated: ${changed.join(', ')}\n` : 'documentation already up to date\n');
}
