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
import { safeId, type Item } from './outlet';

export interface ReplyHoldOptions {
  clock: Clock;
  counters: Counters;
  /** The reply outlet's logger. */
  log: Logger;
  /** `[zmq_bridge] reply_hold`, in milliseconds. */
  holdMs: number;
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
  private readonly held = new Map<string, Held>();
  private heldCount = 0;

  constructor(opts: ReplyHoldOptions) {
    this.clock = opts.clock;
    this.counters = opts.counters;
    this.log = opts.log;
    this.holdMs = opts.holdMs;
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
  }

  /**
   * Hand the replies of every held msg_id that `wanted` accepts to `into`
   * (in arrival order per msg_id), and stop their expiry.
   */
  release(wanted: (msgId: string) => boolean, into: (item: Item) => void): void {
    for (const [msgId, h] of this.held) {
      if (!wanted(msgId)) continue;
      h.expiry.cancel();
      this.held.delete(msgId);
      this.heldCount -= h.items.length;
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
    this.held.delete(msgId);
    this.heldCount -= h.items.length;
    this.counters.inc('replies.orphaned', h.items.length);
    this.log.warn(
      { topic: h.items[0]![1]!.toString(), msg_id: safeId(msgId), count: h.items.length, hold_s: this.holdMs / 1000 },
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
  }
}
