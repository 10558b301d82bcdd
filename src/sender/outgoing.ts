/**
 * How a message's frames are handed to zeromq.js.
 *
 * zeromq.js sends a Buffer larger than 128 bytes zero-copy: libzmq keeps the
 * Buffer until its I/O thread has written it, then releases it through an
 * async handle on the Node event loop (zeromq.js `OutgoingMsg`, "trash").
 * That release wakes the event loop once per message sent (an eventfd write
 * from the I/O thread, an epoll wake-up and a context switch of the main
 * thread when it was idle): on the call path, one extra wake-up of each
 * daemon per call. A string is copied into libzmq's own message instead and
 * freed on whatever thread is done with it. The legacy frames the daemon
 * builds are JSON texts (ASCII, as Python's json.dumps writes them): for
 * those, a copy of ~1-2 KiB costs far less than the wake-up.
 */
import { isUtf8 } from 'node:buffer';

/** zeromq.js's zero-copy threshold for outgoing Buffers (src/outgoing_msg.cc), in bytes. */
export const ZEROMQ_ZERO_COPY_THRESHOLD_BYTES = 128;

/**
 * `frames` ready for `socket.send()`: frames above the zero-copy threshold
 * that are valid UTF-8 become strings (zeromq.js writes a string's UTF-8
 * bytes, the very bytes of the frame); any other frame is passed as it is.
 */
export function framesForZeroMq(frames: readonly Buffer[]): (Buffer | string)[] {
  let out: (Buffer | string)[] | null = null;
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i]!;
    if (f.length > ZEROMQ_ZERO_COPY_THRESHOLD_BYTES && isUtf8(f)) {
      out ??= frames.slice();
      out[i] = f.toString('utf8');
    }
  }
  return out ?? (frames as Buffer[]);
}
