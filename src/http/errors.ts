import { BridgeError } from '../errors';

/**
 * `[zmq_bridge] http_listen` could not be bound. Not fatal: the daemon logs
 * it and serves RPC without metrics and health, since Nova's messages matter
 * more than their observation (the receiver port already guards against a
 * second daemon).
 */
export class HttpListenFailedError extends BridgeError {
  constructor(listen: string, cause: unknown) {
    const code = (cause as { code?: string } | null)?.code;
    const why = code === 'EADDRINUSE' ? 'the port is in use by another process' : code === 'EADDRNOTAVAIL' ? 'the address is not on this host' : `${code ?? String(cause)}`;
    super(
      'HTTP_LISTEN_FAILED',
      `cannot serve metrics and health on ${listen} ([zmq_bridge] http_listen): ${why}; the daemon runs without them. Set http_listen to a free HOST:PORT, or leave it empty to turn the listener off`,
      { cause },
    );
  }
}
