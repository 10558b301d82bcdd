/**
 * A real client of the local API (docs/local-api.md) for tests and tools: it
 * speaks the same framing and msgpack as the Python shim.
 */
import { createConnection, type Socket } from 'node:net';
import { Packr, Unpackr } from 'msgpackr';
import type { Delivery } from '../../src/localapi/protocol';
import type { DaemonStatus } from '../../src/status/types';

const packr = new Packr({ useRecords: false, mapsAsObjects: true });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

export type Frame = Record<string, any>;

export interface Target {
  exchange?: string | null;
  topic: string;
  server?: string | null;
  fanout?: boolean;
}

/** What the daemon delivers to a listener (the daemon's own type, so the two cannot drift apart). */
export type { Delivery };

/** An `error` answer as a rejection. */
export class LocalApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

export class LocalApiClient {
  private sock!: Socket;
  private buf = Buffer.alloc(0);
  private rid = 1;
  private lid = 1;
  private readonly waiting = new Map<number, { resolve: (f: Frame) => void; reject: (e: Error) => void }>();
  private readonly handlers = new Map<number, (d: Delivery) => void>();
  /** Frames without a rid (e.g. a PROTOCOL/SHUTDOWN error) and deliveries for unknown lids. */
  readonly unsolicited: Frame[] = [];
  closed = false;

  /**
   * `allowHalfOpen`: keep this side open when the daemon ends its side (a
   * careless client that never closes; Node's default closes it at once).
   */
  static async connect(path: string, opts: { allowHalfOpen?: boolean } = {}): Promise<LocalApiClient> {
    const c = new LocalApiClient();
    await new Promise<void>((resolve, reject) => {
      c.sock = createConnection({ path, allowHalfOpen: opts.allowHalfOpen ?? false }, () => resolve());
      c.sock.once('error', reject);
    });
    c.sock.on('data', (d: Buffer) => c.onData(d));
    c.sock.on('close', () => {
      c.closed = true;
      for (const w of c.waiting.values()) w.reject(new Error('connection closed'));
      c.waiting.clear();
    });
    c.sock.on('error', () => {});
    return c;
  }

  private onData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    while (this.buf.length >= 4) {
      const n = this.buf.readUInt32BE(0);
      if (this.buf.length < 4 + n) return;
      const f = unpackr.unpack(this.buf.subarray(4, 4 + n)) as Frame;
      this.buf = this.buf.subarray(4 + n);
      this.dispatch(f);
    }
  }

  private dispatch(f: Frame): void {
    if (f.op === 'deliver') {
      const h = this.handlers.get(f.lid);
      if (h) h(f as Delivery);
      else this.unsolicited.push(f);
      return;
    }
    const w = typeof f.rid === 'number' ? this.waiting.get(f.rid) : undefined;
    if (!w) {
      this.unsolicited.push(f);
      return;
    }
    this.waiting.delete(f.rid);
    if (f.op === 'error') w.reject(new LocalApiError(f.code, f.message));
    else w.resolve(f);
  }

  /** Send a raw frame (no answer awaited). */
  send(f: Frame): void {
    const body = packr.pack(f);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(body.length, 0);
    this.sock.write(Buffer.concat([head, body]));
  }

  /** Write raw bytes (protocol error tests). */
  writeRaw(b: Buffer): void {
    this.sock.write(b);
  }

  /** Stop reading from the daemon (a client that does not read its answers); {@link resume} reads again. */
  pause(): void {
    this.sock.pause();
  }

  resume(): void {
    this.sock.resume();
  }

  /** Whether the daemon ended its side of the connection. */
  get endedByDaemon(): boolean {
    return this.sock.readableEnded;
  }

  /** Send a request with a fresh rid; resolves with `ok`/`reply`, rejects with {@link LocalApiError}. */
  request(f: Frame): Promise<Frame> {
    const rid = this.rid++;
    return new Promise((resolve, reject) => {
      this.waiting.set(rid, { resolve, reject });
      this.send({ ...f, rid });
    });
  }

  hello(): Promise<Frame> {
    return this.request({ op: 'hello', pid: process.pid, client: 'ts-test/0.1', proto: 1 });
  }

  /** Listen on an RPC target; `onDeliver` gets every delivery. Returns the lid. */
  async listen(target: Target, onDeliver: (d: Delivery) => void): Promise<number> {
    const lid = this.lid++;
    this.handlers.set(lid, onDeliver);
    await this.request({ op: 'listen', lid, kind: 'rpc', target: normTarget(target) });
    return lid;
  }

  async listenNotify(spec: { exchange?: string | null; topic: string; priority: string; pool?: string | null }, onDeliver: (d: Delivery) => void): Promise<number> {
    const lid = this.lid++;
    this.handlers.set(lid, onDeliver);
    await this.request({ op: 'listen', lid, kind: 'notify', exchange: spec.exchange ?? null, topic: spec.topic, priority: spec.priority, pool: spec.pool ?? null });
    return lid;
  }

  async unlisten(lid: number): Promise<void> {
    await this.request({ op: 'unlisten', lid });
    this.handlers.delete(lid);
  }

  cast(target: Target, ctx: string, msg: string): Promise<Frame> {
    return this.request({ op: 'cast', target: normTarget(target), ctx, msg });
  }

  call(target: Target, ctx: string, msg: string, timeout: number, monitorTimeout: number | null = null): Promise<Frame> {
    return this.request({ op: 'call', target: normTarget(target), ctx, msg, timeout, monitor_timeout: monitorTimeout });
  }

  notify(spec: { exchange?: string | null; topic: string; priority: string; version: '1.0' | '2.0' }, ctx: string, msg: string): Promise<Frame> {
    return this.request({ op: 'notify', exchange: spec.exchange ?? null, topic: spec.topic, priority: spec.priority, ctx, msg, version: spec.version });
  }

  reply(replyTo: [string, string], ctx: string, outcome: { result?: string; failure?: string }): void {
    this.send({ op: 'reply', reply_to: replyTo, ctx, ...outcome });
  }

  heartbeat(replyTo: [string, string]): void {
    this.send({ op: 'heartbeat', reply_to: replyTo });
  }

  async stats(): Promise<Record<string, number>> {
    return (await this.request({ op: 'stats' })).counters;
  }

  /** The `status` op's report (src/status/types.ts DaemonStatus). */
  async status(): Promise<DaemonStatus> {
    return (await this.request({ op: 'status' })).status as DaemonStatus;
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.sock.once('close', () => resolve());
      this.sock.end();
    });
  }
}

function normTarget(t: Target): Frame {
  return { exchange: t.exchange ?? null, topic: t.topic, server: t.server ?? null, fanout: t.fanout ?? false };
}
