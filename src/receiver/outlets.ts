/**
 * The outlets of one receiver, by topic: created lazily on a topic's first
 * forwarded message, removed (with their ipc files) when the receiver stops.
 * As the router's `outlets` stage it takes every message no claim stage
 * kept, and every fanout.
 *
 * Their lifecycle keeps sockets and files bounded whatever topics peers
 * send (docs/scale.md): an outlet idle for `[zmq_bridge]
 * ipc_outlet_idle_timeout` is closed and its file removed; at
 * `max_ipc_outlets` the least recently active outlet with nothing queued is
 * closed to make room. When every outlet holds messages, the one whose
 * consumer took nothing for the idle timeout (stuck: nobody reads it) is
 * closed with its queue (`receiver.dropped.outlet_evicted`) - so topics that
 * nobody consumes cannot lock new topics out for good - and failing that, a
 * new topic's message is dropped and counted (`receiver.dropped.outlet_limit`). Legacy
 * consumers of a closed outlet reconnect by themselves once it is bound
 * again (ZeroMQ retries its ipc connect), so closing one loses nothing.
 * A socket libzmq refuses to create (EMFILE) is counted the same way,
 * never thrown into the receive loop.
 *
 * Also the receiver's view of its queues for the queue budget: bytes queued
 * in all outlets, and in those whose consumers are draining them.
 */
import { unlink } from 'node:fs/promises';
import type * as zmq from 'zeromq';
import type { Logger } from '../log';
import type { Counters } from '../metrics/counters';
import { systemClock, type Clock, type Timer } from '../time/clock';
import { DEFAULT_IPC_OUTLET_IDLE_S, DEFAULT_MAX_IPC_OUTLETS } from '../config/options';
import { ipcFileName, topicKind } from '../wire/topic';
import { safeId, type Outlet, type OutletDeps, type OutletSettings } from './outlet';
import { QueueTally } from './queue-budget';
import type { LogLimiter } from '../util/log-limiter';
import { DirectOutlet } from './direct-outlet';
import { FanoutOutlet } from './fanout-outlet';
import { ReplyOutlet } from './reply-outlet';
import type { ForwardStage } from './router';
import type { FileAccess } from '../security/file-access';

/** Idle outlets are looked for every quarter of the idle time, but not more often than this many milliseconds. */
export const MIN_OUTLET_SWEEP_MS = 1_000;

export interface OutletsOptions {
  settings: OutletSettings;
  counters: Counters;
  /** The receiver's outlets logger; each outlet adds its ipc name. */
  log: Logger;
  /** ZeroMQ context of the ipc sockets. */
  context?: zmq.Context;
  /** Time for the holds, the draining window, idle closes and the shutdown drain (default: the system clock). */
  clock?: Clock;
  /** Group and mode of each ipc socket file once bound; the umask's when absent. */
  fileAccess?: FileAccess;
  /** `[zmq_bridge] max_ipc_outlets` (possibly lowered by the socket budget); default {@link DEFAULT_MAX_IPC_OUTLETS}. */
  maxOutlets?: number;
  /** `[zmq_bridge] ipc_outlet_idle_timeout` in milliseconds. */
  idleMs?: number;
  /** The receiver's log limiter (warnings about dropped messages). */
  limiter: LogLimiter;
}

export class Outlets implements ForwardStage {
  readonly name = 'outlets';
  /** By wire topic (several fanout topics share one outlet). */
  private readonly byTopic = new Map<string, Outlet>();
  /** By ipc socket name. */
  private readonly byName = new Map<string, Outlet>();
  private settings: OutletSettings;
  private readonly counters: Counters;
  private readonly log: Logger;
  private readonly context?: zmq.Context;
  private readonly clock: Clock;
  private readonly fileAccess?: FileAccess;
  private readonly tally = new QueueTally();
  /** The wire topics each outlet serves (several for a fanout outlet), to unmap them when it closes. */
  private readonly topicsOf = new Map<Outlet, string[]>();
  /** Closes still removing their ipc file, by ipc name: a new outlet of that name binds after. */
  private readonly closing = new Map<string, Promise<void>>();
  private readonly maxOutlets: number;
  private readonly idleMs: number;
  private readonly idleTimer: Timer;
  private stopped = false;
  private readonly limiter: LogLimiter;

