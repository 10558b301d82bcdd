/**
 * What `nova-zmq-bridge check-config` verifies, in the daemon's start-up
 * order, each with the very function (and so the typed error, message and
 * exit code) start-up uses - but without binding a port, creating the ipc
 * dir or contacting a backend:
 *
 *  1. matchmaker options (createMatchmaker: what the Daemon constructor does);
 *  2. the ipc dir (what prepareIpcDir proves at the receiver's start);
 *  3. the ring file of the ring matchmakers (loadRingFile, at the matchmaker's start);
 *  4. the local API socket's directory (what the local API server needs).
 *
 * Loading nova.conf itself comes first, in check-config.ts: without a
 * config none of these can run. To add a check (e.g. the CURVE keys of the
 * security options), append one {@link PreflightCheck} to PREFLIGHT_CHECKS
 * at its place in the start order.
 */
import { constants } from 'node:fs';
import { access, open, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { BridgeConfig } from '../config/types';
import { silentLogger } from '../log';
import { createMatchmaker } from '../matchmaker/factory';
import { loadRingFile } from '../matchmaker/ring-file';
import { Counters } from '../metrics/counters';
import { IpcDirUnwritableError } from '../receiver/errors';
import { LocalSocketFailedError } from '../localapi/errors';
import { LocalClient } from './local-client';

export interface PreflightCheck {
  readonly name: string;
  /**
   * Resolve with a one-line summary when start-up would get past this
   * point, or reject with the error start-up would stop with (its
   * `exitCode` is the one start-up would exit with).
   */
  run(config: BridgeConfig): Promise<string>;
}

/** The nearest existing path at or above `dir` (start-up's `mkdir -p` would create the rest). */
async function existingAncestor(dir: string): Promise<string> {
  for (let d = dir; ; d = dirname(d)) {
    try {
      await stat(d);
      return d;
    } catch {
      // missing: look higher
    }
    if (dirname(d) === d) return d;
  }
}

/** Throw when `path` exists but is not a directory (what mkdir -p would trip on). */
async function mustBeDirectory(path: string): Promise<void> {
  if (!(await stat(path)).isDirectory()) {
    throw Object.assign(new Error(`ENOTDIR: not a directory, ${path}`), { code: 'ENOTDIR' });
  }
}

/** Create and remove a file in `dir`: a real write (access(W_OK) says yes to root even on read-only mounts). */
async function probeWrite(dir: string): Promise<void> {
  const probe = join(dir, `.nzb-check-${process.pid}`);
  const fh = await open(probe, 'wx');
  await fh.close();
  await unlink(probe);
}

const matchmakerOptions: PreflightCheck = {
  name: 'matchmaker',
  async run(config) {
    // Built, never started: nothing is contacted or loaded here.
    const mm = createMatchmaker(config, { log: silentLogger(), counters: new Counters() });
    return `${mm.kind} (rpc_zmq_matchmaker = ${config.matchmakerRaw})`;
  },
};

const ipcDir: PreflightCheck = {
  name: 'ipc dir',
  async run(config) {
    const dir = config.ipcDir;
    const base = await existingAncestor(dir);
    try {
      await mustBeDirectory(base);
      await probeWrite(base);
    } catch (err) {
      throw new IpcDirUnwritableError(dir, err);
    }
    return base === dir ? `${dir} is writable` : `${dir} does not exist; start-up creates it (${base} is writable)`;
  },
};

const ringFile: PreflightCheck = {
  name: 'ring file',
  async run(config) {
    if (config.matchmaker !== 'ring' && config.matchmaker !== 'fanout_ring') return `not used by the ${config.matchmaker} matchmaker`;
    const ring = await loadRingFile(config.ringfile);
    const hosts = new Set([...ring.topics.values()].flat());
    return `${config.ringfile}: ${ring.topics.size} topics, ${hosts.size} hosts, ${ring.servers.size} server names`;
  },
};

const localSocket: PreflightCheck = {
  name: 'local API',
  async run(config) {
    const path = config.bridge.localSocket;
    const dir = dirname(path);
    const base = await existingAncestor(dir);
    try {
      await mustBeDirectory(base);
      await access(base, constants.W_OK | constants.X_OK);
    } catch (err) {
      throw new LocalSocketFailedError(path, err);
    }
    let exists = false;
    try {
      await stat(path);
      exists = true;
    } catch {
      // no socket file: start-up creates it
    }
    if (!exists) return `${path} (created at start-up)`;
    try {
      (await LocalClient.connect(path)).close();
      return `${path}: a daemon is serving it now (a second one with this config would not start)`;
    } catch {
      return `${path}: a stale socket file (start-up replaces it)`;
    }
  },
};

/** The checks, in start-up order. One line each: add new ones at their place. */
export const PREFLIGHT_CHECKS: readonly PreflightCheck[] = [matchmakerOptions, ipcDir, ringFile, localSocket];
