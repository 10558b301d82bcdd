/**
 * The calls delivered to one local API connection that it still owes an
 * answer: only the process that received a call may `reply` to it (or send
 * its call-monitor `heartbeat`s). Without this, any local process could
 * complete another process's call with a forged result, on this host or on
 * the caller's, by naming its msg_id.
 *
 * Bounded: a connection whose calls are never answered forgets the oldest
 * (counted), and a late reply to one of those is refused like a forged one;
 * its caller times out as if the callee had died.
 */
import type { Counters } from '../metrics/counters';

/** Calls one connection may owe at once. */
export const DEFAULT_MAX_OWED_REPLIES = 65_536;

export class ReplyLedger {
  /** msg_id -> reply topic, oldest first. */
  private readonly owed = new Map<string, string>();

  constructor(
    private readonly counters: Counters,
    private readonly max = DEFAULT_MAX_OWED_REPLIES,
  ) {}

  get size(): number {
    return this.owed.size;
  }

  /** A call `msgId` answering to `replyTopic` was delivered to this connection. */
  owe(msgId: string, replyTopic: string): void {
    if (this.owed.size >= this.max && !this.owed.has(msgId)) {
      const oldest = this.owed.keys().next().value as string;
      this.owed.delete(oldest);
      this.counters.inc('security.local.owed_evicted');
    }
    this.owed.set(msgId, replyTopic);
  }

  /**
   * Whether this connection owes an answer to `msgId` at `replyTopic`. A
   * reply (`settle`) ends the debt; a heartbeat does not.
   */
  owes(msgId: string, replyTopic: string, settle: boolean): boolean {
    if (this.owed.get(msgId) !== replyTopic) return false;
    if (settle) this.owed.delete(msgId);
    return true;
  }

  clear(): void {
    this.owed.clear();
  }
}
