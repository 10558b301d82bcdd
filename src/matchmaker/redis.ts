import type * as NodeRedis from 'redis';
import type { Logger } from '../log';
import type { Counters } from '../metrics/counters';
import type { RedisConfig } from '../config/types';
import type { Matchmaker, MatchmakerStatus, Queue } from './types';
import { bindingOf } from './topics';
import { directedTopic, fanoutTopic, splitDirected } from '../wire/topic';
import { hostRegistration, livenessPrefix, serverRegistration, serverSetKey, type RedisRegistration } from './redis-keys';
import { LIVE_MEMBERS_SCRIPT, parseLiveMembers } from './redis-scripts';
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
    // AUTH [username] password on every (re)connect; an ACL user without a
    // password cannot be authenticated, so the username alone is not sent.
    password: redis.password ? redis.password : undefined,
    username: redis.password && redis.username ? redis.username : undefined,
    // Fail commands at once while disconnected, so lookups fall back to
    // the last good view instead of queueing behind a dead connection.
    disableOfflineQueue: true,
  });
}

type Client = ReturnType<typeof newClient>;

/**
 * `rpc_zmq_matchmaker = redis` (legacy `MatchMakerRedis`). Hosts register
 * their topics in Redis with the legacy key layout (redis-keys.ts: a set per
 * topic `T` with members `T.<host>`, each alive while its key `T.<host>`
 * exists), so legacy nodes and this daemon see each other. Listeners' server
 * names are registered beside them in this project's own keys, which legacy
 * nodes never read (docs/server-names.md).
 *
 * Registrations heal themselves: each is written as one MULTI (member and
 * liveness key with its ttl together), and every heartbeat
 * (`matchmaker_heartbeat_freq`) writes all of them again the same way. So
 * whatever removed a member - an expiry during a Redis stall, a restart
 * without persistence, an external SREM, a look-up's clean-up racing with a
 * re-registration - it is back within one heartbeat. Look-ups remove dead
 * members (key gone) in one atomic script (redis-scripts.ts), so they never
 * remove a member whose key exists.
 *
 * Bare topics go to one live member (round-robin over the live members; the
 * legacy picked at random - the choice is the sender's own business); fanout
 * `fanout~T` goes to every live member as `fanout~T.<host>` (the legacy sent
 * the members' plain `T.<host>`; the fanout form reaches every consumer of T
 * on that host, legacy ones through their `fanout~T` SUB, which is what a
 * fanout means). Directed topics go straight to their host.
 *
 * When Redis is unreachable the last good view of each set keeps serving
 * (logged once per outage, counted `matchmaker.redis.stale`), registrations
 * are kept locally and written again as soon as Redis is back.
 */
