import { Dealer, type Context } from 'zeromq';
import type { Logger } from '../log';
import type { Counters } from '../metrics/counters';
import { systemClock, type Clock, type Timer } from '../time/clock';
import { MAX_SERVICE_MESSAGE_BYTES, serverKey, type ServiceReply, type ServiceRequest } from './service-protocol';
import { MatchmakerServiceRefusedError, MatchmakerServiceUnavailableError } from './errors';
import { every } from './periodic';
import type { MatchmakerStatus } from './types';
import type { SocketSecurity } from '../security/types';
import { SocketLoop } from '../socket-loop';

/** Longest wait for any answer of the broker / topic scheduler service (ms). */
export const DEFAULT_SERVICE_REQUEST_TIMEOUT_MS = 2000;
/** Period of the liveness probe of the service (ms); it also carries due heartbeats. */
export const DEFAULT_SERVICE_PROBE_MS = 2000;

type Body = ServiceRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;
type OkReply = Extract<ServiceReply, { ok: true }>;

export interface ServiceClientOptions {
  /** `broker` or `topic_scheduler`: names counters and errors. */
  service: 'broker' | 'topic_scheduler';
  /** `tcp://<rpc_zmq_broker_ip>:<port>`. */
  endpoint: string;
  log: Logger;
  counters: Counters;
  /** Deadline of each request (ms), default {@link DEFAULT_SERVICE_REQUEST_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** The daemon's ZeroMQ context; zeromq.js's global one when absent. */
  context?: Context;
  /** Time of the request deadlines; {@link systemClock} by default. */
  clock?: Clock;
  /** CURVE client keys for the service's host (`[zmq_bridge] security`); none by default. */
  security?: SocketSecurity;
}

/** The host of a `tcp://<host>:<port>` endpoint (IPv6 brackets removed): whose key the client needs. */
function endpointHost(endpoint: string): string {
  const m = /^tcp:\/\/(?:\[([^\]]+)\]|([^:]+)):\d+$/.exec(endpoint);
  return m ? (m[1] ?? m[2]!) : endpoint;
}

/**
 * Request/reply client of a matchmaker service (DEALER). Every request has
 * a deadline: a down or unreachable service yields
 * {@link MatchmakerServiceUnavailableError} within the timeout, never a hang.
 */
export class ServiceClient {
  readonly service: 'broker' | 'topic_scheduler';
  readonly endpoint: string;
  private readonly reading = new SocketLoop<Dealer>();
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: ServiceReply) => void }>();
  private sending: Promise<unknown> = Promise.resolve();
  private readonly log: Logger;
  private readonly counters: Counters;
  private readonly timeoutMs: number;
  private readonly clock: Clock;

  constructor(private readonly opts: ServiceClientOptions) {
    this.service = opts.service;
    this.endpoint = opts.endpoint;
    this.log = opts.log;
    this.counters = opts.counters;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_SERVICE_REQUEST_TIMEOUT_MS;
    this.clock = opts.clock ?? systemClock;
  }

  start(): void {
    // immediate: queue only on a live connection, so a down service makes
    // send() wait (bounded by sendTimeout) instead of piling up stale requests.
    const sock = new Dealer({
      linger: 0,
      immediate: true,
      sendTimeout: this.timeoutMs,
      sendHighWaterMark: 1000,
      maxMessageSize: MAX_SERVICE_MESSAGE_BYTES,
      ...(this.opts.context ? { context: this.opts.context } : {}),
    });
    try {
      // Throws PeerKeyMissingError when the service host's key is not trusted: the daemon does not start.
      this.opts.security?.client(sock, endpointHost(this.endpoint), 'service');
    } catch (err) {
      sock.close();
      throw err;
    }
    sock.connect(this.endpoint);
    this.reading.run(sock, {
      message: (frames) => this.answered(frames),
      failed: (err) => this.log.error({ err }, 'matchmaker service client socket failed'),
    });
  }

  async stop(): Promise<void> {
    if (!this.reading.socket) return;
    await this.reading.stop();
    for (const p of this.pending.values()) p.resolve({ ok: false, error: 'SHUTDOWN', message: 'client stopped' });
    this.pending.clear();
  }

  /** Send one request; resolves with the ok answer, rejects with a typed error. */
  async request(body: Body): Promise<OkReply> {
    const sock = this.reading.socket;
    if (!sock) throw new MatchmakerServiceUnavailableError(this.service, this.endpoint, 0, body.op);
    const id = this.nextId++;
    const payload = JSON.stringify({ ...body, id });
    let timer: Timer | undefined;
    const answer = new Promise<ServiceReply | null>((resolve) => {
      this.pending.set(id, { resolve });
      timer = this.clock.setTimeout(() => resolve(null), this.timeoutMs);
    });
    // One send in flight per socket; a failed send resolves the wait with null.
    this.sending = this.sending
      .then(() => sock.send(payload))
      .catch(() => this.pending.get(id)?.resolve({ ok: false, error: 'UNSENT', message: 'not sent' }));
    const reply = await answer;
    timer?.cancel();
    this.pending.delete(id);
    if (reply === null || (reply.ok === false && (reply.error === 'UNSENT' || reply.error === 'SHUTDOWN'))) {
      this.counters.inc(`matchmaker.${this.service}.timeouts`);
      throw new MatchmakerServiceUnavailableError(this.service, this.endpoint, this.timeoutMs, body.op);
    }
    if (!reply.ok) {
      this.counters.inc(`matchmaker.${this.service}.refused`);
      throw new MatchmakerServiceRefusedError(this.service, this.endpoint, body.op, `${reply.error}: ${reply.message}`);
    }
    return reply;
  }

  /** One answer of the service: wakes the request waiting for its id. */
  private answered(frames: Buffer[]): void {
    let reply: ServiceReply;
    try {
      reply = JSON.parse(frames[0]!.toString('utf8')) as ServiceReply;
    } catch {
      this.counters.inc(`matchmaker.${this.service}.bad_reply`);
      return;
    }
    // Answers to requests that already timed out are simply dropped.
    if (typeof reply.id === 'number') this.pending.get(reply.id)?.resolve(reply);
  }
}

