/**
 * The reply waiter: every call made by this daemon's shims waits here for
 * its reply on `zmq_replies.<rpc_zmq_host>`, matched by msg_id (no socket per
 * call). As a receiver sink it claims only replies (and `nzb-heartbeat`s) for
 * msg_ids it awaits; anything else is left to the receiver, which offers it
 * to legacy ipc consumers and counts orphans.
 *
 * It owns a call's clocks: the overall timeout and, once a first heartbeat
 * arrived, the call-monitor timeout. Both run on an injected {@link Clock}.
 */
import type { Logger } from '../log';
import type { Counters } from '../metrics/counters';
import type { InboundMessage, LocalSink } from '../receiver/sink';
import { systemClock, type Clock, type Timer } from '../time/clock';
import { classifyMessage, parseFrames, STYLE_HEARTBEAT, STYLE_HEARTBEAT_BYTES, type ReplyOutcome } from '../wire/envelope';
import { REPLY_PREFIX } from '../wire/topic';
import { CallCancelledError, CallTimeoutError, DuplicateMsgIdError, NotAReplyError } from './errors';

export interface WaitOptions {
  /** Overall call timeout in seconds (the shim's, default `rpc_response_timeout`). */
  timeout: number;
  /** Call-monitor timeout in seconds, or null: applies once a first heartbeat arrived. */
  monitorTimeout?: number | null;
}

export interface ReplyWaiterOptions {
  /** The reply waiter's component logger (bound by the daemon; not re-bound here). */
  log: Logger;
  counters: Counters;
  /** Time source of the call and monitor timeouts (default: the system clock). */
  clock?: Clock;
}

interface Pending {
  msgId: string;
  resolve: (o: ReplyOutcome) => void;
  reject: (e: Error) => void;
  timer: Timer;
  monitorSeconds: number | null;
  monitorTimer: Timer | null;
  heartbeats: number;
}

const MS_PER_SECOND = 1_000;

export class ReplyWaiter implements LocalSink {
  readonly name = 'reply-waiter';
  private readonly pending = new Map<string, Pending>();
  private readonly log: Logger;
  private readonly counters: Counters;
  private readonly clock: Clock;

  constructor(opts: ReplyWaiterOptions) {
    this.log = opts.log;
    this.counters = opts.counters;
    this.clock = opts.clock ?? systemClock;
  }

  /** Calls waiting. */
  get size(): number {
    return this.pending.size;
  }

  has(msgId: string): boolean {
    return this.pending.has(msgId);
  }

  /**
   * Start waiting for `msgId` (before sending the request, so a fast reply
   * cannot be missed). Resolves with the reply's outcome; rejects with
   * {@link CallTimeoutError} (TIMEOUT), {@link CallCancelledError} or
   * {@link DuplicateMsgIdError}.
   */
  wait(msgId: string, opts: WaitOptions): Promise<ReplyOutcome> {
    if (this.pending.has(msgId)) return Promise.reject(new DuplicateMsgIdError(msgId));
    return new Promise<ReplyOutcome>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => this.expire(msgId, opts.timeout, false), opts.timeout * MS_PER_SECOND);
      const m = opts.monitorTimeout;
      this.pending.set(msgId, {
        msgId,
        resolve,
        reject,
        timer,
        monitorSeconds: m != null && m > 0 ? m : null,
        monitorTimer: null,
        heartbeats: 0,
      });
    });
  }

  /** Forget a call (its caller went away): rejects its promise with `why`. Returns whether it was pending. */
  cancel(msgId: string, why = 'caller went away'): boolean {
    const p = this.take(msgId);
    if (!p) return false;
    this.counters.inc('replies.cancelled');
    p.reject(new CallCancelledError(msgId, why));
    return true;
  }

  /** Fail every pending call (daemon stopping). */
  close(): void {
    for (const id of [...this.pending.keys()]) this.cancel(id, 'the daemon is shutting down');
  }

  offer(msg: InboundMessage): boolean {
    if (!msg.topic.startsWith(REPLY_PREFIX)) return false;
    const p = this.pending.get(msg.msgId);
    if (!p) return false;
    if (msg.frames[2]?.equals(STYLE_HEARTBEAT_BYTES)) {
      this.heartbeat(p);
      return true;
    }
    let outcome: ReplyOutcome;
    try {
      const f = parseFrames(msg.frames);
      if (f.style === STYLE_HEARTBEAT) return true;
      const c = classifyMessage(f.msg, f.msgSource);
      if (c.kind !== 'reply') throw new NotAReplyError(msg.msgId, c.kind);
      outcome = c.outcome;
    } catch (err) {
      // Ours (the msg_id matches) but unreadable: keep waiting; the timeout answers the caller.
      this.counters.inc('replies.malformed');
      this.log.error({ err, topic: msg.topic, msg_id: msg.msgId }, 'malformed reply for a pending call ignored');
      return true;
    }
    this.take(msg.msgId);
    this.counters.inc('replies.matched');
    p.resolve(outcome);
    return true;
  }

  /** The callee is alive: (re)start the monitor countdown, when the call has one. */
  private heartbeat(p: Pending): void {
    p.heartbeats++;
    this.counters.inc('replies.heartbeats');
    const seconds = p.monitorSeconds;
    if (seconds === null) return;
    if (p.monitorTimer) p.monitorTimer.refresh();
    else p.monitorTimer = this.clock.setTimeout(() => this.expire(p.msgId, seconds, true), seconds * MS_PER_SECOND);
  }

  private take(msgId: string): Pending | undefined {
    const p = this.pending.get(msgId);
    if (!p) return undefined;
    this.pending.delete(msgId);
    p.timer.cancel();
    p.monitorTimer?.cancel();
    return p;
  }

  private expire(msgId: string, seconds: number, monitor: boolean): void {
    const p = this.take(msgId);
    if (!p) return;
    this.counters.inc(monitor ? 'replies.monitor_timeouts' : 'replies.timeouts');
    this.log.warn({ msg_id: msgId, seconds, monitor, heartbeats: p.heartbeats }, 'call timed out');
    p.reject(new CallTimeoutError(msgId, seconds, monitor));
  }
}
