/**
 * Aligned plain-text tables for a terminal: a header row, columns padded
 * to their widest cell, numbers right-aligned. No colours, no box drawing:
 * the output must read the same in a pipe, a log and an ssh session.
 */

export interface Column {
  header: string;
  /** Right-align (numbers); default left. */
  right?: boolean;
}

/** Gap between columns, in spaces. */
export const COLUMN_GAP = 2;

/** Visible width: code points, so a host name with non-ASCII letters still lines up. */
function width(s: string): number {
  return [...s].length;
}

function pad(s: string, w: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, w - width(s)));
  return right ? fill + s : s + fill;
}

/** Lines of the table, each indented by `indent`, without trailing spaces. */
export function formatTable(columns: readonly Column[], rows: readonly (readonly string[])[], indent = ''): string[] {
  const widths = columns.map((c, i) => Math.max(width(c.header), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: readonly string[]) =>
    indent +
    columns
      .map((c, i) => pad(cells[i] ?? '', widths[i]!, c.right === true))
      .join(' '.repeat(COLUMN_GAP))
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...rows.map(line)];
}

/** `2h 3m`, `4m 10s`, `12s`: an age or uptime in seconds, in its two largest units. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const units: [string, number][] = [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ];
  const parts: string[] = [];
  let rest = s;
  for (const [u, n] of units) {
    if (rest >= n || (u === 's' && parts.length === 0)) {
      parts.push(`${Math.floor(rest / n)}${u}`);
      rest %= n;
    }
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}

/** `3s ago`, or `-` for never. */
export function formatAgo(seconds: number | null): string {
  return seconds === null ? '-' : `${formatDuration(seconds)} ago`;
}

/** `512 B`, `1.5 KiB`, `3.2 MiB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}
