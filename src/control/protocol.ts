/**
 * The daemon's own RPC endpoint: every daemon answers calls on the directed
 * topic `nova_zmq_bridge.<host>` with legacy frames, so `nova-zmq-bridge
 * ping HOST` measures a real round trip (sender -> peer's receiver -> reply
 * -> reply waiter) without any Nova service running. Only nodes of this
 * project answer it; a legacy receiver would hand the call to an ipc socket
 * nobody reads, and the ping times out.
 */

/** Base topic of the control endpoint (never a Nova topic: Nova's have no underscore-prefixed `nova_zmq_bridge`). */
export const CONTROL_TOPIC = 'nova_zmq_bridge';
/** Method of the daemon ping. */
export const CONTROL_PING_METHOD = 'ping';
/** Method oslo.messaging servers answer with `"pong"` when `[DEFAULT] rpc_ping_enabled = true`. */
export const OSLO_PING_METHOD = 'oslo_rpc_server_ping';

/** What a daemon answers to `ping` (the call's result). */
export interface ControlPingResult {
  /** The answering daemon's `rpc_zmq_host`. */
  host: string;
  version: string;
  /** Seconds since it started. */
  uptime_s: number;
}

/** `{"method": ..., "args": {}}`: the request of a ping, as json.dumps writes it. */
export function pingRequest(method: string): string {
  return `{"method": ${JSON.stringify(method)}, "args": {}}`;
}
