/**
 * Typed values the oslo.config way: each type turns the raw (substituted)
 * string into a value or explains why it cannot, and says in words what it
 * accepts so errors can list it.
 */

/** Thrown by a type's `parse`; the loader turns it into a ConfigInvalidValueError naming file and option. */
export class ValueMismatch extends Error {}

export interface ValueType<T> {
  /** What the type accepts, in words (quoted in errors and docs). */
  readonly accepted: string;
  /** Short type name for docs (`int`, `bool`, ...). */
  readonly name: string;
  /**
   * True when a blank value means "not set" (oslo's Integer/Float turn `''`
   * into None): the option then takes its default, or null when it has none.
   */
  readonly blankIsUnset: boolean;
  parse(raw: string): T;
}

const INT_RE = /^[+-]?\d+$/;
const FLOAT_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Integer within optional bounds (oslo `IntOpt(min=, max=)`). */
export function intType(opts: { min?: number; max?: number } = {}): ValueType<number> {
  const { min, max } = opts;
  const range =
    min !== undefined && max !== undefined
      ? ` from ${min} to ${max}`
      : min !== undefined
        ? ` >= ${min}`
        : max !== undefined
          ? ` <= ${max}`
          : '';
  return {
    name: 'int',
    accepted: `an integer${range}`,
    blankIsUnset: true,
    parse(raw) {
      const s = raw.trim();
      if (!INT_RE.test(s)) throw new ValueMismatch('not an integer');
      const n = Number(s);
      if (!Number.isSafeInteger(n)) throw new ValueMismatch('integer out of range');
      if (min !== undefined && n < min) throw new ValueMismatch(`below the minimum ${min}`);
      if (max !== undefined && n > max) throw new ValueMismatch(`above the maximum ${max}`);
      return n;
    },
  };
}

/** TCP port (oslo `PortOpt`): 1..65535. */
export function portType(): ValueType<number> {
  const t = intType({ min: 1, max: 65535 });
  return { ...t, name: 'port', accepted: 'a TCP port number from 1 to 65535' };
}

/** Floating point number within optional bounds (oslo `FloatOpt`). */
export function floatType(opts: { min?: number; max?: number } = {}): ValueType<number> {
  const { min, max } = opts;
  const range = min !== undefined ? ` >= ${min}` : '';
  return {
    name: 'float',
    accepted: `a number${range}${max !== undefined ? ` <= ${max}` : ''}`,
    blankIsUnset: true,
    parse(raw) {
      const s = raw.trim();
      if (!FLOAT_RE.test(s)) throw new ValueMismatch('not a number');
      const n = Number(s);
      if (min !== undefined && n < min) throw new ValueMismatch(`below the minimum ${min}`);
      if (max !== undefined && n > max) throw new ValueMismatch(`above the maximum ${max}`);
      return n;
    },
  };
}

const TRUE_WORDS = ['true', '1', 'on', 'yes'];
const FALSE_WORDS = ['false', '0', 'off', 'no'];

/** Boolean as oslo's `types.Boolean`: true/false/yes/no/on/off/1/0, any case. */
export function boolType(): ValueType<boolean> {
  return {
    name: 'bool',
    accepted: 'true/false, yes/no, on/off or 1/0 (any case)',
    blankIsUnset: false,
    parse(raw) {
      const s = raw.trim().toLowerCase();
      if (TRUE_WORDS.includes(s)) return true;
      if (FALSE_WORDS.includes(s)) return false;
      throw new ValueMismatch('not a boolean');
    },
  };
}

/** Comma-separated list, items stripped, empty items dropped (oslo `ListOpt`). */
export function listType(): ValueType<string[]> {
  return {
    name: 'list',
    accepted: 'a comma-separated list',
    blankIsUnset: false,
    parse(raw) {
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
    },
  };
}

/**
 * String (oslo `StrOpt`), optionally restricted to `choices`. With
 * `blankIsNull` an empty value means "unset" (the option becomes null).
 */
export function strType(opts: { choices?: readonly string[]; ignoreCase?: boolean; nonEmpty?: boolean } = {}): ValueType<string> {
  const { choices, ignoreCase = false, nonEmpty = false } = opts;
  return {
    name: choices ? 'string (choice)' : 'string',
    accepted: choices ? `one of ${choices.join(', ')}${ignoreCase ? ' (any case)' : ''}` : nonEmpty ? 'a non-empty string' : 'any string',
    blankIsUnset: false,
    parse(raw) {
      if (nonEmpty && raw.trim() === '') throw new ValueMismatch('empty');
      if (!choices) return raw;
      const hit = choices.find((c) => (ignoreCase ? c.toLowerCase() === raw.trim().toLowerCase() : c === raw));
      if (hit === undefined) throw new ValueMismatch('not one of the choices');
      return hit;
    },
  };
}

/** String where blank means null (`password =`, `transport_url =`). */
export function optionalStrType(): ValueType<string | null> {
  return {
    name: 'string',
    accepted: 'any string (empty = unset)',
    blankIsUnset: false,
    parse(raw) {
      return raw.trim() === '' ? null : raw;
    },
  };
}

/** Unix file mode written in octal (`0660`, `660`, `0o660`). */
export function octalModeType(): ValueType<number> {
  return {
    name: 'octal mode',
    accepted: 'an octal file mode from 0 to 0777 (e.g. 0660)',
    blankIsUnset: true,
    parse(raw) {
      const s = raw.trim().replace(/^0o/i, '');
      if (!/^[0-7]{1,4}$/.test(s)) throw new ValueMismatch('not an octal mode');
      const n = parseInt(s, 8);
      if (n > 0o777) throw new ValueMismatch('above 0777');
      return n;
    },
  };
}
