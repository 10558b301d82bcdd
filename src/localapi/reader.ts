/**
 * Reads one shim connection: stream chunks -> frames (framing.ts), within
 * two limits a client could otherwise abuse to hold the daemon's memory:
 *  - a frame that was started must be complete within `local_read_timeout`
 *    (counted from its first byte, so trickling bytes does not extend it);
 *    an idle connection between frames is not limited;
 *  - the partial frames of all connections share `local_buffer_bytes`
 *    (buffers.ts): past it this connection stops being read until there is
 *    room again - unless its own partial frame is all there is (a single
 *    frame larger than the cap still gets through).
 * A malformed frame or a frame past its time ends the reading; what happens
 * to the connection is the server's business (`onError`).
 */
import type { Socket } from 'node:net';
import type { Counters } from '../metrics/counters';
import type { Clock, Timer } from '../time/clock';
import type { LocalBuffers } from './buffers';
import { ReadTimeoutError } from './errors';
import { FrameDecoder } from './framing';

export interface FrameReaderOptions {
  socket: Socket;
  buffers: LocalBuffers;
  clock: Clock;
  /** `[zmq_bridge] local_read_timeout`, in milliseconds. */
  readTimeoutMs: number;
  counters: Counters;
  /** Complete frames, in order. */
  onFrames(frames: Record<string, unknown>[]): void;
  /** A malformed frame (ProtocolError) or a frame past its time (ReadTimeoutError); reading has stopped. */
  onError(err: Error): void;
}

export class FrameReader {
  private readonly decoder = new FrameDecoder();
  /** Bytes of this connection counted in the shared input budget. */
  private accounted = 0;
  private timer: Timer | null = null;
  private stopped = false;

  constructor(private readonly o: FrameReaderOptions) {
    o.socket.on('data', this.onData);
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.stopped) return;
    const started = this.decoder.buffered === 0;
    let frames: Record<string, unknown>[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    const held = this.decoder.buffered;
    this.o.buffers.addInput(held - this.accounted);
    this.accounted = held;
    if (held === 0) this.cancelTimer();
    else if (started || frames.length > 0) this.startTimer();
    // Pause only for others' bytes: a connection alone over the cap (one frame
    // larger than it, up to MAX_FRAME_BYTES) would otherwise wait for nobody.
    if (held > 0 && this.o.buffers.inputFull && this.o.buffers.inputBytes > held) this.pause();
    if (frames.length > 0) this.o.onFrames(frames);
  };

  /** A new partial frame: its time starts now. */
  private startTimer(): void {
    this.cancelTimer();
    this.timer = this.o.clock.setTimeout(() => {
      this.timer = null;
      this.o.counters.inc('localapi.read_timeouts');
      this.fail(new ReadTimeoutError(this.o.readTimeoutMs / 1000, this.decoder.buffered));
    }, this.o.readTimeoutMs);
  }

  private cancelTimer(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  private pause(): void {
    this.o.counters.inc('localapi.input_paused');
    this.o.socket.pause();
    this.o.buffers.whenRoom(this.resume);
  }

  private readonly resume = (): void => {
    if (!this.stopped && !this.o.socket.destroyed) this.o.socket.resume();
  };

  private fail(err: Error): void {
    this.stop();
    this.o.onError(err);
  }

  /** Read nothing more and give back this connection's share of the input budget. Idempotent. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.cancelTimer();
    this.o.socket.off('data', this.onData);
    this.o.socket.pause();
    this.o.buffers.forget(this.resume);
    this.o.buffers.addInput(-this.accounted);
    this.accounted = 0;
  }
}