export class RedisMatchmaker implements Matchmaker {
  readonly kind = 'redis';
  readonly serverSource = 'the server names registered in Redis';
  private readonly log: Logger;
  private client: Client | null = null;
  /** True between a connection failure and the next successful connect (logs once per outage). */
  private outage = false;
  private stopping = false;
  private heartbeat: Timer | null = null;
  /** A heartbeat round is running: the next one waits for the following period. */
  private beating = false;
  private readonly clock: Clock;
  /** Registrations of this daemon (hosts and server names), by liveness key. */
  private readonly registered = new Map<string, RedisRegistration>();
  /** Last live members seen per set, served while Redis is down. */
  private readonly view = new Map<string, string[]>();
  private readonly next = new Map<string, number>();
  /** Clock time of the last command Redis answered (connect, look-up, registration, heartbeat). */
  private answeredAt: number | null = null;
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
    if (client.isReady && this.registered.size > 0) {
      try {
        await this.removeAll(client, [...this.registered.values()]);
      } catch (err) {
        this.log.warn({ err }, 'could not remove this host\'s registrations from Redis at stop; they expire with their ttl');
      }
    }
    this.registered.clear();
    client.destroy();
  }

  register(topic: string, host: string): Promise<void> {
    return this.add(hostRegistration(topic, host), { topic, host });
  }

  unregister(topic: string, host: string): Promise<void> {
    return this.remove(hostRegistration(topic, host), { topic, host });
  }

  registerServer(topic: string, server: string, host: string): Promise<void> {
    return this.add(serverRegistration(topic, server, host), { topic, server, host });
  }

  unregisterServer(topic: string, server: string, host: string): Promise<void> {
    return this.remove(serverRegistration(topic, server, host), { topic, server, host });
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

  /** Reachable while connected; down, look-ups are answered from {@link view}, the last hosts seen per topic. */
  status(): MatchmakerStatus {
    const topics = new Map<string, number>();
    for (const [topic, members] of this.view) topics.set(topic, members.length);
    const { host, port } = this.opts.redis;
    const up = this.up;
    return {
      backend: { name: 'redis', address: `${host}:${port}` },
      reachable: up,
      problem: up ? null : `Redis at ${host}:${port} does not answer; look-ups are served from the last hosts seen`,
      lastRefresh: this.answeredAt,
      topics,
      detail: `${this.registered.size} registrations of this host, ${this.view.size} topics looked up` + (up ? '' : '; serving the last hosts seen'),
    };
  }

  serverHosts(topic: string, server: string): Promise<string[]> {
    return this.liveMembers(serverSetKey(topic, server), 'server', topic, server);
  }

  /**
   * Live members `T.h` of `topic`: the kept view while the set's size is
   * unchanged (one SCARD), else a full read (member-view-cache.ts).
   */
  private viewOf(topic: string): Promise<string[]> {
    const read = async (): Promise<string[]> => (await this.liveMembers(topic, 'topic', topic)).filter((m) => splitDirected(m).host);
    const client = this.client;
    if (!client || !this.up) return read();
    return this.members.get(topic, async () => Number(await client.sCard(topic)), read);
  }

  /** True while connected to Redis. */
  get up(): boolean {
    return this.client?.isReady ?? false;
  }

  private async add(reg: RedisRegistration, what: Record<string, string>): Promise<void> {
    this.registered.set(reg.live, reg);
    const client = this.client;
    if (!client || !this.up) return;
    try {
      await this.write(client, [reg]);
      this.opts.counters.inc('matchmaker.redis.registered');
    } catch (err) {
      // Kept locally; written again at the next heartbeat or on reconnect.
      this.log.warn({ err, ...what }, 'could not register in Redis; the next heartbeat will');
    }
  }

  private async remove(reg: RedisRegistration, what: Record<string, string>): Promise<void> {
    if (!this.registered.delete(reg.live)) return;
    const client = this.client;
    if (!client || !this.up) return;
    try {
      await this.removeAll(client, [reg]);
    } catch (err) {
      this.log.warn({ err, ...what }, 'could not remove a registration from Redis; it expires with its ttl');
    }
  }

  /** Member and liveness key (with the ttl) of each registration, in one MULTI. */
  private async write(client: Client, regs: RedisRegistration[]): Promise<void> {
    const m = client.multi();
    for (const r of regs) m.sAdd(r.set, r.member).set(r.live, r.value, { expiration: { type: 'PX', value: this.ttlMs } });
    await m.exec();
  }

  private async removeAll(client: Client, regs: RedisRegistration[]): Promise<void> {
    const m = client.multi();
    for (const r of regs) m.sRem(r.set, r.member).del(r.live);
    await m.exec();
  }

  /**
   * Live members of `set`, sorted; dead ones are removed by the same atomic
   * script. Falls back to the last good view when Redis cannot answer.
   */
  private async liveMembers(set: string, kind: 'topic' | 'server', topic: string, server?: string): Promise<string[]> {
    const client = this.client;
    if (client && this.up) {
      try {
        const reply = await client.eval(LIVE_MEMBERS_SCRIPT, { keys: [set], arguments: [livenessPrefix(set)] });
        const { live, dead } = parseLiveMembers(reply);
        if (dead > 0) {
          this.opts.counters.inc('matchmaker.redis.expired', dead);
          this.log.info({ topic, server, expired: dead, kind }, 'registrations expired (no heartbeat within the ttl)');
        }
        live.sort();
        this.view.set(set, live);
        this.answeredAt = this.clock.now();
        return live;
      } catch (err) {
        this.log.warn({ err, topic, server }, 'Redis lookup failed; serving the last known hosts');
      }
    }
    this.opts.counters.inc('matchmaker.redis.stale');
    return this.view.get(set) ?? [];
  }

  /**
   * Write every registration again, member and key together: refreshes the
   * ttl, and puts back whatever Redis lost or someone removed.
   */
  private async beat(): Promise<void> {
    const client = this.client;
    if (!client || !this.up || this.beating) return;
    this.beating = true;
    try {
      if (this.registered.size > 0) await this.write(client, [...this.registered.values()]);
      this.answeredAt = this.clock.now();
      this.opts.counters.inc('matchmaker.redis.heartbeats');
    } catch (err) {
      this.log.warn({ err }, 'heartbeat to Redis failed; retrying at the next one');
    } finally {
      this.beating = false;
    }
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
    this.answeredAt = this.clock.now();
    if (this.outage) {
      this.outage = false;
      this.opts.counters.inc('matchmaker.redis.reconnects');
      this.log.info('Redis reachable again; registering this host again');
    } else {
      this.log.info('connected to Redis');
    }
    // Redis may have lost everything (restart without persistence): write
    // every registration again rather than waiting for a heartbeat.
    const client = this.client;
    if (!client || this.registered.size === 0) return;
    const regs = [...this.registered.values()];
    this.write(client, regs).then(
      () => this.opts.counters.inc('matchmaker.redis.registered', regs.length),
      (err: unknown) => this.log.warn({ err }, 'could not register again after reconnecting; the next heartbeat will'),
    );
  }
}
