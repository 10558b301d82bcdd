import type { MatchmakerStatus, Queue } from './types';
import { bindingOf } from './topics';
import { directedTopic, fanoutTopic } from '../wire/topic';
import { UnregisteredMatchmaker } from './unregistered';

/**
 * `rpc_zmq_matchmaker = local` (the default; legacy `MatchMakerLocalhost`):
 * every bare or fanout topic goes to this host (`T.<host>`,
 * `fanout~T.<host>`); a directed topic goes to the host it names.
 * Registrations are not needed: there is nobody else to tell, and nothing
 * is known about server names beyond this host's own listeners.
 */
export class LocalMatchmaker extends UnregisteredMatchmaker {
  readonly kind = 'local';
  readonly serverSource = 'nothing (the local matchmaker keeps no registrations)';

  override status(): MatchmakerStatus {
    return { ...super.status(), detail: `bare and fanout topics go to this host (${this.host})` };
  }

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
}
