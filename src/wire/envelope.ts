/**
 * The ONE codec for the legacy impl_zmq envelopes (docs/wire-protocol.md,
 * test/vectors). Builds frames byte-identical to the legacy Python driver
 * by splicing the shim's JSON texts (never parse + re-encode), and reads both
 * styles back into raw JSON texts.
 *
 * Oddities kept here and nowhere else:
 *  - `cast` style: frame 3 is `[<ctx JSON text as a JSON string>, <message>]`;
 *  - calls are casts of a `-reply` wrapper holding `[<ctx string>, <request>]`;
 *  - replies are `-process_reply` with `response` `[[result]]` or `[{"exc": <failure string>}]`;
 *  - `impl_zmq_v2`: frame 3 ctx text, then unordered key/value frame pairs;
 *  - this project's call-monitor extension: an `nzb` key on the outer `-reply`
 *    wrapper, and 4-frame `nzb-heartbeat` messages.
 */
import { BridgeError } from '../errors';
import { arrayElements, kindAt, objectMembers, pyJsonString, RawJsonError, stringAt, textAt, wholeValue, type Span } from './json-raw';

/** Frame 2 of RPC messages, replies and v1 notifications. */
export const STYLE_CAST = 'cast';
/** Frame 2 of v2 notifications (key/value envelope). */
export const STYLE_V2 = 'impl_zmq_v2';
/** Frame 2 of this project's call-monitor heartbeats (never sent to legacy nodes' listeners). */
export const STYLE_HEARTBEAT = 'nzb-heartbeat';
/**
 * The three frame-2 markers as bytes, for hot paths that compare frames
 * without decoding them (receiver, reply waiter, listener registry). Shared
 * buffers: never write into them.
 */
export const STYLE_CAST_BYTES = Buffer.from(STYLE_CAST, 'latin1');
export const STYLE_V2_BYTES = Buffer.from(STYLE_V2, 'latin1');
export const STYLE_HEARTBEAT_BYTES = Buffer.from(STYLE_HEARTBEAT, 'latin1');
/** Frame 0 of every request, cast and notification. */
export const CAST_MSG_ID = '0';
/** Method name of a call wrapper. */
export const METHOD_CALL = '-reply';
/** Method name of a reply. */
export const METHOD_REPLY = '-process_reply';
/** Key of this project's extension object on the outer `-reply` wrapper. */
export const EXTENSION_KEY = 'nzb';
/** v2 envelope keys. */
export const V2_VERSION_KEY = 'oslo.version';
export const V2_MESSAGE_KEY = 'oslo.message';
/** v2 envelope version this codec writes. */
export const V2_VERSION = '2.0';

/** A frame that cannot be read as a legacy envelope. */
export class EnvelopeError extends BridgeError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super('ENVELOPE_INVALID', `malformed impl_zmq envelope: ${detail}`, options);
  }
}

