/**
 * A small raw-JSON toolkit. The daemon never turns the shim's values into JS
 * values and back (JS numbers would turn `1.0` into `1` and lose integers
 * above 2^53): it splices JSON texts together and, when reading, finds the
 * exact text span of the sub-value it needs. Only JSON *strings* are ever
 * decoded to JS (they survive intact).
 */

/**
 * Ends of the containers (objects, arrays) found by one scan of a text.
 * Spans carry it so that reading deeper into a value already scanned (an
 * envelope's `args`, then its `msg`...) skips the containers instead of
 * scanning them again: one pass over the text, however deep the reader goes.
 *
 * Containers are noted in the order the scan enters them, so their starts
 * ascend and a look-up is a binary search over two arrays of small integers.
 * (It was a Map: its hash table, grown and rebuilt several times for every
 * message, was a fifth of the young garbage of a daemon receiving calls,
 * and that garbage sets how often V8 stops the daemon to collect it.)
 */
export class ScanIndex {
  private readonly starts: number[] = [];
  /** End offset of each container, -1 while it is being scanned. */
  private readonly ends: number[] = [];

  /**
   * Note a container starting at `start`; returns the slot that
   * {@link close} fills. A start below the last one noted (a container
   * outside what the first scan went through: not met by the readers) is
   * not noted, which keeps the starts ascending; its slot is -1.
   */
  open(start: number): number {
    const n = this.starts.length;
    if (n > 0 && start <= this.starts[n - 1]!) return -1;
    this.starts.push(start);
    this.ends.push(-1);
    return n;
  }

  close(slot: number, end: number): void {
    if (slot >= 0) this.ends[slot] = end;
  }

  /** End of the container starting at `start`, if this scan went through it. */
  endOf(start: number): number | undefined {
    const starts = this.starts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = starts[mid]!;
      if (v === start) {
        const end = this.ends[mid]!;
        return end >= 0 ? end : undefined;
      }
      if (v < start) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  /** Containers noted. */
  get size(): number {
    return this.starts.length;
  }
}

/** Where a JSON value sits inside a text: `text.slice(start, end)` is the value. */
export interface Span {
  start: number;
  end: number;
  /** Container ends of the scan that found this span (same text only). */
  index?: ScanIndex;
}

/** Raised on malformed JSON; `pos` is the offending offset. */
export class RawJsonError extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(`${message} at offset ${pos}`);
    this.name = 'RawJsonError';
  }
}

const HEX = '0123456789abcdef';

function u4(code: number): string {
  return '\\u' + HEX[(code >> 12) & 15] + HEX[(code >> 8) & 15] + HEX[(code >> 4) & 15] + HEX[code & 15];
}

/**
 * Encode a string exactly like Python's `json.dumps(s)` with the default
 * `ensure_ascii=True`: `"` and `\` escaped, `\n \r \t \b \f` short escapes,
 * other controls, 0x7f and everything non-ASCII as lowercase `\uXXXX`
 * (astral characters as their UTF-16 surrogate pair, which is what iterating
 * a JS string's code units yields).
 */
export function pyJsonString(s: string): string {
  // Fast paths. Printable ASCII without quote or backslash needs no escaping.
  if (/^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/.test(s)) return `"${s}"`;
  // Below 0x7f, JSON.stringify escapes exactly as Python does (quote,
  // backslash, \b \f \n \r \t, other controls as lowercase \u00XX): a
  // context's JSON text, with its many quotes, takes this path.
  if (/^[\x00-\x7e]*$/.test(s)) return JSON.stringify(s);
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f) {
      if (c === 0x22) out += '\\"';
      else if (c === 0x5c) out += '\\\\';
      else out += s[i];
    } else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else out += u4(c);
  }
  return out + '"';
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Offset of the first non-whitespace character at or after `pos`. */
export function skipWs(text: string, pos: number): number {
  while (pos < text.length && isWs(text.charCodeAt(pos))) pos++;
  return pos;
}

const HEX4 = /[0-9a-fA-F]{4}/y;

function scanString(text: string, pos: number): number {
  // pos is at the opening quote
  const n = text.length;
  let i = pos + 1;
  for (;;) {
    if (i >= n) throw new RawJsonError('unterminated string', pos);
    const c = text.charCodeAt(i);
    if (c === 0x22) return i + 1;
    if (c === 0x5c) {
      const e = text.charCodeAt(i + 1);
      if (e === 0x75 /* u */) {
        HEX4.lastIndex = i + 2;
        if (!HEX4.test(text)) throw new RawJsonError('bad \\u escape', i);
        i += 6;
      } else if (e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) i += 2;
      else throw new RawJsonError('bad escape', i);
    } else if (c < 0x20) throw new RawJsonError('control character in string', i);
    else i++;
  }
}

