import { BridgeError } from '../errors';

/** `$NOTIFY_SOCKET` names a socket this daemon cannot write to (abstract namespace, vsock). */
export class NotifySocketUnsupportedError extends BridgeError {
  constructor(value: string) {
    super(
      'NOTIFY_SOCKET_UNSUPPORTED',
      `NOTIFY_SOCKET=${JSON.stringify(value)} is not a unix socket path; only path sockets (systemd's /run/systemd/notify) are supported: ` +
        'readiness and watchdog messages will not be sent. Run the unit with Type=simple, or under a service manager that gives a path',
    );
  }
}

/** One notification could not be sent to `$NOTIFY_SOCKET`. */
export class NotifySendFailedError extends BridgeError {
  constructor(path: string, message: string, cause: unknown) {
    super('NOTIFY_SEND_FAILED', `could not send ${JSON.stringify(message.split('\n')[0])} to the service manager at ${path}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}