/** What a reply carries: the result's JSON text, or the failure's JSON text. */
export type ReplyOutcome = { result: string } | { failure: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

function frameText(frame: Buffer | Uint8Array, what: string): string {
  try {
    return utf8.decode(frame);
  } catch (e) {
    throw new EnvelopeError(`${what} is not valid UTF-8`, { cause: e });
  }
}

function buf(s: string): Buffer {
  return Buffer.from(s, 'utf8');
}

// ---------------------------------------------------------------- building

/** Frame 3 of a `cast`-style message: `[<ctx as JSON string>, <message>]`. */
export function castBody(ctxText: string, msgText: string): string {
  return `[${pyJsonString(ctxText)}, ${msgText}]`;
}

/** A complete `cast`-style message: `[msgId, topic, "cast", body]`. */
export function buildCastFrames(topic: string, ctxText: string, msgText: string, msgId: string = CAST_MSG_ID): Buffer[] {
  return [buf(msgId), buf(topic), buf(STYLE_CAST), buf(castBody(ctxText, msgText))];
}

/**
 * Cast frames for several topics that share one encoded body: the copies of
 * a fanout to thousands of hosts differ only in their topic frame, so the
 * body is encoded once, not once per copy. The shared frames are never
 * written to (ZeroMQ only reads them).
 */
export function castFramesFor(ctxText: string, msgText: string, msgId: string = CAST_MSG_ID): (topic: string) => Buffer[] {
  const id = buf(msgId);
  const style = buf(STYLE_CAST);
  const body = buf(castBody(ctxText, msgText));
  return (topic) => [id, buf(topic), style, body];
}

export interface CallWrapperParts {
  msgId: string;
  /** `zmq_replies.<caller host>`. */
  replyTopic: string;
  ctxText: string;
  requestText: string;
  /** Call-monitor seconds; adds the `nzb` extension key when set. */
  monitor?: number | null;
}

/** Format a number the way Python's json writes a float (always with a fraction or exponent). */
function pyFloat(x: number): string {
  if (!Number.isFinite(x)) throw new EnvelopeError(`monitor must be finite, got ${x}`);
  const s = String(x);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

/**
 * The `-reply` wrapper of a call, key order as the legacy driver wrote it:
 * `{"method": "-reply", "args": {"msg_id", "topic", "msg": [ctx, request]}}`.
 */
export function callWrapper(p: CallWrapperParts): string {
  const ext = p.monitor != null ? `, ${pyJsonString(EXTENSION_KEY)}: {"monitor": ${pyFloat(p.monitor)}}` : '';
  return (
    `{"method": ${pyJsonString(METHOD_CALL)}, "args": {"msg_id": ${pyJsonString(p.msgId)}, ` +
    `"topic": ${pyJsonString(p.replyTopic)}, "msg": [${pyJsonString(p.ctxText)}, ${p.requestText}]}${ext}}`
  );
}

/** A call request, ready for a callee: frame 0 is `0`, the msg_id lives in the wrapper. */
export function buildCallFrames(topic: string, p: CallWrapperParts): Buffer[] {
  return buildCastFrames(topic, p.ctxText, callWrapper(p));
}

/** `{"method": "-process_reply", "args": {"msg_id", "response": [[result]] | [{"exc": failure}]}}`. */
export function replyMessage(msgId: string, outcome: ReplyOutcome): string {
  const response = 'result' in outcome ? `[[${outcome.result}]]` : `[{"exc": ${pyJsonString(outcome.failure)}}]`;
  return `{"method": ${pyJsonString(METHOD_REPLY)}, "args": {"msg_id": ${pyJsonString(msgId)}, "response": ${response}}}`;
}

/** A reply to a call: `[msgId, replyTopic, "cast", [ctx, -process_reply]]`. */
export function buildReplyFrames(msgId: string, replyTopic: string, ctxText: string, outcome: ReplyOutcome): Buffer[] {
  return buildCastFrames(replyTopic, ctxText, replyMessage(msgId, outcome), msgId);
}

/** A v2 notification: `["0", topic, "impl_zmq_v2", ctx, "oslo.version", "2.0", "oslo.message", msg]`. */
export function buildNotifyV2Frames(topic: string, ctxText: string, msgText: string): Buffer[] {
  return [buf(CAST_MSG_ID), buf(topic), buf(STYLE_V2), buf(ctxText), buf(V2_VERSION_KEY), buf(V2_VERSION), buf(V2_MESSAGE_KEY), buf(msgText)];
}

/** Call-monitor heartbeat: `[msgId, replyTopic, "nzb-heartbeat", "{}"]`. */
export function buildHeartbeatFrames(msgId: string, replyTopic: string): Buffer[] {
  return [buf(msgId), buf(replyTopic), buf(STYLE_HEARTBEAT), buf('{}')];
}

// ---------------------------------------------------------------- parsing

/** Where a message's JSON text sits in the text it was read from (spans carry that scan's index). */
export interface MessageSource {
  text: string;
  span: Span;
}

export type ParsedFrames =
  | {
      style: typeof STYLE_CAST | typeof STYLE_V2;
      msgId: string;
      topic: string;
      ctx: string;
      msg: string;
      /** `msg` inside the body already scanned: {@link classifyMessage} reads it there instead of scanning it again. */
      msgSource?: MessageSource;
    }
  | { style: typeof STYLE_HEARTBEAT; msgId: string; topic: string };

function wrapJson<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof EnvelopeError) throw e;
    if (e instanceof RawJsonError || e instanceof SyntaxError) throw new EnvelopeError(`${what}: ${e.message}`, { cause: e });
    throw e;
  }
}

/**
 * A context element: the legacy driver double-encoded it (a JSON string
 * holding the ctx JSON text); a plain object is accepted too and passed raw.
 */
function ctxFrom(text: string, span: Span, what: string): string {
  const k = kindAt(text, span);
  if (k === 'string') {
    const inner = stringAt(text, span);
    wrapJson(`${what} context`, () => wholeValue(inner));
    return inner;
  }
  if (k === 'object') return textAt(text, span);
  throw new EnvelopeError(`${what} context is neither a JSON string nor an object`);
}

/**
 * Read a multipart message into its ctx and message JSON texts (both styles),
 * or recognise a heartbeat. Throws {@link EnvelopeError}.
 */
