/**
 * The redis matchmaker's per-topic view of live members, reused between
 * lookups so that the cost of a bare or fanout send does not grow with the
 * number of hosts (docs/scale.md).
 *
 * Reading the live members of a topic costs one SMEMBERS and one TTL per
 * member: with 2,000 compute hosts, 2,001 Redis commands for every bare
 * cast. A view is therefore kept for up to `maxAgeMs` and, within that
 * time, reused only while the set's cardinality (one SCARD) is what it was
 * when the view was read. Registrations and unregistrations change the
 * cardinality, so a host that starts or stops cleanly is seen at once; a
 * host that dies without unregistering is dropped at the next full read
 * (within `maxAgeMs` after its key expires, on top of
 * `matchmaker_heartbeat_ttl`).
 */
import type { Clock } from '../time/clock';

/** Longest time a topic's live members are reused without a full read, in milliseconds. */
export const DEFAULT_MEMBER_VIEW_MAX_AGE_MS = 1_000;

interface Entry {
  /** Clock time of the full read. */
  at: number;
  /** The set's cardinality right after that read (dead members removed). */
  size: number;
  members: string[];
}

export class MemberViewCache {
  private readonly entries = new Map<string, Entry>();
  /** Full reads in progress, shared by the lookups that need them. */
  private readonly loading = new Map<string, Promise<string[]>>();

  constructor(
    private readonly clock: Clock,
    private readonly maxAgeMs = DEFAULT_MEMBER_VIEW_MAX_AGE_MS,
  ) {}

  /**
   * The live members of `topic`: the kept view when it is young enough and
   * `size()` (the set's cardinality now) still matches it, else a fresh
   * `load()`. `size` may reject (Redis went away): then `load()` decides,
   * as it does without a cache.
   */
  async get(topic: string, size: () => Promise<number>, load: () => Promise<string[]>): Promise<string[]> {
    const kept = this.entries.get(topic);
    if (kept && this.clock.now() - kept.at < this.maxAgeMs) {
      const now = await size().catch(() => -1);
      if (now === kept.size) return kept.members;
    }
    return this.reload(topic, load);
  }

  private reload(topic: string, load: () => Promise<string[]>): Promise<string[]> {
    let p = this.loading.get(topic);
    if (p) return p;
    const at = this.clock.now();
    p = load().then(
      (members) => {
        this.entries.set(topic, { at, size: members.length, members });
        return members;
      },
    ).finally(() => this.loading.delete(topic));
    this.loading.set(topic, p);
    return p;
  }
}
