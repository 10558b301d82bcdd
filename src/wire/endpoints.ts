/**
 * Every ZeroMQ endpoint and socket path the daemon uses, formatted in one
 * place: the receiver's and peers' `tcp://` (IPv6 literals bracketed, as
 * libzmq requires), the matchmaker services' `tcp://`, the legacy ipc sockets
 * (`ipc://<rpc_zmq_ipc_dir>/zmq_topic_<topic>`, docs/wire-protocol.md) and the
 * local API socket. No other module writes `tcp://` or joins an ipc path.
 */
import { join } from 'node:path';
import { ipcFileName } from './topic';

/** File name of the local API socket inside `rpc_zmq_ipc_dir` (docs/local-api.md). */
export const LOCAL_SOCKET_NAME = 'nova-zmq-bridge.sock';

/** `host` as it goes between `tcp://` and `:port`: IPv6 literals in brackets, everything else as is. */
export function tcpHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** `tcp://<host>:<port>`; `host` may be a name, an IPv4 or IPv6 literal, or `*` (bind to all). */
export function tcpEndpoint(host: string, port: number): string {
  return `tcp://${tcpHost(host)}:${port}`;
}

/** `ipcDir` without trailing slashes, so joined paths never hold `//`. */
function trimDir(ipcDir: string): string {
  return ipcDir.replace(/\/+$/, '') || '/';
}

/** Filesystem path of a topic's legacy ipc socket. */
export function ipcPath(ipcDir: string, topic: string): string {
  const dir = trimDir(ipcDir);
  return `${dir === '/' ? '' : dir}/${ipcFileName(topic)}`;
}

/** `ipc://<ipcPath>`: the endpoint legacy consumers connect to. */
export function ipcEndpoint(ipcDir: string, topic: string): string {
  return `ipc://${ipcPath(ipcDir, topic)}`;
}

/** Default path of the local API socket: `<rpc_zmq_ipc_dir>/nova-zmq-bridge.sock`. */
export function localSocketPath(ipcDir: string): string {
  return join(ipcDir, LOCAL_SOCKET_NAME);
}
