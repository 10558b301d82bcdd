/**
 * Generated documentation blocks: the option table of docs/configuration.md
 * and README.md, rendered from options.ts so the two cannot drift, and the
 * marker helpers shared with the counter reference (metrics/docs.ts).
 */
import { ALL_OPTIONS, type OptionDecl } from './options';

const cell = (s: string): string => s.replace(/\|/g, '\\|');

/** The "Applies" column: when a changed value takes effect. */
function appliesText(o: OptionDecl<unknown>): string {
  switch (o.applies) {
    case 'live':
      return 'live (SIGHUP)';
    case 'restart':
      return 'restart';
    case 'ignored':
      return 'ignored';
  }
}

function meaning(o: OptionDecl<unknown>): string {
  return o.ignored === null ? o.help : `${o.help} **Accepted for compatibility; ignored:** ${o.ignored}.`;
}

export function renderOptionsTable(): string {
  const rows = ALL_OPTIONS.map((o) => {
    const aliases = o.deprecated.length ? ` (alias${o.deprecated.length > 1 ? 'es' : ''}: ${o.deprecated.map((d) => `\`[${d.group}] ${d.key}\``).join(', ')})` : '';
    return `| \`[${o.name.group}] ${o.name.key}\`${aliases} | ${o.type.name} | ${cell(o.defaultText)} | ${appliesText(o)} | ${cell(meaning(o))} | ${o.origin} |`;
  });
  return ['| Option | Type | Default | Applies | Meaning | Origin |', '| --- | --- | --- | --- | --- | --- |', ...rows].join('\n');
}

const begin = (marker: string): string => `<!-- ${marker}:begin -->\n`;
const end = (marker: string): string => `\n<!-- ${marker}:end -->`;

/** The text between `<!-- marker:begin -->` and `<!-- marker:end -->` lines, or null without both markers. */
export function markedBlock(doc: string, marker: string): string | null {
  const b = doc.indexOf(begin(marker));
  if (b === -1) return null;
  const from = b + begin(marker).length;
  const e = doc.indexOf(end(marker), from);
  return e === -1 ? null : doc.slice(from, e);
}

/** `doc` with the text between the markers replaced by `body`; throws without both markers. */
export function replaceMarkedBlock(doc: string, marker: string, body: string): string {
  const current = markedBlock(doc, marker);
  if (current === null) throw new Error(`markers <!-- ${marker}:begin/end --> not found`);
  const from = doc.indexOf(begin(marker)) + begin(marker).length;
  return doc.slice(0, from) + body + doc.slice(from + current.length);
}
