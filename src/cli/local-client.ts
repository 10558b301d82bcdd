/**
 * The subcommands' client of the local API (docs/local-api.md): one
 * connection, requests with a rid each, every wait bounded. Same framing and
 * msgpack as the shim (src/localapi/framing.ts).
 */
import { createConnection, type Socket } from 'node:net';
import { encodeFrame, FrameDecoder } from '../localapi/framing';
import { DaemonRefusedError, DaemonSilentError, DaemonUnreachableError } from './errors';

/** How long connecting to the socket may take, in milliseconds. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 2_000;

type Frame = Record<string, unknown>;

export class LocalClient {
  private readonly decoder = new FrameDecoder();
  private readonly waiting = new Map<number, (f: Frame | Error) => void>();
  private nextRid = 1;

  private constructor(
    readonly path: string,
    private readonly sock: Socket,
  ) {
    sock.on('data', (chunk: Buffer) => {
      let frames: Frame[];
      try {
        frames = this.decoder.push(chunk);
      } catch (err) {
        this.failAll(err as Error);
        sock.destroy();
        return;
      }
      for (const f of frames) {
        const rid = typeof f.rid === 'number' ? f.rid : null;
        const w = rid === null ? undefined : this.waiting.get(rid);
        if (!w) continue; // deliveries and connection-wide notices: a CLI listens to nothing
        this.waiting.delete(rid!);
        w(f);
      }
    });
    sock.on('close', () => this.failAll(new DaemonUnreachableError(path, new Error('the daemon closed the connection'))));
    sock.on('error', () => {});
  }

  /** Connect to the daemon's local API socket; rejects with {@link DaemonUnreachableError}. */
  static connect(path: string, timeoutMs = DEFAULT_CONNECT_TIMEOUT_MS): Promise<LocalClient> {
    return new Promise((resolve, reject) => {
      const sock = createConnection(path);
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new DaemonUnreachableError(path, new Error(`no connection within ${timeoutMs / 1000} s`)));
      }, timeoutMs);
      sock.once('connect', () => {
        clearTimeout(timer);
        resolve(new LocalClient(path, sock));
      });
      sock.once('error', (err) => {
        clearTimeout(timer);
        reject(new DaemonUnreachableError(path, err));
      });
    });
  }

  /**
   * Send `frame` with a fresh rid; resolves with the `ok`/`reply` answer,
   * rejects with {@link DaemonRefusedError} for an `error` answer and
   * {@link DaemonSilentError} after `timeoutMs`.
   */
  request(frame: Frame, timeoutMs: number): Promise<Frame> {
    const rid = this.nextRid++;
    const op = String(frame.op);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(rid);
        reject(new DaemonSilentError(this.path, op, timeoutMs));
      }, timeoutMs);
      this.waiting.set(rid, (f) => {
        clearTimeout(timer);
        if (f instanceof Error) reject(f);
        else if (f.op === 'error') reject(new DaemonRefusedError(String(f.code), String(f.message)));
        else resolve(f);
      });
      this.sock.write(encodeFrame({ ...frame, rid }));
    });
  }

  close(): void {
    this.sock.end();
    this.sock.destroy();
  }

  private failAll(err: Error): void {
    const all = [...this.waiting.values()];
    this.waiting.clear();
    for (const w of all) w(err);
  }
}
