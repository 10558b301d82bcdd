import { BridgeError, EXIT_STARTUP } from '../errors';

/**
 * Local API errors. Their `code` is what the shim sees in `{op: "error", code}`
 * (docs/local-api.md), except the start-up errors, which stop the daemon.
 */

/** A malformed frame: the connection is answered PROTOCOL and closed. */
export class ProtocolError extends BridgeError {
  constructor(detail: string) {
    super('PROTOCOL', `local API protocol error: ${detail}`);
  }
}

/** A request field is missing or has the wrong type. */
export class InvalidFieldError extends BridgeError {
  constructor(op: string, field: string, expected: string) {
    super('INVALID', `local API op ${op}: field ${field} must be ${expected}`);
  }
}

/**
 * A request whose message would be larger than `[zmq_bridge] max_message_size`:
 * every receiver (this daemon's and its peers') refuses such a message, so it
 * is refused here, where the shim can be told.
 */
export class MessageTooLargeError extends BridgeError {
  constructor(op: string, bytes: number, max: number) {
    super(
      'TOO_LARGE',
      `local API op ${op}: the message would be ${bytes} bytes, more than max_message_size (${max} bytes) that receivers accept; send less, or raise [zmq_bridge] max_message_size on every host`,
    );
  }
}

/** A connection that started a frame and did not finish it in time: answered PROTOCOL and closed. */
export class ReadTimeoutError extends BridgeError {
  constructor(seconds: number, received: number) {
    super(
      'PROTOCOL',
      `local API protocol error: a frame was started but not completed within ${seconds} s ([zmq_bridge] local_read_timeout; ${received} bytes received); closing the connection`,
    );
  }
}

/** Longest wire topic repeated in a NO_ROUTE message, in characters (real topics are far shorter). */
export const MAX_ECHOED_TOPIC_CHARS = 255;

/** Longest piece of a shim's input (an op name, a topic) repeated in an error message, in characters. */
export const MAX_ECHOED_CHARS = 64;

/** `text` cut to {@link MAX_ECHOED_CHARS}: error answers must not grow with what a shim sent. */
export function echoed(text: string, max = MAX_ECHOED_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length} chars)`;
}

/** The matchmaker returned no host for a topic. */
export class NoRouteError extends BridgeError {
  constructor(topic: string, matchmaker: string) {
    super('NO_ROUTE', `no host for topic ${echoed(topic, MAX_ECHOED_TOPIC_CHARS)} (matchmaker ${matchmaker}); is any server listening on it, and does the matchmaker (rpc_zmq_matchmaker, ring file, redis) know it?`);
  }
}

/** `status` asked of a local API built without the daemon's status reporter (a test assembly). */
export class StatusUnavailableError extends BridgeError {
  constructor() {
    super('UNAVAILABLE', 'this local API serves no status (it was built without a daemon)');
  }
}

/**
 * A directed target's server name resolves nowhere: no listener of that
 * name on this host, none the matchmaker knows of, and the name is not a
 * host either (docs/server-names.md). Answered at once instead of letting
 * the call wait out its timeout.
 */
export class UnknownServerError extends BridgeError {
  readonly topic: string;
  readonly server: string;
  readonly tried: readonly string[];
  constructor(topic: string, server: string, tried: readonly string[]) {
    super(
      'UNKNOWN_SERVER',
      `no server named ${JSON.stringify(echoed(server))} for topic ${echoed(topic, MAX_ECHOED_TOPIC_CHARS)}: ${tried.join('; ')}. ` +
        'Is that server running? Its host must register the name (redis, broker, topic_scheduler matchmakers), ' +
        'list it in the ring file\'s "zmq_bridge.servers", or the name must resolve as a host name (see docs/server-names.md)',
    );
    this.topic = topic;
    this.server = server;
    this.tried = tried;
  }
}

/** The daemon is stopping. */
export class LocalApiShutdownError extends BridgeError {
  constructor() {
    super('SHUTDOWN', 'the daemon is shutting down');
  }
}

/** Another daemon answers on the local API socket path. */
export class LocalSocketInUseError extends BridgeError {
  readonly exitCode = EXIT_STARTUP;
  constructor(path: string) {
    super(
      'STARTUP_LOCAL_SOCKET_IN_USE',
      `another daemon is already serving the local API on ${path}; stop it, or give this one its own [zmq_bridge] local_socket / rpc_zmq_ipc_dir`,
    );
  }
}

/** The local API socket could not be created. */
export class LocalSocketFailedError extends BridgeError {
  readonly exitCode = EXIT_STARTUP;
  constructor(path: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super('STARTUP_LOCAL_SOCKET_FAILED', `cannot serve the local API on ${path}: ${why}; check [zmq_bridge] local_socket and the directory's permissions`, { cause });
  }
}
