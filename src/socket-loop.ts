/**
 * The life of a ZeroMQ socket that one part owns and reads until it stops:
 * the plaintext listener, the ZAP handler, the matchmaker service and its
 * client. Each binds or connects its socket its own way, then hands it here;
 * one loop reads it, and stop() closes it and waits for that loop to end, so
 * nothing of the socket runs after its owner stopped.
 *
 * A read that ends with an error is expected when stop() closed the socket,
 * and then says nothing; otherwise the owner hears of it (log it, and for the
 * ZAP handler close the socket so that the door fails closed).
 */
import type * as zmq from 'zeromq';

/** A socket the loop can read and close. */
type ReadableSocket = zmq.Socket & zmq.Readable<Buffer[]>;

export interface SocketLoopHandlers<S extends ReadableSocket> {
  /** One received message. A returned promise is awaited before the next receive (the ZAP handler's answer). */
  message(frames: Buffer[], sock: S): void | Promise<void>;
  /** The read failed (or `message` threw) while the socket was still this loop's. */
  failed(err: unknown, sock: S): void;
}

export class SocketLoop<S extends ReadableSocket> {
  private sock: S | null = null;
  private loop: Promise<void> = Promise.resolve();

  /** The socket being read; null before run() and after stop() or close(). */
  get socket(): S | null {
    return this.sock;
  }

  /** Own `sock` (bound or connected by the caller) and read it until it closes. */
  run(sock: S, handlers: SocketLoopHandlers<S>): void {
    this.sock = sock;
    this.loop = this.read(sock, handlers);
  }

  /** Close the socket and wait until its loop has ended; nothing to do when not running. */
  async stop(): Promise<void> {
    const sock = this.close();
    if (sock) await this.loop;
  }

  /**
   * Let go of the socket and close it without waiting for the loop (from
   * inside the loop, a failed handler closing its door). Returns the socket
   * closed, or null when there was none.
   */
  close(): S | null {
    const sock = this.sock;
    this.sock = null;
    sock?.close();
    return sock;
  }

  private async read(sock: S, handlers: SocketLoopHandlers<S>): Promise<void> {
    try {
      for await (const frames of sock) {
        const pending = handlers.message(frames, sock);
        // Synchronous handlers (most) cost no extra turn per message.
        if (pending) await pending;
      }
    } catch (err) {
      if (this.sock === sock) handlers.failed(err, sock);
    }
  }
}