export interface RegisteringOptions {
  /** `broker` or `topic_scheduler`: names counters and logs. */
  service: 'broker' | 'topic_scheduler';
  /** `tcp://<rpc_zmq_broker_ip>:<port>`. */
  endpoint: string;
  /** `matchmaker_heartbeat_freq` (s). */
  heartbeatFreq: number;
  /** `matchmaker_heartbeat_ttl` (s). */
  heartbeatTtl: number;
  /** The matchmaker's logger: its creator binds `component` (the daemon: `matchmaker`). */
  log: Logger;
  counters: Counters;
  /** Deadline of each request (ms), default {@link DEFAULT_SERVICE_REQUEST_TIMEOUT_MS}. */
  requestTimeoutMs?: number;
  /** Period of the liveness probe (ms), default {@link DEFAULT_SERVICE_PROBE_MS}. */
  probeMs?: number;
  /** The daemon's ZeroMQ context for the DEALER socket; zeromq.js's global one when absent. */
  context?: Context;
  /** Time of probes, heartbeats and request deadlines; {@link systemClock} by default. */
  clock?: Clock;
  /** CURVE client keys for the service's host; none by default. */
  security?: SocketSecurity;
}

/**
 * What the broker and topic scheduler matchmakers share: this daemon's
 * registrations at the service, kept alive by heartbeats, and a liveness
 * probe so that sends through a down service fail at once (typed, counted)
 * instead of each waiting for its own timeout. After an outage every
 * registration is sent again: a restarted service has forgotten them.
 */
export class RegisteringClient {
  readonly client: ServiceClient;
  private readonly log: Logger;
  private readonly regs = new Map<string, { topic: string; host: string }>();
  private readonly clock: Clock;
  private timer: Timer | null = null;
  private lastBeat = 0;
  private ticking = false;
  /** null until the first answer or failure. */
  private available: boolean | null = null;
  /** Clock time of the service's last answer, null if never. */
  lastAnswer: number | null = null;

  constructor(private readonly opts: RegisteringOptions) {
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log.child({ matchmaker: opts.service, endpoint: opts.endpoint });
    this.client = new ServiceClient({
      service: opts.service,
      endpoint: opts.endpoint,
      log: this.log,
      counters: opts.counters,
      timeoutMs: opts.requestTimeoutMs,
      context: opts.context,
      clock: this.clock,
      security: opts.security,
    });
  }

  /** False once the service failed to answer, until it answers again. */
  get down(): boolean {
    return this.available === false;
  }

  /**
   * The service is the backend; it keeps the view, so no topics here.
   * Reachable null until its first answer or failure (the readiness check
   * counts that as not ready: routing needs an answer first).
   */
  status(): MatchmakerStatus {
    const { service, endpoint } = this.opts;
    return {
      backend: { name: service, address: endpoint },
      reachable: this.available,
      problem: this.available === true ? null : `the ${service} service at ${endpoint} ${this.available === null ? 'has not answered yet' : 'does not answer'}`,
      lastRefresh: this.lastAnswer,
      topics: null,
      detail: `${this.regs.size} registrations of this host`,
    };
  }

