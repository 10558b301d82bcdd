/**
 * One shim connection: everything the daemon writes to that shim goes
 * through here (answers, failures, deliveries), and it keeps the calls the
 * shim is waiting for, so that closing the connection cancels them. Its
 * listeners live in the registry, which the server clears on close.
 */
import type { Socket } from 'node:net';
import type { Logger } from '../log';
import type { Counters } from '../metrics/counters';
import { BridgeError } from '../errors';
import type { ReplyOutcome } from '../wire/envelope';
import type { Call, CallOwner } from './call';
import { encodeFrame } from './framing';
import { errorAnswer, errorCode, replyAnswer, type DaemonFrame, type Delivery, type OkFields } from './protocol';
import type { ListenerOwner } from './registry';
import { ReplyLedger } from '../security/reply-ledger';
import type { PeerCredentials } from '../security/peer-credentials';
import type { LocalBuffers } from './buffers';
import type { LogLimiter } from '../util/log-limiter';

/** Bytes queued towards a shim beyond which deliveries to it are dropped (and counted): a stuck shim must not eat the daemon's memory. */
export const DEFAULT_SESSION_MAX_BACKLOG_BYTES = 256 * 1024 * 1024;

/** Milliseconds a closing connection gets to flush before it is destroyed. */
export const DEFAULT_END_GRACE_MS = 200;

/** Ops that never get an answer, so a failure without rid is not worth a warning. */
const UNANSWERED_OPS = new Set(['reply', 'heartbeat']);

export interface SessionOptions {
  /** The local API's component logger. */
  log: Logger;
  counters: Counters;
  /** Default {@link DEFAULT_SESSION_MAX_BACKLOG_BYTES}. */
  maxBacklogBytes?: number;
  /** Who connected (SO_PEERCRED), when the server checked it. */
  creds?: PeerCredentials | null;
  /** The bytes buffered for all connections and their cap (`local_buffer_bytes`); without it only this connection's limit applies. */
  buffers?: LocalBuffers;
  /** Thins the warnings a client can repeat (overflow, failures without rid); without it every one is logged. */
  limiter?: LogLimiter;
}

export class Session implements ListenerOwner, CallOwner {
  /** The shim's process id and client name, from `hello`. */
  shimPid: number | null = null;
  client: string | null = null;
  /** The connecting process's credentials (kernel-provided), or null when unchecked. */
  readonly creds: PeerCredentials | null;
  private readonly calls = new Set<Call>();
  /** Calls delivered to this connection and not yet answered: the only ones it may reply to. */
  private readonly owed: ReplyLedger;
  private closed = false;
  /** A frame was written in this tick: later ones are held (socket corked) until its end. */
  private wroteThisTick = false;
  private corked = false;
  private readonly log: Logger;
  private readonly counters: Counters;
  private readonly maxBacklog: number;
  private readonly buffers?: LocalBuffers;
  private readonly limiter?: LogLimiter;

  constructor(
    readonly id: number,
    private readonly socket: Socket,
    opts: SessionOptions,
  ) {
    this.log = opts.log;
    this.counters = opts.counters;
    this.maxBacklog = opts.maxBacklogBytes ?? DEFAULT_SESSION_MAX_BACKLOG_BYTES;
    this.creds = opts.creds ?? null;
    this.owed = new ReplyLedger(opts.counters);
    this.buffers = opts.buffers;
    this.limiter = opts.limiter;
  }

  /** A warning this client can repeat at will: thinned per reason and shim when a limiter is given. */
  private warnRepeated(level: 'warn' | 'error', reason: string, fields: Record<string, unknown>, msg: string): void {
    if (this.limiter) this.limiter.log(this.log, level, reason, String(this.shimPid ?? this.id), fields, msg);
    else this.log[level](fields, msg);
  }

  get isClosed(): boolean {
    return this.closed || this.socket.destroyed;
  }

  /** Calls this shim is waiting for. */
  get pendingCalls(): number {
    return this.calls.size;
  }

