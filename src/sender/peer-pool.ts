/**
 * One persistent, reused PUSH connection per peer host
 * (`tcp://<host>:<rpc_zmq_port>`), created on first use, closed when idle.
 * zeromq.js allows one `send()` in flight per socket, so each peer has a
 * bounded queue and a pump; a message that cannot be handed over before its
 * deadline (`rpc_cast_timeout`) is counted and logged, never silently lost.
 *
 * Connections are capped (`[zmq_bridge] max_peers`, see
 * src/socket-budget.ts): a new host at the cap takes the slot of the least
 * recently used idle connection (nothing queued, no send in flight). When
 * every connection is busy, the new host's messages wait for a slot - a
 * fanout to more hosts than the cap still reaches every host - until their
 * own deadline; past that, or when too many already wait, they fail with
 * PEER_LIMIT. A socket libzmq refuses to create (EMFILE) is treated like a
 * full pool, never thrown at the caller.
 */
import * as zmq from 'zeromq';
import type { Logger } from '../log';
import type { Counters } from '../metrics/counters';
import { systemClock, type Clock, type Timer } from '../time/clock';
import { PeerLimitError, QueueFullError, SendFailedError, SenderStoppedError } from './errors';
import { tcpEndpoint } from '../wire/endpoints';
import type { SEND_KINDS } from '../metrics/catalogue';
import type { SocketSecurity } from '../security/types';
import { DEFAULT_MAX_PEERS } from '../config/options';
import { framesForZeroMq } from './outgoing';
import { retryInterrupted } from '../util/interrupted';

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
/**
 * Largest frame read from a peer's connection, in bytes (libzmq
 * ZMQ_MAXMSGSIZE). A peer's receiver never sends anything back on a PUSH
 * connection but its handshake, so this only stops a hostile "peer" from
 * making libzmq allocate whatever size its frame header declares.
 */
export const DEFAULT_PEER_MAX_INBOUND_BYTES = 64 * 1024;
/** Idle peers are looked for every quarter of the idle time, but not more often than this many milliseconds. */
export const MIN_IDLE_SWEEP_MS = 1_000;
/**
 * Messages (all hosts together) that may wait for a connection slot while
 * `max_peers` connections are busy; beyond it new ones are refused at once
 * with PEER_LIMIT.
 */
export const DEFAULT_SLOT_WAIT_LIMIT = 10_000;

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
  /** `[zmq_bridge] max_peers`: connections open at most (default {@link DEFAULT_MAX_PEERS}). */
  maxPeers?: number;
  /** Messages that may wait for a connection slot (default {@link DEFAULT_SLOT_WAIT_LIMIT}). */
  slotWaitLimit?: number;
  /** Time source of the queue deadlines and idle closes (default: the system clock). */
  clock?: Clock;
  /** CURVE client keys per peer (`[zmq_bridge] security`); none by default. */
  security?: SocketSecurity;
}

/** What logs and metrics say about a message (never its body). */
export interface SendMeta {
  topic?: string;
  msgId?: string;
  /** What the caller sends (counted as `sender.messages.{kind}`); `forward` when not given. */
  kind?: SendKind;
}

/** Kinds of outgoing messages (`SEND_KINDS` of metrics/catalogue.ts). */
export type SendKind = (typeof SEND_KINDS)[number];

interface Item {
  frames: Buffer[];
  /** `clock.now()` after which the message is failed instead of sent. */
  deadline: number;
  meta: SendMeta;
  resolve: () => void;
  reject: (e: Error) => void;
}

/**
 * A peer's tcp connection as ZeroMQ's monitor events report it: `connected`
 * once the ZMTP handshake is done, `connecting` until the first one,
 * `disconnected` after losing it (ZeroMQ reconnects by itself).
 */
export type PeerConnectionState = 'connecting' | 'connected' | 'disconnected';

