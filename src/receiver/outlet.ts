/**
 * An outlet: one ipc socket through which the receiver hands messages to the
 * legacy consumers of a topic on this host (`zmq_topic_<topic>`, see
 * wire/topic.ts for the naming rules).
 *
 * Each outlet owns a bounded queue and a pump with exactly one `send()` in
 * flight (zeromq.js allows no more per socket), so a slow or absent consumer
 * of one topic never delays another, and the receive loop only ever
 * enqueues. The kinds differ in their socket and in when the head of the
 * queue may leave: direct-outlet.ts, fanout-outlet.ts, reply-outlet.ts.
 */
import * as zmq from 'zeromq';
import type { Logger } from '../log';
import type { CounterCell, Counters } from '../metrics/counters';
import type { Clock } from '../time/clock';
import { ipcFileName, type TopicKind } from '../wire/topic';
import { ipcEndpoint, ipcPath } from '../wire/endpoints';
import type { LogLimiter } from '../util/log-limiter';
import { Fifo } from './queue';
import { applyFileAccess, type FileAccess } from '../security/file-access';
import type { BudgetedOutlet, QueueTally } from './queue-budget';

/** Send high-water mark of each ipc socket, in messages (libzmq's default is 1000). */
export const DEFAULT_IPC_SEND_HWM = 1_000;
/** Linger of ipc sockets on close, in milliseconds: time left to flush to connected consumers. */
export const DEFAULT_IPC_LINGER_MS = 1_000;
/**
 * An outlet whose consumer took a message within this many milliseconds is
 * "draining": its queue empties on its own, so the receiver may wait for it
 * (see Outlets.drainingQueuedBytes) without starving anyone.
 */
export const DEFAULT_DRAINING_WINDOW_MS = 100;
/**
 * Largest frame an ipc outlet reads from its consumers, in bytes (libzmq
 * ZMQ_MAXMSGSIZE): XPUB outlets read subscriptions (a msg_id prefix), PUSH
 * outlets nothing; a local process must not make libzmq allocate more.
 */
export const DEFAULT_IPC_MAX_INBOUND_BYTES = 64 * 1024;
/** While stopping, how often an outlet looks again whether its queue has left, in milliseconds. */
export const DEFAULT_CLOSE_POLL_MS = 10;

export interface OutletSettings {
  /** `rpc_zmq_ipc_dir`. */
  ipcDir: string;
  /** `rpc_zmq_topic_backlog`: max queued (and held) messages per outlet; null = unlimited. */
  topicBacklog: number | null;
  /** `[zmq_bridge] fanout_hold`, in milliseconds. */
  fanoutHoldMs: number;
  /** `[zmq_bridge] reply_hold`, in milliseconds. */
  replyHoldMs: number;
  /** `[zmq_bridge] topic_queue_bytes`: bytes one outlet may hold (queued and held). */
  topicQueueBytes: number;
  /** `[zmq_bridge] queue_bytes`: bytes all outlets of the receiver may hold together. */
  queueBytes: number;
}

/** A queued message: its frames as received (msg_id and topic are re-read from frames 0 and 1 only for logs). */
export type Item = Buffer[];

export function itemBytes(item: Item): number {
  let n = 0;
  for (let i = 0; i < item.length; i++) n += item[i]!.length;
  return n;
}

/** Short, log-safe form of an untrusted id. */
export function safeId(s: string): string {
  return s.length > 64 ? `${s.slice(0, 64)}...` : s;
}

export type { QueueTally } from './queue-budget';

/** What every outlet of one receiver shares. */
export interface OutletDeps {
  settings: OutletSettings;
  counters: Counters;
  log: Logger;
  context?: zmq.Context;
  /** Time for holds, the draining window and the shutdown drain. */
  clock: Clock;
  /** Bytes held by all outlets of a receiver, and the global budget's evictions; shared by them. */
  tally: QueueTally;
  /** Group and mode of the ipc socket file once bound; the umask's when absent. */
  fileAccess?: FileAccess;
  /** Thins the warnings that input can repeat (drops, failed sends): shared by the receiver's parts. */
  limiter: LogLimiter;
  /** Called when the outlet could not bind, so the next message creates a fresh one. */
  onFailed(outlet: Outlet): void;
}

