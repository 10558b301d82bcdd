import { SocketBindFailedError, SocketPortInUseError, type BoundSocket } from '../errors';

/** The two sockets of the broker role, named as in counters and logs. */
export type BrokerServiceName = 'broker' | 'scheduler';

/** What an operator reads and which nova.conf option moves each socket. */
const SERVICE: Record<BrokerServiceName, BoundSocket> = {
  broker: { label: 'the broker service', portOption: '[zmq_bridge] broker_port', usualHolder: 'an old broker-role daemon or another service' },
  scheduler: { label: 'the topic scheduler service', portOption: '[zmq_bridge] scheduler_port', usualHolder: 'an old broker-role daemon or another service' },
};

/**
 * The broker role's port (`[zmq_bridge] broker_port` or `scheduler_port`) is
 * taken by another process. Same condition, code and exit status as the
 * receiver's port in use (receiver/errors.ts): the CLI exits
 * `EXIT_STARTUP` with this message.
 */
export class BrokerPortInUseError extends SocketPortInUseError {
  constructor(
    readonly service: BrokerServiceName,
    endpoint: string,
    cause?: unknown,
  ) {
    super(SERVICE[service], endpoint, cause);
  }
}

/** A broker role socket could not be bound for another reason (address not local, IPv6 off, permission). */
export class BrokerBindFailedError extends SocketBindFailedError {
  constructor(
    readonly service: BrokerServiceName,
    endpoint: string,
    cause?: unknown,
  ) {
    super(SERVICE[service], endpoint, cause);
  }
}
