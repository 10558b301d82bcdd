import { BridgeError, EXIT_STARTUP } from '../errors';

/**
 * Start-up failed for an environmental reason (not configuration): the CLI
 * exits with {@link EXIT_STARTUP} and prints the message.
 */
export abstract class StartupError extends BridgeError {
  readonly exitCode = EXIT_STARTUP;
}

/** The receiver's tcp port (`rpc_zmq_port`) is taken by another process. */
export class PortInUseError extends StartupError {
  constructor(endpoint: string, cause?: unknown) {
    super(
      'STARTUP_PORT_IN_USE',
      `cannot bind the receiver on ${endpoint}: address already in use. ` +
        'Stop the other process (an old receiver or another daemon?) or change rpc_zmq_port / rpc_zmq_bind_address in nova.conf.',
      { cause },
    );
  }
}

/** The receiver's tcp endpoint could not be bound for another reason (bad address, permission). */
export class BindFailedError extends StartupError {
  constructor(endpoint: string, cause?: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      'STARTUP_BIND_FAILED',
      `cannot bind the receiver on ${endpoint}: ${why}. Check rpc_zmq_bind_address and rpc_zmq_port in nova.conf.`,
      { cause },
    );
  }
}

/** `rpc_zmq_ipc_dir` cannot be created or written by the daemon's user. */
export class IpcDirUnwritableError extends StartupError {
  constructor(dir: string, cause?: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      'STARTUP_IPC_DIR_UNWRITABLE',
      `the ipc directory ${dir} (rpc_zmq_ipc_dir) is not usable: ${why}. ` +
        'Create it writable for the daemon\'s user (e.g. install -d -m 0755 -o <user> ' + dir + ') or point rpc_zmq_ipc_dir elsewhere.',
      { cause },
    );
  }
}

/**
 * Two parts were plugged into one stage of the receiver's router (a wiring
 * mistake in the daemon's composition, or a test plugging a part the daemon
 * already plugs): the second would silently shadow or be shadowed by the first.
 */
export class StageTakenError extends BridgeError {
  constructor(stage: string, holder: string, newcomer: string) {
    super(
      'ROUTER_STAGE_TAKEN',
      `cannot plug ${newcomer} into the receiver's '${stage}' stage: ${holder} is already there. ` +
        'Each stage holds one part; plug it into its own stage or build the router without the other part.',
    );
  }
}
