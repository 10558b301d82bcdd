/**
 * The reply hold: replies waiting for their caller's subscription.
 *
 * A legacy caller subscribes its SUB socket to the call's msg_id on
 * `zmq_replies.<host>`, and may do so a moment after the reply is already
 * here (a fast callee, a slow SUB connect). An XPUB drops what no
 * subscription matches, so the reply outlet keeps such replies here, by
 * msg_id, until a matching subscription arrives - then they go to the send
 * queue - or until `[zmq_bridge] reply_hold` has passed, when they are
 * orphaned: dropped, logged and counted (`replies.orphaned`).
 *
 * It holds frames only: the reply outlet decides what is subscribed and
 * where released replies go.
 */
import type { Logger } from '../log';
import type { Counters } from '../metrics/counters';
import type { Clock, Timer } from '../time/clock';
import type { LogLimiter } from '../util/log-limiter';
import { itemBytes, safeId, type Item } from './outlet';
import type { QueueTally } from './queue-budget';

export interface ReplyHoldOptions {
  clock: Clock;
  counters: Counters;
  /** The reply outlet's logger. */
  log: Logger;
  /** `[zmq_bridge] reply_hold`, in milliseconds. */
  holdMs: number;
  /** The receiver's byte tally: held replies count against the queue budgets. */
  tally: QueueTally;
  /** Thins the orphan warnings (a burst of replies for nobody expires together). */
  limiter: LogLimiter;
  /** Name of the reply outlet (the key of its thinned warnings). */
  name: string;
}

/** The replies of one msg_id (usually one; several if the callee sent more) and their expiry. */
interface Held {
  items: Item[];
  expiry: Timer;
}

export class ReplyHold {
  /**
   * `[zmq_bridge] reply_hold`, in milliseconds (SIGHUP may change it): a
   * msg_id's countdown starts with its first held reply and is not moved by
   * later ones or by a change of the setting.
   */
  holdMs: number;
  private readonly clock: Clock;
  private readonly counters: Counters;
  private readonly log: Logger;
  /** By msg_id, in the order their first reply came (a Map keeps insertion order: the first entry is the oldest). */
  private readonly held = new Map<string, Held>();
  private heldCount = 0;
  private heldBytes = 0;
  private readonly tally: QueueTally;
  private readonly limiter: LogLimiter;
  private readonly name: string;

  constructor(opts: ReplyHoldOptions) {
    this.clock = opts.clock;
    this.counters = opts.counters;
    this.log = opts.log;
    this.holdMs = opts.holdMs;
    this.tally = opts.tally;
    this.limiter = opts.limiter;
    this.name = opts.name;
  }

  /** Bytes of the replies held (they count against the topic and global budgets). */
  get bytes(): number {
    return this.heldBytes;
  }

  /** Replies held, all msg_ids together (they count against the topic backlog). */
  get count(): number {
    return this.heldCount;
  }

  /** Whether any reply is held. */
  get empty(): boolean {
    return this.held.size === 0;
  }

  /** Hold a reply until {@link release} takes its msg_id or the hold expires. */
  keep(msgId: string, item: Item): void {
    const h = this.held.get(msgId);
    if (h) {
      h.items.push(item);
    } else {
      const expiry = this.clock.setTimeout(() => this.expire(msgId), this.holdMs, { ref: false });
      this.held.set(msgId, { items: [item], expiry });
    }
    this.heldCount++;
    this.add(itemBytes(item));
  }

  /** Keep the byte tallies (this hold's and the receiver's). */
  private add(n: number): void {
    this.heldBytes += n;
    this.tally.held += n;
  }

  /** Forget one msg_id's replies (not their timer), keeping the tallies. */
  private forget(msgId: string, h: Held): void {
    this.held.delete(msgId);
    this.heldCount -= h.items.length;
    let n = 0;
    for (const item of h.items) n += itemBytes(item);
    this.add(-n);
  }

  /**
   * Drop the oldest held msg_id's replies to make room under the global
   * budget (counted `receiver.dropped.queue_bytes` by the caller per reply);
   * returns them, or null when nothing is held.
   */
  evictOldest(): Item[] | null {
    const first = this.held.entries().next();
    if (first.done) return null;
    const [msgId, h] = first.value;
    h.expiry.cancel();
    this.forget(msgId, h);
    return h.items;
  }

  /**
   * Hand the replies of every held msg_id that `wanted` accepts to `into`
   * (in arrival order per msg_id), and stop their expiry.
   */
  release(wanted: (msgId: string) => boolean, into: (item: Item) => void): void {
    for (const [msgId, h] of this.held) {
      if (!wanted(msgId)) continue;
      h.expiry.cancel();
      this.forget(msgId, h);
      for (const item of h.items) into(item);
    }
  }

  /**
   * Release what a new subscription to `prefix` lets through. A caller
   * subscribes to its exact msg_id, so when that msg_id is held it alone is
   * released, without testing every other held msg_id.
   */
  releaseForPrefix(prefix: string, into: (item: Item) => void): void {
    if (this.held.has(prefix)) this.release((id) => id === prefix, into);
    else this.release((id) => id.startsWith(prefix), into);
  }

  private expire(msgId: string): void {
    const h = this.held.get(msgId);
    if (!h) return;
    this.forget(msgId, h);
    this.counters.inc('replies.orphaned', h.items.length);
    this.limiter.warn(
      this.log,
      'orphaned',
      this.name,
      { topic: safeId(h.items[0]![1]!.toString()), msg_id: safeId(msgId), count: h.items.length, hold_s: this.holdMs / 1000 },
      'reply orphaned: no subscriber for its msg_id within the reply hold',
    );
  }

  /** The outlet is closing: every held reply is orphaned now (counted, logged once). */
  dropAll(): void {
    for (const h of this.held.values()) h.expiry.cancel();
    if (this.heldCount) {
      this.counters.inc('replies.orphaned', this.heldCount);
      this.log.warn({ count: this.heldCount }, 'replies still held at shutdown were dropped');
    }
    this.held.clear();
    this.heldCount = 0;
    this.add(-this.heldBytes);
  }
}
