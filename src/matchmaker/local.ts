import type { Matchmaker, Queue } from './types';
import type { MatchmakerState } from '../status/types';
import { bindingOf } from './topics';
import { directedTopic, fanoutTopic } from '../wire/topic';

/**
 * `rpc_zmq_matchmaker = local` (the default; legacy `MatchMakerLocalhost`):
 * every bare or fanout topic goes to this host (`T.<host>`,
 * `fanout~T.<host>`); a directed topic goes to the host it names.
 * Registrations are not needed: there is nobody else to tell, and nothing
 * is known about server names beyond this host's own listeners.
 */
export class LocalMatchmaker implements Matchmaker {
  readonly kind = 'local';
  readonly serverSource = 'nothing (the local matchmaker keeps no registrations)';

  /** @param host `rpc_zmq_host` of this daemon. */
  constructor(private readonly host: string) {}

  describe(): MatchmakerState {
    return { kind: this.kind, backend: null, reachable: null, detail: `bare and fanout topics go to this host (${this.host})`, warning: null };
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  async queues(topic: string): Promise<Queue[]> {
    const b = bindingOf(topic);
    switch (b.kind) {
      case 'direct':
        return [{ topic, host: b.host }];
      case 'fanout':
        return [{ topic: directedTopic(fanoutTopic(b.base), this.host), host: this.host }];
      case 'bare':
        return [{ topic: directedTopic(b.base, this.host), host: this.host }];
    }
  }

  async register(_topic: string, _host: string): Promise<void> {}
  async unregister(_topic: string, _host: string): Promise<void> {}
  async registerServer(_topic: string, _server: string, _host: string): Promise<void> {}
  async unregisterServer(_topic: string, _server: string, _host: string): Promise<void> {}

  async serverHosts(_topic: string, _server: string): Promise<string[]> {
    return [];
  }
}
