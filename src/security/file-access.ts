/**
 * Explicit owner group and mode of the files other local processes connect
 * to (ipc sockets, the local API socket): the ipc group and the configured
 * mode, whatever the daemon's umask.
 */
import { chmod, chown } from 'node:fs/promises';

export interface FileAccess {
  /** Group given to the file (the ipc group). */
  gid: number;
  /** Mode given to the file (octal, e.g. 0o660). */
  mode: number;
}

/** chown :gid then chmod mode (the uid stays the daemon's). */
export async function applyFileAccess(path: string, access: FileAccess): Promise<void> {
  await chown(path, -1, access.gid);
  await chmod(path, access.mode);
}
