/**
 * The shims' listeners on this host, as a receiver sink. Delivery rules are
 * in docs/local-api.md: `T.S` goes to a listener of `T` with server `S`
 * first, else to any listener of `T` (round-robin); `fanout~T...` to every
 * listener of `T`; notifications to one listener per pool. The envelope is
 * unwrapped for the shim (a call's inner request with `reply_to`).
 * The matchmaker learns about a topic when its first listener appears and
 * forgets it when the last one goes.
 */
import type { Logger } from '../log';
import type { Counters } from '../metrics/counters';
import type { Matchmaker } from '../matchmaker/types';
import type { InboundMessage, LocalSink } from '../receiver/sink';
import { classifyMessage, parseFrames, STYLE_HEARTBEAT, STYLE_HEARTBEAT_BYTES } from '../wire/envelope';
import { fanoutBase, REPLY_PREFIX, splitDirected, topicKind } from '../wire/topic';
import type { Delivery } from './protocol';


/** Whoever receives deliveries for a listener (a local API session). */
export interface ListenerOwner {
  readonly id: number;
  deliver(frame: Delivery): void;
}

interface Listener {
  owner: ListenerOwner;
  lid: number;
  kind: 'rpc' | 'notify';
  /** Wire base topic, exchange-qualified (`compute`, `E:compute`, `notifications-info`). */
  key: string;
  server: string | null;
  pool: string | null;
}

/** Listeners of one wire base topic, with a round-robin cursor. */
class Group {
  readonly all: Listener[] = [];
  /** Round-robin cursors, one per candidate set (a server name, a pool, or all). */
  private readonly rr = new Map<string, number>();
  pick(list: Listener[], cursor = ''): Listener {
    const n = this.rr.get(cursor) ?? 0;
    this.rr.set(cursor, n + 1);
    return list[n % list.length]!;
  }
}

export interface RegistryOptions {
  /** `rpc_zmq_host`: registered with the matchmaker for each topic listened to. */
  host: string;
  matchmaker: Matchmaker;
  log: Logger;
  counters: Counters;
}

export class ListenerRegistry implements LocalSink {
  readonly name = 'listeners';
  private readonly rpc = new Map<string, Group>();
  private readonly notify = new Map<string, Group>();
  private readonly byOwner = new Map<number, Map<number, Listener>>();
  private readonly log: Logger;
  private readonly counters: Counters;

  constructor(private readonly opts: RegistryOptions) {
    this.log = opts.log;
    this.counters = opts.counters;
  }

  /** Number of listeners (all owners). */
  get size(): number {
    let n = 0;
    for (const m of this.byOwner.values()) n += m.size;
    return n;
  }

  /** Add a listener; resolves once the matchmaker knows the topic. A reused lid replaces the old listener. */
  async add(owner: ListenerOwner, lid: number, spec: { kind: 'rpc' | 'notify'; key: string; server: string | null; pool: string | null }): Promise<void> {
    if (this.byOwner.get(owner.id)?.has(lid)) await this.remove(owner, lid);
    const l: Listener = { owner, lid, ...spec };
    const groups = spec.kind === 'rpc' ? this.rpc : this.notify;
    let g = groups.get(spec.key);
    if (!g) groups.set(spec.key, (g = new Group()));
    g.all.push(l);
    let mine = this.byOwner.get(owner.id);
    if (!mine) this.byOwner.set(owner.id, (mine = new Map()));
    mine.set(lid, l);
    this.counters.inc('localapi.listeners.added');
    this.log.debug({ topic: spec.key, lid, session: owner.id, server: spec.server, kind: spec.kind }, 'listener added');
    if (!this.keyInUse(spec.key, l)) await this.opts.matchmaker.register(spec.key, this.opts.host);
  }

  /** Remove one listener; returns false when unknown. */
  async remove(owner: ListenerOwner, lid: number): Promise<boolean> {
    const l = this.byOwner.get(owner.id)?.get(lid);
    if (!l) return false;
    this.byOwner.get(owner.id)!.delete(lid);
    await this.detach(l);
    return true;
  }

