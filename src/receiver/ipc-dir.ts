/**
 * The ipc directory (`rpc_zmq_ipc_dir`): created when missing and probed for
 * writability at start-up, so a bad directory stops the daemon with a clear
 * message instead of failing on the first message of each topic.
 */
import { mkdir, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { IpcDirUnwritableError } from './errors';

/**
 * Mode of an ipc directory the daemon creates (rwxr-xr-x). The socket files
 * inside get the daemon's umask and belong to its user: legacy consumers must
 * run as the same user (or group, with a umask that grants it).
 */
export const DEFAULT_IPC_DIR_MODE = 0o755;

/** mkdir -p the ipc dir and prove it writable by creating and removing a probe file. */
export async function prepareIpcDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: DEFAULT_IPC_DIR_MODE });
    // access(W_OK) says yes to root even on read-only mounts; a real file does not lie.
    const probe = join(dir, `.nzb-probe-${process.pid}`);
    const fh = await open(probe, 'wx');
    await fh.close();
    await unlink(probe);
  } catch (err) {
    throw new IpcDirUnwritableError(dir, err);
  }
}
