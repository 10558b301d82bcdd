/**
 * The daemon's socket and file-descriptor budget, decided once at start-up.
 *
 * libzmq refuses a context's 1,024th socket by default (EMFILE from the
 * socket constructor), and every ZeroMQ socket costs file descriptors: its
 * mailbox (an eventfd) plus its listener or connection. So the two kinds of
 * sockets whose number grows with the cloud - connections to peer hosts and
 * ipc outlets of topics - each get a cap (`[zmq_bridge] max_peers`,
 * `max_ipc_outlets`), the context's `maxSockets` is sized to hold both caps
 * plus a reserve, and both caps are lowered (with a warning) when the
 * process's open-file limit (`LimitNOFILE` of the systemd unit) cannot hold
 * them. Past a cap the parts refuse with a typed, counted error; libzmq's
 * own limit is never what stops them. docs/scale.md has the arithmetic.
 */
import { readFileSync } from 'node:fs';

/**
 * Sockets beyond the two caps: the receiver's PULL, the matchmaker's and the
 * broker role's sockets, and closed sockets libzmq still holds while they
 * linger (a closed socket keeps its slot until its queue is flushed or its
 * linger ends).
 */
export const DEFAULT_RESERVED_SOCKETS = 256;
/** File descriptors per ZeroMQ socket: its mailbox eventfd and its one listener or connection. */
export const FDS_PER_SOCKET = 2;
/**
 * File descriptors per ipc outlet: its mailbox, its listener and the
 * connection of its (usually one) legacy consumer.
 */
export const FDS_PER_OUTLET = 3;
/**
 * File descriptors kept for everything that is not a ZeroMQ socket: local
 * API sessions (one per shim connection), Redis, Node's own (libuv, stdio,
 * inotify of the ring file), libzmq's I/O threads.
 */
export const DEFAULT_RESERVED_FDS = 1_024;
/** Neither cap is lowered below this many sockets, whatever the open-file limit says. */
export const MIN_CAP = 16;

export interface SocketCaps {
  /** `[zmq_bridge] max_peers`. */
  maxPeers: number;
  /** `[zmq_bridge] max_ipc_outlets`. */
  maxOutlets: number;
}

export interface SocketBudget extends SocketCaps {
  /** The context's `maxSockets`: both caps plus {@link DEFAULT_RESERVED_SOCKETS}. */
  maxSockets: number;
  /** File descriptors the budget may use at most. */
  fdsNeeded: number;
  /** The soft open-file limit it was planned against (null: unknown, nothing lowered). */
  openFileLimit: number | null;
  /** The caps as configured, when they had to be lowered; null when they fit. */
  lowered: SocketCaps | null;
}

function fdsFor(caps: SocketCaps): number {
  return (caps.maxPeers + DEFAULT_RESERVED_SOCKETS) * FDS_PER_SOCKET + caps.maxOutlets * FDS_PER_OUTLET + DEFAULT_RESERVED_FDS;
}

/**
 * The budget for the configured caps under `openFileLimit`. When the caps
 * do not fit, both are scaled down by the same factor (never below
 * {@link MIN_CAP}) so the ratio the operator chose is kept.
 */
export function planSocketBudget(want: SocketCaps, openFileLimit: number | null): SocketBudget {
  let caps = { ...want };
  let lowered: SocketCaps | null = null;
  if (openFileLimit !== null && fdsFor(caps) > openFileLimit) {
    const room = openFileLimit - DEFAULT_RESERVED_FDS - DEFAULT_RESERVED_SOCKETS * FDS_PER_SOCKET;
    const factor = Math.max(0, room) / (want.maxPeers * FDS_PER_SOCKET + want.maxOutlets * FDS_PER_OUTLET);
    caps = {
      maxPeers: Math.max(MIN_CAP, Math.floor(want.maxPeers * factor)),
      maxOutlets: Math.max(MIN_CAP, Math.floor(want.maxOutlets * factor)),
    };
    lowered = { ...want };
  }
  return {
    ...caps,
    maxSockets: caps.maxPeers + caps.maxOutlets + DEFAULT_RESERVED_SOCKETS,
    fdsNeeded: fdsFor(caps),
    openFileLimit,
    lowered,
  };
}

/**
 * The process's soft limit of open files (RLIMIT_NOFILE), from
 * /proc/self/limits; null where that file does not exist or says
 * "unlimited". Node raises the soft limit to the hard one when it starts, so
 * this is what `LimitNOFILE` (or `ulimit -Hn`) allows.
 */
export function readOpenFileLimit(limitsFile = '/proc/self/limits'): number | null {
  let text: string;
  try {
    text = readFileSync(limitsFile, 'utf8');
  } catch {
    return null;
  }
  const m = /^Max open files\s+(\S+)/m.exec(text);
  if (!m || m[1] === 'unlimited') return null;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}
