/**
 * Does a name work as a host? The last step of resolving a directed
 * target's server name (docs/server-names.md) treats the name as a host, as
 * legacy nodes did; ZeroMQ resolves a `tcp://<name>:<port>` endpoint with the
 * system resolver (getaddrinfo), and a name it cannot resolve makes every
 * message wait out `rpc_cast_timeout` and every call its whole timeout. So
 * the name is looked up the same way first (`dns.lookup`: /etc/hosts, then
 * DNS), and a name that resolves nowhere fails at once.
 *
 * Answers are cached on the injected clock, positive and negative ones for
 * different times, in a bounded cache: a flood of distinct names cannot grow
 * it, and each name costs one lookup per ttl whatever the message rate.
 * Lookups of one name in flight at once share one query.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Counters } from '../metrics/counters';
import { systemClock, type Clock } from '../time/clock';

/** How long a name that resolved is trusted (ms). */
export const DEFAULT_HOST_LOOKUP_TTL_MS = 60_000;
/** How long a name that did not resolve stays refused before it is looked up again (ms). */
export const DEFAULT_HOST_LOOKUP_NEGATIVE_TTL_MS = 5_000;
/** Names kept in the cache at most (the oldest go first). */
export const DEFAULT_HOST_LOOKUP_MAX_ENTRIES = 4096;

/** The system resolver, or a stand-in with the same contract (rejects when the name does not resolve). */
export type ResolveFn = (name: string) => Promise<unknown>;

/** What a name turned out to be. */
export interface HostCheck {
  /** True when the name can be used as a host. */
  ok: boolean;
  /** `ip address`, `resolves`, or why not (the resolver's code, e.g. `ENOTFOUND`). */
  why: string;
}

export interface HostLookupOptions {
  counters: Counters;
  clock?: Clock;
  resolve?: ResolveFn;
  ttlMs?: number;
  negativeTtlMs?: number;
  maxEntries?: number;
}

interface Entry {
  until: number;
  answer: Promise<HostCheck>;
}

export class HostLookup {
  private readonly cache = new Map<string, Entry>();
  private readonly clock: Clock;
  private readonly resolve: ResolveFn;

  constructor(private readonly opts: HostLookupOptions) {
    this.clock = opts.clock ?? systemClock;
    this.resolve = opts.resolve ?? ((name) => dnsLookup(name));
  }

  /** Whether `name` resolves to an address (IP literals do without a lookup). */
  check(name: string): Promise<HostCheck> {
    // `[::1]`: the bracketed form ZeroMQ endpoints take for IPv6 addresses.
    const bare = name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name;
    if (isIP(bare) !== 0) return Promise.resolve({ ok: true, why: 'ip address' });
    const now = this.clock.now();
    const hit = this.cache.get(name);
    if (hit && hit.until > now) return hit.answer;
    if (hit) this.cache.delete(name);
    const entry: Entry = { until: Number.POSITIVE_INFINITY, answer: this.query(name) };
    this.remember(name, entry);
    // Expiry counts from the answer: a slow query must not make the entry stale on arrival.
    void entry.answer.then((a) => {
      entry.until = this.clock.now() + (a.ok ? (this.opts.ttlMs ?? DEFAULT_HOST_LOOKUP_TTL_MS) : (this.opts.negativeTtlMs ?? DEFAULT_HOST_LOOKUP_NEGATIVE_TTL_MS));
    });
    return entry.answer;
  }

  /** Names cached now (for tests and diagnostics). */
  get size(): number {
    return this.cache.size;
  }

  private async query(name: string): Promise<HostCheck> {
    this.opts.counters.inc('localapi.route.host_lookups');
    try {
      await this.resolve(name);
      return { ok: true, why: 'resolves' };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return { ok: false, why: typeof code === 'string' ? code : String((err as Error).message ?? err) };
    }
  }

  private remember(name: string, entry: Entry): void {
    this.cache.set(name, entry);
    const max = this.opts.maxEntries ?? DEFAULT_HOST_LOOKUP_MAX_ENTRIES;
    while (this.cache.size > max) {
      const oldest = this.cache.keys().next().value as string;
      this.cache.delete(oldest);
    }
  }
}
