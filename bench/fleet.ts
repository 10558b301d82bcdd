/**
 * The fleet simulator: one process standing in for N legacy impl_zmq hosts.
 * Each simulated host is a PULL socket bound on its own loopback address
 * (all of 127/8 is loopback on Linux), all on one port - the cluster's
 * `rpc_zmq_port` - exactly where a legacy `nova-rpc-zmq-receiver` listens.
 * It counts what arrives per host and per base topic, checks that directed
 * and fanout copies name the host that got them, and answers calls as a
 * legacy host does: a `-process_reply` cast to `zmq_replies.<caller>` on the
 * caller's port (the simulated hosts share one PUSH per caller, which the
 * caller cannot tell from one PUSH per host).
 *
 * Used in-process by tests (test/fleet.test.ts) and in a child process by
 * the bench (bench/fleet-main.ts), so the daemon's CPU is measured alone.
 */
import * as zmq from 'zeromq';
import { buildReplyFrames } from '../src/wire/envelope';
import { replyTopicHost } from '../src/wire/topic';
import { tcpEndpoint } from '../src/wire/endpoints';

/** Attempts at a port free on every address before giving up. */
export const FLEET_PORT_ATTEMPTS = 5;
/** Sockets the fleet's own context may hold beyond one per host (reply PUSHes, slack). */
export const FLEET_SPARE_SOCKETS = 64;
/** Receive high-water mark of each simulated host, in messages. */
export const FLEET_RECEIVE_HWM = 100_000;
/** What a simulated host answers to every call (a JSON value). */
export const FLEET_CALL_RESULT = '"pong"';

/** `count` loopback addresses `127.<a>.<b>.<c>`, from `127.<a>.<firstB>.1` on, 250 per /24. */
export function fleetAddrs(count: number, a: number, firstB = 1): string[] {
  return Array.from({ length: count }, (_, i) => `127.${a}.${firstB + Math.floor(i / 250)}.${1 + (i % 250)}`);
}

export interface FleetOptions {
  /** One address per simulated host. */
  addrs: string[];
  /** The shared receiver port; default: one the OS picks as free on every address. */
  port?: number;
  /** Answer `-reply` calls (default true). */
  answerCalls?: boolean;
}

export interface FleetStats {
  /** Messages received by all hosts. */
  received: number;
  /** Directed or fanout messages whose topic named another host than the one that got them. */
  misrouted: number;
  /** Messages that were not a readable impl_zmq cast. */
  unreadable: number;
  /** Calls received (`-reply` wrappers). */
  calls: number;
  /** Replies handed to ZeroMQ. */
  repliesSent: number;
  /** Replies that could not be sent. */
  replyErrors: number;
}

/** Per base topic: messages per host index. */
export type FleetCounts = Record<string, number[]>;

interface PendingReply {
  host: string;
  frames: Buffer[];
}

export class Fleet {
  readonly port: number;
  readonly addrs: readonly string[];
  private readonly index = new Map<string, number>();
  private readonly counts = new Map<string, Uint32Array>();
  private readonly stats: FleetStats = { received: 0, misrouted: 0, unreadable: 0, calls: 0, repliesSent: 0, replyErrors: 0 };
  private readonly replyPushes = new Map<string, { sock: zmq.Push; queue: Buffer[][]; pumping: boolean }>();
  private readonly answerCalls: boolean;
  /** Replies kept until `holdUntil` calls have arrived (see {@link holdReplies}). */
  private held: PendingReply[] = [];
  private holdUntil = 0;
  private closed = false;

  private constructor(
    private readonly context: zmq.Context,
    private readonly pulls: zmq.Pull[],
    opts: FleetOptions,
    port: number,
  ) {
    this.port = port;
    this.addrs = opts.addrs;
    this.answerCalls = opts.answerCalls ?? true;
    opts.addrs.forEach((a, i) => this.index.set(a, i));
    pulls.forEach((p, i) => void this.loop(p, i));
  }

  /** Bind every simulated host; rejects when no common port could be bound. */
  static async start(opts: FleetOptions): Promise<Fleet> {
    const context = new zmq.Context({ maxSockets: opts.addrs.length + FLEET_SPARE_SOCKETS, ioThreads: 1 });
    let lastErr: unknown;
    for (let attempt = 0; attempt < (opts.port ? 1 : FLEET_PORT_ATTEMPTS); attempt++) {
      const pulls: zmq.Pull[] = [];
      try {
        let port = opts.port ?? 0;
        for (const addr of opts.addrs) {
          const p = new zmq.Pull({ context, linger: 0, receiveHighWaterMark: FLEET_RECEIVE_HWM });
          pulls.push(p);
          await p.bind(port === 0 ? `tcp://${addr}:*` : tcpEndpoint(addr, port));
          if (port === 0) port = Number(/:(\d+)$/.exec(p.lastEndpoint ?? '')?.[1]);
        }
        return new Fleet(context, pulls, opts, port);
      } catch (err) {
        for (const p of pulls) p.close();
        lastErr = err;
        if ((err as { code?: string }).code !== 'EADDRINUSE') break;
      }
    }
    throw new Error(`fleet of ${opts.addrs.length} hosts could not bind: ${String(lastErr)}`);
  }

