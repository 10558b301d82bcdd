import { systemClock, type Clock } from '../time/clock';

/**
 * Live workers per topic, as the broker role's services know them: each
 * (topic, host) registration lives until its own deadline, which every
 * register/heartbeat pushes forward by the client's ttl. Deadlines are read
 * off the injected clock, so expiry is tested by moving a manual clock.
 */
export class WorkerRegistry {
  /** topic -> host -> expiry (ms since epoch, on {@link clock}). */
  private readonly topics = new Map<string, Map<string, number>>();
  private readonly next = new Map<string, number>();

  constructor(private readonly clock: Pick<Clock, 'now'> = systemClock) {}

  /** Add or refresh `host` as a worker of `topic` for `ttlSeconds`. */
  refresh(topic: string, host: string, ttlSeconds: number): void {
    let hosts = this.topics.get(topic);
    if (!hosts) this.topics.set(topic, (hosts = new Map()));
    hosts.set(host, this.clock.now() + ttlSeconds * 1000);
  }

  remove(topic: string, host: string): void {
    const hosts = this.topics.get(topic);
    if (!hosts) return;
    hosts.delete(host);
    if (hosts.size === 0) this.topics.delete(topic);
  }

  /** Live hosts of `topic`, sorted; expired ones are forgotten on the way. */
  live(topic: string): string[] {
    const hosts = this.topics.get(topic);
    if (!hosts) return [];
    const now = this.clock.now();
    for (const [h, until] of hosts) if (until <= now) hosts.delete(h);
    if (hosts.size === 0) this.topics.delete(topic);
    return [...hosts.keys()].sort();
  }

  /** One live host of `topic`, round-robin; null when none. */
  pick(topic: string): string | null {
    const live = this.live(topic);
    if (live.length === 0) return null;
    const i = (this.next.get(topic) ?? 0) % live.length;
    this.next.set(topic, i + 1);
    return live[i]!;
  }
}
