/**
 * One call made by a shim, from its routed request to its single answer.
 *
 * A Call makes the msg_id, registers it with the reply waiter (which runs the
 * call's timeout and call-monitor clocks), sends one copy of the `-reply`
 * wrapper per matchmaker queue, and answers the shim exactly once: the
 * reply, or the first failure (TIMEOUT, QUEUE_FULL, SEND_FAILED, SHUTDOWN).
 * Its owner (the shim's session) keeps it while it is live, so a closing
 * connection cancels it.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../log';
import type { Queue } from '../matchmaker/types';
import { DuplicateMsgIdError } from '../sender/errors';
import { BridgeError } from '../errors';
import type { CALL_RESULTS } from '../metrics/catalogue';
import type { ReplyWaiter } from '../sender/reply-waiter';
import type { Sender } from '../sender/sender';
import { buildCallFrames, type CallWrapperParts, type ReplyOutcome } from '../wire/envelope';

/** What a call needs from the daemon (one set for every call). */
export interface CallParts {
  sender: Pick<Sender, 'submit'>;
  waiter: ReplyWaiter;
  /** `zmq_replies.<rpc_zmq_host>`: where callees send the replies. */
  replyTopic: string;
  log: Logger;
}

/** The shim side of a call (its session). */
export interface CallOwner {
  readonly id: number;
  /** Keep the call while it is live; false when the connection is already closed. */
  adopt(call: Call): boolean;
  release(call: Call): void;
  reply(rid: number, outcome: ReplyOutcome): void;
  refuse(rid: number, op: string, err: unknown): void;
}

/** One call request, validated (see protocol.ts). */
export interface CallSpec {
  rid: number;
  /** JSON text of the context. */
  ctx: string;
  /** JSON text of the request (`{"method", "args", ...}`). */
  request: string;
  /** Seconds. */
  timeout: number;
  /** Call-monitor seconds, or null. */
  monitorTimeout: number | null;
  /** Told once how the call ended (metrics), when it gets its answer or is dropped. */
  onEnd?: (result: CallResult) => void;
}

/** How a call ended (`CALL_RESULTS` of metrics/catalogue.ts). */
export type CallResult = (typeof CALL_RESULTS)[number];

/** Error codes and what they mean for a call's result. */
const RESULT_OF_CODE: Readonly<Record<string, CallResult>> = {
  TIMEOUT: 'timeout',
  NO_ROUTE: 'no_route',
  MATCHMAKER_SERVICE_UNAVAILABLE: 'no_route',
  MATCHMAKER_SERVICE_REFUSED: 'no_route',
  QUEUE_FULL: 'send_failed',
  SEND_FAILED: 'send_failed',
  SHUTDOWN: 'cancelled',
};

/** The result of a call answered with `err` (a BridgeError's code, else `error`). */
export function callResultOfError(err: unknown): CallResult {
  return (err instanceof BridgeError && RESULT_OF_CODE[err.code]) || 'error';
}

/** A fresh msg_id: 32 hex digits, like the legacy driver's `uuid4().hex`. */
export function newMsgId(): string {
  return randomUUID().replace(/-/g, '');
}

type Outcome = { reply: ReplyOutcome } | { err: unknown };

export class Call {
  readonly msgId: string;
  private answered = false;

  constructor(
    private readonly parts: CallParts,
    private readonly owner: CallOwner,
    private readonly spec: CallSpec,
    msgId: string = newMsgId(),
  ) {
    this.msgId = msgId;
  }

  /** Send the request to every queue and wait for the reply. Never throws: every outcome becomes the one answer. */
  start(queues: readonly Queue[]): void {
    const wrapper: CallWrapperParts = {
      msgId: this.msgId,
      replyTopic: this.parts.replyTopic,
      ctxText: this.spec.ctx,
      requestText: this.spec.request,
      monitor: this.spec.monitorTimeout,
    };
    let copies: { host: string; topic: string; frames: Buffer[] }[];
    try {
      copies = queues.map((q) => ({ host: q.host, topic: q.topic, frames: buildCallFrames(q.topic, wrapper) }));
    } catch (err) {
      this.finish({ err });
      return;
    }
    // Replies to copies sent under another call's msg_id would answer that call.
    if (this.parts.waiter.has(this.msgId)) {
      this.finish({ err: new DuplicateMsgIdError(this.msgId) });
      return;
    }
    if (!this.owner.adopt(this)) {
      // The shim went away while its call was being routed: nobody to answer, so nothing to send.
      this.answered = true;
      this.spec.onEnd?.('cancelled');
      this.parts.log.debug({ msg_id: this.msgId, session: this.owner.id }, 'call dropped: its shim disconnected before it was sent');
      return;
    }
    // Wait first: a short-circuited callee on this host may answer at once.
    this.parts.waiter.wait(this.msgId, { timeout: this.spec.timeout, monitorTimeout: this.spec.monitorTimeout }).then(
      (reply) => this.finish({ reply }),
      (err: unknown) => this.finish({ err }),
    );
    for (const c of copies) {
      let sent: Promise<void>;
      try {
        sent = this.parts.sender.submit(c.host, c.frames, { topic: c.topic, msgId: this.msgId, kind: 'call' });
      } catch (err) {
        this.abort(err, 'request refused');
        return;
      }
      sent.catch((err: unknown) => this.abort(err, 'request could not be sent'));
    }
  }

  /** Stop waiting (the shim disconnected); its answer, if any could still be written, is SHUTDOWN. */
  cancel(why: string): void {
    this.parts.waiter.cancel(this.msgId, why);
  }

  /** A copy of the request was not sent: the call fails with that error and stops waiting. */
  private abort(err: unknown, why: string): void {
    if (this.answered) return;
    this.finish({ err });
    this.parts.waiter.cancel(this.msgId, why);
  }

  private finish(o: Outcome): void {
    if (this.answered) return;
    this.answered = true;
    this.owner.release(this);
    this.spec.onEnd?.('reply' in o ? ('failure' in o.reply ? 'remote_error' : 'ok') : callResultOfError(o.err));
    if ('reply' in o) this.owner.reply(this.spec.rid, o.reply);
    else this.owner.refuse(this.spec.rid, 'call', o.err);
  }
}
