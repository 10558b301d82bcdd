/**
 * What the socket owners (receiver, peer pool, matchmaker services and
 * their clients) ask of the security layer, so they depend on this small
 * interface rather than on its implementation (security.ts).
 */
import type { Socket } from 'zeromq';

/**
 * The doors of a daemon that bind, each its own ZAP domain:
 * `rpc` the receiver (CURVE), `service` the broker / topic scheduler
 * services (CURVE), `plaintext` the listener for legacy peers (NULL,
 * address allow-list).
 */
export type ServerRole = 'rpc' | 'service' | 'plaintext';

/** What a connecting socket talks to: a peer's receiver, or a broker-role service. */
export type ClientRole = 'rpc' | 'service';

/** How to reach a peer, once the socket is configured. */
export interface ClientPlan {
  /** The port to connect to instead of the caller's default (a legacy peer's plaintext port), or null. */
  port: number | null;
}

export interface SocketSecurity {
  /** True when `[zmq_bridge] security = curve`. */
  readonly enabled: boolean;
  /** Configure a socket before it binds (CURVE server, ZAP domain, fail-closed). No-op when security is off. */
  server(sock: Socket, role: ServerRole): void;
  /**
   * Configure a socket before it connects to `host`. Throws
   * PeerKeyMissingError (security/errors.ts) when `host` cannot be reached
   * securely: nothing must then be sent to it.
   */
  client(sock: Socket, host: string, role: ClientRole): ClientPlan;
  /** Called with the hosts whose key changed after a reload of the trusted keys (their connections must be remade). */
  onPeerKeysChanged(fn: (hosts: string[]) => void): void;
}

/** Security off: sockets stay as the legacy driver had them. */
export const NO_SECURITY: SocketSecurity = {
  enabled: false,
  server: () => undefined,
  client: () => ({ port: null }),
  onPeerKeysChanged: () => undefined,
};
