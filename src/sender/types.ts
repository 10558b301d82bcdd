/**
 * What other components (local API, broker role) need from the sender:
 * hand a complete legacy multipart message to a host's receiver.
 */
export interface FrameSender {
  /**
   * Queue `frames` for `host` (`tcp://<host>:<rpc_zmq_port>`, over a
   * persistent PUSH connection). Resolves once handed to ZeroMQ; rejects with
   * a typed error when it cannot be handed over within `rpc_cast_timeout` or
   * the peer's queue is full. When `host` is this daemon's own host the
   * message may be short-circuited into the local receiver.
   */
  send(host: string, frames: Buffer[]): Promise<void>;
}
