/**
 * The local API's messages as types (docs/local-api.md), and the one parser
 * that turns a decoded frame into a typed request. Everything a handler may
 * rely on about a request's fields is checked here, in the order the
 * documented errors name them; the handlers never look at raw fields.
 *
 * Shim -> daemon: hello, listen (rpc | notify), unlisten, cast, call, notify,
 * reply, heartbeat, stats; and for the operator's CLI, status and ping. Daemon -> shim: ok / reply / error answers and
 * deliveries. Wire names stay snake_case (`reply_to`, `monitor_timeout`,
 * `response_timeout`); request fields the handlers read are camelCase.
 */
import { BridgeError } from '../errors';
import type { DaemonStatus } from '../status/types';
import type { ReplyOutcome } from '../wire/envelope';
import { isJsonText } from '../wire/json-raw';
import { checkExchangeName, replyTopicHost } from '../wire/topic';
import { echoed, InvalidFieldError } from './errors';

/** Local API protocol version spoken by this daemon. */
export const LOCAL_API_PROTO = 1;
/** Daemon version announced in `hello`. */
export const DAEMON_VERSION = '0.1.0';

/**
 * Longest call (and call-monitor) timeout honoured, in seconds (30 days);
 * longer ones, Infinity included, are cut to it. The clock chains Node's
 * timers for any length (src/time/clock.ts), so this bound is not for the
 * timers: it keeps every timeout a finite number in answers and logs.
 */
export const MAX_CALL_TIMEOUT_S = 30 * 86_400;

/** The ops a shim may send. */
export const REQUEST_OPS = ['hello', 'listen', 'unlisten', 'cast', 'call', 'notify', 'reply', 'heartbeat', 'stats', 'status', 'ping'] as const;
export type RequestOp = (typeof REQUEST_OPS)[number];

// ---------------------------------------------------------------- requests

/** Where a cast or call goes: exchange (null = the default), topic, server, fanout. */
export interface Target {
  exchange: string | null;
  topic: string;
  server: string | null;
  fanout: boolean;
}

/** `[msg_id, "zmq_replies.<caller host>"]`: where a call's reply goes. */
export type ReplyTo = [msgId: string, replyTopic: string];

/** `rid` when the shim wants an answer (any number: the shim's own counter). */
interface Answerable {
  rid: number | undefined;
}

export interface HelloRequest extends Answerable {
  op: 'hello';
  /** The shim's process id (logged as `shim_pid`). */
  pid: number | null;
  client: string | null;
  proto: number | null;
}

export interface ListenRpcRequest extends Answerable {
  op: 'listen';
  kind: 'rpc';
  lid: number;
  target: Target;
}

export interface ListenNotifyRequest extends Answerable {
  op: 'listen';
  kind: 'notify';
  lid: number;
  exchange: string | null;
  topic: string;
  priority: string;
  pool: string | null;
}

export interface UnlistenRequest extends Answerable {
  op: 'unlisten';
  lid: number;
}

export interface CastRequest extends Answerable {
  op: 'cast';
  target: Target;
  /** JSON text of the context dict. */
  ctx: string;
  /** JSON text of the message dict. */
  msg: string;
}

export interface CallRequest {
  op: 'call';
  /** A call always wants its answer. */
  rid: number;
  target: Target;
  ctx: string;
  msg: string;
  /** Seconds; null means `rpc_response_timeout`. */
  timeout: number | null;
  /** Call-monitor seconds, or null (no monitor). */
  monitorTimeout: number | null;
}

export interface NotifyRequest extends Answerable {
  op: 'notify';
  exchange: string | null;
  topic: string;
  priority: string;
  ctx: string;
  msg: string;
  /** `2.0` is the `impl_zmq_v2` envelope; anything else the v1 cast style. */
  version: '1.0' | '2.0';
}

export interface ReplyRequest extends Answerable {
  op: 'reply';
  replyTo: ReplyTo;
  ctx: string;
  outcome: ReplyOutcome;
}

export interface HeartbeatRequest extends Answerable {
  op: 'heartbeat';
  replyTo: ReplyTo;
}

export interface StatsRequest extends Answerable {
  op: 'stats';
}

/** The daemon's state for `nova-zmq-bridge status` (src/status/types.ts). */
export interface StatusRequest extends Answerable {
  op: 'status';
}

/**
 * A round trip to `host` (`nova-zmq-bridge ping`), sent straight to that
 * host without the matchmaker: its daemon's control endpoint when `topic` is
 * null, else oslo's `oslo_rpc_server_ping` on `topic` directed to `server`
 * (default: `host`).
 */
export interface PingRequest {
  op: 'ping';
  rid: number;
  host: string;
  topic: string | null;
  exchange: string | null;
  server: string | null;
  /** Seconds; null means `rpc_response_timeout`. */
  timeout: number | null;
}

