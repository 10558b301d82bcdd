/**
 * The bytes the local API holds for all shim connections together, and the
 * one cap on them (`[zmq_bridge] local_buffer_bytes`), applied to each
 * direction:
 *  - in: partial frames being reassembled (a frame may be up to 64 MiB, so
 *    a few clients sending most of one and hanging would otherwise hold
 *    that much each). Past the cap, the connection whose bytes pushed it
 *    over stops being read until others complete or leave; a client that
 *    then hangs is cut by `local_read_timeout`.
 *  - out: answers and deliveries written but not yet taken by the shims
 *    (a shim that does not read would hold them in the daemon's memory).
 *    Past the cap, a write to a connection that already has a backlog is
 *    dropped; a connection without one (a shim that reads) always gets its
 *    frame, so slow readers cannot starve the others.
 */
import type { Socket } from 'node:net';

/** A connection's own unread output below which its writes are never dropped by the global cap, in bytes (1 MiB). */
export const DEFAULT_OUTPUT_SLACK_BYTES = 1024 * 1024;

export class LocalBuffers {
  /** Bytes of partial frames held for all connections. */
  private input = 0;
  private readonly sockets = new Set<Socket>();
  /** Connections whose reading paused for the input cap: how to resume each. */
  private readonly paused = new Set<() => void>();

  constructor(
    /** `[zmq_bridge] local_buffer_bytes`. */
    readonly limitBytes: number,
    /** See {@link DEFAULT_OUTPUT_SLACK_BYTES}. */
    readonly outputSlackBytes = DEFAULT_OUTPUT_SLACK_BYTES,
  ) {}

  get inputBytes(): number {
    return this.input;
  }

  /** Bytes written to all connections and not yet taken by their shims. */
  outputBytes(): number {
    let n = 0;
    for (const s of this.sockets) n += s.writableLength;
    return n;
  }

  /** Count a connection's unread output from now on. */
  track(socket: Socket): void {
    this.sockets.add(socket);
  }

  untrack(socket: Socket): void {
    this.sockets.delete(socket);
  }

  /** A connection's partial frames grew or shrank by `delta` bytes; shrinking may let paused ones go on. */
  addInput(delta: number): void {
    this.input += delta;
    if (delta < 0 && this.paused.size > 0 && this.input < this.limitBytes) {
      const resumes = [...this.paused];
      this.paused.clear();
      for (const r of resumes) r();
    }
  }

  /** Whether partial frames hold more than the cap. */
  get inputFull(): boolean {
    return this.input > this.limitBytes;
  }

  /** Call `resume` once the input is back under the cap. */
  whenRoom(resume: () => void): void {
    this.paused.add(resume);
  }

  /** Forget a paused connection that went away. */
  forget(resume: () => void): void {
    this.paused.delete(resume);
  }

  /**
   * Whether a frame may be written to a connection whose own unread output
   * is `own` bytes: under its own `ownLimit`, and under the global cap unless
   * its backlog is small (see {@link DEFAULT_OUTPUT_SLACK_BYTES}).
   */
  mayWrite(own: number, ownLimit: number): boolean {
    if (own > ownLimit) return false;
    return own < this.outputSlackBytes || this.outputBytes() <= this.limitBytes;
  }
}
