/**
 * The daemon's ZeroMQ context.
 *
 * libzmq's zero-copy receive (ZMQ_ZERO_COPY_RECV, on by default) makes each
 * received message a slice of an 8 KiB decoder buffer shared with its
 * neighbours; zeromq.js hands messages over 128 bytes to JavaScript as
 * external buffers over that memory, freed only when V8 collects them. One
 * message still referenced keeps its whole buffer alive, so a burst left the
 * I/O thread's malloc arena holding tens of MiB. Copying each message into
 * its own allocation costs one memcpy and keeps memory proportional to what
 * is actually queued.
 */
import * as zmq from 'zeromq';

/** ZMQ_ZERO_COPY_RECV (draft context option, libzmq >= 4.3): not typed by zeromq.js. */
const ZMQ_ZERO_COPY_RECV = 10;

/** libzmq's own default of sockets per context (ZMQ_MAX_SOCKETS_DFLT), used when no budget is given. */
export const LIBZMQ_DEFAULT_MAX_SOCKETS = 1_023;

/**
 * A context with `ioThreads` I/O threads (`rpc_zmq_contexts`), room for
 * `maxSockets` sockets (the socket budget's) and zero-copy receive off.
 */
export function createContext(ioThreads: number, maxSockets = LIBZMQ_DEFAULT_MAX_SOCKETS): zmq.Context {
  const ctx = new zmq.Context({ ioThreads: Math.max(1, ioThreads), maxSockets: Math.max(1, maxSockets) });
  const raw = ctx as unknown as { setBoolOption?(option: number, value: boolean): void };
  try {
    raw.setBoolOption?.(ZMQ_ZERO_COPY_RECV, false);
  } catch {
    // A libzmq without the draft option: keep its default (only memory use differs).
  }
  return ctx;
}
