/**
 * `[zmq_bridge] ipc_group` as a gid. Node has no getgrnam; `getent group`
 * asks the system's name service (files, LDAP, sssd...) the way every other
 * tool does, once at start-up.
 */
import { execFileSync } from 'node:child_process';
import { UnknownGroupError } from './errors';

/** Longest `getent` may take, in milliseconds. */
export const DEFAULT_GETENT_TIMEOUT_MS = 5_000;

/** The gid of `spec` (a number or a group name); the daemon's own group when null. Throws {@link UnknownGroupError}. */
export function resolveGroup(spec: string | null): number {
  if (spec === null || spec.trim() === '') return process.getegid?.() ?? 0;
  const s = spec.trim();
  if (/^\d+$/.test(s)) return Number(s);
  let out: string;
  try {
    out = execFileSync('getent', ['group', s], { encoding: 'utf8', timeout: DEFAULT_GETENT_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    throw new UnknownGroupError(s);
  }
  // name:passwd:gid:members
  const gid = Number(out.split('\n')[0]?.split(':')[2]);
  if (!Number.isInteger(gid) || gid < 0) throw new UnknownGroupError(s);
  return gid;
}
