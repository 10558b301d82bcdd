import type * as NodeRedis from 'redis';
import type { Logger } from '../log';
import type { Counters } from '../metrics/counters';
import type { RedisConfig } from '../config/types';
import type { Matchmaker, Queue } from './types';
import { bindingOf } from './topics';
import { directedTopic, fanoutTopic, splitDirected } from '../wire/topic';
import { RedisUnavailableError } from './errors';
import { systemClock, type Clock, type Timer } from '../time/clock';
import { every } from './periodic';
import { MemberViewCache } from './member-view-cache';

/** Pause between reconnection attempts while Redis is unreachable (ms). */
export const DEFAULT_REDIS_RECONNECT_MS = 500;
/** TCP connect timeout of one attempt (ms). */
export const DEFAULT_REDIS_CONNECT_TIMEOUT_MS = 2000;
/** How long `start()` waits for a first connection before going on with an empty view (ms). */
export const DEFAULT_REDIS_START_WAIT_MS = 2000;

export interface RedisMatchmakerOptions {
  /** `[matchmaker_redis]` host / port / password. */
  redis: RedisConfig;
  /** `matchmaker_heartbeat_freq` in seconds. */
  heartbeatFreq: number;
  /** `matchmaker_heartbeat_ttl` in seconds. */
  heartbeatTtl: number;
  /** The matchmaker's logger: its creator binds `component` (the daemon: `matchmaker`). */
  log: Logger;
  counters: Counters;
  /** Pause between reconnection attempts (ms), default {@link DEFAULT_REDIS_RECONNECT_MS}; node-redis's own timer. */
  reconnectMs?: number;
  /** Wait for a first connection in `start()` (ms), default {@link DEFAULT_REDIS_START_WAIT_MS}. */
  startWaitMs?: number;
  /** Time of the heartbeats and of the start-up wait; {@link systemClock} by default. */
  clock?: Clock;
}

/** A node-redis client for `[matchmaker_redis]`, reconnecting every `reconnectMs`. */
function newClient(redis: RedisConfig, reconnectMs: number) {
  // Loaded here, not at the top: node-redis costs ~20 MiB of RSS that no
  // other matchmaker should carry.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createClient } = require('redis') as typeof NodeRedis;
  return createClient({
    socket: {
      host: redis.host,
      port: redis.port,
      connectTimeout: DEFAULT_REDIS_CONNECT_TIMEOUT_MS,
      reconnectStrategy: () => reconnectMs,
    },
    password: redis.password ? redis.password : undefined,
    // Fail commands at once while disconnected, so lookups fall back to
    // the last good view instead of queueing behind a dead connection.
    disableOfflineQueue: true,
  });
}

type Client = ReturnType<typeof newClient>;

/**
 * `rpc_zmq_matchmaker = redis` (legacy `MatchMakerRedis`). Hosts register
 * their topics in Redis with the legacy key layout, so legacy nodes and this
 * daemon see each other:
 *  - a set per topic `T` holding members `T.<host>` (`SADD`);
 *  - a liveness key `T.<host>` = `<host>` with a ttl of
 *    `matchmaker_heartbeat_ttl` (`SET` + expiry, in one MULTI);
 *  - heartbeats every `matchmaker_heartbeat_freq` refresh the expiry and
 *    re-register when the key is gone (Redis restarted, or expired);
 *  - a member whose key no longer exists (`TTL` = -2) is dead: skipped and
 *    removed from the set.
 *
 * Bare topics go to one live member (round-robin over the live members; the
 * legacy picked at random - the choice is the sender's own business); fanout
 * `fanout~T` goes to every live member as `fanout~T.<host>` (the legacy sent
 * the members' plain `T.<host>`; the fanout form reaches every consumer of T
 * on that host, legacy ones through their `fanout~T` SUB, which is what a
 * fanout means). Directed topics go straight to their host.
 *
 * When Redis is unreachable the last good view of each topic keeps serving
 * (logged once per outage, counted `matchmaker.redis.stale`), registrations
 * are kept locally and written again as soon as Redis is back.
 */
