/**
 * One persistent, reused PUSH connection per peer host
 * (`tcp://<host>:<rpc_zmq_port>`), created on first use, closed when idle.
 * zeromq.js allows one `send()` in flight per socket, so each peer has a
 * bounded queue and a pump; a message that cannot be handed over before its
 * deadline (`rpc_cast_timeout`) is counted and logged, never silently lost.
 */
import * as zmq from 'zeromq';
import type { Logger } from '../log';
import type { Counters } from '../metrics/counters';
import { systemClock, type Clock, type Timer } from '../time/clock';
import { QueueFullError, SendFailedError, SenderStoppedError } from './errors';
import { tcpEndpoint } from '../wire/endpoints';
import { framesForZeroMq } from './outgoing';

/** Max messages waiting per peer before new ones are refused with QUEUE_FULL. */
export const DEFAULT_PEER_QUEUE_LIMIT = 10_000;
/** ZeroMQ send high-water mark per peer socket, in messages. */
export const DEFAULT_SEND_HWM = 1_000;
/** Milliseconds a closing peer socket keeps trying to deliver what ZeroMQ already holds. */
export const DEFAULT_LINGER_MS = 2_000;
/** ZMTP heartbeat interval in milliseconds (PING; libzmq >= 4.2 peers answer, older ones ignore it). */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 10_000;
/** A peer that answers no heartbeat within this many milliseconds is disconnected (and reconnected). */
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 30_000;
/** TTL announced in our PINGs, in milliseconds. */
export const DEFAULT_HEARTBEAT_TTL_MS = 60_000;
/** Milliseconds between reconnect attempts to a peer that went away. */
export const DEFAULT_RECONNECT_INTERVAL_MS = 100;
/** Upper bound of the reconnect back-off, in milliseconds. */
export const DEFAULT_RECONNECT_MAX_INTERVAL_MS = 5_000;
/** A peer with nothing queued and nothing sent for this many milliseconds is closed. */
export const DEFAULT_PEER_IDLE_MS = 300_000;
/** Idle peers are looked for every quarter of the idle time, but not more often than this many milliseconds. */
export const MIN_IDLE_SWEEP_MS = 1_000;

export interface PeerPoolOptions {
  /** `rpc_zmq_port`: every peer's receiver port. */
  port: number;
  /** `rpc_cast_timeout` in milliseconds: how long a message may wait to be handed to its peer. */
  castTimeoutMs: number;
  log: Logger;
  counters: Counters;
  context?: zmq.Context;
  queueLimit?: number;
  sendHighWaterMark?: number;
  lingerMs?: number;
  heartbeatIntervalMs?: number;
  heartbeatTimeoutMs?: number;
  heartbeatTtlMs?: number;
  idleMs?: number;
  /** Time source of the queue deadlines and idle closes (default: the system clock). */
  clock?: Clock;
}

/** What logs say about a message (never its body). */
export interface SendMeta {
  topic?: string;
  msgId?: string;
}

interface Item {
  frames: Buffer[];
  /** `clock.now()` after which the message is failed instead of sent. */
  deadline: number;
  meta: SendMeta;
  resolve: () => void;
  reject: (e: Error) => void;
}

class Peer {
  readonly queue: Item[] = [];
  lastUsed: number;
  private pumping = false;
  private closed = false;

  constructor(
    readonly host: string,
    readonly endpoint: string,
    private readonly sock: zmq.Push,
    private readonly pool: PeerPool,
    private readonly clock: Clock,
  ) {
    this.lastUsed = clock.now();
  }

  push(item: Item): void {
    this.queue.push(item);
    this.lastUsed = this.clock.now();
    if (!this.pumping) void this.pump();
  }

