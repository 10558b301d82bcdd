/**
 * Outlets: the ipc sockets through which the receiver hands messages to
 * legacy consumers on this host, one per ipc socket name
 * (`zmq_topic_<topic>`, see wire/topic.ts for the naming rules).
 *
 * Each outlet owns a bounded queue and a pump with exactly one `send()` in
 * flight, so a slow or absent consumer of one topic never delays another,
 * and the receive loop only ever enqueues. Three kinds:
 *  - direct (PUSH): bare and directed topics; waits for a consumer to connect.
 *  - fanout (XPUB, seen by consumers as PUB): holds messages for a short
 *    while after creation until a first subscriber joins, instead of the
 *    legacy receiver's global 0.5 s sleep.
 *  - reply (XPUB): a reply is sent only once a subscription matching its
 *    msg_id is present, held up to `replyHoldMs` otherwise, so a caller whose
 *    SUB joins a moment late still gets it.
 */
import { unlink } from 'node:fs/promises';
import * as zmq from 'zeromq';
import type { Logger } from '../log';
import type { CounterCell, Counters } from '../metrics/counters';
import { ipcFileName, topicKind, type TopicKind } from '../wire/topic';
import { ipcEndpoint, ipcPath } from '../wire/endpoints';
import { Fifo } from './queue';

/** Send high-water mark of each ipc socket, in messages (libzmq's default is 1000). */
export const DEFAULT_IPC_SEND_HWM = 1_000;
/** Linger of ipc sockets on close, in milliseconds: time left to flush to connected consumers. */
export const DEFAULT_IPC_LINGER_MS = 1_000;
/**
 * An outlet whose consumer took a message within this many milliseconds is
 * "draining": its queue empties on its own, so the receiver may wait for it
 * (see {@link Outlets.drainingQueuedBytes}) without starving anyone.
 */
export const DEFAULT_DRAINING_WINDOW_MS = 100;

export interface OutletSettings {
  /** `rpc_zmq_ipc_dir`. */
  ipcDir: string;
  /** `rpc_zmq_topic_backlog`: max queued (and held) messages per outlet; null = unlimited. */
  topicBacklog: number | null;
  /** `[zmq_bridge] fanout_hold`, in milliseconds. */
  fanoutHoldMs: number;
  /** `[zmq_bridge] reply_hold`, in milliseconds. */
  replyHoldMs: number;
}

/** A queued message: its frames as received (msg_id and topic are re-read from frames 0 and 1 only for logs). */
type Item = Buffer[];

function itemBytes(item: Item): number {
  let n = 0;
  for (let i = 0; i < item.length; i++) n += item[i]!.length;
  return n;
}

/** Bytes queued in every outlet of one receiver (held replies excluded: they wait for a subscriber, not for the socket). */
export interface QueueTally {
  bytes: number;
}

interface OutletDeps {
  settings: OutletSettings;
  counters: Counters;
  log: Logger;
  context?: zmq.Context;
  /** Shared by all outlets of a receiver. */
  tally: QueueTally;
  /** Called when the outlet could not bind, so the next message creates a fresh one. */
  onFailed(outlet: Outlet): void;
}

/** Short, log-safe form of an untrusted id. */
function safeId(s: string): string {
  return s.length > 64 ? `${s.slice(0, 64)}...` : s;
}

export abstract class Outlet {
  readonly name: string;
  readonly path: string;
  readonly endpoint: string;
  abstract readonly kind: TopicKind;
  /** True once bound: the ipc file exists and belongs to this daemon. */
  bound = false;
  protected closed = false;
  protected readonly queue = new Fifo<Item>();
  protected readonly log: Logger;
  /** Bytes in {@link queue}. */
  queuedBytes = 0;
  /** When a message last left through the socket (Date.now()), 0 if never. */
  lastSentAt = 0;
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
    this.forwarded = deps.counters.cell('receiver.forwarded');
  }

  /** Messages waiting in this outlet (queued and held). */
  pending(): number {
    return this.queue.length;
  }

  /** Bind the ipc socket; runs in the background, messages queue meanwhile. */
  open(): void {
    this.configure();
    this.sock.bind(this.endpoint).then(
      () => {
        if (this.closed) return;
        this.bound = true;
        this.log.debug({ topic: this.name }, 'ipc outlet bound');
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
        this.sock.close();
        this.deps.onFailed(this);
      },
    );
  }

  protected configure(): void {
    this.sock.sendHighWaterMark = DEFAULT_IPC_SEND_HWM;
    this.sock.linger = DEFAULT_IPC_LINGER_MS;
  }

  protected afterBind(): void {}

  /** Queue a message (never blocks). Beyond the backlog it is dropped, counted and logged. */
  enqueue(frames: Buffer[], msgId: string, topic: string): void {
    if (this.closed) return;
    const backlog = this.deps.settings.topicBacklog;
    if (backlog !== null && this.pending() >= backlog) {
      this.deps.counters.inc('receiver.dropped.backlog');
      this.log.warn({ topic, msg_id: safeId(msgId), backlog }, 'topic backlog full (rpc_zmq_topic_backlog): message dropped');
      return;
    }
    this.accept(frames, msgId);
  }

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

  /** Whether the head of the queue may be sent now (fanout hold). */
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
    this.lastSentAt = Date.now();
    this.forwarded.value++;
    this.sendNext();
  };

  private onSendFailed(err: unknown, item: Item): void {
    if (this.closed) {
      this.pumping = false;
      return;
    }
    this.deps.counters.inc('receiver.dropped.send_failed');
    this.log.warn({ err, topic: item[1]!.toString(), msg_id: safeId(item[0]!.toString('latin1')) }, 'ipc send failed: message dropped');
    this.sendNext();
  }

  /** Time for queued messages to leave, then close; the ipc file is removed by the caller. */
  async close(drainMs: number): Promise<void> {
    const until = Date.now() + drainMs;
    while (!this.closed && this.bound && this.queue.length > 0 && this.mayDrainOnClose() && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 10));
    }
    this.closed = true;
    this.dispose();
    const left = this.clearQueue().length;
    if (left) {
      this.deps.counters.inc('receiver.dropped.shutdown', left);
      this.log.warn({ count: left }, 'messages still queued at shutdown were dropped');
    }
    this.sock.close();
  }

  protected mayDrainOnClose(): boolean {
    return true;
  }

  protected dispose(): void {}

  /** Apply new settings (SIGHUP); the backlog applies to the next message. */
  update(settings: OutletSettings): void {
    this.deps.settings = settings;
  }
}