  async start(): Promise<void> {
    this.client.start();
    await this.tick();
    this.timer = every(this.clock, this.opts.probeMs ?? DEFAULT_SERVICE_PROBE_MS, () => void this.tick());
  }

  async stop(): Promise<void> {
    this.timer?.cancel();
    this.timer = null;
    if (!this.down) {
      for (const r of this.regs.values()) {
        await this.client.request({ op: 'unregister', topic: r.topic, host: r.host }).catch(() => undefined);
      }
    }
    this.regs.clear();
    await this.client.stop();
  }

  async register(topic: string, host: string): Promise<void> {
    this.regs.set(`${topic}\0${host}`, { topic, host });
    try {
      await this.client.request({ op: 'register', topic, host, ttl: this.opts.heartbeatTtl });
      this.markUp();
    } catch (err) {
      // Kept locally: the next heartbeat after the service answers carries it.
      this.opts.counters.inc(`matchmaker.${this.opts.service}.register_failed`);
      this.log.warn({ err, topic, peer: host }, 'could not register with the matchmaker service; will retry');
      this.markDown(err as Error);
    }
  }

  async unregister(topic: string, host: string): Promise<void> {
    if (!this.regs.delete(`${topic}\0${host}`)) return;
    try {
      await this.client.request({ op: 'unregister', topic, host });
    } catch (err) {
      this.log.warn({ err, topic, peer: host }, 'could not unregister; the service expires it with the ttl');
    }
  }

  /** Register server name `server` of `topic` as served by `host` (under the directed key `T.S`, docs/server-names.md). */
  registerServer(topic: string, server: string, host: string): Promise<void> {
    return this.register(serverKey(topic, server), host);
  }

  unregisterServer(topic: string, server: string, host: string): Promise<void> {
    return this.unregister(serverKey(topic, server), host);
  }

  /** Live hosts registered under the name; fails at once (typed, counted) while the service is down. */
  serverHosts(topic: string, server: string): Promise<string[]> {
    return this.lookUp(async () => (await this.client.request({ op: 'get_workers', topic: serverKey(topic, server) })).hosts ?? []);
  }

  /**
   * Run a look-up through the service: at once a typed
   * {@link MatchmakerServiceUnavailableError} while the probe finds it down
   * (a send would only wait for its timeout), and every failure counted
   * `matchmaker.<service>.unavailable`.
   */
  async lookUp<T>(ask: () => Promise<T>): Promise<T> {
    const service = this.opts.service;
    if (this.down) {
      this.opts.counters.inc(`matchmaker.${service}.unavailable`);
      throw new MatchmakerServiceUnavailableError(service, this.client.endpoint, 0, 'probe');
    }
    try {
      return await ask();
    } catch (err) {
      this.opts.counters.inc(`matchmaker.${service}.unavailable`);
      throw err;
    }
  }

  /** Probe, and send the heartbeat when due or after an outage. */
  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const due = this.clock.now() - this.lastBeat >= this.opts.heartbeatFreq * 1000 || this.available !== true;
      if (due && this.regs.size > 0) {
        const byHost = new Map<string, string[]>();
        for (const r of this.regs.values()) byHost.set(r.host, [...(byHost.get(r.host) ?? []), r.topic]);
        for (const [host, topics] of byHost) {
          await this.client.request({ op: 'heartbeat', host, topics, ttl: this.opts.heartbeatTtl });
        }
        this.lastBeat = this.clock.now();
        this.opts.counters.inc(`matchmaker.${this.opts.service}.heartbeats`);
      } else {
        await this.client.request({ op: 'ping' });
      }
      this.markUp();
    } catch (err) {
      this.markDown(err as Error);
    } finally {
      this.ticking = false;
    }
  }

  private markUp(): void {
    this.lastAnswer = this.clock.now();
    if (this.available === false) {
      this.log.info('matchmaker service reachable again');
      // It may have restarted and forgotten us: heartbeat at the next tick.
      this.lastBeat = 0;
    }
    this.available = true;
  }

  private markDown(err: Error): void {
    if (this.available !== false) {
      this.opts.counters.inc(`matchmaker.${this.opts.service}.outages`);
      this.log.error({ err }, `matchmaker service unreachable: ${err.message}`);
    }
    this.available = false;
  }
}
