/**
 * The shims' listeners on this host, as a receiver sink. Delivery rules are
 * in docs/local-api.md: `T.S` goes to a listener of `T` named `S`
 * (round-robin among them); when none is named so, and `S` names this host
 * (`rpc_zmq_host`, the bind address: how legacy nodes address a host), to
 * any listener of `T`; otherwise it is not claimed - another server's
 * message is never handed to the wrong one (docs/server-names.md).
 * `fanout~T...` goes to every listener of `T`; notifications to one listener
 * per pool. The envelope is unwrapped for the shim (a call's inner request
 * with `reply_to`).
 * The matchmaker learns about a topic when its first listener appears and
 * forgets it when the last one goes; likewise about each server name.
 */
import type { Logger } from '../log';
import type { Counters } from '../metrics/counters';
import type { Matchmaker } from '../matchmaker/types';
import type { InboundMessage, LocalSink } from '../receiver/sink';
import { classifyMessage, parseFrames, STYLE_HEARTBEAT, STYLE_HEARTBEAT_BYTES } from '../wire/envelope';
import { fanoutBase, REPLY_PREFIX, splitDirected, topicKind } from '../wire/topic';
import type { Delivery } from './protocol';
import type { DELIVERED_KINDS } from '../metrics/catalogue';

type DeliveredKind = (typeof DELIVERED_KINDS)[number];
import type { LogLimiter } from '../util/log-limiter';


/** Whoever receives deliveries for a listener (a local API session). */
export interface ListenerOwner {
  readonly id: number;
  /** True once the connection is going away: its listeners get nothing more. */
  readonly isClosed: boolean;
  /** Whether the delivery was written (false: closed, or dropped and counted by the owner). */
  deliver(frame: Delivery): boolean;
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

  /**
   * The next listener whose connection is open, or null. A connection
   * closing has its listeners removed, but until then (or if it stays
   * half-open) nothing must be handed to it and counted as delivered.
   */
  pickOpen(list: Listener[], cursor = ''): Listener | null {
    for (let i = 0; i < list.length; i++) {
      const l = this.pick(list, cursor);
      if (!l.owner.isClosed) return l;
    }
    return null;
  }
}

/** Server names warned about when a message for them found no listener, at most (then silently counted). */
export const MAX_WARNED_SERVERS = 1024;

export interface RegistryOptions {
  /** `rpc_zmq_host`: registered with the matchmaker for each topic listened to. */
  host: string;
  /** Every name of this daemon (local-names.ts); `{host}` when absent. */
  localNames?: ReadonlySet<string>;
  matchmaker: Matchmaker;
  log: Logger;
  counters: Counters;
  /** Thins the warnings about unreadable messages (peers can send them at will); without it every one is logged. */
  limiter?: LogLimiter;
}

export class ListenerRegistry implements LocalSink {
  readonly name = 'listeners';
  private readonly rpc = new Map<string, Group>();
  private readonly notify = new Map<string, Group>();
  private readonly byOwner = new Map<number, Map<number, Listener>>();
  private readonly log: Logger;
  private readonly counters: Counters;
  private readonly localNames: ReadonlySet<string>;
  private readonly warnedServers = new Set<string>();

  constructor(private readonly opts: RegistryOptions) {
    this.log = opts.log;
    this.counters = opts.counters;
    this.localNames = opts.localNames ?? new Set([opts.host]);
  }

  /** Whether an RPC listener of wire base topic `key` named `server` is registered here. */
  hasServer(key: string, server: string): boolean {
    const g = this.rpc.get(key);
    return g !== undefined && g.all.some((l) => l.server === server);
  }

  /** Number of listeners (all owners). */
  get size(): number {
    let n = 0;
    for (const m of this.byOwner.values()) n += m.size;
    return n;
  }

