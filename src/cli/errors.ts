/** Errors of the operator's subcommands (status, ping, check-config). */
import { BridgeError } from '../errors';

/** The local API socket does not answer: no daemon runs with this configuration, or it is another user's. */
export class DaemonUnreachableError extends BridgeError {
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    const code = (cause as { code?: string } | null)?.code;
    const why =
      code === 'ENOENT'
        ? 'no socket there'
        : code === 'ECONNREFUSED'
          ? 'nobody accepts connections on it (a stale file: the daemon is not running)'
          : code === 'EACCES'
            ? "permission denied (run as the daemon's user or group)"
            : cause instanceof Error
              ? cause.message
              : String(cause);
    super(
      'CLI_DAEMON_UNREACHABLE',
      `cannot reach the daemon's local API at ${path}: ${why}; is nova-zmq-bridge running with this configuration ([zmq_bridge] local_socket, rpc_zmq_ipc_dir)?`,
      { cause },
    );
  }
}

/** The daemon accepted the connection but did not answer in time. */
export class DaemonSilentError extends BridgeError {
  constructor(path: string, op: string, ms: number) {
    super('CLI_DAEMON_SILENT', `the daemon at ${path} did not answer ${op} within ${ms / 1000} s; it may be overloaded or stuck (look at its log)`);
  }
}

/** The daemon answered a request with `error`. */
export class DaemonRefusedError extends BridgeError {
  constructor(
    readonly answerCode: string,
    message: string,
  ) {
    super(`CLI_REFUSED_${answerCode}`, message);
  }
}
