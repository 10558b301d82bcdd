/**
 * The counter and metrics reference of docs/counters.md, rendered from
 * catalogue.ts, prometheus-map.ts and state-metrics.ts so that the document
 * cannot drift from what the daemon counts and exports.
 */
import { COUNTER_CATALOGUE, placeholders, type CounterComponent, type CounterPattern, type CounterSpec } from './catalogue';
import { PROMETHEUS_MAP } from './prometheus-map';
import { STATE_METRICS } from './state-metrics';

/** Marker name of the generated counter block in docs/counters.md. */
export const COUNTERS_MARKER = 'counters-table';
/** Marker name of the generated block of the other metrics (gauges, histogram). */
export const METRICS_MARKER = 'metrics-table';

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
    out.push(`### ${component}`, '', '| Counter | Prometheus | Unit | Counts | What to do |', '| --- | --- | --- | --- | --- |');
    for (const [pattern, spec] of rows) {
      out.push(`| ${code(pattern)} | ${code(prometheusName(pattern as CounterPattern))} | ${spec.unit} | ${cell(meaning(pattern, spec))} | ${cell(spec.action ?? '-')} |`);
    }
  }
  return out.join('\n');
}

/** `metric{label="constant",placeholder_label}`: how a counter is exported. */
export function prometheusName(pattern: CounterPattern): string {
  const m = PROMETHEUS_MAP[pattern];
  const labels = [
    ...Object.entries(m.labels ?? {}).map(([k, v]) => `${k}="${v}"`),
    ...placeholders(pattern).map((v) => m.rename?.[v] ?? v),
  ];
  const scale = m.scale !== undefined && m.scale !== 1 ? ` x ${m.scale}` : '';
  return `${m.metric}${labels.length ? `{${labels.join(',')}}` : ''}${scale}`;
}

/** The gauges and the histogram, one row each. */
export function renderMetricsReference(): string {
  const out = ['| Metric | Type | Labels | Meaning |', '| --- | --- | --- | --- |'];
  for (const d of STATE_METRICS) {
    out.push(`| ${code(d.name)} | ${d.type} | ${d.labels.length ? d.labels.map(code).join(', ') : '-'} | ${cell(d.help)} |`);
  }
  return out.join('\n');
}
