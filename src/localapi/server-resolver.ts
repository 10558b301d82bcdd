/**
 * Where a directed target goes. A target's `server` (oslo.messaging's
 * `target.server`, Nova's `[DEFAULT] host`) is the name of a listener, not
 * an address (docs/server-names.md). For `T.S` the resolver tries, in order:
 *
 *  1. a listener of (T, S) on this daemon: delivered here, no tcp;
 *  2. what the matchmaker knows about which host serves S for T (redis,
 *     broker and topic scheduler registrations; the ring file's server map);
 *  3. S as a host, as legacy nodes address each other: the host the
 *     matchmaker's directed binding names (S itself, except for `stub`), if
 *     it is this daemon, an IP address, or a name the system resolver knows.
 *
 * A name that resolves nowhere is refused at once with
 * {@link UnknownServerError}, naming what was tried. Only the choice of the
 * host changes: frame 1 stays `T.S`, so legacy receivers are unaffected.
 */
import type { Logger } from '../log';
import type { Counters } from '../metrics/counters';
import type { Matchmaker, Queue } from '../matchmaker/types';
import { directedTopic } from '../wire/topic';
import { UnknownServerError } from './errors';
import type { HostLookup } from './host-lookup';

/** Round-robin cursors kept at most (names served by several hosts at once). */
export const MAX_ROUND_ROBIN_CURSORS = 4096;

/** How a server name was resolved (the `localapi.route.{via}` counters). */
export type ResolvedVia = 'local' | 'matchmaker' | 'host';

export interface Resolution {
  /** The queue to send the one copy to: frame 1 `T.S`, and the chosen host. */
  queue: Queue;
  via: ResolvedVia;
}

export interface ServerResolverOptions {
  /** `rpc_zmq_host`: where a local listener's messages are addressed. */
  host: string;
  /** Every name of this daemon (local-names.ts). */
  localNames: ReadonlySet<string>;
  /** Whether a listener of (topic, server) is registered on this daemon. */
  listeners: { hasServer(topic: string, server: string): boolean };
  matchmaker: Matchmaker;
  hosts: HostLookup;
  counters: Counters;
  log: Logger;
}

export class ServerResolver {
  /** Round-robin cursors over the hosts registered under one name. */
  private readonly next = new Map<string, number>();

  constructor(private readonly o: ServerResolverOptions) {}

  /**
   * The host for `topic.server` (`topic` exchange-qualified as on the wire).
   * Rejects with {@link UnknownServerError} when the name resolves nowhere.
   */
  async resolve(topic: string, server: string): Promise<Resolution> {
    const wire = directedTopic(topic, server);
    if (this.o.listeners.hasServer(topic, server)) return this.done({ topic: wire, host: this.o.host }, 'local');

    // What each step found is kept as plain values and put into words only
    // if every step fails: this runs for every directed message, and the
    // refusal's explanation is for the rare message that is refused.
    const mm = this.o.matchmaker;
    let matchmakerFailure: unknown = null;
    try {
      const hosts = await mm.serverHosts(topic, server);
      const remote = hosts.length === 0 ? hosts : hosts.filter((h) => !this.o.localNames.has(h));
      if (remote.length > 0) return this.done({ topic: wire, host: this.pick(wire, remote) }, 'matchmaker');
    } catch (err) {
      // The directed path never depended on the matchmaker service: go on without it.
      matchmakerFailure = err;
      this.o.counters.inc('localapi.route.matchmaker_failed');
      this.o.log.warn({ err, topic, server, matchmaker: mm.kind }, 'matchmaker could not resolve a server name; trying it as a host');
    }

    // The legacy reading: the name is a host. The matchmaker's directed
    // binding says which (the name itself, or this host for `stub`).
    const notHosts: { host: string; why: string }[] = [];
    for (const q of await mm.queues(wire)) {
      if (this.o.localNames.has(q.host)) return this.done(q, 'host');
      const check = await this.o.hosts.check(q.host);
      if (check.ok) return this.done(q, 'host');
      notHosts.push({ host: q.host, why: check.why });
    }
    const tried = [
      `no listener named so on this host (${this.o.host})`,
      matchmakerFailure === null
        ? `matchmaker ${mm.kind}: ${mm.serverSource} name no host for it`
        : `matchmaker ${mm.kind} did not answer (${(matchmakerFailure as { code?: string }).code ?? (matchmakerFailure as Error).message})`,
      ...notHosts.map((n) => `${JSON.stringify(n.host)} is not a host name (${n.why})`),
    ];
    this.o.counters.inc('localapi.route.unknown_server');
    const err = new UnknownServerError(topic, server, tried);
    this.o.log.warn({ topic, server, tried }, 'directed target names no known server: refused');
    throw err;
  }

  private pick(key: string, hosts: string[]): string {
    if (hosts.length === 1) return hosts[0]!;
    const n = this.next.get(key) ?? 0;
    // One cursor per name served by several hosts; forgotten wholesale past the cap.
    if (this.next.size >= MAX_ROUND_ROBIN_CURSORS && !this.next.has(key)) this.next.clear();
    this.next.set(key, n + 1);
    return hosts[n % hosts.length]!;
  }

  private done(queue: Queue, via: ResolvedVia): Resolution {
    this.o.counters.inc(`localapi.route.${via}`);
    return { queue, via };
  }
}
