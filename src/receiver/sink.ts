/**
 * A local consumer that may claim a message before the receiver forwards it
 * to the legacy ipc sockets: the reply waiter (calls made by this daemon's
 * shims), the broker role, the listener registry (shim RPC servers).
 *
 * Each is plugged into its named stage of the receiver's router
 * (router.ts), which asks the stages in a fixed order; the first part that
 * returns true owns the message. `offer` must not throw and must not block
 * (enqueue, do not await): it runs inside the receive loop.
 */
export interface InboundMessage {
  /** All frames, exactly as received (frame 0 msg_id, 1 topic, 2 style, 3.. body). */
  frames: Buffer[];
  /** Frame 1 decoded and validated (see wire/topic.ts checkTopic). */
  topic: string;
  /** Frame 0 decoded as latin1 (ASCII on the wire): `0`, or a reply's msg_id. */
  msgId: string;
}

export interface LocalSink {
  /** Component name for logs. */
  readonly name: string;
  /** Return true to claim the message (the receiver then does nothing else with it, except fanout, which is also published to ipc). */
  offer(msg: InboundMessage): boolean;
}
