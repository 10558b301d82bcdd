/**
 * The outlets of one receiver, by topic: created lazily on a topic's first
 * forwarded message, removed (with their ipc files) when the receiver stops.
 * As the router's `outlets` stage it takes every message no claim stage
 * kept, and every fanout.
 *
 * Also the receiver's view of its queues for the queue budget: bytes queued
 * in all outlets, and in those whose consumers are draining them.
 */
import { unlink } from 'node:fs/promises';
import type * as zmq from 'zeromq';
import type { Logger } from '../log';
import type { Counters } from '../metrics/counters';
import { systemClock, type Clock } from '../time/clock';
import { ipcFileName, topicKind } from '../wire/topic';
import type { Outlet, OutletDeps, OutletSettings } from './outlet';
import { QueueTally } from './queue-budget';
import type { LogLimiter } from '../util/log-limiter';
import { DirectOutlet } from './direct-outlet';
import { FanoutOutlet } from './fanout-outlet';
import { ReplyOutlet } from './reply-outlet';
import type { ForwardStage } from './router';

export interface OutletsOptions {
  settings: OutletSettings;
  counters: Counters;
  /** The receiver's outlets logger; each outlet adds its ipc name. */
  log: Logger;
  /** ZeroMQ context of the ipc sockets. */
  context?: zmq.Context;
  /** Time for the holds, the draining window and the shutdown drain (default: the system clock). */
  clock?: Clock;
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
  private readonly tally = new QueueTally();
  private readonly limiter: LogLimiter;

  constructor(opts: OutletsOptions) {
    this.settings = opts.settings;
    this.counters = opts.counters;
    this.log = opts.log;
    this.context = opts.context;
    this.clock = opts.clock ?? systemClock;
    this.limiter = opts.limiter;
  }

  /**
   * Hand a message to its topic's legacy consumers (the router's last
   * stage). Runs for every forwarded message: kept this small, with the
   * creation of an outlet out of line, so V8 inlines it into the router.
   */
  forward(frames: Buffer[], topic: string, msgId: string): void {
    (this.byTopic.get(topic) ?? this.create(topic)).enqueue(frames, msgId, topic);
  }

  /** The outlet of a (validated) topic, created and bound in the background on first use. */
  get(topic: string): Outlet {
    return this.byTopic.get(topic) ?? this.create(topic);
  }

  /** A topic's first message: find the outlet of its ipc name (fanout topics share one) or make one. */
  private create(topic: string): Outlet {
    const name = ipcFileName(topic);
    let outlet = this.byName.get(name);
    if (!outlet) {
      const deps: OutletDeps = {
        settings: this.settings,
        counters: this.counters,
        log: this.log,
        context: this.context,
        clock: this.clock,
        tally: this.tally,
        limiter: this.limiter,
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

  /** Drop an outlet that could not bind, so the next message of its topic builds a fresh one. */
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