/**
 * Everything the daemon knows about one open peer connection, read at once:
 * the one state both `status` (src/status/reporter.ts) and the metrics and
 * systemd status line (src/metrics/state-metrics.ts, src/daemon.ts) are
 * derived from, so they cannot disagree.
 *
 * Two facts, kept apart rather than merged into one "state": `connection`
 * says whether the tcp connection is up (monitor events); the send figures
 * say whether messages get through. They differ in useful ways - a
 * connection can be up while messages time out (the peer stopped reading,
 * its high-water mark is full), and one that never connects (firewall) shows
 * `connecting` with failures piling up.
 */
export interface PeerSnapshot {
  host: string;
  endpoint: string;
  connection: PeerConnectionState;
  /** Messages waiting in this daemon's queue for the peer. */
  queued: number;
  /** Messages handed to ZeroMQ / failed since the connection was opened. */
  sent: number;
  failed: number;
  /** Clock time of the last hand-over / failure; null if none. */
  lastSentAt: number | null;
  lastFailedAt: number | null;
  /** Why the last failure happened; null if none. */
  lastFailure: string | null;
}

class Peer {
  readonly queue: Item[] = [];
  lastUsed: number;
  /** Hand-overs and failures since the connection opened, and when the last of each happened (0: never). */
  sentCount = 0;
  failedCount = 0;
  lastSentAt = 0;
  lastFailedAt = 0;
  lastFailure: string | null = null;
  /** Follows the socket's monitor events (see PeerPool.open). */
  connection: PeerConnectionState = 'connecting';
  private pumping = false;
  private closed = false;
  /** Replaced by a new connection (its peer's key changed): closes once its queue is sent. */
  private retiring = false;

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
    if (!this.pumping) {
      this.pumping = true;
      this.sendNext();
    }
  }

  get busy(): boolean {
    return this.pumping || this.queue.length > 0;
  }

  /**
   * One send in flight per socket: send the head, continue when ZeroMQ took
   * it. Callbacks rather than an async loop: a fanout to thousands of hosts
   * starts a pump per copy, so its start must cost no more than a call.
   */
  private sendNext(): void {
    let item: Item | undefined;
    let left = 0;
    for (;;) {
      item = this.closed ? undefined : this.queue.shift();
      if (!item) {
        this.pumping = false;
        if (this.retiring) this.close(() => new SenderStoppedError());
        else if (!this.closed) this.pool.drained();
        return;
      }
      left = item.deadline - this.clock.now();
      if (left > 0) break;
      this.pool.failed(this, item, 'timed out waiting in the peer queue (rpc_cast_timeout)');
    }
    const it = item;
    // Once handed to zeromq, the rest of the deadline is ZeroMQ's own (real-time) send timeout.
    this.sock.sendTimeout = left;
    let sent: Promise<void>;
    try {
      sent = this.sock.send(framesForZeroMq(it.frames));
    } catch (err) {
      sent = Promise.reject(err);
    }
    sent.then(
      () => {
        this.lastUsed = this.lastSentAt = this.clock.now();
        this.sentCount++;
        this.pool.sent(it);
        this.sendNext();
      },
      (err: unknown) => {
        const code = (err as { code?: string }).code;
        const why = code === 'EAGAIN' ? 'not accepted by the connection within rpc_cast_timeout' : `send error ${code ?? String(err)}`;
        this.pool.failed(this, it, why, err);
        this.sendNext();
      },
    );
  }

  /** Take no new messages (the pool forgot this peer); close once what is queued has left. */
  retire(): void {
    this.retiring = true;
    if (!this.busy) this.close(() => new SenderStoppedError());
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
  /** Messages waiting for a connection slot, by host, hosts in the order they started waiting. */
  private readonly waiting = new Map<string, Item[]>();
  private waitingCount = 0;
  /** Fails waiting messages whose deadline passed; armed only while some wait. */
  private waitTimer: Timer | null = null;
  private readonly log: Logger;
  private readonly counters: Counters;
  private readonly queueLimit: number;
  private readonly maxPeers: number;
  private readonly slotWaitLimit: number;
  private readonly clock: Clock;
  private readonly idleTimer: Timer;
  private stopped = false;

  constructor(private readonly opts: PeerPoolOptions) {
    this.log = opts.log;
    this.counters = opts.counters;
    this.queueLimit = opts.queueLimit ?? DEFAULT_PEER_QUEUE_LIMIT;
    this.maxPeers = Math.max(1, opts.maxPeers ?? DEFAULT_MAX_PEERS);
    this.slotWaitLimit = opts.slotWaitLimit ?? DEFAULT_SLOT_WAIT_LIMIT;
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
    // A peer whose trusted key changed (or went) gets a new connection with the new key, or none.
    opts.security?.onPeerKeysChanged((hosts) => this.retire(hosts));
  }

  /**
   * Queue `frames` for `host`. Throws {@link QueueFullError} / {@link SenderStoppedError}
   * synchronously (refused immediately); otherwise returns a promise that
   * resolves once ZeroMQ took the message and rejects with
   * {@link SendFailedError} when it could not within `rpc_cast_timeout`.
   */
  submit(host: string, frames: Buffer[], meta: SendMeta = {}): Promise<void> {
    if (this.stopped) throw new SenderStoppedError();
    const peer = this.peers.get(host) ?? (this.waiting.has(host) ? null : this.open(host));
    if (!peer) return this.waitForSlot(host, frames, meta);
    if (peer.queue.length >= this.queueLimit) this.refuseQueueFull(host, meta);
    return new Promise<void>((resolve, reject) => {
      peer.push({ frames, meta, deadline: this.clock.now() + this.opts.castTimeoutMs, resolve, reject });
    });
  }

  private refuseQueueFull(host: string, meta: SendMeta): never {
    this.counters.inc('sender.queue_full');
    this.log.warn({ peer: host, topic: meta.topic, msg_id: meta.msgId, limit: this.queueLimit }, 'peer queue full: message refused');
    throw new QueueFullError(host, this.queueLimit);
  }

  /** Every connection is busy: queue the message until one frees up (or its deadline passes). */
  private waitForSlot(host: string, frames: Buffer[], meta: SendMeta): Promise<void> {
    let list = this.waiting.get(host);
    if (list && list.length >= this.queueLimit) this.refuseQueueFull(host, meta);
    if (this.waitingCount >= this.slotWaitLimit) {
      this.counters.inc('sender.peer_limit');
      this.log.warn({ peer: host, topic: meta.topic, msg_id: meta.msgId, max_peers: this.maxPeers, waiting: this.waitingCount }, 'peer connection limit: message refused');
      throw new PeerLimitError(host, this.maxPeers, `${this.waitingCount} messages already wait for a connection`);
    }
    if (!list) {
      list = [];
      this.waiting.set(host, list);
    }
    const waits = list;
    this.waitingCount++;
    this.counters.inc('sender.peers.slot_waits');
    const deadline = this.clock.now() + this.opts.castTimeoutMs;
    const p = new Promise<void>((resolve, reject) => waits.push({ frames, meta, deadline, resolve, reject }));
    if (!this.waitTimer) this.armWaitTimer(deadline);
    return p;
  }

  private armWaitTimer(at: number): void {
    // Housekeeping only: a waiting message never keeps the process alive.
    this.waitTimer = this.clock.setTimeout(() => this.expireWaiting(), Math.max(0, at - this.clock.now()), { ref: false });
  }

  /** Fail the waiting messages whose deadline passed; re-arm for the next one. */
  private expireWaiting(): void {
    this.waitTimer = null;
    this.grantSlots();
    const now = this.clock.now();
    let next = Infinity;
    for (const [host, list] of this.waiting) {
      let kept = 0;
      for (const item of list) {
        if (item.deadline > now) {
          list[kept++] = item;
          next = Math.min(next, item.deadline);
          continue;
        }
        this.waitingCount--;
        this.counters.inc('sender.peer_limit');
        this.log.error({ peer: host, topic: item.meta.topic, msg_id: item.meta.msgId, max_peers: this.maxPeers }, 'no peer connection freed up within rpc_cast_timeout: message dropped');
        item.reject(new PeerLimitError(host, this.maxPeers, 'none freed up within rpc_cast_timeout'));
      }
      list.length = kept;
      if (kept === 0) this.waiting.delete(host);
    }
    if (next !== Infinity && !this.stopped) this.armWaitTimer(next);
  }

  /** A peer's queue emptied: a waiting host may take a slot now. */
  drained(): void {
    if (this.waitingCount > 0 && !this.stopped && !this.granting) this.grantSlots();
  }

  /** True while {@link grantSlots} runs (a granted peer that drains at once must not start another round). */
  private granting = false;

  /** Open connections for waiting hosts, oldest first, while slots can be had. */
  private grantSlots(): void {
    this.granting = true;
    try {
      this.grantEach();
    } finally {
      this.granting = false;
    }
  }

  private grantEach(): void {
    for (const [host, list] of this.waiting) {
      let peer: Peer | null;
      try {
        peer = this.open(host);
      } catch (err) {
        // An endpoint ZeroMQ cannot connect to (counted once by open): none of its messages can go.
        this.waiting.delete(host);
        this.waitingCount -= list.length;
        if (list.length > 1) this.counters.inc('sender.cast.failed', list.length - 1);
        for (const item of list) item.reject(err as Error);
        continue;
      }
      if (!peer) return;
      this.waiting.delete(host);
      this.waitingCount -= list.length;
      // Their deadlines run from when they were submitted, as for any queued message.
      for (const item of list) peer.push(item);
    }
  }

  /** Hosts with an open connection. */
  hosts(): string[] {
    return [...this.peers.keys()];
  }

  /** Every open peer connection's state (see {@link PeerSnapshot}); cheap, read at each scrape and `status`. */
  snapshots(): PeerSnapshot[] {
    const at = (t: number): number | null => (t === 0 ? null : t);
    return [...this.peers.values()].map((p) => ({
      host: p.host,
      endpoint: p.endpoint,
      connection: p.connection,
      queued: p.queue.length,
      sent: p.sentCount,
      failed: p.failedCount,
      lastSentAt: at(p.lastSentAt),
      lastFailedAt: at(p.lastFailedAt),
      lastFailure: p.lastFailure,
    }));
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
    peer.failedCount++;
    peer.lastFailedAt = this.clock.now();
    peer.lastFailure = why;
    this.counters.inc('sender.cast.failed');
    this.log.error({ peer: peer.host, endpoint: peer.endpoint, topic: item.meta.topic, msg_id: item.meta.msgId, why }, 'message could not be handed to its peer');
    item.reject(new SendFailedError(peer.host, why, { cause }));
  }

  /**
   * A new connection to `host`, taking the slot of the least recently used
   * idle one at the cap. Null when every connection is busy or libzmq
   * refuses another socket (the caller waits for a slot). Throws
   * SendFailedError for an endpoint ZeroMQ cannot connect to (a bad host name).
   */
  private open(host: string): Peer | null {
    if (this.peers.size >= this.maxPeers && !this.evictIdle()) return null;
    let stage: 'create' | 'configure' | 'connect' = 'create';
    let endpoint = '';
    let peer: Peer | undefined;
    /**
     * One attempt with a fresh socket. A signal can interrupt libzmq inside
     * any of these calls (EINTR); the whole attempt is then made again with a
     * new socket rather than the one call, because an interrupted
     * `zmq_connect` may already have registered its endpoint (a second
     * connect of that socket then fails with EADDRINUSE).
     */
    const attempt = (): zmq.Push => {
      stage = 'create';
      const sock = new zmq.Push(this.opts.context ? { context: this.opts.context } : {});
      try {
        stage = 'configure';
        endpoint = this.configure(sock, host);
        stage = 'connect';
        // Connection state for the metrics: events come only when the connection changes, never per message.
        const events = sock.events;
        events.on('handshake', () => peer && (peer.connection = 'connected'));
        events.on('disconnect', () => peer && (peer.connection = 'disconnected'));
        sock.connect(endpoint);
        return sock;
      } catch (err) {
        // Never a socket nobody owns.
        sock.close();
        throw err;
      }
    };
    let sock: zmq.Push;
    try {
      sock = retryInterrupted(attempt, () => this.counters.inc('sender.peers.open_interrupted'));
    } catch (err) {
      if (stage === 'create') {
        this.counters.inc('sender.peers.open_failed');
        this.log.error({ err, peer: host, open: this.peers.size }, 'cannot create a peer socket (out of sockets or file descriptors); the message waits for a free one');
        return null;
      }
      // While configuring: an option, or the peer's key (PeerKeyMissingError), thrown as it is.
      if (stage === 'configure') throw err;
      this.counters.inc('sender.cast.failed');
      this.log.error({ err, peer: host, endpoint }, 'cannot connect to peer: message refused');
      throw new SendFailedError(host, `cannot connect to ${endpoint} (${(err as Error).message})`, { cause: err });
    }
    peer = new Peer(host, endpoint, sock, this, this.clock);
    this.peers.set(host, peer);
    this.counters.inc('sender.peers.opened');
    this.log.debug({ peer: host, endpoint }, 'peer connection opened');
    return peer;
  }

  /** Set a new peer socket's options and security; returns the endpoint to connect to. */
  private configure(sock: zmq.Push, host: string): string {
    const o = this.opts;
    sock.linger = o.lingerMs ?? DEFAULT_LINGER_MS;
    sock.sendHighWaterMark = o.sendHighWaterMark ?? DEFAULT_SEND_HWM;
    // Queue only on live connections: a dead peer must time out, not swallow messages.
    sock.immediate = true;
    sock.maxMessageSize = DEFAULT_PEER_MAX_INBOUND_BYTES;
    sock.sendTimeout = o.castTimeoutMs;
    sock.heartbeatInterval = o.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
    sock.heartbeatTimeout = o.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS;
    sock.heartbeatTimeToLive = o.heartbeatTtlMs ?? DEFAULT_HEARTBEAT_TTL_MS;
    sock.reconnectInterval = DEFAULT_RECONNECT_INTERVAL_MS;
    sock.reconnectMaxInterval = DEFAULT_RECONNECT_MAX_INTERVAL_MS;
    // Throws PeerKeyMissingError: nothing is ever sent to an untrusted host.
    return tcpEndpoint(host, o.security?.client(sock, host, 'rpc').port ?? o.port);
  }

  /** Forget the connections of `hosts`; each closes once its queue has left, the next message opens a new one. */
  retire(hosts: readonly string[]): void {
    for (const host of hosts) {
      const p = this.peers.get(host);
      if (!p) continue;
      this.peers.delete(host);
      p.retire();
      this.log.info({ peer: host }, 'peer key changed: its connection is replaced');
    }
  }

  /** Close the least recently used idle connection, if there is one. */
  private evictIdle(): boolean {
    let victim: Peer | null = null;
    for (const p of this.peers.values()) if (!p.busy && (!victim || p.lastUsed < victim.lastUsed)) victim = p;
    if (!victim) return false;
    this.peers.delete(victim.host);
    victim.close(() => new SenderStoppedError());
    this.counters.inc('sender.peers.evicted');
    this.log.debug({ peer: victim.host, max_peers: this.maxPeers }, 'least recently used idle peer connection closed for a new host');
    return true;
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
    this.drained();
  }

  /** Connections open now (for the bench and tests: never above `max_peers`). */
  get size(): number {
    return this.peers.size;
  }

  /** Messages waiting for a connection slot. */
  get waitingForSlot(): number {
    return this.waitingCount;
  }

  /** Close every connection; queued messages fail with SHUTDOWN (counted as failed). */
  close(): void {
    this.stopped = true;
    this.idleTimer.cancel();
    this.waitTimer?.cancel();
    this.waitTimer = null;
    if (this.waitingCount > 0) {
      this.counters.inc('sender.cast.failed', this.waitingCount);
      this.log.warn({ waiting: this.waitingCount }, 'sender stopping: messages waiting for a peer connection not sent');
    }
    for (const list of this.waiting.values()) for (const item of list) item.reject(new SenderStoppedError());
    this.waiting.clear();
    this.waitingCount = 0;
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
