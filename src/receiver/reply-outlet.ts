/**
 * The reply outlet (`zmq_replies.<host>`): an XPUB whose subscribers are
 * legacy callers, each subscribed to the msg_id of the call it waits for.
 * A reply is sent only once a subscription matching its msg_id is present;
 * until then it waits in the {@link ReplyHold}.
 */
import { itemBytes, type Item, type OutletDeps, type OutletSettings } from './outlet';
import { SubscribedOutlet } from './subscribed-outlet';
import { ReplyHold } from './reply-hold';

export class ReplyOutlet extends SubscribedOutlet {
  readonly kind = 'reply' as const;
  private readonly hold: ReplyHold;
  /** Where released replies go: the send queue. Bound once, not per release. */
  private readonly enqueueReleased = (item: Item): void => this.put(item);

  constructor(topic: string, deps: OutletDeps) {
    super(topic, deps);
    this.hold = new ReplyHold({
      clock: this.clock,
      counters: deps.counters,
      log: this.log,
      holdMs: deps.settings.replyHoldMs,
      tally: deps.tally,
      limiter: deps.limiter,
      name: this.name,
    });
  }

  /** Queued and held replies both count against the budgets. */
  override heldBytes(): number {
    return this.queuedBytes + this.hold.bytes;
  }

  /** Past the global budget: the oldest queued reply goes first, else the oldest held msg_id's. */
  override evictOldest(): number {
    const n = super.evictOldest();
    if (n > 0) return n;
    const items = this.hold.evictOldest();
    if (items === null) return 0;
    let freed = 0;
    for (const item of items) {
      freed += itemBytes(item);
      this.countEviction(item);
    }
    return freed;
  }

  /** Held replies count against the topic backlog like queued ones. */
  override pending(): number {
    return this.queue.length + this.hold.count;
  }

  protected override accept(item: Item, msgId: string): void {
    if (this.bound && this.subscribed(msgId)) {
      super.accept(item, msgId);
      return;
    }
    this.hold.keep(msgId, item);
  }

  protected override afterBind(): void {
    super.afterBind();
    // Replies that arrived while binding wait for their subscriptions like any other.
    if (this.subs.size) {
      this.hold.release((id) => this.subscribed(id), this.enqueueReleased);
      this.pump();
    }
  }

  protected override onSubscribe(prefix: string): void {
    if (this.hold.empty) return;
    this.hold.releaseForPrefix(prefix, this.enqueueReleased);
    this.pump();
  }

  protected override dispose(): void {
    this.hold.dropAll();
  }

  override update(settings: OutletSettings): void {
    super.update(settings);
    this.hold.holdMs = settings.replyHoldMs;
  }
}
