/**
 * What a SIGHUP may change: the one place that turns the `applies: 'restart'`
 * flags of options.ts into "keep the running value". The daemon's reload and
 * any component that re-reads a config use it, so no list of frozen fields
 * exists anywhere else.
 */
import type { BridgeConfig } from './types';
import { ALL_OPTIONS, type OptionDecl } from './options';
import { copyConfig, getField, setField, type ConfigField } from './fields';

/** Shown instead of the values of secret options. */
export const REDACTED = '(redacted)';

/** A restart-only option whose configured value differs from the running one. */
export interface RestartChange {
  /** `[group] key` as in nova.conf. */
  option: string;
  /** The first of its config fields that differs. */
  field: ConfigField;
  /** Value in force (kept until a restart); {@link REDACTED} for secrets. */
  running: unknown;
  /** Value now in the config files; {@link REDACTED} for secrets. */
  configured: unknown;
}

export interface FrozenConfig {
  /** `configured`, with every restart-only option's fields taken from `running`. */
  config: BridgeConfig;
  /** The restart-only options the files changed, in documentation order. */
  changed: RestartChange[];
}

const label = (d: OptionDecl<unknown>): string => `[${d.name.group}] ${d.name.key}`;

/** Equal values: list options (arrays of strings) compare item by item, the rest with Object.is. */
function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
  return Object.is(a, b);
}

/** Restart-only options, computed once from their declarations. */
const RESTART_ONLY: readonly OptionDecl<unknown>[] = ALL_OPTIONS.filter((d) => d.needsRestart);

/** Config fields that keep their running value on reload (derived from the restart flags). */
export function restartOnlyFields(): ConfigField[] {
  return RESTART_ONLY.flatMap((d) => [...d.fields]);
}

/**
 * The config a running daemon applies when the files now say `configured`:
 * live options take their new values, restart-only options keep `running`'s
 * (and are listed in `changed` when they differ, for the warning). Neither
 * argument is modified.
 */
export function freezeRestartOptions(running: BridgeConfig, configured: BridgeConfig): FrozenConfig {
  const config = copyConfig(configured);
  const changed: RestartChange[] = [];
  for (const d of RESTART_ONLY) {
    let first: ConfigField | null = null;
    for (const f of d.fields) {
      const before = getField(running, f);
      if (first === null && !same(before, getField(configured, f))) first = f;
      setField(config, f, before);
    }
    if (first !== null) {
      changed.push({
        option: label(d),
        field: first,
        running: d.secret ? REDACTED : getField(running, first),
        configured: d.secret ? REDACTED : getField(configured, first),
      });
    }
  }
  return { config, changed };
}
