/**
 * Start-up sweep of the ipc dir: socket files a crashed (SIGKILLed, OOM-killed)
 * daemon left behind. A clean stop removes the files it bound, but a crash
 * leaves one per topic it ever served, and libzmq only replaces a file when
 * its topic is bound again - so without this sweep they pile up for good.
 *
 * A file is stale, and removed, only when all of these hold:
 *  - its name is an outlet's (`zmq_topic_*`; the local API socket has its own check);
 *  - `lstat` says it is a unix socket (not a regular file, not a symlink);
 *  - it belongs to the daemon's user (another user's file is never ours to remove);
 *  - a connect to it is refused (ECONNREFUSED): no process listens on it.
 *    The kernel answers that at once for a socket file whose listener is
 *    gone, so this is a decision, not a guess. A connect that succeeds means
 *    a live process serves the file (another receiver on the same dir?): it
 *    is kept and logged. Any other outcome (timeout, EAGAIN from a full
 *    backlog, EACCES) keeps the file too.
 *  - it is still the same file (device and inode) right before the unlink.
 */
import { readdir, lstat, unlink } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import type { Logger } from '../log';
import type { Counters } from '../metrics/counters';
import { IPC_FILE_PREFIX } from '../wire/topic';

/** How long a connect to a socket file may take before it is called "unknown" (and kept), in milliseconds. */
export const DEFAULT_STALE_PROBE_TIMEOUT_MS = 1_000;
/** Socket files probed at once (each probe holds a file descriptor for a moment). */
export const STALE_PROBE_CONCURRENCY = 64;

export type ProbeVerdict = 'stale' | 'live' | 'gone' | 'unknown';

/** Connect to a unix socket file and say whether anyone listens on it. */
export function probeSocketFile(path: string, timeoutMs = DEFAULT_STALE_PROBE_TIMEOUT_MS): Promise<ProbeVerdict> {
  return new Promise((resolve) => {
    const sock = createConnection({ path });
    let settled = false;
    const done = (v: ProbeVerdict) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done('unknown'), timeoutMs);
    sock.once('connect', () => done('live'));
    sock.once('error', (err: NodeJS.ErrnoException) => done(err.code === 'ECONNREFUSED' ? 'stale' : err.code === 'ENOENT' ? 'gone' : 'unknown'));
  });
}

export interface StaleSweepOptions {
  log: Logger;
  counters: Counters;
  probeTimeoutMs?: number;
  /** The daemon's uid (default `process.getuid()`); files of other users are kept. */
  uid?: number;
}

export interface StaleSweepResult {
  /** Paths removed. */
  removed: string[];
  /** Socket files kept because a process serves them. */
  live: string[];
}

/** Remove the stale outlet socket files of `dir` (see the module comment for the rules). */
export async function removeStaleIpcFiles(dir: string, opts: StaleSweepOptions): Promise<StaleSweepResult> {
  const uid = opts.uid ?? process.getuid?.();
  const result: StaleSweepResult = { removed: [], live: [] };
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.startsWith(IPC_FILE_PREFIX));
  } catch (err) {
    opts.log.warn({ err, dir }, 'cannot list the ipc dir for stale socket files');
    return result;
  }
  const check = async (name: string): Promise<void> => {
    const path = join(dir, name);
    const before = await lstat(path).catch(() => null);
    if (!before || !before.isSocket() || (uid !== undefined && before.uid !== uid)) return;
    const verdict = await probeSocketFile(path, opts.probeTimeoutMs);
    if (verdict === 'live') {
      result.live.push(path);
      return;
    }
    if (verdict !== 'stale') return;
    const now = await lstat(path).catch(() => null);
    if (!now || now.ino !== before.ino || now.dev !== before.dev) return;
    try {
      await unlink(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') opts.log.warn({ err, path }, 'cannot remove stale ipc socket file');
      return;
    }
    result.removed.push(path);
    opts.counters.inc('receiver.ipc.stale_removed');
  };
  for (let i = 0; i < names.length; i += STALE_PROBE_CONCURRENCY) {
    await Promise.all(names.slice(i, i + STALE_PROBE_CONCURRENCY).map(check));
  }
  if (result.removed.length > 0) {
    opts.log.info({ dir, removed: result.removed.length }, 'removed stale ipc socket files left by a daemon that did not stop cleanly');
  }
  if (result.live.length > 0) {
    opts.log.warn({ dir, files: result.live.slice(0, 10), count: result.live.length }, 'ipc socket files served by another process: is another receiver using this rpc_zmq_ipc_dir?');
  }
  return result;
}
