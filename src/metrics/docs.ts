/** The counter reference of docs/counters.md, rendered from catalogue.ts so the two cannot drift. */
import { COUNTER_CATALOGUE, placeholders, type CounterComponent, type CounterSpec } from './catalogue';

/** Marker name of the generated block in docs/counters.md. */
export const COUNTERS_MARKER = 'counters-table';

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (s: string): string => `\`${s}\``;

function meaning(pattern: string, spec: CounterSpec): string {
  const sets = placeholders(pattern).map((v) => {
    const values = (spec.vars?.[v] ?? []).map(code).join(', ');
    return ` \`{${v}}\`: ${values}.`;
  });
  return spec.counts + sets.join('');
}

/** One table per component, components and rows in catalogue order. */
export function renderCounterReference(): string {
  const byComponent = new Map<CounterComponent, [string, CounterSpec][]>();
  for (const [pattern, spec] of Object.entries(COUNTER_CATALOGUE as Record<string, CounterSpec>)) {
    const rows = byComponent.get(spec.component) ?? [];
    rows.push([pattern, spec]);
    byComponent.set(spec.component, rows);
  }
  const out: string[] = [];
  for (const [component, rows] of byComponent) {
    if (out.length) out.push('');
    out.push(`### ${component}`, '', '| Counter | Unit | Counts | What to do |', '| --- | --- | --- | --- |');
    for (const [pattern, spec] of rows) {
      out.push(`| ${code(pattern)} | ${spec.unit} | ${cell(meaning(pattern, spec))} | ${cell(spec.action ?? '-')} |`);
    }
  }
  return out.join('\n');
}
