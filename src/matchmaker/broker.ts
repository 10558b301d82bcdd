import type { Matchmaker, MatchmakerStatus, Queue } from './types';
import type { MatchmakerState } from '../status/types';
import { bindingOf } from './topics';
import { directedTopic, fanoutTopic } from '../wire/topic';
import { RegisteringClient, type RegisteringOptions } from './service-client';
import { MatchmakerServiceUnavailableError } from './errors';
import type { Counters } from '../metrics/counters';
import { tcpEndpoint } from '../wire/endpoints';

export interface BrokerMatchmakerOptions extends Omit<RegisteringOptions, 'service' | 'endpoint'> {
  /** `rpc_zmq_broker_ip`: the broker-role daemon's host. */
  brokerIp: string;
  /** `[zmq_bridge] broker_port` of the broker role's control socket. */
  brokerPort: number;
  counters: Counters;
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
export class BrokerMatchmaker implements Matchmaker {
  readonly kind = 'broker';
  readonly serverSource = 'the server names registered with the broker service';
  private readonly reg: RegisteringClient;

  constructor(private readonly opts: BrokerMatchmakerOptions) {
    this.reg = new RegisteringClient({ ...opts, service: 'broker', endpoint: tcpEndpoint(opts.brokerIp, opts.brokerPort) });
  }

  start(): Promise<void> {
    return this.reg.start();
  }

  stop(): Promise<void> {
    return this.reg.stop();
  }

  status(): MatchmakerStatus {
    return this.reg.status();
  }

  /** False while the broker does not answer. */
  get brokerUp(): boolean {
    return !this.reg.down;
  }

  async queues(topic: string): Promise<Queue[]> {
    const b = bindingOf(topic);
    if (b.kind === 'direct') return [{ topic, host: b.host }];
    if (this.reg.down) {
      this.opts.counters.inc('matchmaker.broker.unavailable');
      throw new MatchmakerServiceUnavailableError('broker', this.reg.client.endpoint, 0, 'probe');
    }
    if (b.kind === 'bare') return [{ topic: b.base, host: this.opts.brokerIp }];
    let hosts: string[];
    try {
      hosts = (await this.reg.client.request({ op: 'get_workers', topic: b.base })).hosts ?? [];
    } catch (err) {
      this.opts.counters.inc('matchmaker.broker.unavailable');
      throw err;
    }
    const ft = fanoutTopic(b.base);
    return hosts.map((h) => ({ topic: directedTopic(ft, h), host: h }));
  }

  describe(): MatchmakerState {
    return {
      kind: this.kind,
      backend: this.reg.client.endpoint,
      reachable: this.reg.reachable,
      detail: `broker service; ${this.reg.registrations} registrations of this host`,
      warning: null,
    };
  }

  register(topic: string, host: string): Promise<void> {
    return this.reg.register(topic, host);
  }

  unregister(topic: string, host: string): Promise<void> {
    return this.reg.unregister(topic, host);
  }

  registerServer(topic: string, server: string, host: string): Promise<void> {
    return this.reg.registerServer(topic, server, host);
  }

  unregisterServer(topic: string, server: string, host: string): Promise<void> {
    return this.reg.unregisterServer(topic, server, host);
  }

  serverHosts(topic: string, server: string): Promise<string[]> {
    return this.reg.serverHosts(topic, server);
  }
}
