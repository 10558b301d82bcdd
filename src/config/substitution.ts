/**
 * oslo.config's `$opt` substitution (Python `string.Template` with the
 * identifier pattern `[_a-z][._a-z0-9]*`, case-insensitive): `$name`,
 * `${name}`, `${group.name}`; `$$` and `\$` give a literal `$`; a `$` not
 * followed by an identifier stays as written.
 */

/** A reference found in a value. */
export interface Reference {
  /** The identifier as written (`state_path`, `matchmaker_redis.host`). */
  id: string;
  /** Text of the whole placeholder (`$x` / `${x}`), for messages. */
  text: string;
}

const ID_START = /[_a-z]/i;
const ID_REST = /[._a-z0-9]/i;

/**
 * Replace every placeholder in `value` with `resolve(ref)`. `resolve` throws
 * for unknown references or cycles; substitution itself never fails.
 */
export function substitute(value: string, resolve: (ref: Reference) => string): string {
  if (!value.includes('$')) return value;
  const s = value.split('\\$').join('$$');
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    const next = s[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next === '{') {
      const close = s.indexOf('}', i + 2);
      const id = close < 0 ? '' : s.slice(i + 2, close);
      if (id !== '' && ID_START.test(id[0]) && [...id].every((ch) => ID_REST.test(ch))) {
        out += resolve({ id, text: s.slice(i, close + 1) });
        i = close + 1;
        continue;
      }
      out += '$';
      i++;
      continue;
    }
    if (next !== undefined && ID_START.test(next)) {
      let j = i + 2;
      while (j < s.length && ID_REST.test(s[j])) j++;
      const id = s.slice(i + 1, j);
      out += resolve({ id, text: s.slice(i, j) });
      i = j;
      continue;
    }
    out += '$';
    i++;
  }
  return out;
}