export type LocalRequest =
  | HelloRequest
  | ListenRpcRequest
  | ListenNotifyRequest
  | UnlistenRequest
  | CastRequest
  | CallRequest
  | NotifyRequest
  | ReplyRequest
  | HeartbeatRequest
  | StatsRequest
  | StatusRequest
  | PingRequest;

/** A frame that is not a usable request: answered `error` (when it has a rid), never acted on. */
export interface RejectedRequest {
  /** The frame's op, cut by {@link echoedOp}. */
  op: string;
  rid: number | undefined;
  bad: BridgeError;
}

// ---------------------------------------------------------------- answers and deliveries

export type OkAnswer = { op: 'ok'; rid: number };
export type HelloFields = { host: string; proto: number; version: string; response_timeout: number };
export type StatsFields = { counters: Record<string, number> };
export type StatusFields = { status: DaemonStatus };
/** What `ok` may carry besides op and rid. */
export type OkFields = HelloFields | StatsFields | StatusFields;
export type HelloAnswer = OkAnswer & HelloFields;
export type StatsAnswer = OkAnswer & StatsFields;
export type StatusAnswer = OkAnswer & StatusFields;
export type ReplyAnswer = { op: 'reply'; rid: number; result: string } | { op: 'reply'; rid: number; failure: string };
/** Without `rid` for connection-wide errors (PROTOCOL, SHUTDOWN). */
export type ErrorAnswer = { op: 'error'; rid?: number; code: string; message: string };
export type Delivery = {
  op: 'deliver';
  lid: number;
  ctx: string;
  msg: string;
  reply_to: ReplyTo | null;
  monitor: number | null;
};

/** Every frame the daemon writes to a shim. */
export type DaemonFrame = OkAnswer | HelloAnswer | StatsAnswer | StatusAnswer | ReplyAnswer | ErrorAnswer | Delivery;

/** The answer to a call that got its reply. */
export function replyAnswer(rid: number, outcome: ReplyOutcome): ReplyAnswer {
  return 'result' in outcome ? { op: 'reply', rid, result: outcome.result } : { op: 'reply', rid, failure: outcome.failure };
}

/** The code a failure is answered with: a {@link BridgeError}'s own, else INVALID. */
export function errorCode(err: unknown): string {
  return err instanceof BridgeError ? err.code : 'INVALID';
}

export function errorAnswer(rid: number | undefined, err: unknown): ErrorAnswer {
  const message = err instanceof Error ? err.message : String(err);
  return rid === undefined ? { op: 'error', code: errorCode(err), message } : { op: 'error', rid, code: errorCode(err), message };
}

/** An op name safe to repeat in answers and logs (a shim could send megabytes of it). */
export function echoedOp(op: string): string {
  return echoed(op);
}

// ---------------------------------------------------------------- parsing

type Fields = Record<string, unknown>;

function str(op: string, r: Fields, k: string): string {
  const v = r[k];
  if (typeof v !== 'string' || v.length === 0) throw new InvalidFieldError(op, k, 'a non-empty string');
  return v;
}

function optStr(op: string, r: Fields, k: string): string | null {
  const v = r[k];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw new InvalidFieldError(op, k, 'a string or null');
  return v;
}

function int(op: string, r: Fields, k: string): number {
  const v = r[k];
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new InvalidFieldError(op, k, 'an integer');
  return v;
}

function json(op: string, r: Fields, k: string): string {
  const v = r[k];
  if (typeof v !== 'string' || !isJsonText(v)) throw new InvalidFieldError(op, k, 'a JSON text (as json.dumps writes it)');
  return v;
}

/** Seconds (at most {@link MAX_CALL_TIMEOUT_S}), or null when absent. */
function optSeconds(op: string, r: Fields, k: string): number | null {
  const v = r[k];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !(v > 0)) throw new InvalidFieldError(op, k, 'a positive number of seconds or null');
  return Math.min(v, MAX_CALL_TIMEOUT_S);
}

/** An empty exchange means the default one, like null. */
function exchange(op: string, r: Fields): string | null {
  const e = optStr(op, r, 'exchange');
  if (e !== null && e !== '' && !checkExchangeName(e)) throw new InvalidFieldError(op, 'exchange', "a name without '.', ':', '~' or path separators");
  return e === '' ? null : e;
}

function replyTo(op: string, r: Fields): ReplyTo {
  const v = r.reply_to;
  if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string' || typeof v[1] !== 'string' || replyTopicHost(v[1]) === null) {
    throw new InvalidFieldError(op, 'reply_to', '[msg_id, "zmq_replies.<host>"]');
  }
  return [v[0], v[1]];
}

function target(op: string, r: Fields): Target {
  const t = r.target;
  if (t === null || typeof t !== 'object' || Array.isArray(t)) throw new InvalidFieldError(op, 'target', 'a map {exchange, topic, server, fanout}');
  const tr = t as Fields;
  const topic = str(op, tr, 'topic');
  if (/[.~:/\\]/.test(topic)) throw new InvalidFieldError(op, 'target.topic', "a topic without '.', '~', ':' or path separators");
  const server = optStr(op, tr, 'server');
  return { exchange: exchange(op, tr), topic, server: server === '' ? null : server, fanout: tr.fanout === true };
}

