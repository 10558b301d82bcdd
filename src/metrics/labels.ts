/**
 * Label values for the Prometheus metrics, and the rules that keep their
 * number bounded whatever peers and shims send (docs/metrics.md, "Label
 * cardinality"):
 *  - a topic label is the base topic: `compute.host7`, `fanout~compute` and
 *    `fanout~compute.host7` are all `compute`, `zmq_replies.host7` is
 *    `zmq_replies`, and an exchange qualification (`E:compute`) goes to the
 *    `exchange` label. A 1,000-host cloud has a few dozen base topics, not
 *    thousands of directed ones;
 *  - every label value is cut to {@link MAX_LABEL_VALUE_CHARS};
 *  - a set of series (a histogram's, the per-topic and per-peer gauges)
 *    holds at most a fixed number of label combinations: the first ones
 *    seen (histograms) or the largest values (gauges, recomputed at each
 *    scrape); the rest are counted under {@link OTHER}.
 */
import { FANOUT_PREFIX, REPLY_PREFIX, splitDirected, unqualifyTopic } from '../wire/topic';
import { objectMembers, RawJsonError, skipWs, stringAt, wholeValue } from '../wire/json-raw';

/** The label value standing for everything beyond a bound. */
export const OTHER = 'other';
/** Longest label value kept, in characters (a topic or method name longer than this is cut). */
export const MAX_LABEL_VALUE_CHARS = 100;

/** A value cut to {@link MAX_LABEL_VALUE_CHARS}. */
export function clip(value: string): string {
  return value.length > MAX_LABEL_VALUE_CHARS ? value.slice(0, MAX_LABEL_VALUE_CHARS) : value;
}

/** Exchange and base topic of a wire topic, for labels (see the module comment). */
export function topicLabels(wireTopic: string, defaultExchange: string): { exchange: string; topic: string } {
  let t = wireTopic.startsWith(FANOUT_PREFIX) ? wireTopic.slice(FANOUT_PREFIX.length) : wireTopic;
  if (t.startsWith(`${REPLY_PREFIX}.`)) return { exchange: defaultExchange, topic: REPLY_PREFIX };
  t = splitDirected(t).base;
  const q = unqualifyTopic(t);
  return { exchange: clip(q.exchange ?? defaultExchange), topic: clip(q.topic) };
}

/** Python's json writes the method first in oslo's messages: `{"method": "name", ...}`. */
const METHOD_FIRST = /^\s*\{\s*"method"\s*:\s*"([A-Za-z0-9_.-]{1,100})"/;

/**
 * The `method` of an RPC request's JSON text, for the `method` label; `''`
 * when it has none or cannot be read. The usual layout is read from the
 * first bytes; any other is looked up among the top-level members.
 */
export function methodOf(requestText: string): string {
  const m = METHOD_FIRST.exec(requestText.slice(0, 160));
  if (m) return m[1]!;
  try {
    const span = wholeValue(requestText);
    if (requestText[skipWs(requestText, 0)] !== '{') return '';
    const method = objectMembers(requestText, span).get('method');
    return method && requestText[method.start] === '"' ? clip(stringAt(requestText, method)) : '';
  } catch (err) {
    if (err instanceof RawJsonError || err instanceof SyntaxError) return '';
    throw err;
  }
}

/**
 * The `limit` entries with the largest values, the rest summed into one
 * entry keyed {@link OTHER} (present only when something was left out).
 * Ties keep the order of the input, so equal values do not flap between scrapes.
 */
export function largestWithOther(values: Map<string, number>, limit: number): Map<string, number> {
  if (values.size <= limit) return values;
  const sorted = [...values].sort((a, b) => b[1] - a[1]);
  const out = new Map(sorted.slice(0, limit));
  let rest = 0;
  for (const [, v] of sorted.slice(limit)) rest += v;
  out.set(OTHER, (out.get(OTHER) ?? 0) + rest);
  return out;
}
