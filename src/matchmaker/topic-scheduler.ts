import type { Matchmaker, MatchmakerStatus, Queue } from './types';
import type { MatchmakerState } from '../status/types';
import { bindingOf } from './topics';
import { directedTopic, fanoutTopic } from '../wire/topic';
import { RegisteringClient, type RegisteringOptions } from './service-client';
import { MatchmakerServiceUnavailableError } from './errors';
import type { Counters } from '../metrics/counters';
import { tcpEndpoint } from '../wire/endpoints';

export interface TopicSchedulerOptions extends Omit<RegisteringOptions, 'service' | 'endpoint'> {
  /** `rpc_zmq_broker_ip`: host of the scheduler service. */
  brokerIp: string;
  /** `[zmq_bridge] scheduler_port`. */
  schedulerPort: number;
  counters: Counters;
}

/**
 * `rpc_zmq_matchmaker = topic_scheduler` (the seed's
 * `MatchMakerTopicScheduler`): for a bare topic the sender asks the
 * scheduler service (`get_worker`) for a live worker and sends straight to
 * the directed topic `T.<worker>`; messages never pass through the
 * scheduler. Fanout asks for every live worker. Hosts register and
 * heartbeat; the service forgets a host that stayed silent for the ttl.
 * A scheduler that does not answer fails the look-up with
 * {@link MatchmakerServiceUnavailableError} within the request timeout
 * (at once while its probe is failing), counted `matchmaker.topic_scheduler.unavailable`.
 */
export class TopicSchedulerMatchmaker implements Matchmaker {
  readonly kind = 'topic_scheduler';
  readonly serverSource = 'the server names registered with the topic scheduler service';
  private readonly reg: RegisteringClient;

  constructor(private readonly opts: TopicSchedulerOptions) {
    this.reg = new RegisteringClient({
      ...opts,
      service: 'topic_scheduler',
      endpoint: tcpEndpoint(opts.brokerIp, opts.schedulerPort),
    });
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

  async queues(topic: string): Promise<Queue[]> {
    const b = bindingOf(topic);
    if (b.kind === 'direct') return [{ topic, host: b.host }];
    if (this.reg.down) {
      this.opts.counters.inc('matchmaker.topic_scheduler.unavailable');
      throw new MatchmakerServiceUnavailableError('topic_scheduler', this.reg.client.endpoint, 0, 'probe');
    }
    try {
      if (b.kind === 'bare') {
        const host = (await this.reg.client.request({ op: 'get_worker', topic: b.base })).host ?? null;
        if (host === null) {
          this.opts.counters.inc('matchmaker.topic_scheduler.no_worker');
          return [];
        }
        return [{ topic: directedTopic(b.base, host), host }];
      }
      const hosts = (await this.reg.client.request({ op: 'get_workers', topic: b.base })).hosts ?? [];
      const ft = fanoutTopic(b.base);
      return hosts.map((h) => ({ topic: directedTopic(ft, h), host: h }));
    } catch (err) {
      this.opts.counters.inc('matchmaker.topic_scheduler.unavailable');
      throw err;
    }
  }

  describe(): MatchmakerState {
    return {
      kind: this.kind,
      backend: this.reg.client.endpoint,
      reachable: this.reg.reachable,
      detail: `topic scheduler service; ${this.reg.registrations} registrations of this host`,
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