export abstract class Outlet implements BudgetedOutlet {
  readonly name: string;
  readonly path: string;
  readonly endpoint: string;
  abstract readonly kind: TopicKind;
  /** True once bound: the ipc file exists and belongs to this daemon. */
  bound = false;
  /** Settles once the bind is done, either way (a close during the bind still leaves a file to remove). */
  private bindDone: Promise<void> = Promise.resolve();
  protected closed = false;
  protected readonly queue = new Fifo<Item>();
  protected readonly log: Logger;
  protected readonly clock: Clock;
  /** Bytes in {@link queue}. */
  queuedBytes = 0;
  /** When a message last left through the socket (clock time), 0 if never. */
  lastSentAt = 0;
  /** When the outlet was made (clock time): a new outlet is not idle yet. */
  readonly createdAt: number;
  private pumping = false;
  private readonly forwarded: CounterCell;
  protected abstract readonly sock: zmq.Push | zmq.XPublisher;

  constructor(
    topic: string,
    protected readonly deps: OutletDeps,
  ) {
    this.name = ipcFileName(topic);
    this.path = ipcPath(deps.settings.ipcDir, topic);
    this.endpoint = ipcEndpoint(deps.settings.ipcDir, topic);
    this.log = deps.log.child({ ipc: this.name });
    this.clock = deps.clock;
    this.createdAt = deps.clock.now();
    this.forwarded = deps.counters.cell('receiver.forwarded');
    deps.tally.track(this);
  }

  /** Bytes this outlet holds: its queue, plus held replies for the reply outlet. */
  heldBytes(): number {
    return this.queuedBytes;
  }

  /**
   * Whether closing the outlet now would lose something: messages queued
   * or held, or a send in flight. An outlet that is not busy may be closed
   * (idle, or to make room at the cap) without dropping anything.
   */
  get busy(): boolean {
    return this.pumping || this.pending() > 0;
  }

  /** Clock time of the outlet's last activity: its last send, or its creation. */
  get lastActiveAt(): number {
    return Math.max(this.lastSentAt, this.createdAt);
  }

  /** Messages waiting in this outlet (queued, and for replies held). */
  pending(): number {
    return this.queue.length;
  }

  /**
   * Bind the ipc socket; runs in the background, messages queue meanwhile.
   * `after`: the close of this name's previous outlet, whose file must be
   * gone before this one binds (removing it later would remove ours).
   */
  open(after?: Promise<void>): void {
    this.configure();
    const binding = after ? after.then(() => this.bindSocket()) : this.bindSocket();
    this.bindDone = binding.then(
      () => undefined,
      () => undefined,
    );
    binding.then(
      () => {
        // Bound, even if closed meanwhile: the file is ours to remove.
        if (this.bindStarted) this.bound = true;
        if (this.closed) return;
        this.log.debug({ topic: this.name }, 'ipc outlet bound');
        // The ipc dir (mode 0750, ipc group) keeps others out meanwhile.
        if (this.deps.fileAccess) {
          applyFileAccess(this.path, this.deps.fileAccess).catch((err: unknown) => {
            this.deps.counters.inc('security.ipc.access_failed');
            this.log.error({ err, path: this.path }, 'cannot set the group and mode of an ipc socket file (ipc_group, ipc_mode)');
          });
        }
        this.afterBind();
        this.pump();
      },
      (err: unknown) => {
        if (this.closed) return;
        this.log.error({ err, path: this.path }, 'cannot bind ipc outlet; dropping its queued messages');
        this.deps.counters.inc('receiver.outlet.bind_failed');
        const lost = this.clearQueue().length;
        if (lost) this.deps.counters.inc('receiver.dropped.outlet_failed', lost);
        this.closed = true;
        this.deps.tally.untrack(this);
        this.sock.close();
        this.deps.onFailed(this);
      },
    );
  }

