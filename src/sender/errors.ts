import { BridgeError } from '../errors';

/**
 * Error codes double as local API error codes (docs/local-api.md), so the
 * local API answers a sender failure with `err.code` unchanged.
 */

/** The peer's backlog is full: refused immediately rather than queued without bound. */
export class QueueFullError extends BridgeError {
  constructor(peer: string, limit: number) {
    super('QUEUE_FULL', `send queue for peer ${peer} is full (${limit} messages waiting): the peer is slow or unreachable; retry later or check its receiver`);
  }
}

/** A message could not be handed to the peer's connection within `rpc_cast_timeout`. */
export class SendFailedError extends BridgeError {
  constructor(peer: string, why: string, options?: { cause?: unknown }) {
    super('SEND_FAILED', `could not hand the message to peer ${peer}: ${why}; is its receiver running and reachable (rpc_zmq_port)?`, options);
  }
}

/** The sender (or the daemon) is stopping. */
export class SenderStoppedError extends BridgeError {
  constructor() {
    super('SHUTDOWN', 'the daemon is shutting down; the message was not sent');
  }
}

/** A call got no reply (or, once the callee heartbeated, no heartbeat) in time. */
export class CallTimeoutError extends BridgeError {
  constructor(msgId: string, seconds: number, monitor: boolean) {
    super(
      'TIMEOUT',
      monitor
        ? `call ${msgId}: the callee stopped heartbeating for ${seconds}s (monitor_timeout); it may have died`
        : `call ${msgId}: no reply within ${seconds}s; raise the call's timeout (rpc_response_timeout) or check the callee`,
    );
  }
}

/** A call was abandoned because its caller went away or the daemon stopped. */
export class CallCancelledError extends BridgeError {
  constructor(msgId: string, why: string) {
    super('SHUTDOWN', `call ${msgId} cancelled: ${why}`);
  }
}

/**
 * A call was registered under a msg_id that is already waiting. msg_ids are
 * random 128-bit values, so this means a bug in the caller, not bad luck.
 */
export class DuplicateMsgIdError extends BridgeError {
  constructor(msgId: string) {
    super('DUPLICATE_MSG_ID', `call ${msgId}: another call already waits under this msg_id; the call was not made (report this as a bug)`);
  }
}

/** A message on our reply topic, for a pending call, that is not a `-process_reply`. */
export class NotAReplyError extends BridgeError {
  constructor(msgId: string, kind: string) {
    super('REPLY_INVALID', `call ${msgId}: expected a -process_reply on the reply topic, got a ${kind} message; the callee (or whatever sent it) does not speak impl_zmq replies`);
  }
}

/**
 * No connection to the peer could be opened: `[zmq_bridge] max_peers`
 * connections are open and every one is busy (or the process is out of
 * sockets), and the message could not wait for one to free up - either too
 * many messages already wait (`DEFAULT_SLOT_WAIT_LIMIT`) or its
 * `rpc_cast_timeout` passed while it waited.
 */
export class PeerLimitError extends BridgeError {
  constructor(peer: string, maxPeers: number, why: string) {
    super(
      'PEER_LIMIT',
      `no connection to peer ${peer}: ${maxPeers} peer connections are open and busy (${why}); ` +
        'raise [zmq_bridge] max_peers (and LimitNOFILE, see docs/scale.md) or find the peers that do not take their messages',
    );
  }
}