  /** Remove every listener of an owner (its connection closed). Never throws. */
  removeOwner(owner: ListenerOwner): void {
    const mine = this.byOwner.get(owner.id);
    if (!mine) return;
    this.byOwner.delete(owner.id);
    for (const l of mine.values()) {
      this.detach(l).catch((err) => this.log.error({ err, topic: l.key }, 'matchmaker unregister failed'));
    }
  }

  private keyInUse(key: string, except: Listener): boolean {
    for (const groups of [this.rpc, this.notify]) {
      const g = groups.get(key);
      if (g && g.all.some((x) => x !== except)) return true;
    }
    return false;
  }

  private async detach(l: Listener): Promise<void> {
    const groups = l.kind === 'rpc' ? this.rpc : this.notify;
    const g = groups.get(l.key);
    if (g) {
      const i = g.all.indexOf(l);
      if (i >= 0) g.all.splice(i, 1);
      if (g.all.length === 0) groups.delete(l.key);
    }
    this.counters.inc('localapi.listeners.removed');
    if (!this.keyInUse(l.key, l)) await this.opts.matchmaker.unregister(l.key, this.opts.host);
  }

  offer(msg: InboundMessage): boolean {
    // No shim listens on this host: nothing to look at (the receiver's hot path).
    if (this.rpc.size === 0 && this.notify.size === 0) return false;
    const kind = topicKind(msg.topic);
    if (kind === 'reply' || msg.topic.startsWith(REPLY_PREFIX)) return false;
    const style = msg.frames[2];
    if (style !== undefined && style.length === STYLE_HEARTBEAT_BYTES.length && style.equals(STYLE_HEARTBEAT_BYTES)) return false;
    if (kind === 'fanout') {
      const g = this.rpc.get(fanoutBase(msg.topic)!);
      if (!g || g.all.length === 0) return false;
      const d = this.unwrap(msg, true);
      if (!d) return false;
      for (const l of g.all) this.send(l, d);
      this.counters.inc('localapi.delivered.fanout');
      return true;
    }
    const { base, host } = splitDirected(msg.topic);
    const ng = this.notify.get(base);
    if (ng && ng.all.length > 0) {
      const d = this.unwrap(msg, false);
      if (!d) return false;
      const pools = new Map<string | null, Listener[]>();
      for (const l of ng.all) {
        const p = pools.get(l.pool);
        if (p) p.push(l);
        else pools.set(l.pool, [l]);
      }
      for (const [pool, list] of pools) this.send(ng.pick(list, `pool:${pool ?? ''}`), d);
      this.counters.inc('localapi.delivered.notify');
      return true;
    }
    const g = this.rpc.get(base);
    if (!g || g.all.length === 0) return false;
    const d = this.unwrap(msg, true);
    if (!d) return false;
    const servers = host === null ? [] : g.all.filter((l) => l.server === host);
    this.send(servers.length > 0 ? g.pick(servers, `server:${host}`) : g.pick(g.all), d);
    this.counters.inc('localapi.delivered.rpc');
    return true;
  }

  private send(l: Listener, d: Omit<Delivery, 'op' | 'lid'>): void {
    try {
      l.owner.deliver({ op: 'deliver', lid: l.lid, ...d });
    } catch (err) {
      this.counters.inc('localapi.deliver.errors');
      this.log.error({ err, lid: l.lid, session: l.owner.id, topic: l.key }, 'delivery to shim failed');
    }
  }

  /** The shim's view of a message; null (not claimed, counted) when unreadable. */
  private unwrap(msg: InboundMessage, rpc: boolean): Omit<Delivery, 'op' | 'lid'> | null {
    try {
      const f = parseFrames(msg.frames);
      if (f.style === STYLE_HEARTBEAT) return null;
      if (rpc) {
        const c = classifyMessage(f.msg, f.msgSource);
        if (c.kind === 'call') return { ctx: c.ctx, msg: c.request, reply_to: [c.msgId, c.replyTopic], monitor: c.monitor };
      }
      return { ctx: f.ctx, msg: f.msg, reply_to: null, monitor: null };
    } catch (err) {
      this.counters.inc('localapi.deliver.bad_envelope');
      this.log.warn({ err, topic: msg.topic, msg_id: msg.msgId }, 'unreadable message for a shim listener: left to the legacy ipc socket');
      return null;
    }
  }
}
