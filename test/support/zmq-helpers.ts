/** Small helpers for tests over real ZeroMQ sockets. */
import { existsSync } from 'node:fs';
import * as zmq from 'zeromq';
import { waitFor } from './wait';

/** Receive one message or fail after `ms` (a hang guard, not a timing assertion). */
export async function receiveWithin(sock: zmq.Pull | zmq.Subscriber, ms = 5000): Promise<Buffer[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`nothing received within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([sock.receive(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolve true if a message arrives within `ms`, false otherwise (for "gets nothing" checks). */
export async function receivesWithin(sock: zmq.Pull | zmq.Subscriber, ms: number): Promise<Buffer[] | null> {
  sock.receiveTimeout = ms;
  try {
    return await sock.receive();
  } catch (err) {
    if ((err as { code?: string }).code === 'EAGAIN') return null;
    throw err;
  } finally {
    sock.receiveTimeout = -1;
  }
}

/** The suite's one polling wait (test/support/wait.ts), re-exported for existing imports. */
export { waitFor } from './wait';

export async function waitForFile(path: string, ms = 5000): Promise<void> {
  await waitFor(() => existsSync(path), ms, `ipc file ${path}`);
}

export function frames(...parts: (string | Buffer)[]): Buffer[] {
  return parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p));
}
