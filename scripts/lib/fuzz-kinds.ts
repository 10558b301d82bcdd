/**
 * What the fuzzer sends to the daemon's tcp port: each kind of message, its
 * weight in the mix, and how it is built from a seeded random source (the
 * same seed gives the same run). Legitimate kinds carry a sequence number so
 * the fuzzer can tell which ones arrived.
 */
import { buildCastFrames } from '../../src/wire/envelope';

/** A small seeded PRNG (mulberry32): reproducible runs without a dependency. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** In [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
}

/** Everything the fuzzer needs to know about the daemon to build messages. */
export interface FuzzTarget {
  /** `rpc_zmq_host` of the daemon. */
  host: string;
  /** `[zmq_bridge] max_message_size` of the daemon. */
  maxMessageSize: number;
  /** Topic of the legacy ipc consumer (legitimate traffic). */
  legitTopic: string;
  /** Topic a shim listens on (legitimate traffic, and unreadable junk). */
  shimTopic: string;
  /** How many distinct made-up topics nobody consumes (kept under the socket budget of issue 13). */
  deadTopics: number;
}

/** The tcp kinds; `legit_*` must all arrive. */
export const TCP_KINDS = [
  'legit_ipc',
  'legit_shim',
  'too_few_frames',
  'unknown_style',
  'bad_topic',
  'random_frames',
  'dead_topic',
  'orphan_reply',
  'unreadable_for_shim',
  'junk_to_legit_topic',
  'oversized_frame',
  'too_large',
] as const;
export type TcpKind = (typeof TCP_KINDS)[number];

/** Relative weights of the tcp kinds (oversized ones are rare: each costs a reconnect and a megabyte). */
export const TCP_WEIGHTS: Record<TcpKind, number> = {
  legit_ipc: 10,
  legit_shim: 10,
  too_few_frames: 8,
  unknown_style: 8,
  bad_topic: 10,
  random_frames: 10,
  dead_topic: 14,
  orphan_reply: 10,
  unreadable_for_shim: 8,
  junk_to_legit_topic: 6,
  oversized_frame: 0.3,
  too_large: 0.5,
};

/** Marker of a legitimate message's body: `legit:<kind>:<seq>`. */
export function legitMarker(kind: string, seq: number): string {
  return `legit:${kind}:${seq}`;
}

/** The sequence number in a legitimate body, or null. */
export function readLegit(text: string, kind: string): number | null {
  const m = new RegExp(`legit:${kind}:(\\d+)`).exec(text);
  return m ? Number(m[1]) : null;
}

const BAD_TOPICS: ((r: Rng) => Buffer)[] = [
  () => Buffer.from('../../etc/passwd'),
  () => Buffer.from('a/b'),
  () => Buffer.from('a\\b'),
  () => Buffer.from('x..y'),
  () => Buffer.from('nul\0here'),
  () => Buffer.from('ctl\u0001'),
  () => Buffer.from([0x61, 0xff, 0xfe, 0x62]),
  () => Buffer.alloc(0),
  (r) => Buffer.from('t'.repeat(120 + r.int(4000))),
];

export class MessageFactory {
  /** Legitimate messages built so far, per kind. */
  readonly legitSent = { legit_ipc: 0, legit_shim: 0 };
  private readonly total: number;

  constructor(
    private readonly r: Rng,
    private readonly t: FuzzTarget,
  ) {
    this.total = Object.values(TCP_WEIGHTS).reduce((a, b) => a + b, 0);
  }

  pickKind(): TcpKind {
    let x = this.r.next() * this.total;
    for (const k of TCP_KINDS) {
      x -= TCP_WEIGHTS[k];
      if (x < 0) return k;
    }
    return 'random_frames';
  }

  /** A random body of up to `max` bytes, mostly small. */
  private body(max: number): Buffer {
    const r = this.r;
    const n = r.next() < 0.9 ? r.int(512) : r.int(max);
    return r.bytes(n);
  }

  build(kind: TcpKind): Buffer[] {
    const r = this.r;
    const t = this.t;
    switch (kind) {
      case 'legit_ipc':
        return buildCastFrames(t.legitTopic, '{}', JSON.stringify({ method: 'fuzz', args: { m: legitMarker(kind, this.legitSent.legit_ipc++) } }));
      case 'legit_shim':
        return buildCastFrames(t.shimTopic, '{}', JSON.stringify({ method: 'fuzz', args: { m: legitMarker(kind, this.legitSent.legit_shim++) } }));
      case 'too_few_frames':
        return Array.from({ length: r.int(3) }, () => this.body(64));
      case 'unknown_style':
        return [Buffer.from('0'), Buffer.from(`topic${r.int(10)}.${t.host}`), r.bytes(1 + r.int(16)), this.body(1024)];
      case 'bad_topic':
        return [Buffer.from('0'), r.pick(BAD_TOPICS)(r), Buffer.from('cast'), this.body(1024)];
      case 'random_frames':
        return Array.from({ length: 1 + r.int(8) }, () => this.body(4096));
      case 'dead_topic':
        return [Buffer.from('0'), Buffer.from(`dead${r.int(t.deadTopics)}.${t.host}`), Buffer.from('cast'), this.body(64 * 1024)];
      case 'orphan_reply':
        return [Buffer.from(r.bytes(16).toString('hex')), Buffer.from(`zmq_replies.${t.host}`), Buffer.from('cast'), this.body(8 * 1024)];
      case 'unreadable_for_shim':
        return [Buffer.from('0'), Buffer.from(t.shimTopic), Buffer.from(r.pick(['cast', 'impl_zmq_v2'])), this.body(16 * 1024)];
      case 'junk_to_legit_topic':
        return [Buffer.from('0'), Buffer.from(t.legitTopic), Buffer.from('cast'), this.body(4096)];
      case 'oversized_frame':
        return [Buffer.from('0'), Buffer.from(`dead0.${t.host}`), Buffer.from('cast'), Buffer.alloc(t.maxMessageSize + 1 + r.int(1024), 0x78)];
      case 'too_large': {
        const part = Math.ceil(t.maxMessageSize / 3);
        return [Buffer.from('0'), Buffer.from(`dead1.${t.host}`), Buffer.from('cast'), ...Array.from({ length: 4 }, () => Buffer.alloc(part, 0x79))];
      }
    }
  }
}