export class RedisMatchmaker implements Matchmaker {
  readonly kind = 'redis';
  private readonly log: Logger;
  private client: Client | null = null;
  /** True between a connection failure and the next successful connect (logs once per outage). */
  private outage = false;
  private stopping = false;
  private heartbeat: Timer | null = null;
  private readonly clock: Clock;
  /** Registrations of this daemon: liveness key `T.h` -> {topic T, host h}. */
  private readonly registered = new Map<string, { topic: string; host: string }>();
  /** Last live members seen per topic, served while Redis is down. */
  private readonly view = new Map<string, string[]>();
  private readonly next = new Map<string, number>();
  /** Live members kept between lookups, so a send does not read every member (member-view-cache.ts). */
  private readonly members: MemberViewCache;

  constructor(private readonly opts: RedisMatchmakerOptions) {
    this.clock = opts.clock ?? systemClock;
    this.members = new MemberViewCache(this.clock);
    this.log = opts.log.child({ matchmaker: 'redis', redis: `${opts.redis.host}:${opts.redis.port}` });
  }

  private get ttlMs(): number {
    return Math.max(1, Math.round(this.opts.heartbeatTtl * 1000));
  }

  /**
   * Connect (retrying in the background for ever) and start heartbeats.
   * Waits a little for a first connection but never fails because Redis is
   * down: the daemon must come up, and registrations are written on connect.
   */
  async start(): Promise<void> {
    const { redis } = this.opts;
    const client = newClient(redis, this.opts.reconnectMs ?? DEFAULT_REDIS_RECONNECT_MS);
    this.client = client;
    client.on('error', (err: Error) => this.onError(err));
    client.on('ready', () => this.onReady());
    const connected = client.connect().then(
      () => true,
      () => false,
    );
    let wait: Timer | undefined;
    const waited = await Promise.race([
      connected,
      new Promise<false>((r) => {
        wait = this.clock.setTimeout(() => r(false), this.opts.startWaitMs ?? DEFAULT_REDIS_START_WAIT_MS, { ref: false });
      }),
    ]);
    wait?.cancel();
    if (!waited && !this.outage) {
      this.outage = true;
      this.log.error(
        { err: new RedisUnavailableError(redis.host, redis.port) },
        'Redis unreachable at start-up; retrying in the background, bare and fanout topics have no route until it answers',
      );
    }
    const freqMs = Math.max(10, Math.round(this.opts.heartbeatFreq * 1000));
    this.heartbeat = every(this.clock, freqMs, () => void this.beat());
  }

  /** Stop heartbeats, remove this daemon's registrations (best effort), disconnect. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.heartbeat?.cancel();
    this.heartbeat = null;
    const client = this.client;
    this.client = null;
    if (!client) return;
    if (client.isReady) {
      for (const [key, r] of this.registered) {
        try {
          await client.multi().sRem(r.topic, key).del(key).exec();
        } catch (err) {
          this.log.warn({ err, topic: r.topic }, 'could not remove a registration from Redis at stop');
        }
      }
    }
    this.registered.clear();
    client.destroy();
  }

  async register(topic: string, host: string): Promise<void> {
    const key = directedTopic(topic, host);
    this.registered.set(key, { topic, host });
    if (this.up) await this.writeRegistration(key, topic, host);
  }

  async unregister(topic: string, host: string): Promise<void> {
    const key = directedTopic(topic, host);
    if (!this.registered.delete(key)) return;
    if (!this.up || !this.client) return;
    try {
      await this.client.multi().sRem(topic, key).del(key).exec();
    } catch (err) {
      this.log.warn({ err, topic, host }, 'could not remove a registration from Redis; it expires with its ttl');
    }
  }

  async queues(topic: string): Promise<Queue[]> {
    const b = bindingOf(topic);
    if (b.kind === 'direct') return [{ topic, host: b.host }];
    const members = await this.viewOf(b.base);
    if (members.length === 0) {
      this.opts.counters.inc('matchmaker.redis.no_host');
      return [];
    }
    if (b.kind === 'fanout') {
      const ft = fanoutTopic(b.base);
      return members.map((m) => {
        const host = splitDirected(m).host!;
        return { topic: directedTopic(ft, host), host };
      });
    }
    const i = (this.next.get(b.base) ?? 0) % members.length;
    this.next.set(b.base, i + 1);
    const member = members[i]!;
    return [{ topic: member, host: splitDirected(member).host! }];
  }

  /** Live members of `topic`: the kept view while the set's size is unchanged, else a full read. */
  private viewOf(topic: string): Promise<string[]> {
    const client = this.client;
    if (!client || !this.up) return this.liveMembers(topic);
    return this.members.get(topic, async () => Number(await client.sCard(topic)), () => this.liveMembers(topic));
  }