  constructor(opts: OutletsOptions) {
    this.settings = opts.settings;
    this.counters = opts.counters;
    this.log = opts.log;
    this.context = opts.context;
    this.clock = opts.clock ?? systemClock;
    this.fileAccess = opts.fileAccess;
    this.maxOutlets = Math.max(1, opts.maxOutlets ?? DEFAULT_MAX_IPC_OUTLETS);
    this.idleMs = opts.idleMs ?? DEFAULT_IPC_OUTLET_IDLE_S * 1000;
    // Housekeeping only: never what keeps the process alive.
    this.idleTimer = this.clock.setTimeout(
      () => {
        this.closeIdle();
        if (!this.stopped) this.idleTimer.refresh();
      },
      Math.max(MIN_OUTLET_SWEEP_MS, Math.floor(this.idleMs / 4)),
      { ref: false },
    );
    this.limiter = opts.limiter;
  }

  /**
   * Hand a message to its topic's legacy consumers (the router's last
   * stage). Runs for every forwarded message: kept this small, with the
   * creation of an outlet out of line, so V8 inlines it into the router.
   */
  forward(frames: Buffer[], topic: string, msgId: string): void {
    const outlet = this.byTopic.get(topic) ?? this.create(topic);
    if (outlet !== null) outlet.enqueue(frames, msgId, topic);
  }

  /** The outlet of a (validated) topic, created and bound in the background on first use; null when refused at the cap. */
  get(topic: string): Outlet | null {
    return this.byTopic.get(topic) ?? this.create(topic);
  }

  /**
   * A topic's first message: find the outlet of its ipc name (fanout topics
   * share one) or make one, making room at the cap. Null when no room can
   * be made: the message is dropped and counted.
   */
  private create(topic: string): Outlet | null {
    const name = ipcFileName(topic);
    let outlet = this.byName.get(name);
    if (!outlet) {
      if (this.stopped) {
        this.counters.inc('receiver.dropped.shutdown');
        return null;
      }
      if (this.byName.size >= this.maxOutlets && !this.evictOne()) {
        return this.refuse(topic, `all ${this.maxOutlets} ipc outlets (max_ipc_outlets) hold messages`);
      }
      const deps: OutletDeps = {
        settings: this.settings,
        counters: this.counters,
        log: this.log,
        context: this.context,
        clock: this.clock,
        tally: this.tally,
        fileAccess: this.fileAccess,
        limiter: this.limiter,
        onFailed: (o) => this.forget(o),
      };
      const kind = topicKind(topic);
      try {
        outlet = kind === 'fanout' ? new FanoutOutlet(topic, deps) : kind === 'reply' ? new ReplyOutlet(topic, deps) : new DirectOutlet(topic, deps);
      } catch (err) {
        this.counters.inc('receiver.outlets.open_failed');
        this.log.error({ err, open: this.byName.size }, 'cannot create an ipc outlet socket (out of sockets or file descriptors)');
        return this.refuse(topic, 'libzmq refused another socket');
      }
      this.byName.set(name, outlet);
      this.topicsOf.set(outlet, []);
      this.counters.inc('receiver.outlets.created');
      outlet.open(this.closing.get(name));
    }
    this.byTopic.set(topic, outlet);
    this.topicsOf.get(outlet)?.push(topic);
    return outlet;
  }

  /** A message for a topic that gets no outlet: counted and logged, never thrown into the receive loop. */
  private refuse(topic: string, why: string): null {
    this.counters.inc('receiver.dropped.outlet_limit');
    this.log.warn(
      { topic: safeId(topic), why, max_ipc_outlets: this.maxOutlets, dropped_total: this.counters.get('receiver.dropped.outlet_limit') },
      'no ipc outlet for the topic: message dropped',
    );
    return null;
  }

