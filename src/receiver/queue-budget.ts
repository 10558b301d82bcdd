/**
 * The memory the ipc outlets of one receiver hold, in bytes, and the two
 * budgets that bound it (`[zmq_bridge] topic_queue_bytes` per outlet,
 * `[zmq_bridge] queue_bytes` for all of them).
 *
 * Outsiders choose what arrives: a topic nobody consumes on this host (a
 * shim-only host's legacy outlets, a made-up topic) would otherwise keep
 * every message sent to it, and counting messages (`rpc_zmq_topic_backlog`)
 * does not bound bytes. So:
 *  - an outlet that already holds messages refuses a new one that would
 *    take it past the topic budget (the newest is dropped, as the legacy
 *    backlog did; an empty outlet always takes one message, so no message
 *    within `max_message_size` is refused by a smaller budget);
 *  - past the global budget the oldest messages of the outlet holding the
 *    most are dropped to make room, so a dead topic's backlog cannot starve
 *    topics whose consumers are alive; the new message is dropped instead
 *    when its own outlet is the one holding the most.
 */

/** What the budget needs of an outlet. */
export interface BudgetedOutlet {
  /** Bytes this outlet holds (queued and, for replies, held). */
  heldBytes(): number;
  /** Drop this outlet's oldest message (counted and logged by it); the bytes freed, 0 when it holds none. */
  evictOldest(): number;
}

/** Bytes held by every outlet of one receiver. */
export class QueueTally {
  /** Bytes queued for the outlets' sockets (held replies excluded: the receiver's drain pause looks at these). */
  bytes = 0;
  /** Bytes of replies held for their subscriber. */
  held = 0;
  private readonly outlets = new Set<BudgetedOutlet>();

  /** Every byte the outlets hold. */
  get total(): number {
    return this.bytes + this.held;
  }

  track(outlet: BudgetedOutlet): void {
    this.outlets.add(outlet);
  }

  untrack(outlet: BudgetedOutlet): void {
    this.outlets.delete(outlet);
  }

  /**
   * Make room for `n` more bytes under `limit` by evicting the oldest
   * messages of the outlet holding the most. False (nothing more evicted)
   * when `requester` itself holds the most, or nothing can be evicted.
   * Runs only past the budget, so its scan of the outlets costs nothing in
   * normal operation.
   */
  makeRoom(n: number, limit: number, requester: BudgetedOutlet): boolean {
    while (this.total + n > limit) {
      let fattest: BudgetedOutlet | null = null;
      let most = 0;
      for (const o of this.outlets) {
        const b = o.heldBytes();
        if (b > most) {
          most = b;
          fattest = o;
        }
      }
      if (fattest === null || fattest === requester) return false;
      if (fattest.evictOldest() === 0) return false;
    }
    return true;
  }
}
