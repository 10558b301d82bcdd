/**
 * The reply outlet (`zmq_replies.<host>`): an XPUB whose subscribers are
 * legacy callers, each subscribed to the msg_id of the call it waits for.
 * A reply is sent only once a subscription matching its msg_id is present;
 * until then it waits in the {@link ReplyHold}.
 */
import type { Item, OutletDeps, OutletSettings } from './outlet';
import { SubscribedOutlet } from './subscribed-outlet';
import { ReplyHold } from './reply-hold';

export class ReplyOutlet extends SubscribedOutlet {
  readonly kind = 'reply' as const;
  private readonly hold: ReplyHold;
  /** Where released replies go: the send queue. Bound once, not per release. */
  private readonly enqueueReleased = (item: Item): void => this.put(item);

  constructor(topic: string, deps: OutletDeps) {
    super(topic, deps);
    this.hold = new ReplyHold({ clock: this.clock, counters: deps.counters, log: this.log, holdMs: deps.settings.replyHoldMs });
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
