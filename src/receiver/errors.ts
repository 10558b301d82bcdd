import { BridgeError, StartupError, SocketBindFailedError, SocketPortInUseError, causeText, type BoundSocket } from '../errors';

// The base of the receiver's start-up errors lives in src/errors.ts (the broker role's share it); exported here as before.
export { StartupError };

/** The receiver's PULL socket on `rpc_zmq_port`, as its bind errors name it. */
const RECEIVER_SOCKET: BoundSocket = { label: 'the receiver', portOption: 'rpc_zmq_port', usualHolder: 'an old receiver or another daemon' };

/** The receiver's tcp port (`rpc_zmq_port`) is taken by another process. */
export class PortInUseError extends SocketPortInUseError {
  constructor(endpoint: string, cause?: unknown) {
    super(RECEIVER_SOCKET, endpoint, cause);
  }
}

/** The receiver's tcp endpoint could not be bound for another reason (bad address, permission). */
export class BindFailedError extends SocketBindFailedError {
  constructor(endpoint: string, cause?: unknown) {
    super(RECEIVER_SOCKET, endpoint, cause);
  }
}

/** `rpc_zmq_ipc_dir` cannot be created or written by the daemon's user. */
export class IpcDirUnwritableError extends StartupError {
  constructor(dir: string, cause?: unknown) {
    super(
      'STARTUP_IPC_DIR_UNWRITABLE',
      `the ipc directory ${dir} (rpc_zmq_ipc_dir) is not usable: ${causeText(cause)}. ` +
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
