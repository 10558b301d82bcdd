import type { Queue } from './types';
import { ServiceMatchmaker, type ServiceMatchmakerOptions } from './service-matchmaker';
import { directedTopic } from '../wire/topic';
import { tcpEndpoint } from '../wire/endpoints';

export interface TopicSchedulerOptions extends ServiceMatchmakerOptions {
  /** `[zmq_bridge] scheduler_port`. */
  schedulerPort: number;
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
export class TopicSchedulerMatchmaker extends ServiceMatchmaker {
  readonly kind = 'topic_scheduler';
  readonly serverSource = 'the server names registered with the topic scheduler service';

  constructor(private readonly opts: TopicSchedulerOptions) {
    super({ ...opts, service: 'topic_scheduler', endpoint: tcpEndpoint(opts.brokerIp, opts.schedulerPort) }, 'topic scheduler service');
  }

  /** Straight to the one live worker the scheduler picks; none registered is counted, and nothing is sent. */
  protected async bareQueues(base: string): Promise<Queue[]> {
    const host = (await this.reg.client.request({ op: 'get_worker', topic: base })).host ?? null;
    if (host === null) {
      this.opts.counters.inc('matchmaker.topic_scheduler.no_worker');
      return [];
    }
    return [{ topic: directedTopic(base, host), host }];
  }
}
