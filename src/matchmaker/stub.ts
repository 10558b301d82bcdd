import type { Matchmaker, Queue } from './types';

/**
 * `rpc_zmq_matchmaker = stub` (legacy `MatchMakerStub`, for testing and
 * debugging): the topic is left untouched and sent to this host. The legacy
 * stub returned no host at all (its senders then dialled `tcp://None`); this
 * host is the only useful reading of "untouched".
 */
export class StubMatchmaker implements Matchmaker {
  readonly kind = 'stub';
  readonly serverSource = 'nothing (the stub matchmaker keeps no registrations)';

  /** @param host `rpc_zmq_host` of this daemon. */
  constructor(private readonly host: string) {}

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  async queues(topic: string): Promise<Queue[]> {
    return [{ topic, host: this.host }];
  }

  async register(_topic: string, _host: string): Promise<void> {}
  async unregister(_topic: string, _host: string): Promise<void> {}
  async registerServer(_topic: string, _server: string, _host: string): Promise<void> {}
  async unregisterServer(_topic: string, _server: string, _host: string): Promise<void> {}

  async serverHosts(_topic: string, _server: string): Promise<string[]> {
    return [];
  }
}