  /** Whether the socket's bind was started (a close before that leaves no file). */
  private bindStarted = false;

  private bindSocket(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.bindStarted = true;
    return this.sock.bind(this.endpoint);
  }

  /** Resolves once the bind finished or failed: {@link bound} is final then. */
  settled(): Promise<void> {
    return this.bindDone;
  }

  protected configure(): void {
    this.sock.sendHighWaterMark = DEFAULT_IPC_SEND_HWM;
    this.sock.linger = DEFAULT_IPC_LINGER_MS;
    this.sock.maxMessageSize = DEFAULT_IPC_MAX_INBOUND_BYTES;
  }

  /** Hook for the XPUB kinds, which start watching subscriptions once bound. */
  protected afterBind(): void {}

  /**
   * Queue a message (never blocks). Beyond the topic's backlog or byte
   * budget it is dropped; past the global budget room is made by dropping
   * the oldest messages of the fullest outlet (see queue-budget.ts). Every
   * drop is counted; the warnings are thinned per reason and outlet.
   */
  enqueue(frames: Buffer[], msgId: string, topic: string): void {
    if (this.closed) return;
    const { counters, settings, tally } = this.deps;
    const backlog = settings.topicBacklog;
    if (backlog !== null && this.pending() >= backlog) {
      counters.inc('receiver.dropped.backlog');
      this.dropWarning('backlog', { topic, msg_id: safeId(msgId), backlog }, 'topic backlog full (rpc_zmq_topic_backlog): message dropped');
      return;
    }
    const n = itemBytes(frames);
    const mine = this.heldBytes();
    if (mine > 0 && mine + n > settings.topicQueueBytes) {
      counters.inc('receiver.dropped.topic_bytes');
      this.dropWarning('topic_bytes', { topic, msg_id: safeId(msgId), held_bytes: mine, topic_queue_bytes: settings.topicQueueBytes }, 'topic holds its byte budget (topic_queue_bytes): message dropped');
      return;
    }
    if (tally.total + n > settings.queueBytes && !tally.makeRoom(n, settings.queueBytes, this)) {
      counters.inc('receiver.dropped.queue_bytes');
      this.dropWarning('queue_bytes', { topic, msg_id: safeId(msgId), held_bytes: mine, queue_bytes: settings.queueBytes }, 'outlets hold their byte budget (queue_bytes) and this topic holds the most: message dropped');
      return;
    }
    this.accept(frames, msgId);
  }

  /** Drop the oldest queued message to make room under the global budget; the bytes freed (0 when the queue is empty). */
  evictOldest(): number {
    const item = this.queue.shift();
    if (item === undefined) return 0;
    const n = itemBytes(item);
    this.queuedBytes -= n;
    this.deps.tally.bytes -= n;
    this.countEviction(item);
    return n;
  }

  /** One message dropped by the global budget to make room for another topic's. */
  protected countEviction(item: Item): void {
    this.deps.counters.inc('receiver.dropped.queue_bytes');
    this.dropWarning(
      'queue_bytes',
      { topic: safeId(item[1]!.toString()), msg_id: safeId(item[0]!.toString('latin1')), held_bytes: this.heldBytes(), queue_bytes: this.deps.settings.queueBytes },
      'outlets hold their byte budget (queue_bytes): oldest message of the fullest topic dropped',
    );
  }

  /** A warning about a dropped message: at most one per reason and outlet per interval. */
  protected dropWarning(reason: string, fields: Record<string, unknown>, msg: string): void {
    this.deps.limiter.warn(this.log, reason, this.name, fields, msg);
  }

  /** Where a message within the backlog goes: the send queue, unless a kind holds it back first. */
  protected accept(item: Item, _msgId: string): void {
    this.put(item);
    this.pump();
  }

