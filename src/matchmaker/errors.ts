import { BridgeError, EXIT_CONFIG } from '../errors';

/** `rpc_zmq_matchmaker` names a kind whose module is not part of this build. Start-up stops: CLI exit {@link EXIT_CONFIG}. */
export class MatchmakerNotBuiltError extends BridgeError {
  readonly exitCode = EXIT_CONFIG;
  constructor(kind: string, raw: string) {
    super(
      'MATCHMAKER_NOT_BUILT',
      `rpc_zmq_matchmaker = ${raw} (kind '${kind}') is not available in this build; ` +
        `use one of the built kinds (local, ring, fanout_ring, broker, topic_scheduler, redis, stub)`,
    );
  }
}

/** A matchmaker option is missing or unusable (e.g. `rpc_zmq_broker_ip` unset for the broker). CLI exit {@link EXIT_CONFIG}. */
export class MatchmakerConfigError extends BridgeError {
  readonly exitCode = EXIT_CONFIG;
  constructor(message: string) {
    super('MATCHMAKER_CONFIG', message);
  }
}

/** Why a ring file was refused; stable values used in logs and counters. */
export type RingProblem =
  | 'unreadable'
  | 'not_json'
  | 'not_object'
  | 'not_list'
  | 'empty_list'
  | 'host_not_string'
  | 'topic_with_dot'
  | 'empty_topic'
  | 'servers_not_object'
  | 'server_hosts_invalid';

/**
 * The ring file (`[matchmaker_ring] ringfile`) cannot be read or is not
 * `{topic: [host, ...]}`. At start-up the CLI exits {@link EXIT_CONFIG} (the
 * file is part of the configuration); on a reload it is logged and the
 * previous ring kept.
 */
export class RingFileError extends BridgeError {
  readonly exitCode = EXIT_CONFIG;
  readonly problem: RingProblem;
  readonly file: string;

  constructor(file: string, problem: RingProblem, detail: string, options?: { cause?: unknown }) {
    super(
      'MATCHMAKER_RING_INVALID',
      `ring file ${file} (nova.conf [matchmaker_ring] ringfile / rpc_zmq_matchmaker_ringfile): ${detail}; ` +
        `expected a JSON object {"<bare topic>": ["host", ...], ...} (and optionally "zmq_bridge.servers": {"<server name>": "host", ...})`,
      options,
    );
    this.problem = problem;
    this.file = file;
  }
}

/** The broker / topic scheduler service did not answer in time (down, unreachable, overloaded). */
export class MatchmakerServiceUnavailableError extends BridgeError {
  constructor(service: string, endpoint: string, timeoutMs: number, op: string) {
    super(
      'MATCHMAKER_SERVICE_UNAVAILABLE',
      `${service} at ${endpoint} did not answer '${op}' within ${timeoutMs} ms; ` +
        `check that a daemon with [zmq_bridge] broker_role = true runs at rpc_zmq_broker_ip`,
    );
  }
}

/** The Redis matchmaker cannot reach its server. */
export class RedisUnavailableError extends BridgeError {
  constructor(host: string, port: number, options?: { cause?: unknown }) {
    super(
      'MATCHMAKER_REDIS_UNAVAILABLE',
      `Redis at ${host}:${port} ([matchmaker_redis] host/port) is unreachable; ` +
        `the last known view of the hosts keeps serving until it returns`,
      options,
    );
  }
}

/** The broker / topic scheduler service answered a request with an error. */
export class MatchmakerServiceRefusedError extends BridgeError {
  constructor(service: string, endpoint: string, op: string, reason: string) {
    super(
      'MATCHMAKER_SERVICE_REFUSED',
      `${service} at ${endpoint} refused '${op}': ${reason}; the two daemons may run incompatible versions`,
    );
  }
}
