/**
 * The merged raw values of every config file read, before typing. Files are
 * applied in order (later wins); an option's deprecated names are looked up
 * together with its current name.
 */
import type { ParsedIni } from './ini-parser';
import { normalizeGroup } from './ini-parser';

/** A `(group, key)` name of an option, group as written in nova.conf (`DEFAULT`, `matchmaker_ring`, ...). */
export interface OptName {
  group: string;
  key: string;
}

/** A raw value and where it was set. */
export interface RawValue {
  value: string;
  file: string;
  line: number;
  /** The name it was set under (the current name or a deprecated alias). */
  name: OptName;
}

export class ConfigStore {
  private readonly files: ParsedIni[];

  constructor(files: ParsedIni[]) {
    this.files = files;
  }

  /** Files in the order they were applied. */
  get sources(): string[] {
    return this.files.map((f) => f.file);
  }

  /**
   * Every assignment to any of `names`, oldest first: files in order, lines
   * in order within a file.
   */
  all(names: OptName[]): RawValue[] {
    const wanted = names.map((n) => ({ group: normalizeGroup(n.group), key: n.key, name: n }));
    const out: RawValue[] = [];
    for (const f of this.files) {
      for (const e of f.entries) {
        const hit = wanted.find((w) => w.group === e.group && w.key === e.key);
        if (hit) out.push({ value: e.value, file: f.file, line: e.line, name: hit.name });
      }
    }
    return out;
  }

  /**
   * The value of a single-valued option: the last assignment to it under any
   * of its names. Unlike oslo, which prefers the current name when one file
   * sets both, the assignment made last wins, so an operator appending the
   * old name to a file still changes the value. Undefined when never set.
   */
  get(names: OptName[]): RawValue | undefined {
    const hits = this.all(names);
    return hits[hits.length - 1];
  }

  /** The values of a multi-valued option: every assignment, in order (oslo's MultiStrOpt accumulation). */
  getMulti(names: OptName[]): RawValue[] {
    return this.all(names);
  }
}
