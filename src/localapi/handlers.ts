/**
 * The local API operations (docs/local-api.md): one typed request (parsed by
 * protocol.ts) becomes legacy frames for the sender, a {@link Call}, or a
 * registry entry, and the session answers `ok` / `reply` / `error`.
 */
import type { BridgeConfig } from '../config/types';
import type { Logger } from '../log';
import type { Counters } from '../metrics/counters';
import type { Matchmaker, Queue } from '../matchmaker/types';
import type { Sender } from '../sender/sender';
import type { SendKind } from '../sender/peer-pool';
import type { ReplyWaiter } from '../sender/reply-waiter';
import { buildCastFrames, castFramesFor, buildHeartbeatFrames, buildNotifyV2Frames, buildReplyFrames } from '../wire/envelope';
import { CONTROL_PING_METHOD, CONTROL_TOPIC, OSLO_PING_METHOD, pingRequest } from '../control/protocol';
import type { DaemonStatus } from '../status/types';
import { directedTopic, fanoutTopic, notificationTopic, qualifyTopic, replyTopic, replyTopicHost } from '../wire/topic';
import { Call, callResultOfError, type CallParts, type CallResult } from './call';
import { CallLatency, type CallLabels } from '../metrics/call-latency';
import { methodOf } from '../metrics/labels';
import { systemClock, type Clock } from '../time/clock';
import { MessageTooLargeError, NoRouteError, StatusUnavailableError } from './errors';
import { ReplyNotOwedError } from '../security/errors';
import type { LogLimiter } from '../util/log-limiter';
import {
  DAEMON_VERSION,
  isRejected,
  LOCAL_API_PROTO,
  parseRequest,
  type CallRequest,
  type CastRequest,
  type HeartbeatRequest,
  type HelloRequest,
  type ListenNotifyRequest,
  type ListenRpcRequest,
  type NotifyRequest,
  type PingRequest,
  type ReplyRequest,
  type Target,
} from './protocol';
import type { ListenerRegistry } from './registry';
import type { ServerResolver } from './server-resolver';
import type { Session } from './session';

export interface LocalApiDeps {
  config: BridgeConfig;
  matchmaker: Matchmaker;
  sender: Sender;
  waiter: ReplyWaiter;
  registry: ListenerRegistry;
  /** Where directed targets go (docs/server-names.md). */
  resolver: ServerResolver;
  counters: Counters;
  /** The local API's component logger. */
  log: Logger;
  /** The daemon's state for the `status` op (absent when the API is assembled without a daemon). */
  status?: () => DaemonStatus;
  /** Time of the calls' latency (default: the system clock). */
  clock?: Clock;
  /** Where call latencies go (default: a histogram of its own). */
  callLatency?: CallLatency;
  /** Thins the warnings a shim can repeat (no route); without it every one is logged. */
  limiter?: LogLimiter;
}

/**
 * Refuse a message whose context and body alone pass `max` bytes: every
 * receiver would refuse it (`receiver.refused.too_large`) without the shim
 * ever knowing. (The envelope adds a little; a message within a few bytes
 * of the limit is left to the receivers.)
 */
function checkSize(op: string, max: number, ...texts: string[]): void {
  let bytes = 0;
  for (const t of texts) bytes += Buffer.byteLength(t, 'utf8');
  if (bytes > max) throw new MessageTooLargeError(op, bytes, max);
}

const MS_PER_SECOND = 1_000;

/** Counter suffix of an op: known-looking names as they are, anything else `unknown`. */
function opCounter(op: string): string {
  return /^[a-z_]{1,20}$/.test(op) ? op : 'unknown';
}

export class LocalApi {
  private readonly log: Logger;
  private readonly callParts: CallParts;
  private readonly clock: Clock;
  /** Latency of the calls that got a reply. */
  readonly latency: CallLatency;

  constructor(private readonly d: LocalApiDeps) {
    this.log = d.log;
    this.clock = d.clock ?? systemClock;
    this.latency = d.callLatency ?? new CallLatency();
    this.callParts = { sender: d.sender, waiter: d.waiter, replyTopic: replyTopic(d.config.host), log: d.log };
  }

  /** Wire base topic of a target's topic (exchange-qualified only off the default exchange). */
  private base(exchange: string | null, topic: string): string {
    return qualifyTopic(topic, exchange, this.d.config.controlExchange);
  }

