/**
 * One shim connection. Owns its listeners and its pending calls: when the
 * connection closes, the server removes both.
 */
import type { Socket } from 'node:net';
import { encodeFrame } from './framing';
import type { ListenerOwner } from './registry';

/** Bytes queued towards a shim beyond which deliveries to it are dropped (and counted): a stuck shim must not eat the daemon's memory. */
export const DEFAULT_SESSION_MAX_BACKLOG_BYTES = 256 * 1024 * 1024;

/** Milliseconds a closing connection gets to flush before it is destroyed. */
export const DEFAULT_END_GRACE_MS = 200;

export class Session implements ListenerOwner {
  /** msg_id -> rid of the calls this shim is waiting for. */
  readonly calls = new Map<string, number>();
  /** Set by `hello`. */
  pid: number | null = null;
  client: string | null = null;
  private closed = false;

  constructor(
    readonly id: number,
    private readonly socket: Socket,
    private readonly onOverflow: (s: Session) => void,
    private readonly maxBacklog = DEFAULT_SESSION_MAX_BACKLOG_BYTES,
  ) {}

  get isClosed(): boolean {
    return this.closed || this.socket.destroyed;
  }

  /** Send a frame to the shim; silently nothing once closed. Returns false when dropped. */
  write(obj: Record<string, unknown>): boolean {
    if (this.isClosed) return false;
    if (this.socket.writableLength > this.maxBacklog) {
      this.onOverflow(this);
      return false;
    }
    this.socket.write(encodeFrame(obj));
    return true;
  }

  deliver(frame: Record<string, unknown>): void {
    this.write(frame);
  }

  /** Flush what is queued, then close. */
  end(): void {
    this.closed = true;
    this.socket.end();
    // A shim that never closes its end must not hold the daemon's shutdown.
    setTimeout(() => this.socket.destroy(), DEFAULT_END_GRACE_MS).unref();
  }

  markClosed(): void {
    this.closed = true;
  }
}
