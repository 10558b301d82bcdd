/**
 * The ipc directory (`rpc_zmq_ipc_dir`): created when missing, checked for
 * safety and probed for writability at start-up, so a bad directory stops the
 * daemon with a clear message instead of failing on the first message of
 * each topic - or, worse, serving through a directory another user controls.
 *
 * Safety (security/file-safety.ts): the directory must belong to the daemon's
 * user (or root) and be writable by nobody else but the ipc group, and every
 * directory above it must be safe too (world-writable only with the sticky
 * bit, as /tmp). Otherwise another user could have put their own local API
 * socket there (or replace it later) and read every call the shims send,
 * tokens and passwords included, and answer them: the daemon refuses to start.
 */
import { chmod, chown, mkdir, open, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { IpcDirUnwritableError } from './errors';
import { BridgeError } from '../errors';
import { checkDirectory, processTrust, type Trust } from '../security/file-safety';

/**
 * Mode of an ipc directory the daemon creates (rwxr-x---): the ipc group
 * may reach the sockets inside (their own modes then apply), others cannot
 * even see them, and only the daemon's user can add or replace a file.
 */
export const DEFAULT_IPC_DIR_MODE = 0o750;
/** Mode of missing parent directories the daemon creates on the way. */
export const DEFAULT_IPC_PARENT_MODE = 0o755;

/** Who the ipc dir belongs to. */
export interface IpcDirOwnership {
  /** Whose directories are trusted (the daemon's user, root, the ipc group). */
  trust: Trust;
  /** The group given to a directory the daemon creates (`[zmq_bridge] ipc_group`). */
  gid: number;
}

/** What the safety check says about this directory. */
export const IPC_DIR_ROLE = {
  what: 'the ipc directory (rpc_zmq_ipc_dir)',
  risk: "put their own socket in the local API's place and read (and answer) every call the shims send",
};

function defaultOwnership(): IpcDirOwnership {
  const gid = process.getegid?.() ?? 0;
  return { trust: processTrust([gid]), gid };
}

/**
 * Create the ipc dir if missing (mode {@link DEFAULT_IPC_DIR_MODE}, the ipc
 * group), refuse an unsafe one (UnsafeDirectoryError), and prove it
 * writable by creating and removing a probe file.
 */
export async function prepareIpcDir(dir: string, own: IpcDirOwnership = defaultOwnership()): Promise<void> {
  try {
    if (await createIfMissing(dir)) {
      await chown(dir, -1, own.gid);
      // Whatever the umask took away.
      await chmod(dir, DEFAULT_IPC_DIR_MODE);
    }
    checkDirectory(dir, own.trust, IPC_DIR_ROLE);
    // access(W_OK) says yes to root even on read-only mounts; a real file does not lie.
    const probe = join(dir, `.nzb-probe-${process.pid}`);
    const fh = await open(probe, 'wx');
    await fh.close();
    await unlink(probe);
  } catch (err) {
    if (err instanceof BridgeError) throw err;
    throw new IpcDirUnwritableError(dir, err);
  }
}

/** mkdir -p, the last directory with {@link DEFAULT_IPC_DIR_MODE}; true when this call created it. */
async function createIfMissing(dir: string): Promise<boolean> {
  const exists = await stat(dir).then(
    () => true,
    () => false,
  );
  if (exists) return false;
  await mkdir(dirname(dir), { recursive: true, mode: DEFAULT_IPC_PARENT_MODE });
  try {
    await mkdir(dir, { mode: DEFAULT_IPC_DIR_MODE });
    return true;
  } catch (err) {
    // Lost a race with another creator: whoever made it, the safety check judges it.
    if ((err as { code?: string }).code === 'EEXIST') return false;
    throw err;
  }
}