  /**
   * Send a frame to the shim; silently nothing once closed. Dropped (and
   * counted) when the shim does not read: past this connection's own limit,
   * or with a backlog while all connections together hold the global cap
   * (buffers.ts). Returns false when not written.
   */
  write(frame: DaemonFrame): boolean {
    if (this.isClosed) return false;
    const own = this.socket.writableLength;
    if (this.buffers ? !this.buffers.mayWrite(own, this.maxBacklog) : own > this.maxBacklog) {
      this.counters.inc('localapi.deliver.overflow');
      this.warnRepeated('error', 'overflow', { session: this.id, shim_pid: this.shimPid, backlog_bytes: own }, 'shim is not reading its deliveries: message dropped');
      return false;
    }
    if (!this.wroteThisTick) {
      // The first frame of a tick leaves at once: a lone answer (a
      // sequential call) wakes its shim without waiting for the tick to end.
      this.wroteThisTick = true;
      process.nextTick(this.endTick);
    } else if (!this.corked) {
      // More in the same tick (a burst of replies read from ZeroMQ, the ok
      // of each pipelined cast): held, and they leave together in one
      // writev when the tick ends - one system call and one wake-up of the
      // shim instead of one each.
      this.corked = true;
      this.socket.cork();
    }
    this.socket.write(encodeFrame(frame));
    return true;
  }

  private readonly endTick = (): void => {
    this.wroteThisTick = false;
    if (this.corked) {
      this.corked = false;
      this.socket.uncork();
    }
  };

  /** `ok` (with `hello`'s or `stats`' fields); nothing when the request had no rid. */
  ok(rid: number | undefined, fields?: OkFields): void {
    if (rid !== undefined) this.write({ op: 'ok', rid, ...fields });
  }

  reply(rid: number, outcome: ReplyOutcome): void {
    this.write(replyAnswer(rid, outcome));
  }

  /** A failed request: counted by code, logged, answered `error` when it had a rid. */
  refuse(rid: number | undefined, op: string, err: unknown): void {
    const code = errorCode(err);
    this.counters.inc(`localapi.errors.${code}`);
    if (!(err instanceof BridgeError)) this.log.error({ err, op, session: this.id }, 'local API op failed unexpectedly');
    else this.log.debug({ op, code, session: this.id, message: err.message }, 'local API op refused');
    const answer = errorAnswer(rid, err);
    if (rid !== undefined) this.write(answer);
    else if (!UNANSWERED_OPS.has(op)) this.warnRepeated('warn', `no_rid:${code}`, { op, code, session: this.id, message: answer.message }, 'local API op without rid failed');
  }

  /** Whether the delivery was written (false: closed, or dropped for a shim that does not read). */
  deliver(frame: Delivery): boolean {
    if (frame.reply_to) this.owed.owe(frame.reply_to[0], frame.reply_to[1]);
    return this.write(frame);
  }

  /**
   * Whether this connection may answer the call `replyTo` (it was delivered
   * here and not answered yet); a `reply` settles it, a `heartbeat` does
   * not. A refusal is counted and logged: only the process that received a
   * call may complete it.
   */
  mayAnswer(replyTo: readonly [string, string], op: 'reply' | 'heartbeat'): boolean {
    if (this.owed.owes(replyTo[0], replyTo[1], op === 'reply')) return true;
    this.counters.inc('security.local.reply_not_owed');
    this.log.warn(
      { session: this.id, shim_pid: this.shimPid, peer_pid: this.creds?.pid, peer_uid: this.creds?.uid, op, msg_id: replyTo[0].slice(0, 64), topic: replyTo[1].slice(0, 255) },
      `${op} refused: that call was not delivered to this connection`,
    );
    return false;
  }

  /** Keep `call` until it is answered; false (nothing kept) once the connection is closed. */
  adopt(call: Call): boolean {
    if (this.isClosed) return false;
    this.calls.add(call);
    return true;
  }

  release(call: Call): void {
    this.calls.delete(call);
  }

  /** Flush what is queued, then close. */
  end(): void {
    this.closed = true;
    this.socket.end();
    // A shim that never closes its end must not hold the daemon's shutdown.
    setTimeout(() => this.socket.destroy(), DEFAULT_END_GRACE_MS).unref();
  }

  /** Write nothing more (the connection is going away). */
  markClosed(): void {
    this.closed = true;
  }

  /** The connection is gone: write nothing more and cancel the calls still waiting. */
  close(why: string): void {
    this.closed = true;
    this.owed.clear();
    const calls = [...this.calls];
    this.calls.clear();
    for (const c of calls) c.cancel(why);
  }
}
