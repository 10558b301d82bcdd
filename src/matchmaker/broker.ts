import type { Queue } from './types';
import { ServiceMatchmaker, type ServiceMatchmakerOptions } from './service-matchmaker';
import { tcpEndpoint } from '../wire/endpoints';

export interface BrokerMatchmakerOptions extends ServiceMatchmakerOptions {
  /** `[zmq_bridge] broker_port` of the broker role's control socket. */
  brokerPort: number;
}

/**
 * `rpc_zmq_matchmaker = broker` (the seed's `MatchMakerBroker`): every bare
 * topic goes through the broker - the message is sent unchanged (`T`, no
 * host suffix) to the receiver of `rpc_zmq_broker_ip`, whose broker role
 * re-sends it as `T.h` to one live registered host. Directed topics stay
 * direct. Fanout asks the broker for every live host and goes to each
 * directly (`fanout~T.h`), so it never depends on the broker forwarding.
 *
 * Hosts register their listeners' topics with the broker role and heartbeat.
 * While the broker does not answer its probe, bare and fanout topics fail
 * at once with {@link MatchmakerServiceUnavailableError} (counted
 * `matchmaker.broker.unavailable`) rather than vanishing into a dead host.
 */
export class BrokerMatchmaker extends ServiceMatchmaker {
  readonly kind = 'broker';
  readonly serverSource = 'the server names registered with the broker service';

  constructor(private readonly opts: BrokerMatchmakerOptions) {
    super({ ...opts, service: 'broker', endpoint: tcpEndpoint(opts.brokerIp, opts.brokerPort) }, 'broker service');
  }

  /** False while the broker does not answer. */
  get brokerUp(): boolean {
    return !this.reg.down;
  }

  /** Unchanged to the broker, which picks the host: no question asked here. */
  protected async bareQueues(base: string): Promise<Queue[]> {
    return [{ topic: base, host: this.opts.brokerIp }];
  }
}