const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Deepest nesting accepted (Python's json would hit its recursion limit around 1000). */
const MAX_DEPTH = 512;

/**
 * Offset just past the JSON value starting at `pos` (after whitespace).
 * Validates the structure as it goes; throws {@link RawJsonError}. With an
 * `index`, container ends already in it are reused and new ones recorded.
 */
export function scanValue(text: string, pos: number, depth = 0, index?: ScanIndex): number {
  if (depth > MAX_DEPTH) throw new RawJsonError('nesting too deep', pos);
  pos = skipWs(text, pos);
  const c = text.charCodeAt(pos);
  if (c === 0x22) return scanString(text, pos);
  if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
    if (index === undefined) return c === 0x7b ? scanObject(text, pos, depth, undefined) : scanArray(text, pos, depth, undefined);
    const known = index.endOf(pos);
    if (known !== undefined) return known;
    const slot = index.open(pos);
    const end = c === 0x7b ? scanObject(text, pos, depth, index) : scanArray(text, pos, depth, index);
    index.close(slot, end);
    return end;
  }
  switch (c) {
    case 0x74 /* t */:
      if (text.startsWith('true', pos)) return pos + 4;
      break;
    case 0x66 /* f */:
      if (text.startsWith('false', pos)) return pos + 5;
      break;
    case 0x6e /* n */:
      if (text.startsWith('null', pos)) return pos + 4;
      break;
    // Python's json also writes NaN / Infinity / -Infinity; accept them as it reads them.
    case 0x4e /* N */:
      if (text.startsWith('NaN', pos)) return pos + 3;
      break;
    case 0x49 /* I */:
      if (text.startsWith('Infinity', pos)) return pos + 8;
      break;
    default: {
      if (c === 0x2d /* - */ && text.startsWith('-Infinity', pos)) return pos + 9;
      NUMBER_RE.lastIndex = pos;
      if (NUMBER_RE.test(text) && NUMBER_RE.lastIndex > pos) return NUMBER_RE.lastIndex;
    }
  }
  throw new RawJsonError('expected a JSON value', pos);
}

function scanObject(text: string, pos: number, depth: number, index: ScanIndex | undefined): number {
  let i = skipWs(text, pos + 1);
  if (text.charCodeAt(i) === 0x7d /* } */) return i + 1;
  for (;;) {
    i = skipWs(text, i);
    if (text.charCodeAt(i) !== 0x22) throw new RawJsonError('expected object key', i);
    i = skipWs(text, scanString(text, i));
    if (text.charCodeAt(i) !== 0x3a /* : */) throw new RawJsonError("expected ':'", i);
    i = skipWs(text, scanValue(text, i + 1, depth + 1, index));
    const d = text.charCodeAt(i);
    if (d === 0x2c /* , */) i++;
    else if (d === 0x7d) return i + 1;
    else throw new RawJsonError("expected ',' or '}'", i);
  }
}

function scanArray(text: string, pos: number, depth: number, index: ScanIndex | undefined): number {
  let i = skipWs(text, pos + 1);
  if (text.charCodeAt(i) === 0x5d /* ] */) return i + 1;
  for (;;) {
    i = skipWs(text, scanValue(text, i, depth + 1, index));
    const d = text.charCodeAt(i);
    if (d === 0x2c) i++;
    else if (d === 0x5d) return i + 1;
    else throw new RawJsonError("expected ',' or ']'", i);
  }
}

/** Span of the single JSON value making up `text` (surrounding whitespace allowed). */
export function wholeValue(text: string): Span {
  const start = skipWs(text, 0);
  const index = new ScanIndex();
  const end = scanValue(text, start, 0, index);
  if (skipWs(text, end) !== text.length) throw new RawJsonError('trailing data', end);
  return { start, end, index };
}

/** Check that `text` is exactly one valid JSON value. */
export function isJsonText(text: string): boolean {
  try {
    // No index: nothing will read deeper into this scan.
    const start = skipWs(text, 0);
    return skipWs(text, scanValue(text, start)) === text.length;
  } catch {
    return false;
  }
}

/** The kind of value at a span (by its first character). */
export function kindAt(text: string, span: Span): 'object' | 'array' | 'string' | 'other' {
  const c = text[span.start];
  return c === '{' ? 'object' : c === '[' ? 'array' : c === '"' ? 'string' : 'other';
}

/**
 * The members of the object at `span`: key (decoded) -> span of its raw value.
 * Key order of the text is irrelevant to callers (Python 2 and 3 differ); a
 * repeated key keeps its last value, as Python's json does.
 */
export function objectMembers(text: string, span: Span): Map<string, Span> {
  const out = new Map<string, Span>();
  const index = span.index;
  if (text[span.start] !== '{') throw new RawJsonError('expected an object', span.start);
  let i = skipWs(text, span.start + 1);
  if (text[i] === '}') return out;
  for (;;) {
    i = skipWs(text, i);
    const keyEnd = scanString(text, i);
    // Keys rarely hold escapes: only those need decoding.
    const raw = text.slice(i + 1, keyEnd - 1);
    const key = raw.includes('\\') ? (JSON.parse(text.slice(i, keyEnd)) as string) : raw;
    i = skipWs(text, keyEnd);
    if (text[i] !== ':') throw new RawJsonError("expected ':'", i);
    const vStart = skipWs(text, i + 1);
    const vEnd = scanValue(text, vStart, 0, index);
    out.set(key, { start: vStart, end: vEnd, index });
    i = skipWs(text, vEnd);
    if (text[i] === ',') i++;
    else if (text[i] === '}') return out;
    else throw new RawJsonError("expected ',' or '}'", i);
  }
}

/** Spans of the elements of the array at `span`. */
export function arrayElements(text: string, span: Span): Span[] {
  const out: Span[] = [];
  const index = span.index;
  if (text[span.start] !== '[') throw new RawJsonError('expected an array', span.start);
  let i = skipWs(text, span.start + 1);
  if (text[i] === ']') return out;
  for (;;) {
    const vStart = skipWs(text, i);
    const vEnd = scanValue(text, vStart, 0, index);
    out.push({ start: vStart, end: vEnd, index });
    i = skipWs(text, vEnd);
    if (text[i] === ',') i++;
    else if (text[i] === ']') return out;
    else throw new RawJsonError("expected ',' or ']'", i);
  }
}

/** Decode the JSON string at `span` (strings are safe to decode: no precision at stake). */
export function stringAt(text: string, span: Span): string {
  if (text[span.start] !== '"') throw new RawJsonError('expected a string', span.start);
  return JSON.parse(text.slice(span.start, span.end)) as string;
}

/** The raw text of a span. */
export function textAt(text: string, span: Span): string {
  return text.slice(span.start, span.end);
}
