/**
 * Handshake failures of a secured server socket, from libzmq's socket
 * monitor: the refusals the ZAP handler never sees. A plaintext client on a
 * CURVE socket fails on the mechanism (`ERR_ZMTP_MECHANISM_MISMATCH`), a
 * client that does not know this host's public key on the crypto
 * (`ERR_ZMTP_CRYPTOGRAPHIC`) - or, when the client notices first and hangs
 * up, as an `other` failure (`EPIPE`) - and any client while no ZAP handler
 * is bound on `EFAULT`. libzmq names only the local endpoint in these events, not the
 * peer. The observer ends by itself when its socket closes.
 */
import * as zmq from 'zeromq';
import type { Logger } from '../log';
import type { Counters } from '../metrics/counters';
import type { LogLimiter } from '../util/log-limiter';

/** Kinds of handshake failure; counted as `security.handshake_failed.<kind>`. */
export type HandshakeFailure = 'protocol' | 'auth' | 'other';

/** What an error code means for an operator. */
function explain(code: string | undefined): string {
  switch (code) {
    case 'ERR_ZMTP_MECHANISM_MISMATCH':
      return 'the client does not speak CURVE (a plaintext legacy node? list it in plaintext_peers and have it use plaintext_port)';
    case 'ERR_ZMTP_CRYPTOGRAPHIC':
      return "the client does not have this host's public key (its copy of <this host>.key is missing or stale)";
    case 'EFAULT':
      return 'no ZAP handler is running: every client is refused';
    case 'EPIPE':
    case 'ECONNRESET':
      return 'the client hung up during the handshake (it does not speak CURVE, or does not have this host\'s current key)';
    default:
      return 'handshake failed';
  }
}

/** Watch `sock` (a secured server socket of `role`) for failed handshakes. */
export function watchHandshakes(sock: zmq.Socket, role: string, deps: { log: Logger; counters: Counters; limiter: LogLimiter }): void {
  // The socket's own observer, shared through its emitter: libzmq keeps one
  // monitor per socket, so a second Observer would silence the receiver's and
  // the peer pool's connection events (or they would silence this one).
  const obs = sock.events;
  const failed = (kind: HandshakeFailure) => (e: { address: string; error?: { code?: string; status?: number } }) => {
    deps.counters.inc(`security.handshake_failed.${kind}`);
    // ZAP refusals (auth) were logged with the peer and its key by the ZAP handler.
    if (kind === 'auth') return;
    const code = e.error?.code;
    // libzmq does not name the peer here: one line per door and error code.
    deps.limiter.warn(deps.log, `handshake.${role}.${code}`, '', { role, endpoint: e.address, code }, `connection refused: ${explain(code)}`);
  };
  obs.on('handshake:error:protocol', failed('protocol'));
  obs.on('handshake:error:auth', failed('auth'));
  obs.on('handshake:error:other', failed('other'));
}
