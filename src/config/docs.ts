/** The option table of docs/configuration.md, rendered from options.ts so the two cannot drift. */
import { ALL_OPTIONS } from './options';

const cell = (s: string): string => s.replace(/\|/g, '\\|');

export function renderOptionsTable(): string {
  const rows = ALL_OPTIONS.map((o) => {
    const aliases = o.deprecated.length ? ` (alias${o.deprecated.length > 1 ? 'es' : ''}: ${o.deprecated.map((d) => `\`[${d.group}] ${d.key}\``).join(', ')})` : '';
    return `| \`[${o.name.group}] ${o.name.key}\`${aliases} | ${o.type.name} | ${cell(o.defaultText)} | ${cell(o.help)} | ${o.origin} |`;
  });
  return ['| Option | Type | Default | Meaning | Origin |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}
