import { Router, type Context } from 'zeromq';
import type { Logger } from '../log';
import type { Counters } from '../metrics/counters';
import { MAX_SERVICE_MESSAGE_BYTES, parseRequest, type ServiceReply, type ServiceRequest } from '../matchmaker/service-protocol';
import type { WorkerRegistry } from './registry';
import { BrokerBindFailedError, BrokerPortInUseError, type BrokerServiceName } from './errors';
import type { SocketSecurity } from '../security/types';
import { SocketLoop } from '../socket-loop';

export interface MatchmakerServiceOptions {
  /** `broker` (`[zmq_bridge] broker_port`) or `scheduler` (`[zmq_bridge] scheduler_port`): names counters, logs, errors. */
  name: BrokerServiceName;
  /** `tcp://<rpc_zmq_bind_address>:<port>`. */
  endpoint: string;
  /** Shared by both services of one broker role. */
  registry: WorkerRegistry;
  /** The broker role's logger (component already bound by its creator). */
  log: Logger;
  counters: Counters;
  /** The daemon's ZeroMQ context; zeromq.js's global one when absent. */
  context?: Context;
  /** CURVE + ZAP of the service socket (`[zmq_bridge] security`): only trusted hosts register; none when absent. */
  security?: SocketSecurity;
}

/**
 * The matchmaker service of a broker-role daemon: answers registrations,
 * heartbeats and worker look-ups on a ROUTER socket. The wire format is
 * src/matchmaker/service-protocol.ts, shared with the clients (the broker and
 * topic scheduler matchmakers); it lives with them so that src/matchmaker
 * never depends on this folder.
 *
 * The broker role runs one on `[zmq_bridge] broker_port` and one on
 * `[zmq_bridge] scheduler_port`, sharing one {@link WorkerRegistry}.
 */
export class MatchmakerService {
  private readonly reading = new SocketLoop<Router>();
  private sending: Promise<void> = Promise.resolve();
  private readonly log: Logger;
  private readonly name: BrokerServiceName;
  private readonly endpoint: string;
  private readonly registry: WorkerRegistry;
  private readonly counters: Counters;

  constructor(private readonly opts: MatchmakerServiceOptions) {
    this.name = opts.name;
    this.endpoint = opts.endpoint;
    this.registry = opts.registry;
    this.counters = opts.counters;
    this.log = opts.log.child({ service: opts.name, endpoint: opts.endpoint });
  }

  /** Bind; rejects with {@link BrokerPortInUseError} or {@link BrokerBindFailedError}. */
  async start(): Promise<void> {
    const sock = new Router({ linger: 0, maxMessageSize: MAX_SERVICE_MESSAGE_BYTES, ...(this.opts.context ? { context: this.opts.context } : {}) });
    this.opts.security?.server(sock, 'service');
    try {
      await sock.bind(this.endpoint);
    } catch (err) {
      sock.close();
      const code = (err as { code?: string }).code;
      throw code === 'EADDRINUSE'
        ? new BrokerPortInUseError(this.name, this.endpoint, err)
        : new BrokerBindFailedError(this.name, this.endpoint, err);
    }
    this.reading.run(sock, {
      message: (frames, s) => this.serve(s, frames),
      failed: (err) => this.log.error({ err }, 'matchmaker service socket failed'),
    });
    this.log.info('matchmaker service listening');
  }

  stop(): Promise<void> {
    return this.reading.stop();
  }

  /** One request: [client identity, JSON payload]. */
  private serve(sock: Router, frames: Buffer[]): void {
    const [identity, payload] = frames;
    if (!identity || !payload || frames.length !== 2) {
      this.counters.inc(`matchmaker.${this.name}_service.bad_request`);
      this.log.warn({ nframes: frames.length }, 'request with an unexpected number of frames dropped');
      return;
    }
    this.reply(sock, identity, this.handle(parseRequest(payload)));
  }

  private handle(req: ServiceRequest | { bad: string; id?: number }): ServiceReply {
    if ('bad' in req) {
      this.counters.inc(`matchmaker.${this.name}_service.bad_request`);
      this.log.warn({ reason: req.bad }, 'malformed matchmaker request');
      return { id: req.id, ok: false, error: 'INVALID', message: req.bad };
    }
    this.counters.inc(`matchmaker.${this.name}_service.${req.op}`);
    switch (req.op) {
      case 'ping':
        return { id: req.id, ok: true };
      case 'register':
        if (this.registry.live(req.topic).indexOf(req.host) === -1) {
          this.log.info({ topic: req.topic, peer: req.host }, 'worker registered');
        }
        this.registry.refresh(req.topic, req.host, req.ttl);
        return { id: req.id, ok: true };
      case 'unregister':
        this.registry.remove(req.topic, req.host);
        this.log.info({ topic: req.topic, peer: req.host }, 'worker unregistered');
        return { id: req.id, ok: true };
      case 'heartbeat':
        for (const t of req.topics) this.registry.refresh(t, req.host, req.ttl);
        return { id: req.id, ok: true };
      case 'get_worker':
        return { id: req.id, ok: true, host: this.registry.pick(req.topic) };
      case 'get_workers':
        return { id: req.id, ok: true, hosts: this.registry.live(req.topic) };
    }
  }

  /** One send in flight per socket: replies are chained. */
  private reply(sock: Router, identity: Buffer, reply: ServiceReply): void {
    const payload = JSON.stringify(reply);
    this.sending = this.sending
      .then(() => sock.send([identity, payload]))
      .catch((err) => {
        if (this.reading.socket === sock) this.log.warn({ err }, 'could not send a matchmaker reply');
      });
  }
}