  /** Queue an item, keeping the byte tallies. */
  protected put(item: Item): void {
    const n = itemBytes(item);
    this.queuedBytes += n;
    this.deps.tally.bytes += n;
    this.queue.push(item);
  }

  private clearQueue(): Item[] {
    const rest = this.queue.clear();
    this.deps.tally.bytes -= this.queuedBytes;
    this.queuedBytes = 0;
    return rest;
  }

  /** Whether this outlet's consumer is taking messages now (a send completed within `windowMs`). */
  draining(now: number, windowMs = DEFAULT_DRAINING_WINDOW_MS): boolean {
    return this.queue.length > 0 && now - this.lastSentAt <= windowMs;
  }

  /** Whether the head of the queue may be sent now (the fanout hold says no while it waits for a subscriber). */
  protected maySend(): boolean {
    return true;
  }

  protected pump(): void {
    if (this.pumping || !this.bound || this.closed) return;
    this.pumping = true;
    this.sendNext();
  }

  /**
   * One send in flight per socket: send the head, continue when ZeroMQ took
   * it. Callbacks rather than an async loop keep the per-message cost to the
   * promise zeromq.js returns.
   */
  private sendNext(): void {
    if (this.closed || this.queue.length === 0 || !this.maySend()) {
      this.pumping = false;
      return;
    }
    const item = this.queue.shift()!;
    const n = itemBytes(item);
    this.queuedBytes -= n;
    this.deps.tally.bytes -= n;
    let sent: Promise<void>;
    try {
      sent = this.sock.send(item);
    } catch (err) {
      sent = Promise.reject(err);
    }
    sent.then(this.onSent, (err: unknown) => this.onSendFailed(err, item));
  }

  private readonly onSent = (): void => {
    this.lastSentAt = this.clock.now();
    this.forwarded.value++;
    this.sendNext();
  };

  private onSendFailed(err: unknown, item: Item): void {
    if (this.closed) {
      this.pumping = false;
      return;
    }
    this.deps.counters.inc('receiver.dropped.send_failed');
    this.dropWarning('send_failed', { err, topic: safeId(item[1]!.toString()), msg_id: safeId(item[0]!.toString('latin1')) }, 'ipc send failed: message dropped');
    this.sendNext();
  }

  /**
   * Give queued messages up to `drainMs` (clock time) to leave, then close;
   * the ipc file is removed by the caller. What is still queued then is
   * dropped, counted as a shutdown's or an eviction's (`why`). Under a manual clock the wait
   * ends when the queue empties or the test advances past `drainMs`.
   */
  async close(drainMs: number, why: 'shutdown' | 'evicted' = 'shutdown'): Promise<void> {
    const until = this.clock.now() + drainMs;
    while (!this.closed && this.bound && this.queue.length > 0 && this.mayDrainOnClose() && this.clock.now() < until) {
      await new Promise<void>((r) => this.clock.setTimeout(r, DEFAULT_CLOSE_POLL_MS));
    }
    this.closed = true;
    this.dispose();
    this.deps.tally.untrack(this);
    const left = this.clearQueue().length;
    if (left && why === 'shutdown') {
      this.deps.counters.inc('receiver.dropped.shutdown', left);
      this.log.warn({ count: left }, 'messages still queued at shutdown were dropped');
    } else if (left) {
      this.deps.counters.inc('receiver.dropped.outlet_evicted', left);
      this.log.warn({ count: left }, 'messages nobody took were dropped with their outlet, closed to make room');
    }
    this.sock.close();
  }

  /** Whether waiting at shutdown can help: only if someone may still take the queue. */
  protected mayDrainOnClose(): boolean {
    return true;
  }

  /** Release what a kind holds beyond the queue (timers, held replies), once closed. */
  protected dispose(): void {}

  /** Apply new settings (SIGHUP); the backlog applies to the next message. */
  update(settings: OutletSettings): void {
    this.deps.settings = settings;
  }
}