  /**
   * The queues of a cast's or call's target. A server names a listener,
   * resolved by the {@link ServerResolver} (UNKNOWN_SERVER when nowhere);
   * bare and fanout targets are the matchmaker's (NO_ROUTE when empty).
   * Fanout wins over server.
   */
  private async targetQueues(t: Target): Promise<Queue[]> {
    const b = this.base(t.exchange, t.topic);
    if (t.fanout) return this.route(fanoutTopic(b));
    if (t.server) return [(await this.d.resolver.resolve(b, t.server)).queue];
    return this.route(b);
  }

  /**
   * Handle one decoded frame; answers go through the session. Never throws.
   * A connection's requests reach the sender in arrival order: every op
   * awaits at most its routing, and the matchmakers answer in order.
   */
  async handle(s: Session, frame: Record<string, unknown>): Promise<void> {
    const r = parseRequest(frame);
    this.d.counters.inc(`localapi.ops.${opCounter(r.op)}`);
    if (isRejected(r)) {
      s.refuse(r.rid, r.op, r.bad);
      return;
    }
    try {
      switch (r.op) {
        case 'hello':
          return this.hello(s, r);
        case 'listen':
          return await this.listen(s, r);
        case 'unlisten':
          await this.d.registry.remove(s, r.lid);
          return s.ok(r.rid);
        case 'cast':
          return await this.cast(s, r);
        case 'call':
          return await this.call(s, r);
        case 'notify':
          return await this.notify(s, r);
        case 'reply':
          return this.reply(s, r);
        case 'heartbeat':
          return this.heartbeat(s, r);
        case 'stats':
          return s.ok(r.rid, { counters: this.d.counters.snapshot() });
        case 'status':
          if (!this.d.status) throw new StatusUnavailableError();
          return s.ok(r.rid, { status: this.d.status() });
        case 'ping':
          return this.ping(s, r);
      }
    } catch (err) {
      s.refuse(r.rid, r.op, err);
    }
  }

  private hello(s: Session, r: HelloRequest): void {
    s.shimPid = r.pid;
    s.client = r.client;
    this.log.info({ session: s.id, shim_pid: s.shimPid, client: s.client, proto: r.proto }, 'shim connected');
    s.ok(r.rid, { host: this.d.config.host, proto: LOCAL_API_PROTO, version: DAEMON_VERSION, response_timeout: this.d.config.responseTimeout });
  }

  private async listen(s: Session, r: ListenRpcRequest | ListenNotifyRequest): Promise<void> {
    if (r.kind === 'rpc') {
      await this.d.registry.add(s, r.lid, { kind: 'rpc', key: this.base(r.target.exchange, r.target.topic), server: r.target.server, pool: null });
    } else {
      const key = this.base(r.exchange, notificationTopic(r.topic, r.priority));
      await this.d.registry.add(s, r.lid, { kind: 'notify', key, server: null, pool: r.pool });
    }
    s.ok(r.rid);
  }

  /** Matchmaker pairs, or NO_ROUTE. */
  private async route(topic: string): Promise<Queue[]> {
    let queues: Queue[];
    try {
      queues = await this.d.matchmaker.queues(topic);
    } catch (err) {
      this.d.counters.inc('matchmaker.lookups.failed');
      throw err;
    }
    this.d.counters.inc(queues.length === 0 ? 'matchmaker.lookups.no_host' : 'matchmaker.lookups.found');
    if (queues.length === 0) {
      this.d.counters.inc('sender.no_route');
      const fields = { topic, matchmaker: this.d.matchmaker.kind };
      if (this.d.limiter) this.d.limiter.warn(this.log, 'no_route', topic, fields, 'no route for topic');
      else this.log.warn(fields, 'no route for topic');
      throw new NoRouteError(topic, this.d.matchmaker.kind);
    }
    return queues;
  }

  /**
   * Queue one copy per queue. A refusal of one copy does not stop the
   * others (a fanout to 2,000 hosts must not end at the first full peer);
   * the first refusal is thrown once every copy was tried (the request is
   * answered with it). A late failure is counted and logged by the sender.
   */
  private sendEach(queues: Queue[], kind: SendKind, frames: (topic: string) => Buffer[]): void {
    // One refused copy (a peer queue full) must not stop the others of a fanout: refuse after trying all.
    let refused: unknown = null;
    for (const q of queues) {
      try {
        this.d.sender.submit(q.host, frames(q.topic), { topic: q.topic, msgId: '0', kind }).catch(() => {});
      } catch (err) {
        refused ??= err;
      }
    }
    if (refused !== null) throw refused;
  }