/** PUSH outlet of a bare or directed topic: one consumer among those connected gets each message. */
export class DirectOutlet extends Outlet {
  readonly kind = 'direct' as const;
  protected readonly sock: zmq.Push;

  constructor(topic: string, deps: OutletDeps) {
    super(topic, deps);
    this.sock = new zmq.Push(deps.context ? { context: deps.context } : {});
  }

  protected override mayDrainOnClose(): boolean {
    // Without a connected consumer, a PUSH send waits forever: don't wait for it at shutdown.
    return false;
  }
}

/**
 * Base of the XPUB outlets: reads subscription messages (byte 1 = subscribe,
 * 0 = unsubscribe, then the prefix) to know which prefixes consumers want.
 * XPUB in its default mode passes only the first subscription and the last
 * unsubscription of a prefix, so a set is an exact model.
 */
abstract class SubscribedOutlet extends Outlet {
  protected readonly sock: zmq.XPublisher;
  protected readonly subs = new Set<string>();

  constructor(topic: string, deps: OutletDeps) {
    super(topic, deps);
    this.sock = new zmq.XPublisher(deps.context ? { context: deps.context } : {});
  }

  protected override afterBind(): void {
    void this.watchSubscriptions();
  }

  private async watchSubscriptions(): Promise<void> {
    try {
      for (;;) {
        const [msg] = await this.sock.receive();
        if (!msg || msg.length === 0) continue;
        const prefix = msg.toString('latin1', 1);
        if (msg[0] === 1) {
          this.subs.add(prefix);
          this.onSubscribe(prefix);
        } else if (msg[0] === 0) {
          this.subs.delete(prefix);
        }
      }
    } catch (err) {
      if (!this.closed) this.log.error({ err }, 'subscription watch stopped');
    }
  }

  protected abstract onSubscribe(prefix: string): void;
}

/** Fanout outlet: every subscriber gets every message. */
export class FanoutOutlet extends SubscribedOutlet {
  readonly kind = 'fanout' as const;
  private readonly holdUntil: number;
  private holdTimer: NodeJS.Timeout | null = null;

  constructor(topic: string, deps: OutletDeps) {
    super(topic, deps);
    this.holdUntil = Date.now() + deps.settings.fanoutHoldMs;
  }

  protected override maySend(): boolean {
    if (this.subs.size > 0) return true;
    const now = Date.now();
    if (now >= this.holdUntil) {
      // Past the hold window a fanout without subscribers behaves like the legacy PUB: nobody hears it.
      this.deps.counters.inc('receiver.fanout.unheard');
      return true;
    }
    if (!this.holdTimer) {
      this.holdTimer = setTimeout(() => {
        this.holdTimer = null;
        this.pump();
      }, this.holdUntil - now);
      this.holdTimer.unref();
    }
    return false;
  }

  protected override onSubscribe(): void {
    this.pump();
  }

  protected override mayDrainOnClose(): boolean {
    return this.subs.size > 0;
  }

  protected override dispose(): void {
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = null;
  }
}

interface Held {
  items: Item[];
  timer: NodeJS.Timeout;
}

/** Reply outlet (`zmq_replies.<host>`): sends a reply only when its caller is subscribed. */
export class ReplyOutlet extends SubscribedOutlet {
  readonly kind = 'reply' as const;
  private readonly held = new Map<string, Held>();
  private heldCount = 0;

  override pending(): number {
    return this.queue.length + this.heldCount;
  }

  private subscribed(msgId: string): boolean {
    if (this.subs.has(msgId) || this.subs.has('')) return true;
    for (const p of this.subs) if (msgId.startsWith(p)) return true;
    return false;
  }

