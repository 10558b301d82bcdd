import { BridgeError, EXIT_STARTUP } from '../errors';

/** The two sockets of the broker role, named as in counters and logs. */
export type BrokerServiceName = 'broker' | 'scheduler';

/** What an operator reads and which nova.conf option moves each socket. */
const SERVICE: Record<BrokerServiceName, { label: string; option: string }> = {
  broker: { label: 'the broker service', option: '[zmq_bridge] broker_port' },
  scheduler: { label: 'the topic scheduler service', option: '[zmq_bridge] scheduler_port' },
};

/**
 * The broker role's port (`[zmq_bridge] broker_port` or `scheduler_port`) is
 * taken by another process. Same condition, code and exit status as the
 * receiver's port in use (receiver/errors.ts): the CLI exits
 * {@link EXIT_STARTUP} with this message.
 */
export class BrokerPortInUseError extends BridgeError {
  readonly exitCode = EXIT_STARTUP;
  readonly service: BrokerServiceName;
  readonly endpoint: string;

  constructor(service: BrokerServiceName, endpoint: string, cause?: unknown) {
    const s = SERVICE[service];
    super(
      'STARTUP_PORT_IN_USE',
      `cannot bind ${s.label} on ${endpoint}: address already in use. ` +
        `Stop the other process (an old broker-role daemon or another service?) or change ${s.option} / rpc_zmq_bind_address in nova.conf.`,
      { cause },
    );
    this.service = service;
    this.endpoint = endpoint;
  }
}

/** A broker role socket could not be bound for another reason (address not local, IPv6 off, permission). */
export class BrokerBindFailedError extends BridgeError {
  readonly exitCode = EXIT_STARTUP;
  readonly service: BrokerServiceName;
  readonly endpoint: string;

  constructor(service: BrokerServiceName, endpoint: string, cause?: unknown) {
    const s = SERVICE[service];
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      'STARTUP_BIND_FAILED',
      `cannot bind ${s.label} on ${endpoint}: ${why}. Check rpc_zmq_bind_address and ${s.option} in nova.conf.`,
      { cause },
    );
    this.service = service;
    this.endpoint = endpoint;
  }
}
