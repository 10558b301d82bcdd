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
import type { ReplyWaiter } from '../sender/reply-waiter';
import { buildCastFrames, buildHeartbeatFrames, buildNotifyV2Frames, buildReplyFrames } from '../wire/envelope';
import { directedTopic, fanoutTopic, notificationTopic, qualifyTopic, replyTopic, replyTopicHost } from '../wire/topic';
import { Call, type CallParts } from './call';
import { MessageTooLargeError, NoRouteError } from './errors';
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
  type ReplyRequest,
  type Target,
} from './protocol';
import type { ListenerRegistry } from './registry';
import type { Session } from './session';

export interface LocalApiDeps {
  config: BridgeConfig;
  matchmaker: Matchmaker;
  sender: Sender;
  waiter: ReplyWaiter;
  registry: ListenerRegistry;
  counters: Counters;
  /** The local API's component logger. */
  log: Logger;
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

/** Counter suffix of an op: known-looking names as they are, anything else `unknown`. */
function opCounter(op: string): string {
  return /^[a-z_]{1,20}$/.test(op) ? op : 'unknown';
}

export class LocalApi {
  private readonly log: Logger;
  private readonly callParts: CallParts;

  constructor(private readonly d: LocalApiDeps) {
    this.log = d.log;
    this.callParts = { sender: d.sender, waiter: d.waiter, replyTopic: replyTopic(d.config.host), log: d.log };
  }

  /** Wire base topic of a target's topic (exchange-qualified only off the default exchange). */
  private base(exchange: string | null, topic: string): string {
    return qualifyTopic(topic, exchange, this.d.config.controlExchange);
  }

  /** Wire topic before matchmaking. Fanout wins over server. */
  private wireTopic(t: Target): string {
    const b = this.base(t.exchange, t.topic);
    if (t.fanout) return fanoutTopic(b);
    return t.server ? directedTopic(b, t.server) : b;
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
          return this.reply(r);
        case 'heartbeat':
          return this.heartbeat(r);
        case 'stats':
          return s.ok(r.rid, { counters: this.d.counters.snapshot() });
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
    const queues = await this.d.matchmaker.queues(topic);
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
   * Queue one copy per queue. A refusal throws at once (the request is
   * answered with it); a late failure is counted and logged by the sender.
   */
  private sendEach(queues: Queue[], frames: (topic: string) => Buffer[]): void {
    for (const q of queues) this.d.sender.submit(q.host, frames(q.topic), { topic: q.topic, msgId: '0' }).catch(() => {});
  }

  private async cast(s: Session, r: CastRequest): Promise<void> {
    checkSize('cast', this.d.config.bridge.maxMessageSize, r.ctx, r.msg);
    const queues = await this.route(this.wireTopic(r.target));
    this.sendEach(queues, (topic) => buildCastFrames(topic, r.ctx, r.msg));
    s.ok(r.rid);
  }

  private async notify(s: Session, r: NotifyRequest): Promise<void> {
    checkSize('notify', this.d.config.bridge.maxMessageSize, r.ctx, r.msg);
    const queues = await this.route(this.base(r.exchange, notificationTopic(r.topic, r.priority)));
    const build = r.version === '2.0' ? buildNotifyV2Frames : buildCastFrames;
    this.sendEach(queues, (topic) => build(topic, r.ctx, r.msg));
    s.ok(r.rid);
  }

  private async call(s: Session, r: CallRequest): Promise<void> {
    checkSize('call', this.d.config.bridge.maxMessageSize, r.ctx, r.msg);
    const queues = await this.route(this.wireTopic(r.target));
    const spec = { rid: r.rid, ctx: r.ctx, request: r.msg, timeout: r.timeout ?? this.d.config.responseTimeout, monitorTimeout: r.monitorTimeout };
    new Call(this.callParts, s, spec).start(queues);
  }

  private reply(r: ReplyRequest): void {
    checkSize('reply', this.d.config.bridge.maxMessageSize, r.ctx, 'result' in r.outcome ? r.outcome.result : r.outcome.failure);
    const [msgId, topic] = r.replyTo;
    const host = replyTopicHost(topic)!;
    this.d.sender.submit(host, buildReplyFrames(msgId, topic, r.ctx, r.outcome), { topic, msgId }).catch(() => this.d.counters.inc('localapi.reply.failed'));
  }

  private heartbeat(r: HeartbeatRequest): void {
    const [msgId, topic] = r.replyTo;
    const host = replyTopicHost(topic)!;
    this.d.sender.submit(host, buildHeartbeatFrames(msgId, topic), { topic, msgId }).catch(() => this.d.counters.inc('localapi.heartbeat.failed'));
  }
}
