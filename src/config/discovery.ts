/**
 * Which files to read: the explicit `--config-file` / `--config-dir` list, or
 * oslo.config's default search (`find_config_files` / `find_config_dirs`).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigUnreadableError } from './errors';

/** oslo project name whose files we read. */
export const CONFIG_PROJECT = 'nova';
/** oslo also searches `<prog>.conf`; ours is the daemon's name. */
export const CONFIG_PROG = 'nova-zmq-bridge';

export interface SearchEnv {
  /** Home directory (`~`); from HOME. */
  home: string;
  /** System config directory; `/etc` outside tests. */
  etcDir: string;
  /** Snap directories oslo also searches, when set. */
  snapCommon?: string;
  snap?: string;
}

export function searchEnvFrom(env: NodeJS.ProcessEnv, etcDir = '/etc'): SearchEnv {
  return { home: env.HOME || os.homedir(), etcDir, snapCommon: env.SNAP_COMMON, snap: env.SNAP };
}

/** oslo `_get_config_dirs(project)`: `~/.nova/`, `~/`, `/etc/nova/`, `/etc/`, then the snap dirs. */
export function configSearchDirs(se: SearchEnv, project = CONFIG_PROJECT): string[] {
  const dirs = [path.join(se.home, `.${project}`), se.home, path.join(se.etcDir, project), se.etcDir];
  if (se.snapCommon) dirs.push(path.join(se.snapCommon, 'etc', project));
  if (se.snap) dirs.push(path.join(se.snap, 'etc', project));
  return dirs;
}

/**
 * oslo `_find_config_files`: for each of `[project, prog]`, the first
 * `<dir>/<name><extension>` that exists, searching the dirs in order.
 */
function findFirst(se: SearchEnv, extension: string, project: string, prog: string): string[] {
  const dirs = configSearchDirs(se, project);
  const out: string[] = [];
  for (const name of [project, prog]) {
    const hit = dirs.map((d) => path.join(d, `${name}${extension}`)).find((p) => fs.existsSync(p));
    if (hit !== undefined && !out.includes(hit)) out.push(hit);
  }
  return out;
}

/** Default config files (`nova.conf`, then `nova-zmq-bridge.conf`), at most one of each. */
export function findConfigFiles(se: SearchEnv, project = CONFIG_PROJECT, prog = CONFIG_PROG): string[] {
  return findFirst(se, '.conf', project, prog);
}

/** Default config dirs (`nova.conf.d`, then `nova-zmq-bridge.conf.d`), at most one of each. */
export function findConfigDirs(se: SearchEnv, project = CONFIG_PROJECT, prog = CONFIG_PROG): string[] {
  return findFirst(se, '.conf.d', project, prog);
}

/** oslo's `--config-dir`: the dir's `*.conf` files (not hidden ones), sorted by name. */
export function listConfigDir(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    throw new ConfigUnreadableError(
      { file: dir, option: '--config-dir', value: dir, reason: errReason(err), accepted: 'a readable directory of *.conf files' },
      err,
    );
  }
  return names
    .filter((n) => n.endsWith('.conf') && !n.startsWith('.'))
    .sort()
    .map((n) => path.join(dir, n))
    .filter((p) => {
      try {
        return fs.statSync(p).isFile();
      } catch {
        return false;
      }
    });
}

export function errReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e && e.code) return e.message.includes(e.code) ? e.message : `${e.code}: ${e.message}`;
  return String(err);
}

/** Expand `~` like oslo's `_fixpath` and make absolute. */
export function fixPath(p: string, home: string): string {
  const expanded = p === '~' ? home : p.startsWith('~/') ? path.join(home, p.slice(2)) : p;
  return path.resolve(expanded);
}

/**
 * The files to read, in order: explicit files, then each explicit dir's
 * files; or, when neither is given, the default search (files, then dirs).
 */
export function configFileList(configFiles: string[], configDirs: string[], se: SearchEnv): { files: string[]; fromDir: Set<string> } {
  let files: string[];
  let dirs: string[];
  if (configFiles.length === 0 && configDirs.length === 0) {
    files = findConfigFiles(se);
    dirs = findConfigDirs(se);
  } else {
    files = configFiles.map((f) => fixPath(f, se.home));
    dirs = configDirs.map((d) => fixPath(d, se.home));
  }
  const fromDir = new Set<string>();
  const out = [...files];
  for (const d of dirs) {
    for (const f of listConfigDir(d)) {
      fromDir.add(f);
      out.push(f);
    }
  }
  return { files: out, fromDir };
}
