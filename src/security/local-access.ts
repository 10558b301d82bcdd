/**
 * Who may use the local API: root, the daemon's own user, and members of
 * the ipc group (`[zmq_bridge] ipc_group`, by default the daemon's group),
 * by the credentials the kernel recorded when the process connected. The
 * socket file's mode is the first gate; this is the one that cannot be
 * widened by a chmod or a socket file in the wrong place.
 */
import type { Socket } from 'node:net';
import type { PeerCredentialReader, PeerCredentials } from './peer-credentials';

export interface LocalAccessPolicy {
  /** The daemon's effective uid. */
  uid: number;
  /** The ipc group's gid. */
  gid: number;
}

export type AccessVerdict = { ok: true; creds: PeerCredentials } | { ok: false; creds: PeerCredentials | null; why: string };

/** Whether credentials `c` may use the local API under `p`. */
export function allowedPeer(c: PeerCredentials, p: LocalAccessPolicy): boolean {
  return c.uid === 0 || c.uid === p.uid || c.gid === p.gid || c.groups.includes(p.gid);
}

/** Checks each accepted connection; anything it cannot read is refused (fail closed). */
export class LocalAccess {
  constructor(
    readonly policy: LocalAccessPolicy,
    private readonly read: PeerCredentialReader,
  ) {}

  check(sock: Socket): AccessVerdict {
    let creds: PeerCredentials;
    try {
      creds = this.read(sock);
    } catch (err) {
      return { ok: false, creds: null, why: `its credentials cannot be read (${(err as Error).message})` };
    }
    if (allowedPeer(creds, this.policy)) return { ok: true, creds };
    return { ok: false, creds, why: `uid ${creds.uid} gid ${creds.gid} is neither root, the daemon's uid ${this.policy.uid}, nor in the ipc group ${this.policy.gid}` };
  }
}
