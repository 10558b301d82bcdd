/**
 * The daemon's {@link FrameSender}: messages for this daemon's own host are
 * short-circuited into its receiver's `dispatch` (no tcp hop); everything
 * else goes over the peer pool's persistent PUSH connections.
 */
import type * as zmq from 'zeromq';
import type { BridgeConfig } from '../config/types';
import type { Logger } from '../log';
import type { Counters } from '../metrics/counters';
import type { FrameSender } from './types';
import { PeerPool, type PeerPoolOptions, type PeerSnapshot, type SendMeta } from './peer-pool';
import { SenderStoppedError } from './errors';
import type { Clock } from '../time/clock';
import type { SocketSecurity } from '../security/types';

/** The part of the receiver the sender needs for the local short-circuit. */
export interface LocalDispatch {
  dispatch(frames: Buffer[]): void;
}

export interface SenderOptions {
  config: BridgeConfig;
  /** The sender's component logger (bound by the daemon; not re-bound here). */
  log: Logger;
  counters: Counters;
  /** The local receiver; null disables the short-circuit (every host goes over tcp). */
  local: LocalDispatch | null;
  context?: zmq.Context;
  /** Time source of the peers' deadlines and idle closes (default: the system clock). */
  clock?: Clock;
  /** Overrides of the pool's defaults (tests, bench). */
  pool?: Partial<Omit<PeerPoolOptions, 'log' | 'counters' | 'context' | 'clock' | 'security'>>;
  /** CURVE keys of the peer connections (`[zmq_bridge] security`); none by default. */
  security?: SocketSecurity;
}

export class Sender implements FrameSender {
  private readonly pool: PeerPool;
  private readonly localHosts: Set<string>;
  private local: LocalDispatch | null;
  private readonly counters: Counters;
  private stopped = false;

  constructor(opts: SenderOptions) {
    const c = opts.config;
    this.counters = opts.counters;
    this.local = opts.local;
    // rpc_zmq_host and the concrete bind address both name this daemon.
    this.localHosts = new Set([c.host]);
    if (c.bindAddress !== '*' && c.bindAddress !== '') this.localHosts.add(c.bindAddress);
    this.pool = new PeerPool({
      port: c.port,
      castTimeoutMs: c.castTimeout * 1000,
      maxPeers: c.bridge.maxPeers,
      idleMs: c.bridge.peerIdleSeconds * 1000,
      log: opts.log,
      counters: opts.counters,
      context: opts.context,
      clock: opts.clock,
      security: opts.security,
      ...opts.pool,
    });
  }

  /** Set (or replace) the local receiver after construction (the daemon builds them in either order). */
  setLocal(local: LocalDispatch | null): void {
    this.local = local;
  }

  /** True when `host` is this daemon (messages to it skip tcp). */
  isLocal(host: string): boolean {
    return this.local !== null && this.localHosts.has(host);
  }

  /**
   * Hand `frames` to `host`. Throws synchronously when refused immediately
   * (QUEUE_FULL, SHUTDOWN); the promise resolves once handed over and
   * rejects with SEND_FAILED after `rpc_cast_timeout`.
   */
  submit(host: string, frames: Buffer[], meta: SendMeta = {}): Promise<void> {
    if (this.stopped) throw new SenderStoppedError();
    if (this.isLocal(host)) {
      const local = this.local!;
      this.counters.inc('sender.local');
      this.countKind(meta, frames);
      // Asynchronous like the network path, so callers never re-enter themselves.
      return new Promise<void>((resolve) =>
        setImmediate(() => {
          local.dispatch(frames);
          resolve();
        }),
      );
    }
    const handed = this.pool.submit(host, frames, meta);
    this.countKind(meta, frames);
    return handed;
  }

  /** `sender.messages.{kind}` and `sender.bytes.{kind}` of an accepted message. */
  private countKind(meta: SendMeta, frames: Buffer[]): void {
    const kind = meta.kind ?? 'forward';
    let bytes = 0;
    for (const f of frames) bytes += f.length;
    this.counters.inc(`sender.messages.${kind}`);
    this.counters.inc(`sender.bytes.${kind}`, bytes);
  }

  send(host: string, frames: Buffer[]): Promise<void> {
    try {
      return this.submit(host, frames);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Hosts with an open tcp connection. */
  peers(): string[] {
    return this.pool.hosts();
  }

  /** The open connections' state, the one source of `status` and the metrics (see {@link PeerSnapshot}). */
  peerSnapshots(): PeerSnapshot[] {
    return this.pool.snapshots();
  }

  /** Messages waiting for a peer connection slot (`[zmq_bridge] max_peers` reached). */
  waitingForSlot(): number {
    return this.pool.waitingForSlot;
  }

  close(): void {
    this.stopped = true;
    this.pool.close();
  }
}