  private async cast(s: Session, r: CastRequest): Promise<void> {
    checkSize('cast', this.d.config.bridge.maxMessageSize, r.ctx, r.msg);
    const queues = await this.targetQueues(r.target);
    this.sendEach(queues, r.target.fanout ? 'fanout' : 'cast', castFramesFor(r.ctx, r.msg));
    s.ok(r.rid);
  }

  private async notify(s: Session, r: NotifyRequest): Promise<void> {
    checkSize('notify', this.d.config.bridge.maxMessageSize, r.ctx, r.msg);
    const queues = await this.route(this.base(r.exchange, notificationTopic(r.topic, r.priority)));
    const build = r.version === '2.0' ? buildNotifyV2Frames : buildCastFrames;
    this.sendEach(queues, 'notification', (topic) => build(topic, r.ctx, r.msg));
    s.ok(r.rid);
  }

  private async call(s: Session, r: CallRequest): Promise<void> {
    checkSize('call', this.d.config.bridge.maxMessageSize, r.ctx, r.msg);
    const started = this.clock.now();
    const labels: CallLabels = { exchange: r.target.exchange ?? this.d.config.controlExchange, topic: r.target.topic, method: methodOf(r.msg) };
    const onEnd = (result: CallResult): void => {
      this.d.counters.inc(`localapi.calls.${result}`);
      // Latency of calls that got a reply; a timeout's duration is its timeout.
      if (result === 'ok' || result === 'remote_error') this.latency.observe(labels, (this.clock.now() - started) / MS_PER_SECOND);
    };
    let queues: Queue[];
    try {
      queues = await this.targetQueues(r.target);
    } catch (err) {
      onEnd(callResultOfError(err));
      throw err;
    }
    const spec = { rid: r.rid, ctx: r.ctx, request: r.msg, timeout: r.timeout ?? this.d.config.responseTimeout, monitorTimeout: r.monitorTimeout, onEnd };
    new Call(this.callParts, s, spec).start(queues);
  }

  /**
   * A round trip straight to `r.host`, past the matchmaker: the question is
   * whether that host answers, not who serves a topic. Made as a call, so
   * it takes the path and the answers (TIMEOUT, SEND_FAILED...) of a call.
   */
  private ping(s: Session, r: PingRequest): void {
    const own = r.topic === null;
    const base = own ? CONTROL_TOPIC : this.base(r.exchange, r.topic!);
    const server = own ? r.host : (r.server ?? r.host);
    const request = pingRequest(own ? CONTROL_PING_METHOD : OSLO_PING_METHOD);
    const spec = { rid: r.rid, ctx: '{}', request, timeout: r.timeout ?? this.d.config.responseTimeout, monitorTimeout: null };
    new Call(this.callParts, s, spec).start([{ topic: directedTopic(base, server), host: r.host }]);
  }

  private reply(s: Session, r: ReplyRequest): void {
    checkSize('reply', this.d.config.bridge.maxMessageSize, r.ctx, 'result' in r.outcome ? r.outcome.result : r.outcome.failure);
    const [msgId, topic] = r.replyTo;
    if (!s.mayAnswer(r.replyTo, 'reply')) throw new ReplyNotOwedError(msgId, 'reply');
    const host = replyTopicHost(topic)!;
    this.d.sender.submit(host, buildReplyFrames(msgId, topic, r.ctx, r.outcome), { topic, msgId, kind: 'reply' }).catch(() => this.d.counters.inc('localapi.reply.failed'));
  }

  private heartbeat(s: Session, r: HeartbeatRequest): void {
    const [msgId, topic] = r.replyTo;
    if (!s.mayAnswer(r.replyTo, 'heartbeat')) throw new ReplyNotOwedError(msgId, 'heartbeat');
    const host = replyTopicHost(topic)!;
    this.d.sender.submit(host, buildHeartbeatFrames(msgId, topic), { topic, msgId, kind: 'heartbeat' }).catch(() => this.d.counters.inc('localapi.heartbeat.failed'));
  }
}