  get busy(): boolean {
    return this.pumping || this.queue.length > 0;
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.queue.length > 0 && !this.closed) {
        const item = this.queue.shift()!;
        const left = item.deadline - this.clock.now();
        if (left <= 0) {
          this.pool.failed(this, item, 'timed out waiting in the peer queue (rpc_cast_timeout)');
          continue;
        }
        // Once handed to zeromq, the rest of the deadline is ZeroMQ's own (real-time) send timeout.
        this.sock.sendTimeout = left;
        try {
          await this.sock.send(framesForZeroMq(item.frames));
          this.lastUsed = this.clock.now();
          this.pool.sent(item);
        } catch (err) {
          const code = (err as { code?: string }).code;
          const why = code === 'EAGAIN' ? 'not accepted by the connection within rpc_cast_timeout' : `send error ${code ?? String(err)}`;
          this.pool.failed(this, item, why, err);
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Fail everything still queued and close the socket (ZeroMQ lingers for what it already holds). */
  close(reason: () => Error): void {
    if (this.closed) return;
    this.closed = true;
    for (const item of this.queue.splice(0)) item.reject(reason());
    this.sock.close();
  }
}

export class PeerPool {
  private readonly peers = new Map<string, Peer>();
  private readonly log: Logger;
  private readonly counters: Counters;
  private readonly queueLimit: number;
  private readonly clock: Clock;
  private readonly idleTimer: Timer;
  private stopped = false;

  constructor(private readonly opts: PeerPoolOptions) {
    this.log = opts.log;
    this.counters = opts.counters;
    this.queueLimit = opts.queueLimit ?? DEFAULT_PEER_QUEUE_LIMIT;
    this.clock = opts.clock ?? systemClock;
    const idle = opts.idleMs ?? DEFAULT_PEER_IDLE_MS;
    // Housekeeping only: never what keeps the process alive.
    this.idleTimer = this.clock.setTimeout(
      () => {
        this.closeIdle(idle);
        if (!this.stopped) this.idleTimer.refresh();
      },
      Math.max(MIN_IDLE_SWEEP_MS, Math.floor(idle / 4)),
      { ref: false },
    );
  }

  /**
   * Queue `frames` for `host`. Throws {@link QueueFullError} / {@link SenderStoppedError}
   * synchronously (refused immediately); otherwise returns a promise that
   * resolves once ZeroMQ took the message and rejects with
   * {@link SendFailedError} when it could not within `rpc_cast_timeout`.
   */
  submit(host: string, frames: Buffer[], meta: SendMeta = {}): Promise<void> {
    if (this.stopped) throw new SenderStoppedError();
    const peer = this.peer(host);
    if (peer.queue.length >= this.queueLimit) {
      this.counters.inc('sender.queue_full');
      this.log.warn({ peer: host, topic: meta.topic, msg_id: meta.msgId, limit: this.queueLimit }, 'peer queue full: message refused');
      throw new QueueFullError(host, this.queueLimit);
    }
    return new Promise<void>((resolve, reject) => {
      peer.push({ frames, meta, deadline: this.clock.now() + this.opts.castTimeoutMs, resolve, reject });
    });
  }

  /** Hosts with an open connection. */
  hosts(): string[] {
    return [...this.peers.keys()];
  }

  /** Messages waiting for `host` (0 when no connection). */
  queued(host: string): number {
    return this.peers.get(host)?.queue.length ?? 0;
  }

  sent(item: Item): void {
    this.counters.inc('sender.sent');
    item.resolve();
  }

  failed(peer: Peer, item: Item, why: string, cause?: unknown): void {
    this.counters.inc('sender.cast.failed');
    this.log.error({ peer: peer.host, endpoint: peer.endpoint, topic: item.meta.topic, msg_id: item.meta.msgId, why }, 'message could not be handed to its peer');
    item.reject(new SendFailedError(peer.host, why, { cause }));
  }

  private peer(host: string): Peer {
    let p = this.peers.get(host);
    if (p) return p;
    const o = this.opts;
    const sock = new zmq.Push(o.context ? { context: o.context } : {});
    sock.linger = o.lingerMs ?? DEFAULT_LINGER_MS;
    sock.sendHighWaterMark = o.sendHighWaterMark ?? DEFAULT_SEND_HWM;
    // Queue only on live connections: a dead peer must time out, not swallow messages.
    sock.immediate = true;
    sock.sendTimeout = o.castTimeoutMs;
    sock.heartbeatInterval = o.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
    sock.heartbeatTimeout = o.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS;
    sock.heartbeatTimeToLive = o.heartbeatTtlMs ?? DEFAULT_HEARTBEAT_TTL_MS;
    sock.reconnectInterval = DEFAULT_RECONNECT_INTERVAL_MS;
    sock.reconnectMaxInterval = DEFAULT_RECONNECT_MAX_INTERVAL_MS;
    const endpoint = tcpEndpoint(host, o.port);
    sock.connect(endpoint);
    p = new Peer(host, endpoint, sock, this, this.clock);
    this.peers.set(host, p);
    this.counters.inc('sender.peers.opened');
    this.log.debug({ peer: host, endpoint }, 'peer connection opened');
    return p;
  }

  private closeIdle(idleMs: number): void {
    const now = this.clock.now();
    for (const [host, p] of this.peers) {
      if (!p.busy && now - p.lastUsed >= idleMs) {
        this.peers.delete(host);
        p.close(() => new SenderStoppedError());
        this.counters.inc('sender.peers.closed_idle');
        this.log.debug({ peer: host }, 'idle peer connection closed');
      }
    }
  }

  /** Close every connection; queued messages fail with SHUTDOWN (counted as failed). */
  close(): void {
    this.stopped = true;
    this.idleTimer.cancel();
    for (const p of this.peers.values()) {
      const n = p.queue.length;
      if (n > 0) {
        this.counters.inc('sender.cast.failed', n);
        this.log.warn({ peer: p.host, queued: n }, 'sender stopping: queued messages not sent');
      }
      p.close(() => new SenderStoppedError());
    }
    this.peers.clear();
  }
}
