import type { Context } from 'zeromq';
import type { Logger } from '../log';
import type { Counters } from '../metrics/counters';
import type { FrameSender } from '../sender/types';
import type { InboundMessage, LocalSink } from '../receiver/sink';
import { FANOUT_PREFIX, REPLY_PREFIX, directedTopic, splitDirected } from '../wire/topic';
import { tcpEndpoint } from '../wire/endpoints';
import { systemClock, type Clock } from '../time/clock';
import { WorkerRegistry } from './registry';
import { MatchmakerService } from './service';
import type { SocketSecurity } from '../security/types';

export interface BrokerRoleOptions {
  /** `rpc_zmq_bind_address` resolved (`*` or an IP). */
  bindAddress: string;
  /** `[zmq_bridge] broker_port`. */
  brokerPort: number;
  /** `[zmq_bridge] scheduler_port`. */
  schedulerPort: number;
  /** This part's logger: its creator binds `component` (the daemon: `broker-role`). */
  log: Logger;
  counters: Counters;
  /** Hands the re-addressed message to the chosen host's receiver. */
  sender: FrameSender;
  /** The daemon's ZeroMQ context for both services' sockets; zeromq.js's global one when absent. */
  context?: Context;
  /** Time of the registrations' expiry (`matchmaker_heartbeat_ttl` of each client); {@link systemClock} by default. */
  clock?: Clock;
  /** CURVE + ZAP of both services' sockets; none when absent. */
  security?: SocketSecurity;
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
  readonly registry: WorkerRegistry;
  private readonly services: MatchmakerService[];
  private readonly log: Logger;

  constructor(private readonly opts: BrokerRoleOptions) {
    this.log = opts.log;
    this.registry = new WorkerRegistry(opts.clock ?? systemClock);
    const service = (name: 'broker' | 'scheduler', port: number) =>
      new MatchmakerService({
        name,
        endpoint: tcpEndpoint(opts.bindAddress, port),
        registry: this.registry,
        log: opts.log,
        counters: opts.counters,
        context: opts.context,
        security: opts.security,
      });
    this.services = [service('broker', opts.brokerPort), service('scheduler', opts.schedulerPort)];
  }

  /**
   * Bind both services; rejects with BrokerPortInUseError / BrokerBindFailedError
   * (broker/errors.ts, CLI exit 3) after closing what was bound.
   */
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