function listen(r: Fields, rid: number | undefined): ListenRpcRequest | ListenNotifyRequest {
  const lid = int('listen', r, 'lid');
  const kind = r.kind ?? 'rpc';
  if (kind === 'rpc') return { op: 'listen', kind, rid, lid, target: target('listen', r) };
  if (kind === 'notify') {
    const topic = str('listen', r, 'topic');
    const priority = str('listen', r, 'priority');
    return { op: 'listen', kind, rid, lid, topic, priority, exchange: exchange('listen', r), pool: optStr('listen', r, 'pool') };
  }
  throw new InvalidFieldError('listen', 'kind', '"rpc" or "notify"');
}

function call(r: Fields, rid: number | undefined): CallRequest {
  if (rid === undefined) throw new InvalidFieldError('call', 'rid', 'an integer');
  const t = target('call', r);
  const ctx = json('call', r, 'ctx');
  const msg = json('call', r, 'msg');
  const timeout = optSeconds('call', r, 'timeout');
  const monitorTimeout = optSeconds('call', r, 'monitor_timeout');
  return { op: 'call', rid, target: t, ctx, msg, timeout, monitorTimeout };
}

function ping(r: Fields, rid: number | undefined): PingRequest {
  if (rid === undefined) throw new InvalidFieldError('ping', 'rid', 'an integer');
  const host = str('ping', r, 'host');
  if (/[\s/\\]/.test(host)) throw new InvalidFieldError('ping', 'host', 'a host name or address');
  const topic = optStr('ping', r, 'topic');
  if (topic !== null && (topic === '' || /[.~:/\\]/.test(topic))) {
    throw new InvalidFieldError('ping', 'topic', "null, or a topic without '.', '~', ':' or path separators");
  }
  const server = optStr('ping', r, 'server');
  return { op: 'ping', rid, host, topic, exchange: exchange('ping', r), server: server === '' ? null : server, timeout: optSeconds('ping', r, 'timeout') };
}

function notify(r: Fields, rid: number | undefined): NotifyRequest {
  const topic = str('notify', r, 'topic');
  const priority = str('notify', r, 'priority');
  const ctx = json('notify', r, 'ctx');
  const msg = json('notify', r, 'msg');
  return { op: 'notify', rid, topic, priority, ctx, msg, exchange: exchange('notify', r), version: r.version === '2.0' ? '2.0' : '1.0' };
}

function reply(r: Fields, rid: number | undefined): ReplyRequest {
  const to = replyTo('reply', r);
  const ctx = json('reply', r, 'ctx');
  let outcome: ReplyOutcome;
  if (typeof r.failure === 'string') outcome = { failure: json('reply', r, 'failure') };
  // No result at all is Python's None.
  else if (r.result === undefined || r.result === null) outcome = { result: 'null' };
  else outcome = { result: json('reply', r, 'result') };
  return { op: 'reply', rid, replyTo: to, ctx, outcome };
}

function request(op: string, r: Fields, rid: number | undefined): LocalRequest {
  switch (op) {
    case 'hello':
      return {
        op,
        rid,
        pid: typeof r.pid === 'number' ? r.pid : null,
        client: typeof r.client === 'string' ? r.client : null,
        proto: typeof r.proto === 'number' ? r.proto : null,
      };
    case 'listen':
      return listen(r, rid);
    case 'unlisten':
      return { op, rid, lid: int(op, r, 'lid') };
    case 'cast': {
      const t = target(op, r);
      const ctx = json(op, r, 'ctx');
      return { op, rid, target: t, ctx, msg: json(op, r, 'msg') };
    }
    case 'call':
      return call(r, rid);
    case 'notify':
      return notify(r, rid);
    case 'reply':
      return reply(r, rid);
    case 'heartbeat':
      return { op, rid, replyTo: replyTo(op, r) };
    case 'stats':
    case 'status':
      return { op, rid };
    case 'ping':
      return ping(r, rid);
    default:
      throw new InvalidFieldError(echoedOp(op), 'op', `one of ${REQUEST_OPS.join(', ')}`);
  }
}

/**
 * Validate one decoded frame (a msgpack map, see framing.ts) into a typed
 * request, or say why it is unusable with the error the shim is answered
 * (INVALID, with the field and what it must be).
 */
export function parseRequest(frame: Fields): LocalRequest | RejectedRequest {
  const op = typeof frame.op === 'string' ? frame.op : '';
  const rid = typeof frame.rid === 'number' ? frame.rid : undefined;
  try {
    return request(op, frame, rid);
  } catch (err) {
    if (err instanceof BridgeError) return { op: echoedOp(op), rid, bad: err };
    throw err;
  }
}

/** True when `parsed` is a rejection rather than a request. */
export function isRejected(parsed: LocalRequest | RejectedRequest): parsed is RejectedRequest {
  return 'bad' in parsed;
}
