/**
 * The local API operations (docs/local-api.md): turn a shim's request into
 * legacy frames for the sender, calls into reply-waiter entries, listens into
 * registry entries, and answer with `ok` / `reply` / `error`.
 */
import { randomUUID } from 'node:crypto';
import type { BridgeConfig } from '../config/types';
import type { Logger } from '../log';
import type { Counters } from '../metrics/counters';
import type { Matchmaker } from '../matchmaker/types';
import { BridgeError } from '../errors';
import type { Sender } from '../sender/sender';
import type { ReplyWaiter } from '../sender/reply-waiter';
import {
  buildCallFrames,
  buildCastFrames,
  buildHeartbeatFrames,
  buildNotifyV2Frames,
  buildReplyFrames,
  type ReplyOutcome,
} from '../wire/envelope';
import { isJsonText } from '../wire/json-raw';
import { checkExchangeName, directedTopic, fanoutTopic, notificationTopic, qualifyTopic, replyTopic, replyTopicHost } from '../wire/topic';
import { InvalidFieldError, NoRouteError } from './errors';
import type { ListenerRegistry } from './registry';
import type { Session } from './session';

/** Local API protocol version spoken by this daemon. */
export const LOCAL_API_PROTO = 1;
/** Daemon version announced in `hello`. */
export const DAEMON_VERSION = '0.1.0';

export interface LocalApiDeps {
  config: BridgeConfig;
  matchmaker: Matchmaker;
  sender: Sender;
  waiter: ReplyWaiter;
  registry: ListenerRegistry;
  counters: Counters;
  log: Logger;
}

type Req = Record<string, unknown>;

interface Target {
  exchange: string | null;
  topic: string;
  server: string | null;
  fanout: boolean;
}

function str(op: string, r: Req, k: string): string {
  const v = r[k];
  if (typeof v !== 'string' || v.length === 0) throw new InvalidFieldError(op, k, 'a non-empty string');
  return v;
}

function optStr(op: string, r: Req, k: string): string | null {
  const v = r[k];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw new InvalidFieldError(op, k, 'a string or null');
  return v;
}

function int(op: string, r: Req, k: string): number {
  const v = r[k];
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new InvalidFieldError(op, k, 'an integer');
  return v;
}

function json(op: string, r: Req, k: string): string {
  const v = r[k];
  if (typeof v !== 'string' || !isJsonText(v)) throw new InvalidFieldError(op, k, 'a JSON text (as json.dumps writes it)');
  return v;
}

function exchangeOf(op: string, r: Req): string | null {
  const e = optStr(op, r, 'exchange');
  if (e !== null && e !== '' && !checkExchangeName(e)) throw new InvalidFieldError(op, 'exchange', "a name without '.', ':', '~' or path separators");
  return e === '' ? null : e;
}

function replyTo(op: string, r: Req): [string, string] {
  const v = r.reply_to;
  if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string' || typeof v[1] !== 'string' || replyTopicHost(v[1]) === null) {
    throw new InvalidFieldError(op, 'reply_to', '[msg_id, "zmq_replies.<host>"]');
  }
  return [v[0], v[1]];
}

function target(op: string, r: Req): Target {
  const t = r.target;
  if (t === null || typeof t !== 'object' || Array.isArray(t)) throw new InvalidFieldError(op, 'target', 'a map {exchange, topic, server, fanout}');
  const tr = t as Req;
  const topic = str(op, tr, 'topic');
  if (/[.~:/\\]/.test(topic)) throw new InvalidFieldError(op, 'target.topic', "a topic without '.', '~', ':' or path separators");
  const server = optStr(op, tr, 'server');
  return { exchange: exchangeOf(op, tr), topic, server: server === '' ? null : server, fanout: tr.fanout === true };
}

export class LocalApi {
  private readonly log: Logger;