  /** True while connected to Redis. */
  get up(): boolean {
    return this.client?.isReady ?? false;
  }

  /**
   * Live members `T.h` of topic `T`, sorted; falls back to the last good
   * view when Redis cannot answer. Dead members are removed from the set,
   * as legacy nodes do.
   */
  private async liveMembers(topic: string): Promise<string[]> {
    const client = this.client;
    if (client && this.up) {
      try {
        const members = (await client.sMembers(topic)).filter((m) => splitDirected(m).host);
        const ttls = await Promise.all(members.map((m) => client.ttl(m)));
        const live: string[] = [];
        const dead: string[] = [];
        members.forEach((m, i) => (Number(ttls[i]) === -2 ? dead : live).push(m));
        if (dead.length > 0) {
          this.opts.counters.inc('matchmaker.redis.expired', dead.length);
          this.log.info({ topic, expired: dead }, 'hosts expired (no heartbeat within the ttl)');
          await client.sRem(topic, dead);
        }
        live.sort();
        this.view.set(topic, live);
        return live;
      } catch (err) {
        this.log.warn({ err, topic }, 'Redis lookup failed; serving the last known hosts');
      }
    }
    this.opts.counters.inc('matchmaker.redis.stale');
    return this.view.get(topic) ?? [];
  }

  private async writeRegistration(key: string, topic: string, host: string): Promise<void> {
    if (!this.client) return;
    try {
      await this.client.multi().sAdd(topic, key).set(key, host).pExpire(key, this.ttlMs).exec();
      this.opts.counters.inc('matchmaker.redis.registered');
    } catch (err) {
      // Kept locally; written again on reconnect or at the next heartbeat.
      this.log.warn({ err, topic, host }, 'could not register in Redis; will retry');
    }
  }

  /** Refresh every registration's ttl; re-register those whose key vanished. */
  private async beat(): Promise<void> {
    const client = this.client;
    if (!client || !this.up) return;
    for (const [key, r] of this.registered) {
      try {
        const refreshed = await client.pExpire(key, this.ttlMs);
        if (Number(refreshed) === 0) await this.writeRegistration(key, r.topic, r.host);
      } catch (err) {
        this.log.warn({ err, topic: r.topic }, 'heartbeat to Redis failed; retrying at the next one');
        return;
      }
    }
    this.opts.counters.inc('matchmaker.redis.heartbeats');
  }

  /** Connection lost (or a connect attempt failed): log once per outage. */
  private onError(err: Error): void {
    if (this.stopping || this.outage) return;
    this.outage = true;
    this.opts.counters.inc('matchmaker.redis.disconnects');
    this.log.error(
      { err: new RedisUnavailableError(this.opts.redis.host, this.opts.redis.port, { cause: err }), cause: err.message },
      'Redis unreachable; serving the last known hosts and retrying',
    );
  }

  private onReady(): void {
    if (this.stopping) return;
    if (this.outage) {
      this.outage = false;
      this.opts.counters.inc('matchmaker.redis.reconnects');
      this.log.info('Redis reachable again; registering this host again');
    } else {
      this.log.info('connected to Redis');
    }
    // Redis may have lost everything (restart without persistence): write
    // every registration again rather than waiting for a heartbeat.
    for (const [key, r] of this.registered) void this.writeRegistration(key, r.topic, r.host);
  }
}
