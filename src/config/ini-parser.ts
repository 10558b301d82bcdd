/**
 * nova.conf reader with oslo.config's rules (oslo_config/iniparser.py and
 * cfg.ConfigParser), written here because the `ini` npm package differs on
 * exactly the points nova.conf relies on: it treats `a = b # c` as an inline
 * comment, has no continuation lines, and collapses repeated keys.
 *
 * Rules mirrored from oslo:
 * - `[name]` starts a section; the name is taken verbatim between the
 *   brackets. `[DEFAULT]` is the default group; other group names are
 *   compared lower-cased (oslo's `_normalize_group_name`), see {@link normalizeGroup}.
 * - `key = value` or `key: value`, split at whichever of `=` / `:` comes first;
 *   key and value are stripped; one pair of matching surrounding quotes
 *   (`"x"` or `'x'`) is removed from the first line of the value.
 * - Lines starting with `#` or `;` are comments; there are no inline comments.
 * - A line starting with a space or tab continues the previous value (joined
 *   with `\n`, leading whitespace removed). A blank line ends a value.
 * - Repeated keys are all kept, in order (last wins for single options,
 *   multi options accumulate; the store decides).
 * One leniency on top of oslo: an indented comment line that does not follow
 * an assignment is a comment (oslo calls it an unexpected continuation). An
 * indented `#` line right after an assignment is, as in oslo, part of the value.
 */
import { ConfigParseError } from './errors';

/** One `key = value` assignment, in file order. */
export interface IniEntry {
  /** Section name as written between the brackets. */
  section: string;
  /** Section name as looked up (see {@link normalizeGroup}). */
  group: string;
  key: string;
  /** Value with continuation lines joined by `\n`. */
  value: string;
  /** 1-based line of the key. */
  line: number;
}

export interface ParsedIni {
  file: string;
  entries: IniEntry[];
}

/** What a well-formed line looks like; quoted in every parse error. */
const ACCEPTED_LINES =
  '"[section]", "key = value", "key: value", a comment starting with # or ;, an indented continuation line, or a blank line';

/** oslo compares group names lower-cased, except `DEFAULT` which must be written in capitals. */
export function normalizeGroup(section: string): string {
  return section === 'DEFAULT' ? section : section.toLowerCase();
}

function stripQuotes(value: string): string {
  if (value.length > 0 && (value[0] === '"' || value[0] === "'") && value[value.length - 1] === value[0]) {
    // Same as oslo: a lone `"` is "quoted" too and becomes empty.
    return value.slice(1, -1);
  }
  return value;
}

/** Parse the text of one config file. `file` is only used in error messages and results. */
export function parseIni(text: string, file: string): ParsedIni {
  const entries: IniEntry[] = [];
  const lines = text.split(/\r\n|\n|\r/);
  let section: string | null = null;
  let pending: { key: string; parts: string[]; line: number } | null = null;

  const fail = (lineNo: number, raw: string, reason: string): never => {
    throw new ConfigParseError({
      file,
      line: lineNo,
      option: section === null ? null : `[${section}]`,
      value: raw,
      reason,
      accepted: ACCEPTED_LINES,
    });
  };

  const flush = (): void => {
    if (pending === null) return;
    const s = section as string; // an assignment is only started inside a section
    entries.push({ section: s, group: normalizeGroup(s), key: pending.key, value: pending.parts.join('\n'), line: pending.line });
    pending = null;
  };

  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i].trimEnd();
    if (line === '') {
      flush();
      continue;
    }
    if (line[0] === ' ' || line[0] === '\t') {
      const body = line.trimStart();
      if (pending !== null) {
        pending.parts.push(body);
      } else if (body[0] === '#' || body[0] === ';') {
        // comment (leniency over oslo, see the module comment)
      } else {
        fail(lineNo, line, 'unexpected continuation line (an indented line must follow a "key = value" line)');
      }
      continue;
    }
    flush();
    if (line[0] === '[') {
      if (!line.endsWith(']')) fail(lineNo, line, 'invalid section (must end with ])');
      if (line.length <= 2) fail(lineNo, line, 'empty section name');
      section = line.slice(1, -1);
      continue;
    }
    if (line[0] === '#' || line[0] === ';') continue;

    const colon = line.indexOf(':');
    const equal = line.indexOf('=');
    if (colon < 0 && equal < 0) fail(lineNo, line, "no ':' or '=' found in assignment");
    const at = colon < 0 || (equal >= 0 && equal < colon) ? equal : colon;
    const key = line.slice(0, at).trim();
    const value = stripQuotes(line.slice(at + 1).trim());
    if (key === '') fail(lineNo, line, 'key cannot be empty');
    if (section === null) fail(lineNo, line, 'section must be started before assignment (add [DEFAULT] above it)');
    pending = { key, parts: [value], line: lineNo };
  }
  flush();
  return { file, entries };
}