  private async loop(pull: zmq.Pull, i: number): Promise<void> {
    for (;;) {
      let frames: Buffer[];
      try {
        frames = await pull.receive();
      } catch {
        if (this.closed || pull.closed) return;
        continue;
      }
      this.onMessage(i, frames);
    }
  }

  private onMessage(i: number, frames: Buffer[]): void {
    this.stats.received++;
    if (frames.length < 4) {
      this.stats.unreadable++;
      return;
    }
    const topic = frames[1]!.toString();
    const fanout = topic.startsWith('fanout~');
    const dot = topic.indexOf('.');
    const base = (fanout ? 'fanout~' : '') + (dot === -1 ? topic.slice(fanout ? 7 : 0) : topic.slice(fanout ? 7 : 0, dot));
    if (dot !== -1 && this.index.get(topic.slice(dot + 1)) !== i) this.stats.misrouted++;
    let c = this.counts.get(base);
    if (!c) this.counts.set(base, (c = new Uint32Array(this.addrs.length)));
    c[i]!++;
    // Only a call carries the `-reply` method: spare the JSON parse of everything else.
    if (this.answerCalls && frames[3]!.includes('"-reply"')) this.answer(frames[3]!);
  }

  private answer(body: Buffer): void {
    let msgId: string;
    let replyTopic: string;
    let ctx: string;
    try {
      const [c, msg] = JSON.parse(body.toString()) as [string, { method?: string; args?: { msg_id?: string; topic?: string } }];
      if (msg.method !== '-reply' || !msg.args?.msg_id || !msg.args.topic) return;
      msgId = msg.args.msg_id;
      replyTopic = msg.args.topic;
      ctx = typeof c === 'string' ? c : JSON.stringify(c);
    } catch {
      this.stats.unreadable++;
      return;
    }
    const host = replyTopicHost(replyTopic);
    if (!host) {
      this.stats.unreadable++;
      return;
    }
    this.stats.calls++;
    const reply = { host, frames: buildReplyFrames(msgId, replyTopic, ctx, { result: FLEET_CALL_RESULT }) };
    if (this.stats.calls <= this.holdUntil) {
      this.held.push(reply);
      if (this.stats.calls === this.holdUntil) this.releaseHeld();
      return;
    }
    this.sendReply(reply);
  }

  /**
   * Keep the replies of the next calls until `calls` of them (counted from
   * now) have arrived, then send them all: how the bench holds 10,000 calls
   * in flight at once.
   */
  holdReplies(calls: number): void {
    this.releaseHeld();
    this.holdUntil = this.stats.calls + calls;
  }

  private releaseHeld(): void {
    const held = this.held;
    this.held = [];
    for (const r of held) this.sendReply(r);
  }

  private sendReply(r: PendingReply): void {
    let out = this.replyPushes.get(r.host);
    if (!out) {
      const sock = new zmq.Push({ context: this.context, linger: 0, sendHighWaterMark: FLEET_RECEIVE_HWM });
      sock.connect(tcpEndpoint(r.host, this.port));
      out = { sock, queue: [], pumping: false };
      this.replyPushes.set(r.host, out);
    }
    out.queue.push(r.frames);
    if (!out.pumping) void this.pump(out);
  }

  /** One send in flight per socket (zeromq.js). */
  private async pump(out: { sock: zmq.Push; queue: Buffer[][]; pumping: boolean }): Promise<void> {
    out.pumping = true;
    while (out.queue.length > 0 && !this.closed) {
      const frames = out.queue.shift()!;
      try {
        await out.sock.send(frames);
        this.stats.repliesSent++;
      } catch {
        this.stats.replyErrors++;
      }
    }
    out.pumping = false;
  }

  /** Messages received per host for each base topic (`fanout~<base>` for fanout copies). */
  snapshot(): { stats: FleetStats; counts: FleetCounts } {
    const counts: FleetCounts = {};
    for (const [base, c] of this.counts) counts[base] = Array.from(c);
    return { stats: { ...this.stats }, counts };
  }

  /** Messages of `base` received by all hosts. */
  total(base: string): number {
    const c = this.counts.get(base);
    let n = 0;
    if (c) for (let i = 0; i < c.length; i++) n += c[i]!;
    return n;
  }

  /** Forget every count (between bench steps). */
  reset(): void {
    this.counts.clear();
    Object.assign(this.stats, { received: 0, misrouted: 0, unreadable: 0, calls: 0, repliesSent: 0, replyErrors: 0 });
    this.held = [];
    this.holdUntil = 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pulls) p.close();
    for (const out of this.replyPushes.values()) out.sock.close();
    this.replyPushes.clear();
  }
}

/** Per-host counts of one base topic summarized: hosts reached, fewest and most messages per host. */
export function spread(counts: number[] | undefined, hosts: number): { reached: number; min: number; max: number; total: number } {
  const c = counts ?? [];
  let reached = 0;
  let min = Infinity;
  let max = 0;
  let total = 0;
  for (let i = 0; i < hosts; i++) {
    const n = c[i] ?? 0;
    if (n > 0) reached++;
    min = Math.min(min, n);
    max = Math.max(max, n);
    total += n;
  }
  return { reached, min: hosts === 0 ? 0 : min, max, total };
}