  constructor(private readonly d: LocalApiDeps) {
    this.log = d.log;
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

  /** Handle one request; answers go through `s.write`. Never throws. */
  async handle(s: Session, r: Req): Promise<void> {
    const op = r.op as string;
    const rid = typeof r.rid === 'number' ? r.rid : undefined;
    this.d.counters.inc(`localapi.ops.${/^[a-z_]{1,20}$/.test(op) ? op : 'unknown'}`);
    try {
      switch (op) {
        case 'hello':
          s.pid = typeof r.pid === 'number' ? r.pid : null;
          s.client = typeof r.client === 'string' ? r.client : null;
          this.log.info({ session: s.id, pid: s.pid, client: s.client, proto: r.proto }, 'shim connected');
          return this.ok(s, rid, { host: this.d.config.host, proto: LOCAL_API_PROTO, version: DAEMON_VERSION, response_timeout: this.d.config.responseTimeout });
        case 'listen':
          return await this.listen(s, r, rid);
        case 'unlisten':
          await this.d.registry.remove(s, int(op, r, 'lid'));
          return this.ok(s, rid);
        case 'cast':
          return await this.cast(s, r, rid);
        case 'call':
          return await this.call(s, r, rid);
        case 'notify':
          return await this.notify(s, r, rid);
        case 'reply':
          return this.reply(r);
        case 'heartbeat':
          return this.heartbeat(r);
        case 'stats':
          return this.ok(s, rid, { counters: this.d.counters.snapshot() });
        default:
          throw new InvalidFieldError(op, 'op', 'one of hello, listen, unlisten, cast, call, notify, reply, heartbeat, stats');
      }
    } catch (err) {
      this.fail(s, rid, op, err);
    }
  }

  private ok(s: Session, rid: number | undefined, fields: Req = {}): void {
    if (rid !== undefined) s.write({ op: 'ok', rid, ...fields });
  }

  private fail(s: Session, rid: number | undefined, op: string, err: unknown): void {
    const code = err instanceof BridgeError ? err.code : 'INVALID';
    const message = err instanceof Error ? err.message : String(err);
    this.d.counters.inc(`localapi.errors.${code}`);
    if (!(err instanceof BridgeError)) this.log.error({ err, op, session: s.id }, 'local API op failed unexpectedly');
    else this.log.debug({ op, code, session: s.id, message }, 'local API op refused');
    if (rid !== undefined) s.write({ op: 'error', rid, code, message });
    else if (op !== 'reply' && op !== 'heartbeat') this.log.warn({ op, code, session: s.id, message }, 'local API op without rid failed');
  }

  private async listen(s: Session, r: Req, rid: number | undefined): Promise<void> {
    const lid = int('listen', r, 'lid');
    const kind = r.kind ?? 'rpc';
    if (kind === 'rpc') {
      const t = target('listen', r);
      await this.d.registry.add(s, lid, { kind: 'rpc', key: this.base(t.exchange, t.topic), server: t.server, pool: null });
    } else if (kind === 'notify') {
      const topic = str('listen', r, 'topic');
      const priority = str('listen', r, 'priority');
      const key = this.base(exchangeOf('listen', r), notificationTopic(topic, priority));
      await this.d.registry.add(s, lid, { kind: 'notify', key, server: null, pool: optStr('listen', r, 'pool') });
    } else {
      throw new InvalidFieldError('listen', 'kind', '"rpc" or "notify"');
    }
    this.ok(s, rid);
  }

  /** Matchmaker pairs, or NO_ROUTE. */
  private async route(topic: string): Promise<{ topic: string; host: string }[]> {
    const queues = await this.d.matchmaker.queues(topic);
    if (queues.length === 0) {
      this.d.counters.inc('sender.no_route');
      this.log.warn({ topic, matchmaker: this.d.matchmaker.kind }, 'no route for topic');
      throw new NoRouteError(topic, this.d.matchmaker.kind);
    }
    return queues;
  }

  /** Queue each copy; refusals throw synchronously; late failures are counted and logged by the sender. */
  private submitAll(copies: { host: string; frames: Buffer[]; topic: string }[], msgId: string): Promise<void>[] {
    return copies.map((c) => this.d.sender.submit(c.host, c.frames, { topic: c.topic, msgId }));
  }

  private async cast(s: Session, r: Req, rid: number | undefined): Promise<void> {
    const t = target('cast', r);
    const ctx = json('cast', r, 'ctx');
    const msg = json('cast', r, 'msg');
    const queues = await this.route(this.wireTopic(t));
    const done = this.submitAll(queues.map((q) => ({ host: q.host, topic: q.topic, frames: buildCastFrames(q.topic, ctx, msg) })), '0');
    for (const p of done) p.catch(() => {});
    this.ok(s, rid);
  }

  private async notify(s: Session, r: Req, rid: number | undefined): Promise<void> {
    const topic = str('notify', r, 'topic');
    const priority = str('notify', r, 'priority');
    const ctx = json('notify', r, 'ctx');
    const msg = json('notify', r, 'msg');
    const v2 = r.version === '2.0';
    const queues = await this.route(this.base(exchangeOf('notify', r), notificationTopic(topic, priority)));
    const done = this.submitAll(
      queues.map((q) => ({ host: q.host, topic: q.topic, frames: v2 ? buildNotifyV2Frames(q.topic, ctx, msg) : buildCastFrames(q.topic, ctx, msg) })),
      '0',
    );
    for (const p of done) p.catch(() => {});
    this.ok(s, rid);
  }

  private async call(s: Session, r: Req, rid: number | undefined): Promise<void> {
    if (rid === undefined) throw new InvalidFieldError('call', 'rid', 'an integer');
    const t = target('call', r);
    const ctx = json('call', r, 'ctx');
    const request = json('call', r, 'msg');
    const timeout = r.timeout == null ? this.d.config.responseTimeout : r.timeout;
    if (typeof timeout !== 'number' || !(timeout > 0)) throw new InvalidFieldError('call', 'timeout', 'a positive number of seconds or null');
    const monitor = r.monitor_timeout;
    if (monitor != null && (typeof monitor !== 'number' || !(monitor > 0))) throw new InvalidFieldError('call', 'monitor_timeout', 'a positive number of seconds or null');
    const queues = await this.route(this.wireTopic(t));
    const msgId = randomUUID().replace(/-/g, '');
    const parts = { msgId, replyTopic: replyTopic(this.d.config.host), ctxText: ctx, requestText: request, monitor: (monitor as number | null | undefined) ?? null };
    // Wait first: a short-circuited callee on this host may answer at once.
    const reply = this.d.waiter.wait(msgId, { timeout, monitorTimeout: parts.monitor });
    s.calls.set(msgId, rid);
    let answered = false;
    const answer = (frame: Req | null, err?: unknown): void => {
      if (answered) return;
      answered = true;
      s.calls.delete(msgId);
      if (frame) s.write(frame);
      else this.fail(s, rid, 'call', err);
    };
    reply.then(
      (o: ReplyOutcome) => answer({ op: 'reply', rid, ...('result' in o ? { result: o.result } : { failure: o.failure }) }),
      (err) => answer(null, err),
    );
    try {
      const sends = this.submitAll(queues.map((q) => ({ host: q.host, topic: q.topic, frames: buildCallFrames(q.topic, parts) })), msgId);
      for (const p of sends) {
        p.catch((err) => {
          if (!answered) {
            answer(null, err);
            this.d.waiter.cancel(msgId, 'request could not be sent');
          }
        });
      }
    } catch (err) {
      answer(null, err);
      this.d.waiter.cancel(msgId, 'request refused');
    }
  }

  private reply(r: Req): void {
    const [msgId, topic] = replyTo('reply', r);
    const ctx = json('reply', r, 'ctx');
    let outcome: ReplyOutcome;
    if (typeof r.failure === 'string') outcome = { failure: json('reply', r, 'failure') };
    else if (r.result === undefined || r.result === null) outcome = { result: 'null' };
    else outcome = { result: json('reply', r, 'result') };
    const host = replyTopicHost(topic)!;
    this.d.sender.submit(host, buildReplyFrames(msgId, topic, ctx, outcome), { topic, msgId }).catch(() => this.d.counters.inc('localapi.reply.failed'));
  }

  private heartbeat(r: Req): void {
    const [msgId, topic] = replyTo('heartbeat', r);
    const host = replyTopicHost(topic)!;
    this.d.sender.submit(host, buildHeartbeatFrames(msgId, topic), { topic, msgId }).catch(() => this.d.counters.inc('localapi.heartbeat.failed'));
  }
}
