/**
 * Who is at the other end of a local API connection: the kernel's
 * SO_PEERCRED (pid, uid, gid of the process that connected, recorded by the
 * kernel at connect time) and SO_PEERGROUPS (its supplementary groups).
 *
 * Node has no API for either. The choice, among what exists:
 * - koffi (a maintained FFI with prebuilt binaries for Linux, ~2 M downloads
 *   a month) calling libc's getsockopt() on the connection's fd: the kernel's
 *   own answer, exact and synchronous, no race;
 * - a native addon of our own: a C++ toolchain at install time;
 * - /proc/net/unix + /proc/<pid>/fd: /proc/net/unix does not list a
 *   connection's peer, so pairing sockets needs sock_diag netlink (what
 *   `ss -xp` does) plus a scan of every process's fds: a child process per
 *   connection, and it finds whoever holds the fd *now*, not who connected.
 * koffi is loaded once, when the local API starts; if it cannot be, the
 * daemon refuses to start (fail closed).
 */
import type { Socket } from 'node:net';
import { PeerCredentialsUnavailableError } from './errors';

/** Linux's SOL_SOCKET and option numbers (asm-generic: x86-64, arm64, riscv64; not mips/sparc/parisc). */
const SOL_SOCKET = 1;
const SO_PEERCRED = 17;
const SO_PEERGROUPS = 59;
/** `struct ucred`: pid, uid, gid as 32-bit integers. */
const UCRED_BYTES = 12;
/** Supplementary groups asked for at first (the kernel says how many more if there are). */
const FIRST_GROUPS = 64;

export interface PeerCredentials {
  pid: number;
  uid: number;
  gid: number;
  /** Supplementary groups (SO_PEERGROUPS). */
  groups: number[];
}

/** Reads a connected unix socket's peer credentials; throws when it cannot. */
export type PeerCredentialReader = (sock: Socket) => PeerCredentials;

type GetSockOpt = (fd: number, level: number, name: number, val: Buffer, len: number[]) => number;

/** The file descriptor of a net.Socket (libuv's handle; absent on a closed socket). */
function fdOf(sock: Socket): number {
  const fd = (sock as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error('the connection has no file descriptor');
  return fd;
}

/** A reader bound to libc's getsockopt. Throws {@link PeerCredentialsUnavailableError} when koffi or libc cannot be loaded. */
export function peerCredentialReader(): PeerCredentialReader {
  let getsockopt: GetSockOpt;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const koffi = require('koffi') as typeof import('koffi');
    const libc = koffi.load('libc.so.6');
    getsockopt = libc.func('int getsockopt(int fd, int level, int name, _Out_ uint8_t *val, _Inout_ uint32_t *len)') as GetSockOpt;
  } catch (err) {
    throw new PeerCredentialsUnavailableError(err);
  }
  return (sock) => {
    const fd = fdOf(sock);
    const cred = Buffer.alloc(UCRED_BYTES);
    const len = [UCRED_BYTES];
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, len) !== 0 || len[0] !== UCRED_BYTES) throw new Error('getsockopt(SO_PEERCRED) failed');
    let buf = Buffer.alloc(FIRST_GROUPS * 4);
    let glen = [buf.length];
    if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, buf, glen) !== 0) {
      // ERANGE: the kernel wrote the size it needs into glen.
      if (!(glen[0]! > buf.length)) throw new Error('getsockopt(SO_PEERGROUPS) failed');
      buf = Buffer.alloc(glen[0]!);
      glen = [buf.length];
      if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, buf, glen) !== 0) throw new Error('getsockopt(SO_PEERGROUPS) failed');
    }
    const groups: number[] = [];
    for (let i = 0; i + 4 <= glen[0]!; i += 4) groups.push(buf.readUInt32LE(i));
    return { pid: cred.readInt32LE(0), uid: cred.readUInt32LE(4), gid: cred.readUInt32LE(8), groups };
  };
}
