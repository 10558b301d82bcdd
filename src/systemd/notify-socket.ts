/**
 * A unix datagram socket to the service manager's `$NOTIFY_SOCKET` (the
 * sd_notify protocol: one datagram of `KEY=VALUE` lines per message).
 *
 * Node has no unix datagram sockets, so this uses the npm package
 * `unix-dgram` (a small native addon by a Node core maintainer, the one
 * hot-shots and winston-syslog rely on): sending from the daemon's own
 * process is what lets systemd attribute the message to the unit's main
 * PID. Running Debian's `systemd-notify` instead would send from a child
 * process, which needs `NotifyAccess=all` and races with the child's exit
 * (systemd may no longer find the sender's unit). The addon is loaded only
 * when `$NOTIFY_SOCKET` is set.
 *
 * Each message is sent with `sendto` to the path, not over a connected
 * socket, so a service manager that re-created its socket (daemon-reexec)
 * still gets the next one.
 */
import { NotifySocketUnsupportedError, NotifySendFailedError } from './errors';

/** Where messages go; tests stand a real datagram listener in for systemd. */
export interface NotifyTransport {
  readonly path: string;
  send(message: string): Promise<void>;
  close(): void;
}

interface UnixDgramSocket {
  send(buf: Buffer, offset: number, length: number, path: string, cb: (err?: Error) => void): void;
  close(): void;
}

/** The socket path of a `$NOTIFY_SOCKET` value; throws {@link NotifySocketUnsupportedError} for abstract (`@...`) and vsock sockets. */
export function notifySocketPath(value: string): string {
  if (!value.startsWith('/')) throw new NotifySocketUnsupportedError(value);
  return value;
}

/** Open a datagram socket for sending to `path` (no bind: the service manager reads the sender's credentials). */
export function openNotifySocket(path: string): NotifyTransport {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dgram = require('unix-dgram') as { createSocket(type: 'unix_dgram'): UnixDgramSocket & NodeJS.EventEmitter };
  const sock = dgram.createSocket('unix_dgram');
  // Errors are reported through each send's callback; an 'error' event without a listener would crash.
  sock.on('error', () => {});
  let closed = false;
  return {
    path,
    send(message: string): Promise<void> {
      if (closed) return Promise.resolve();
      const buf = Buffer.from(message, 'utf8');
      return new Promise((resolve, reject) => {
        sock.send(buf, 0, buf.length, path, (err?: Error) => (err ? reject(new NotifySendFailedError(path, message, err)) : resolve()));
      });
    },
    close(): void {
      if (closed) return;
      closed = true;
      sock.close();
    },
  };
}
