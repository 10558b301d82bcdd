import type { Queue } from './types';
import { UnregisteredMatchmaker } from './unregistered';

/**
 * `rpc_zmq_matchmaker = stub` (legacy `MatchMakerStub`, for testing and
 * debugging): the topic is left untouched and sent to this host. The legacy
 * stub returned no host at all (its senders then dialled `tcp://None`); this
 * host is the only useful reading of "untouched".
 */
export class StubMatchmaker extends UnregisteredMatchmaker {
  readonly kind = 'stub';
  readonly serverSource = 'nothing (the stub matchmaker keeps no registrations)';

  async queues(topic: string): Promise<Queue[]> {
    return [{ topic, host: this.host }];
  }
}
