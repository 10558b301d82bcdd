import type { Matchmaker, MatchmakerStatus, Queue } from './types';

/**
 * The matchmakers that send on this host's own knowledge (`local`, `stub`):
 * there is no backend to start, nobody to tell about registrations, and so
 * nothing known about server names beyond this host's own listeners. Each
 * kind says only where a topic goes.
 */
export abstract class UnregisteredMatchmaker implements Matchmaker {
  abstract readonly kind: string;
  abstract readonly serverSource: string;

  /** @param host `rpc_zmq_host` of this daemon. */
  constructor(protected readonly host: string) {}

  abstract queues(topic: string): Promise<Queue[]>;

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  async register(_topic: string, _host: string): Promise<void> {}
  async unregister(_topic: string, _host: string): Promise<void> {}
  async registerServer(_topic: string, _server: string, _host: string): Promise<void> {}
  async unregisterServer(_topic: string, _server: string, _host: string): Promise<void> {}

  async serverHosts(_topic: string, _server: string): Promise<string[]> {
    return [];
  }

  /** No backend: nothing to be reachable or refreshed, no view of other hosts. */
  status(): MatchmakerStatus {
    return { backend: null, reachable: null, problem: null, lastRefresh: null, topics: null, detail: '' };
  }
}
