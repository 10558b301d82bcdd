/**
 * The outlet of a bare or directed topic (`compute`, `compute.host1`): a
 * PUSH socket, as the legacy receiver binds, so each message goes to one of
 * the consumers connected to it.
 */
import * as zmq from 'zeromq';
import { retryInterrupted } from '../util/interrupted';
import { Outlet, type OutletDeps } from './outlet';

export class DirectOutlet extends Outlet {
  readonly kind = 'direct' as const;
  protected readonly sock: zmq.Push;

  constructor(topic: string, deps: OutletDeps) {
    super(topic, deps);
    this.sock = retryInterrupted(() => new zmq.Push(deps.context ? { context: deps.context } : {}), () => deps.counters.inc('receiver.outlets.open_interrupted'));
  }

  protected override mayDrainOnClose(): boolean {
    // Without a connected consumer, a PUSH send waits forever: don't wait for it at shutdown.
    return false;
  }
}
