import type { Matchmaker, MatchmakerStatus, Queue } from './types';
import { bindingOf } from './topics';
import { directedTopic, fanoutTopic } from '../wire/topic';
import { RegisteringClient, type RegisteringOptions } from './service-client';

/** What both service matchmakers take: the registering client's options but the service and endpoint, which each kind fixes. */
export interface ServiceMatchmakerOptions extends Omit<RegisteringOptions, 'service' | 'endpoint'> {
  /** `rpc_zmq_broker_ip`: the broker-role daemon's host, which runs both services. */
  brokerIp: string;
}

/**
 * What the broker and topic scheduler matchmakers have in common: the
 * service of a broker-role daemon keeps the registrations (through a
 * {@link RegisteringClient}), a directed topic goes straight to the host it
 * names, and fanout asks the service for every live host and sends to each
 * directly (`fanout~T.h`), so it never depends on the service forwarding.
 * They differ only in where a bare topic goes: {@link bareQueues}.
 *
 * While the service does not answer its probe, every look-up through it
 * fails at once with a typed error, counted `matchmaker.<service>.unavailable`,
 * rather than each waiting for its own timeout.
 */
export abstract class ServiceMatchmaker implements Matchmaker {
  abstract readonly kind: string;
  abstract readonly serverSource: string;
  protected readonly reg: RegisteringClient;

  /** @param what the service as `status()` names it in its detail (`broker service`). */
  constructor(
    opts: RegisteringOptions,
    private readonly what: string,
  ) {
    this.reg = new RegisteringClient(opts);
  }

  /** The queues of a bare topic `base`; a failure is counted as the service being unavailable. */
  protected abstract bareQueues(base: string): Promise<Queue[]>;

  start(): Promise<void> {
    return this.reg.start();
  }

  stop(): Promise<void> {
    return this.reg.stop();
  }

  status(): MatchmakerStatus {
    const st = this.reg.status();
    return { ...st, detail: `${this.what}; ${st.detail}` };
  }

  async queues(topic: string): Promise<Queue[]> {
    const b = bindingOf(topic);
    if (b.kind === 'direct') return [{ topic, host: b.host }];
    if (b.kind === 'bare') return this.reg.lookUp(() => this.bareQueues(b.base));
    const hosts = await this.reg.lookUp(async () => (await this.reg.client.request({ op: 'get_workers', topic: b.base })).hosts ?? []);
    const ft = fanoutTopic(b.base);
    return hosts.map((h) => ({ topic: directedTopic(ft, h), host: h }));
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
