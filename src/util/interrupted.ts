/**
 * A libzmq call that a signal interrupted. libzmq hands EINTR back to the
 * caller for some calls (creating a socket, `zmq_connect`, setting up a
 * socket monitor: each first processes the socket's pending commands, and
 * that read can be interrupted) and zeromq.js throws it. Signals do reach
 * the daemon - SIGHUP for a reload, SIGTERM, a profiler's SIGPROF - and
 * one landing while a peer connection or an ipc outlet is being set up must
 * not refuse the message that needed it. As with any interrupted system
 * call, it is made again - but only a call that starts afresh: creating a
 * socket is, while an interrupted `zmq_connect` may already have registered
 * its endpoint (connecting that socket again fails with EADDRINUSE, seen at
 * 1,000 peers under a profiler's SIGPROF), so a peer connection retries its
 * whole set-up with a new socket (src/sender/peer-pool.ts).
 */

/** Attempts after the first before an interruption is reported as the error it is. */
export const DEFAULT_INTERRUPTED_RETRIES = 8;

/** Whether `err` is an interrupted system call (zeromq.js sets `code` from errno). */
export function isInterrupted(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'EINTR';
}

/**
 * `call()`, made again while it throws EINTR (at most `retries` more times).
 * `onRetry` is told of each retry (to count it). Any other error, or the
 * last interruption, is thrown to the caller.
 */
export function retryInterrupted<T>(call: () => T, onRetry?: () => void, retries = DEFAULT_INTERRUPTED_RETRIES): T {
  for (let attempt = 0; ; attempt++) {
    try {
      return call();
    } catch (err) {
      if (!isInterrupted(err) || attempt >= retries) throw err;
      onRetry?.();
    }
  }
}