  /** Listeners per wire base topic, for `status`: RPC listeners with their server names, notification listeners. */
  topics(): { topic: string; listeners: number; servers: string[]; notifyListeners: number }[] {
    const out = new Map<string, { topic: string; listeners: number; servers: string[]; notifyListeners: number }>();
    const entry = (topic: string) => {
      let e = out.get(topic);
      if (!e) out.set(topic, (e = { topic, listeners: 0, servers: [], notifyListeners: 0 }));
      return e;
    };
    for (const [key, g] of this.rpc) {
      const e = entry(key);
      e.listeners = g.all.length;
      e.servers = [...new Set(g.all.map((l) => l.server).filter((s): s is string => s !== null))].sort();
    }
    for (const [key, g] of this.notify) entry(key).notifyListeners = g.all.length;
    return [...out.values()];
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
    if (spec.kind === 'rpc' && spec.server !== null && !this.serverInUse(spec.key, spec.server, l)) {
      this.warnedServers.delete(`${spec.key}.${spec.server}`);
      await this.opts.matchmaker.registerServer(spec.key, spec.server, this.opts.host);
    }
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

  private serverInUse(key: string, server: string, except: Listener): boolean {
    const g = this.rpc.get(key);
    return g !== undefined && g.all.some((x) => x !== except && x.server === server);
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
    if (l.kind === 'rpc' && l.server !== null && !this.serverInUse(l.key, l.server, l)) {
      await this.opts.matchmaker.unregisterServer(l.key, l.server, this.opts.host);
    }
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
      let open = false;
      let delivered = false;
      for (const l of g.all) {
        if (l.owner.isClosed) continue;
        open = true;
        if (this.send(l, d)) delivered = true;
      }
      if (delivered) this.delivered('fanout', msg);
      return open;
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
      let open = false;
      let delivered = false;
      for (const [pool, list] of pools) {
        const l = ng.pickOpen(list, `pool:${pool ?? ''}`);
        if (!l) continue;
        open = true;
        if (this.send(l, d)) delivered = true;
      }
      if (delivered) this.delivered('notification', msg);
      // No open listener at all (connections closing): not claimed, like no listener.
      return open;
    }
    const g = this.rpc.get(base);
    if (!g || g.all.length === 0) return false;
    const named = host === null ? [] : g.all.filter((l) => l.server === host);
    if (named.length === 0 && host !== null && !this.localNames.has(host)) return this.noServer(msg, base, host);
    const d = this.unwrap(msg, true);
    if (!d) return false;
    // The named server's connections only (none open: not claimed, never another server's); unnamed: any listener.
    const l = named.length > 0 ? g.pickOpen(named, `server:${host}`) : g.pickOpen(g.all);
    if (!l) return false;
    if (this.send(l, d)) this.delivered(d.reply_to !== null ? 'call' : 'cast', msg);
    return true;
  }

  /** Count one delivered message and its bytes (the unwrapping already told call from cast). */
  private delivered(kind: DeliveredKind, msg: InboundMessage): void {
    let bytes = 0;
    for (const f of msg.frames) bytes += f.length;
    this.counters.inc(`localapi.delivered.${kind}`);
    this.counters.inc(`localapi.delivered_bytes.${kind}`, bytes);
  }

  /**
   * `T.S` for a server name no listener here has (it stopped, or a stale
   * registration sent it here): left to the legacy ipc socket of `T.S`
   * rather than handed to another server of `T`, which would act for the
   * wrong one. Counted; warned once per name.
   */
  private noServer(msg: InboundMessage, topic: string, server: string): false {
    this.counters.inc('localapi.deliver.no_server');
    const key = `${topic}.${server}`;
    if (this.warnedServers.size < MAX_WARNED_SERVERS && !this.warnedServers.has(key)) {
      this.warnedServers.add(key);
      this.log.warn(
        { topic, server, msg_id: msg.msgId },
        'message for a server name no listener on this host has: left to the legacy ipc socket (further ones only counted)',
      );
    }
    return false;
  }

  /** Hand a delivery to a listener's connection; whether it was written. */
  private send(l: Listener, d: Omit<Delivery, 'op' | 'lid'>): boolean {
    try {
      return l.owner.deliver({ op: 'deliver', lid: l.lid, ...d });
    } catch (err) {
      this.counters.inc('localapi.deliver.errors');
      this.log.error({ err, lid: l.lid, session: l.owner.id, topic: l.key }, 'delivery to shim failed');
      return false;
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
      const fields = { err, topic: msg.topic, msg_id: msg.msgId.length > 64 ? `${msg.msgId.slice(0, 64)}...` : msg.msgId };
      const line = 'unreadable message for a shim listener: left to the legacy ipc socket (within its byte budget)';
      if (this.opts.limiter) this.opts.limiter.warn(this.log, 'bad_envelope', msg.topic, fields, line);
      else this.log.warn(fields, line);
      return null;
    }
  }
}