  protected override accept(item: Item, msgId: string): void {
    if (this.bound && this.subscribed(msgId)) {
      super.accept(item, msgId);
      return;
    }
    const h = this.held.get(msgId);
    if (h) {
      h.items.push(item);
    } else {
      const timer = setTimeout(() => this.expire(msgId), this.deps.settings.replyHoldMs);
      timer.unref();
      this.held.set(msgId, { items: [item], timer });
    }
    this.heldCount++;
  }

  private expire(msgId: string): void {
    const h = this.held.get(msgId);
    if (!h) return;
    this.held.delete(msgId);
    this.heldCount -= h.items.length;
    this.deps.counters.inc('replies.orphaned', h.items.length);
    this.log.warn(
      { topic: h.items[0]![1]!.toString(), msg_id: safeId(msgId), count: h.items.length, hold_s: this.deps.settings.replyHoldMs / 1000 },
      'reply orphaned: no subscriber for its msg_id within the reply hold',
    );
  }

  private release(match: (msgId: string) => boolean): void {
    for (const [msgId, h] of this.held) {
      if (!match(msgId)) continue;
      clearTimeout(h.timer);
      this.held.delete(msgId);
      this.heldCount -= h.items.length;
      for (const item of h.items) this.put(item);
    }
    this.pump();
  }

  protected override afterBind(): void {
    super.afterBind();
    // Replies that arrived while binding wait for their subscriptions like any other.
    if (this.subs.size) this.release((id) => this.subscribed(id));
  }

  protected override onSubscribe(prefix: string): void {
    if (this.held.size === 0) return;
    if (this.held.has(prefix)) this.release((id) => id === prefix);
    else this.release((id) => id.startsWith(prefix));
  }

  protected override dispose(): void {
    for (const h of this.held.values()) clearTimeout(h.timer);
    if (this.heldCount) {
      this.deps.counters.inc('replies.orphaned', this.heldCount);
      this.log.warn({ count: this.heldCount }, 'replies still held at shutdown were dropped');
    }
    this.held.clear();
    this.heldCount = 0;
  }
}

/** All outlets of one receiver, created lazily by topic. */
export class Outlets {
  /** By wire topic (several fanout topics share one outlet). */
  private readonly byTopic = new Map<string, Outlet>();
  /** By ipc socket name. */
  private readonly byName = new Map<string, Outlet>();
  private settings: OutletSettings;
  private readonly tally: QueueTally = { bytes: 0 };

  constructor(
    settings: OutletSettings,
    private readonly counters: Counters,
    private readonly log: Logger,
    private readonly context?: zmq.Context,
  ) {
    this.settings = settings;
  }

  /** The outlet of a (validated) topic, created and bound in the background on first use. */
  get(topic: string): Outlet {
    const known = this.byTopic.get(topic);
    if (known) return known;
    const name = ipcFileName(topic);
    let outlet = this.byName.get(name);
    if (!outlet) {
      const deps: OutletDeps = {
        settings: this.settings,
        counters: this.counters,
        log: this.log,
        context: this.context,
        tally: this.tally,
        onFailed: (o) => this.forget(o),
      };
      const kind = topicKind(topic);
      outlet = kind === 'fanout' ? new FanoutOutlet(topic, deps) : kind === 'reply' ? new ReplyOutlet(topic, deps) : new DirectOutlet(topic, deps);
      this.byName.set(name, outlet);
      this.counters.inc('receiver.outlets.created');
      outlet.open();
    }
    this.byTopic.set(topic, outlet);
    return outlet;
  }

  private forget(outlet: Outlet): void {
    if (this.byName.get(outlet.name) === outlet) this.byName.delete(outlet.name);
    for (const [t, o] of this.byTopic) if (o === outlet) this.byTopic.delete(t);
  }

  /** Bytes queued in all outlets (held replies excluded). */
  get queuedBytes(): number {
    return this.tally.bytes;
  }

  /**
   * Bytes queued in outlets whose consumers are taking messages now: what
   * will drain by itself if the receiver waits. Outlets without a live
   * consumer (none connected, fanout hold, stuck) are left out, so waiting
   * never hinges on them.
   */
  drainingQueuedBytes(now = Date.now()): number {
    let n = 0;
    for (const o of this.byName.values()) if (o.draining(now)) n += o.queuedBytes;
    return n;
  }

  /** Whether a topic already has an outlet (and so was already validated). */
  has(topic: string): boolean {
    return this.byTopic.has(topic);
  }

  /** Every live outlet. */
  list(): Outlet[] {
    return [...this.byName.values()];
  }

  update(settings: OutletSettings): void {
    this.settings = settings;
    for (const o of this.byName.values()) o.update(settings);
  }

  /** Close every outlet and remove the ipc files this daemon bound. */
  async closeAll(drainMs: number): Promise<void> {
    const all = this.list();
    this.byName.clear();
    this.byTopic.clear();
    await Promise.all(all.map((o) => o.close(drainMs)));
    await Promise.all(
      all
        .filter((o) => o.bound)
        .map(async (o) => {
          try {
            await unlink(o.path);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.log.warn({ err, path: o.path }, 'cannot remove ipc file');
          }
        }),
    );
  }
}
