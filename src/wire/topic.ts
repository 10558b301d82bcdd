/**
 * Topic surgery, in one place. Every rule about what a topic looks like on
 * the wire - bare, directed, fanout, reply, notification, exchange-qualified -
 * and which ipc file a topic maps to lives here, so no other module splits
 * topic strings by hand.
 *
 * Wire facts (docs/wire-protocol.md, evidence in test/vectors):
 *  - bare `compute`; directed `compute.host1` (host = everything after the FIRST dot);
 *  - fanout `fanout~compute` before matchmaking, `fanout~compute.host1` after;
 *  - replies `zmq_replies.<caller host>`;
 *  - notifications `notifications.info` become `notifications-info` (dots -> dashes).
 */

// ipc paths are formatted by ./endpoints (one module for every endpoint); checkTopic only measures them.
import { ipcPath } from './endpoints';

/** Prefix of fanout topics. */
export const FANOUT_PREFIX = 'fanout~';
/** Prefix of reply topics (`zmq_replies.<host>`). */
export const REPLY_PREFIX = 'zmq_replies';
/** Prefix of every ipc socket file name. */
export const IPC_FILE_PREFIX = 'zmq_topic_';
/**
 * Separator between a non-default exchange and the topic on the wire
 * (`<exchange>:<topic>`). Messages on the default exchange carry no prefix,
 * which keeps them byte-identical to legacy nodes.
 */
export const EXCHANGE_SEPARATOR = ':';

/**
 * Longest usable `sun_path` of an AF_UNIX address on Linux (108 bytes minus
 * the terminating NUL). libzmq's ipc transport fails to bind beyond it.
 */
export const MAX_IPC_PATH_BYTES = 107;

/** How a receiver treats a topic: which ipc socket type carries it. */
export type TopicKind = 'fanout' | 'reply' | 'direct';

/** Why a topic was refused. Stable codes used in counters and logs. */
export type TopicProblem =
  | 'empty'
  | 'invalid_utf8'
  | 'nul'
  | 'path_separator'
  | 'dot_dot'
  | 'too_long'
  | 'control_char';

export interface TopicVerdict {
  ok: boolean;
  problem?: TopicProblem;
}

/** Classify a wire topic (after matchmaking) the way the legacy receiver did. */
export function topicKind(topic: string): TopicKind {
  if (topic.startsWith(FANOUT_PREFIX)) return 'fanout';
  if (topic.startsWith(REPLY_PREFIX)) return 'reply';
  return 'direct';
}

/**
 * The ipc socket name a wire topic is forwarded to (without the directory):
 * fanout topics are cut at their first `.` (`fanout~compute.h1` ->
 * `zmq_topic_fanout~compute`); replies and everything else keep the full topic.
 */
export function ipcFileName(topic: string): string {
  if (topicKind(topic) === 'fanout') {
    const dot = topic.indexOf('.');
    return IPC_FILE_PREFIX + (dot === -1 ? topic : topic.slice(0, dot));
  }
  return IPC_FILE_PREFIX + topic;
}


const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Decode frame 1 (the topic) strictly. Returns null when the bytes are not
 * valid UTF-8 - such a topic is refused rather than mangled.
 */
export function decodeTopic(frame: Uint8Array): string | null {
  try {
    return decoder.decode(frame);
  } catch {
    return null;
  }
}

/**
 * Check that a wire topic may safely become an ipc file name under `ipcDir`.
 * Refuses: empty, NUL, `/` or `\`, `..`, ASCII control characters, and names
 * whose full ipc path would exceed {@link MAX_IPC_PATH_BYTES}.
 */
export function checkTopic(topic: string, ipcDir: string): TopicVerdict {
  if (topic.length === 0) return { ok: false, problem: 'empty' };
  if (topic.includes('\0')) return { ok: false, problem: 'nul' };
  if (topic.includes('/') || topic.includes('\\')) return { ok: false, problem: 'path_separator' };
  if (topic.includes('..')) return { ok: false, problem: 'dot_dot' };
  // eslint-disable-next-line no-control-regex
  if (/[\u0001-\u001f\u007f]/.test(topic)) return { ok: false, problem: 'control_char' };
  if (Buffer.byteLength(ipcPath(ipcDir, topic), 'utf8') > MAX_IPC_PATH_BYTES) {
    return { ok: false, problem: 'too_long' };
  }
  return { ok: true };
}

/** True for a directed topic (`compute.host1`) - it names its host. */
export function isDirected(topic: string): boolean {
  return !topic.startsWith(FANOUT_PREFIX) && topic.includes('.');
}

/** Split `base.host` at the first dot; host is null for a bare topic. */
export function splitDirected(topic: string): { base: string; host: string | null } {
  const dot = topic.indexOf('.');
  return dot === -1 ? { base: topic, host: null } : { base: topic.slice(0, dot), host: topic.slice(dot + 1) };
}

/** `compute` + `host1` -> `compute.host1`. */
export function directedTopic(base: string, host: string): string {
  return `${base}.${host}`;
}

/** `compute` -> `fanout~compute`. */
export function fanoutTopic(base: string): string {
  return FANOUT_PREFIX + base;
}

/** `fanout~compute[.host]` -> `compute`; null when not a fanout topic. */
export function fanoutBase(topic: string): string | null {
  if (!topic.startsWith(FANOUT_PREFIX)) return null;
  return splitDirected(topic.slice(FANOUT_PREFIX.length)).base;
}

/** The reply topic of a host: `zmq_replies.<host>`. */
export function replyTopic(host: string): string {
  return `${REPLY_PREFIX}.${host}`;
}

/** The host a reply topic points at (`zmq_replies.h2` -> `h2`), or null. */
export function replyTopicHost(topic: string): string | null {
  if (!topic.startsWith(REPLY_PREFIX + '.')) return null;
  return topic.slice(REPLY_PREFIX.length + 1) || null;
}

/**
 * Notification topic surgery, as the legacy driver did it: the target topic
 * `<topic>.<priority>` has its dots replaced by dashes (`notifications.info`
 * -> `notifications-info`) and is then sent like a cast to a bare topic.
 */
export function notificationTopic(topic: string, priority: string): string {
  return `${topic}.${priority}`.replace(/\./g, '-');
}

/**
 * Qualify a base topic with its exchange. The default exchange (null, or the
 * configured `control_exchange`) leaves the topic untouched: wire-identical
 * to legacy nodes. Another exchange `E` gives `E:topic`, so listeners on
 * different exchanges never see each other's messages.
 */
export function qualifyTopic(base: string, exchange: string | null, defaultExchange: string): string {
  if (exchange === null || exchange === '' || exchange === defaultExchange) return base;
  return `${exchange}${EXCHANGE_SEPARATOR}${base}`;
}

/** Inverse of {@link qualifyTopic} on a base topic: `E:compute` -> `{exchange: 'E', topic: 'compute'}`. */
export function unqualifyTopic(base: string): { exchange: string | null; topic: string } {
  const i = base.indexOf(EXCHANGE_SEPARATOR);
  return i === -1 ? { exchange: null, topic: base } : { exchange: base.slice(0, i), topic: base.slice(i + 1) };
}

/** Exchange names that cannot be put on the wire unambiguously. */
export function checkExchangeName(exchange: string): boolean {
  return exchange.length > 0 && !/[.:~/\\\0]/.test(exchange);
}