  /**
   * Make room at the cap: close the least recently active outlet that holds
   * nothing, else the least recently active one that sent nothing for the
   * idle time (its queue is dropped and counted).
   */
  private evictOne(): boolean {
    const staleBefore = this.clock.now() - this.idleMs;
    let idle: Outlet | null = null;
    let stuck: Outlet | null = null;
    for (const o of this.byName.values()) {
      const at = o.lastActiveAt;
      if (!o.busy) {
        if (!idle || at < idle.lastActiveAt) idle = o;
      } else if (at <= staleBefore && (!stuck || at < stuck.lastActiveAt)) {
        stuck = o;
      }
    }
    const victim = idle ?? stuck;
    if (!victim) return false;
    this.retire(victim);
    this.counters.inc('receiver.outlets.evicted');
    if (victim === stuck) {
      this.log.warn({ ipc: victim.name, queued: victim.pending(), max_ipc_outlets: this.maxOutlets }, 'ipc outlet nobody read for the idle time closed with its queue to make room for a new topic');
    } else {
      this.log.debug({ ipc: victim.name, max_ipc_outlets: this.maxOutlets }, 'least recently active ipc outlet closed to make room');
    }
    return true;
  }

  /** Close outlets without activity for the idle time that hold nothing. */
  private closeIdle(): void {
    const now = this.clock.now();
    for (const o of [...this.byName.values()]) {
      if (o.busy || now - o.lastActiveAt < this.idleMs) continue;
      this.retire(o);
      this.counters.inc('receiver.outlets.closed_idle');
      this.log.debug({ ipc: o.name }, 'idle ipc outlet closed');
    }
  }

  /**
   * Unmap an outlet, close it and remove its ipc file. Until the file is
   * gone a new outlet of the same name waits (see {@link create}); libzmq
   * itself leaves the file behind on close.
   */
  private retire(outlet: Outlet): void {
    this.forget(outlet);
    // Idle outlets hold nothing; a stuck one's queue is dropped here, and counted as such.
    const done = outlet
      .close(0, 'evicted')
      .then(() => outlet.settled())
      .then(() => (outlet.bound ? this.unlinkFile(outlet.path) : undefined));
    this.closing.set(outlet.name, done);
    void done.finally(() => {
      if (this.closing.get(outlet.name) === done) this.closing.delete(outlet.name);
    });
  }

  private async unlinkFile(path: string): Promise<void> {
    try {
      await unlink(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.log.warn({ err, path }, 'cannot remove ipc file');
    }
  }

  /** Unmap an outlet (closed, or failed to bind), so the next message of its topic builds a fresh one. */
  private forget(outlet: Outlet): void {
    if (this.byName.get(outlet.name) === outlet) this.byName.delete(outlet.name);
    for (const t of this.topicsOf.get(outlet) ?? []) if (this.byTopic.get(t) === outlet) this.byTopic.delete(t);
    this.topicsOf.delete(outlet);
  }

  /** Outlets open now (never above `max_ipc_outlets`). */
  get size(): number {
    return this.byName.size;
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
  drainingQueuedBytes(now = this.clock.now()): number {
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

  /** Apply new settings (SIGHUP) to every outlet and to those made later. */
  update(settings: OutletSettings): void {
    this.settings = settings;
    for (const o of this.byName.values()) o.update(settings);
  }

  /** Close every outlet and remove the ipc files this daemon bound. */
  async closeAll(drainMs: number): Promise<void> {
    this.stopped = true;
    this.idleTimer.cancel();
    const all = this.list();
    this.byName.clear();
    this.byTopic.clear();
    this.topicsOf.clear();
    await Promise.all(all.map((o) => o.close(drainMs)));
    await Promise.all(all.map((o) => o.settled()));
    await Promise.all(all.filter((o) => o.bound).map((o) => this.unlinkFile(o.path)));
    await Promise.all([...this.closing.values()]);
  }
}
