/**
 * Base of every error this project raises on purpose.
 *
 * Each condition gets its own subclass (in the folder of the concern that
 * raises it, e.g. `config/errors.ts`) with a stable `code`, so callers and
 * tests branch on the code rather than on message text, and messages can say
 * what to do without becoming an API.
 */
export class BridgeError extends Error {
  /** Stable machine-readable code, e.g. `CONFIG_INVALID_VALUE`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Process exit code used when start-up fails because of configuration. */
export const EXIT_CONFIG = 2;
/** Process exit code used when start-up fails for an environmental reason (port in use, ipc dir unwritable). */
export const EXIT_STARTUP = 3;

/** The text of a failure's cause for an error message: its own message, or the value itself. */
export function causeText(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

/**
 * Start-up failed for an environmental reason (not configuration): the CLI
 * exits with {@link EXIT_STARTUP} and prints the message.
 */
export abstract class StartupError extends BridgeError {
  readonly exitCode = EXIT_STARTUP;
}

/** A tcp socket the daemon binds, as its bind errors name it to an operator. */
export interface BoundSocket {
  /** The socket: `the receiver`, `the broker service`. */
  label: string;
  /** The nova.conf option of its port: `rpc_zmq_port`, `[zmq_bridge] broker_port`. */
  portOption: string;
  /** Who else usually holds that port, the in-use message's guess: `an old receiver or another daemon`. */
  usualHolder: string;
}

/**
 * The socket's port is taken by another process (`STARTUP_PORT_IN_USE`).
 * One condition and one message for every tcp socket the daemon binds; each
 * owner's errors.ts names its socket in a subclass.
 */
export abstract class SocketPortInUseError extends StartupError {
  constructor(
    socket: BoundSocket,
    readonly endpoint: string,
    cause?: unknown,
  ) {
    super(
      'STARTUP_PORT_IN_USE',
      `cannot bind ${socket.label} on ${endpoint}: address already in use. ` +
        `Stop the other process (${socket.usualHolder}?) or change ${socket.portOption} / rpc_zmq_bind_address in nova.conf.`,
      { cause },
    );
  }
}

/** The socket could not be bound for another reason: address not local, IPv6 off, permission (`STARTUP_BIND_FAILED`). */
export abstract class SocketBindFailedError extends StartupError {
  constructor(
    socket: BoundSocket,
    readonly endpoint: string,
    cause?: unknown,
  ) {
    super(
      'STARTUP_BIND_FAILED',
      `cannot bind ${socket.label} on ${endpoint}: ${causeText(cause)}. Check rpc_zmq_bind_address and ${socket.portOption} in nova.conf.`,
      { cause },
    );
  }
}
