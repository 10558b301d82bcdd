/**
 * Who may change a file or directory the daemon trusts. The rules are
 * OpenSSH's StrictModes, applied to what decides who the daemon talks to:
 * the secret certificate, the trusted-keys directory, the ipc directory and
 * the local API socket's directory.
 *
 * - A secret file: owned by the daemon's user (or root), no access for group
 *   or others (0600 or 0400).
 * - A directory: owned by the daemon's user or root, not writable by others
 *   (sticky or not: anyone could add a socket or a key), writable by its
 *   group only when that group is trusted; each of its ancestors owned by
 *   root or the daemon's user and writable by others only with the sticky
 *   bit (as `/tmp`), so nobody can rename it away and put their own in its
 *   place; a symbolic link on the way must belong to root or the daemon's
 *   user, or its owner could point it elsewhere later.
 */
import { lstatSync, realpathSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { SecretKeyExposedError, UnsafeDirectoryError } from './errors';

const S_ISVTX = 0o1000;
const GROUP_WRITE = 0o020;
const OTHER_WRITE = 0o002;

/** Who the daemon is, and which groups may share write access to its directories. */
export interface Trust {
  /** The daemon's effective uid. */
  uid: number;
  /** Groups allowed to have write access to a checked directory (root's group is always allowed). */
  groups: readonly number[];
}

/** The daemon's own identity, with no extra trusted group. */
export function processTrust(groups: readonly number[] = []): Trust {
  return { uid: process.geteuid?.() ?? 0, groups };
}

function mode(st: Stats): string {
  return `0${(st.mode & 0o7777).toString(8)}`;
}

function ownerOk(st: Stats, t: Trust): boolean {
  return st.uid === t.uid || st.uid === 0;
}

function groupOk(st: Stats, t: Trust): boolean {
  return st.gid === 0 || t.groups.includes(st.gid);
}

/** Throw {@link SecretKeyExposedError} unless `path` is private to the daemon's user (or root). */
export function checkSecretFile(path: string, t: Trust): void {
  const st = statSync(path);
  if (!ownerOk(st, t)) throw new SecretKeyExposedError(path, `it belongs to uid ${st.uid}, not to the daemon's user (uid ${t.uid}) or root`);
  if ((st.mode & 0o077) !== 0) throw new SecretKeyExposedError(path, `its mode ${mode(st)} lets group or others read or change it (only 0600 or 0400 are accepted)`);
}

export interface DirectoryRole {
  /** What the directory is, for the message (`the ipc directory (rpc_zmq_ipc_dir)`). */
  what: string;
  /** What another user could do with it (`replace the local API socket with their own and read every call`). */
  risk: string;
}

/** Components of an absolute path, from `/` down to `path` itself. */
function chain(path: string): string[] {
  const out: string[] = [];
  let p = resolve(path);
  for (;;) {
    out.unshift(p);
    const up = dirname(p);
    if (up === p) return out;
    p = up;
  }
}

/**
 * Throw {@link UnsafeDirectoryError} unless `dir` (which must exist) and
 * everything above it can be changed only by the daemon's user, root, and
 * trusted groups.
 */
export function checkDirectory(dir: string, t: Trust, role: DirectoryRole): void {
  const refuse = (path: string, problem: string, fix: string): never => {
    throw new UnsafeDirectoryError(role.what, path, problem, role.risk, fix);
  };
  // Symbolic links on the way as written: their owner can re-point them.
  for (const p of chain(dir)) {
    const l = lstatSync(p);
    if (l.isSymbolicLink() && !ownerOk(l, t)) refuse(p, `is a symbolic link owned by uid ${l.uid}`, 'Use a path without links owned by other users.');
  }
  const real = realpathSync(dir);
  const parts = chain(real);
  for (const p of parts.slice(0, -1)) {
    const st = statSync(p);
    if (!ownerOk(st, t)) refuse(p, `a parent directory, belongs to uid ${st.uid}`, `Use a directory under one that only root or the daemon's user owns (e.g. /run/nova-zmq-bridge).`);
    const sticky = (st.mode & S_ISVTX) !== 0;
    if ((st.mode & OTHER_WRITE) !== 0 && !sticky) refuse(p, `a parent directory, is writable by everyone (mode ${mode(st)}) without the sticky bit`, `chmod o-w ${p} (or +t, as /tmp).`);
    if ((st.mode & GROUP_WRITE) !== 0 && !sticky && !groupOk(st, t)) refuse(p, `a parent directory, is writable by group ${st.gid} (mode ${mode(st)})`, `chmod g-w ${p}.`);
  }
  const st = statSync(real);
  if (!st.isDirectory()) refuse(real, 'is not a directory', 'Point the option at a directory.');
  const shown = real === resolve(dir) ? real : `${resolve(dir)} (${real})`;
  if (!ownerOk(st, t)) {
    refuse(shown, `belongs to uid ${st.uid}, not to the daemon's user (uid ${t.uid}) or root`, `Remove it (it may be an attacker's) and let the daemon create it, or \`chown <daemon user> ${real} && chmod 0750 ${real}\` after checking its contents.`);
  }
  if ((st.mode & OTHER_WRITE) !== 0) refuse(shown, `is writable by everyone (mode ${mode(st)})`, `chmod o-w ${real} (the sticky bit is not enough here).`);
  if ((st.mode & GROUP_WRITE) !== 0 && !groupOk(st, t)) refuse(shown, `is writable by group ${st.gid} (mode ${mode(st)}), not the configured ipc group`, `chmod g-w ${real}, or set [zmq_bridge] ipc_group to that group if its members are trusted.`);
}