export function parseFrames(frames: Buffer[]): ParsedFrames {
  if (frames.length < 3) throw new EnvelopeError(`expected at least 4 frames, got ${frames.length}`);
  const msgId = frames[0]!.toString('latin1');
  const topic = frameText(frames[1]!, 'topic frame');
  const style = frames[2]!.toString('latin1');
  if (style === STYLE_HEARTBEAT) return { style, msgId, topic };
  if (style === STYLE_CAST) {
    if (frames.length !== 4) throw new EnvelopeError(`cast style needs 4 frames, got ${frames.length}`);
    const body = frameText(frames[3]!, 'body frame');
    return wrapJson('cast body', () => {
      const els = arrayElements(body, wholeValue(body));
      if (els.length !== 2) throw new EnvelopeError(`cast body must be a 2-element array, got ${els.length}`);
      const msg = textAt(body, els[1]!);
      return { style, msgId, topic, ctx: ctxFrom(body, els[0]!, 'cast body'), msg, msgSource: { text: body, span: els[1]! } };
    });
  }
  if (style === STYLE_V2) {
    if (frames.length < 4 || (frames.length - 4) % 2 !== 0) throw new EnvelopeError(`impl_zmq_v2 needs ctx plus key/value pairs, got ${frames.length} frames`);
    const ctx = frameText(frames[3]!, 'v2 context frame');
    wrapJson('v2 context', () => wholeValue(ctx));
    const pairs = new Map<string, string>();
    for (let i = 4; i < frames.length; i += 2) pairs.set(frameText(frames[i]!, 'v2 key'), frameText(frames[i + 1]!, 'v2 value'));
    const version = pairs.get(V2_VERSION_KEY);
    if (version === undefined || !/^2(\.|$)/.test(version)) throw new EnvelopeError(`unsupported ${V2_VERSION_KEY} ${JSON.stringify(version)}`);
    const msg = pairs.get(V2_MESSAGE_KEY);
    if (msg === undefined) throw new EnvelopeError(`${V2_MESSAGE_KEY} missing`);
    wrapJson('v2 message', () => wholeValue(msg));
    return { style, msgId, topic, ctx, msg };
  }
  throw new EnvelopeError(`unknown style ${JSON.stringify(style)}`);
}

/** What a message object is, for routing. */
export type RpcMessage =
  | { kind: 'call'; msgId: string; replyTopic: string; ctx: string; request: string; monitor: number | null }
  | { kind: 'reply'; msgId: string; outcome: ReplyOutcome }
  | { kind: 'plain' };

/**
 * Classify a message object's JSON text: a `-reply` call wrapper (unwrapped
 * to its inner ctx and request texts), a `-process_reply` reply (reduced to
 * the result or failure text), or anything else (a cast or notification).
 */
export function classifyMessage(msg: string, source?: MessageSource): RpcMessage {
  return wrapJson('message', () => {
    const msgText = source ? source.text : msg;
    const whole = source ? source.span : wholeValue(msg);
    if (kindAt(msgText, whole) !== 'object') return { kind: 'plain' };
    const top = objectMembers(msgText, whole);
    const m = top.get('method');
    if (!m || kindAt(msgText, m) !== 'string') return { kind: 'plain' };
    const method = stringAt(msgText, m);
    if (method !== METHOD_CALL && method !== METHOD_REPLY) return { kind: 'plain' };
    const a = top.get('args');
    if (!a || kindAt(msgText, a) !== 'object') throw new EnvelopeError(`${method} without an args object`);
    const args = objectMembers(msgText, a);
    const idSpan = args.get('msg_id');
    if (!idSpan || kindAt(msgText, idSpan) !== 'string') throw new EnvelopeError(`${method} without a string msg_id`);
    const msgId = stringAt(msgText, idSpan);
    if (method === METHOD_CALL) {
      const t = args.get('topic');
      if (!t || kindAt(msgText, t) !== 'string') throw new EnvelopeError('-reply without a string topic');
      const inner = args.get('msg');
      if (!inner || kindAt(msgText, inner) !== 'array') throw new EnvelopeError('-reply without a msg array');
      const els = arrayElements(msgText, inner);
      if (els.length !== 2) throw new EnvelopeError(`-reply msg must have 2 elements, got ${els.length}`);
      let monitor: number | null = null;
      const ext = top.get(EXTENSION_KEY);
      if (ext && kindAt(msgText, ext) === 'object') {
        const mon = objectMembers(msgText, ext).get('monitor');
        if (mon) {
          const v = Number(textAt(msgText, mon));
          if (Number.isFinite(v) && v > 0) monitor = v;
        }
      }
      return {
        kind: 'call',
        msgId,
        replyTopic: stringAt(msgText, t),
        ctx: ctxFrom(msgText, els[0]!, '-reply msg'),
        request: textAt(msgText, els[1]!),
        monitor,
      };
    }
    const r = args.get('response');
    if (!r || kindAt(msgText, r) !== 'array') throw new EnvelopeError('-process_reply without a response array');
    const resp = arrayElements(msgText, r);
    if (resp.length === 0) throw new EnvelopeError('-process_reply with an empty response');
    // The legacy caller raised the first failure found, else returned response[-1][-1].
    for (const el of resp) {
      if (kindAt(msgText, el) !== 'object') continue;
      const exc = objectMembers(msgText, el).get('exc');
      if (!exc) continue;
      const failure = kindAt(msgText, exc) === 'string' ? stringAt(msgText, exc) : textAt(msgText, exc);
      return { kind: 'reply', msgId, outcome: { failure } };
    }
    const last = resp[resp.length - 1]!;
    if (kindAt(msgText, last) === 'array') {
      const results = arrayElements(msgText, last);
      const result = results.length === 0 ? 'null' : textAt(msgText, results[results.length - 1]!);
      return { kind: 'reply', msgId, outcome: { result } };
    }
    return { kind: 'reply', msgId, outcome: { result: textAt(msgText, last) } };
  });
}
