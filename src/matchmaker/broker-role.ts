import type { Logger } from '../log';
import type { Counters } from '../metrics/counters';
import type { FrameSender } from '../sender/types';
import type { InboundMessage, LocalSink } from '../receiver/sink';
import { FANOUT_PREFIX, REPLY_PREFIX, directedTopic, splitDirected } from '../wire/topic';
import { WorkerRegistry } from './registry';
import { MatchmakerService } from './service';
import { tcpEndpoint } from '../wire/endpoints';

export interface BrokerRoleOptions {
  /** `rpc_zmq_bind_address` resolved (`*` or an IP). */
  bindAddress: string;
  /** `[zmq_bridge] broker_port`. */
  brokerPort: number;
  /** `[zmq_bridge] scheduler_port`. */
  schedulerPort: number;
  log: Logger;
  counters: Counters;
  /** Hands the re-addressed message to the chosen host's receiver. */
  sender: FrameSender;
}

/**
 * The broker role (`[zmq_bridge] broker_role = true`): runs the matchmaker
 * services hosts register with - the broker's on `broker_port`, the topic
 * scheduler's on `scheduler_port`, one shared registry - and, as a
 * {@link LocalSink} of this daemon's receiver, claims every bare-topic
 * message (`T`, which only broker-matchmaker senders produce) and re-sends it
 * as `T.<h>` to one live registered host `h` (round-robin).
 *
 * A bare topic without any live worker is dropped, logged and counted
 * (`broker.no_worker`): nobody on the broker host reads `zmq_topic_T`.
 */
export class BrokerRole implements LocalSink {
  readonly name = 'broker-role';
  readonly registry = new WorkerRegistry();
  private readonly services: MatchmakerService[];
  private readonly log: Logger;

  constructor(private readonly opts: BrokerRoleOptions) {
    this.log = opts.log.child({ component: 'broker-role' });
    const bind = opts.bindAddress;
    this.services = [
      new MatchmakerService('broker', tcpEndpoint(bind, opts.brokerPort), this.registry, opts.log, opts.counters),
      new MatchmakerService('scheduler', tcpEndpoint(bind, opts.schedulerPort), this.registry, opts.log, opts.counters),
    ];
  }

  /** Bind both services; rejects (after closing what was bound) when a port is taken. */
  async start(): Promise<void> {
    const started: MatchmakerService[] = [];
    try {
      for (const s of this.services) {
        await s.start();
        started.push(s);
      }
    } catch (err) {
      for (const s of started) await s.stop();
      throw err;
    }
  }

  async stop(): Promise<void> {
    for (const s of this.services) await s.stop();
  }

  offer(msg: InboundMessage): boolean {
    const topic = msg.topic;
    if (topic.startsWith(FANOUT_PREFIX) || topic.startsWith(REPLY_PREFIX)) return false;
    if (splitDirected(topic).host !== null) return false;
    const host = this.registry.pick(topic);
    if (host === null) {
      this.opts.counters.inc('broker.no_worker');
      this.log.warn({ topic, msg_id: msg.msgId }, 'bare topic through the broker has no live worker: message dropped');
      return true;
    }
    const frames = msg.frames.slice();
    frames[1] = Buffer.from(directedTopic(topic, host), 'utf8');
    this.opts.counters.inc('broker.forwarded');
    const failed = (err: unknown) => {
      this.opts.counters.inc('broker.forward_failed');
      this.log.warn({ err, topic, peer: host }, 'could not forward a bare-topic message to its worker');
    };
    try {
      this.opts.sender.send(host, frames).catch(failed);
    } catch (err) {
      failed(err);
    }
    return true;
  }
}
