/**
 * The local API's unix socket server: one {@link Session} per shim
 * connection, frames read by a {@link FrameReader} (time limit per frame,
 * shared byte cap) and handed to {@link LocalApi}. At start a stale socket
 * file (nobody answers on it) is removed; a live one means another daemon
 * owns it and start-up is refused.
 *
 * Who gets in (docs/security.md): the socket's directory must be one only
 * the daemon's user (and root, and the ipc group) can change, the socket
 * gets the ipc group and `local_socket_mode`, and each connecting process's
 * kernel credentials (SO_PEERCRED) must be root, the daemon's user or a
 * member of the ipc group; anyone else is answered LOCAL_PEER_REFUSED and
 * disconnected before a byte of theirs is read.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { chmod, mkdir, unlink, lstat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '../log';
import type { Counters } from '../metrics/counters';
import { DEFAULT_LOCAL_BUFFER_BYTES, DEFAULT_LOCAL_READ_TIMEOUT_S } from '../config/options';
import { systemClock, type Clock } from '../time/clock';
import { LogLimiter } from '../util/log-limiter';
import { LocalApiShutdownError, LocalSocketFailedError, LocalSocketInUseError, ReadTimeoutError } from './errors';
import type { LocalApi } from './handlers';
import { errorAnswer } from './protocol';
import type { ListenerRegistry } from './registry';
import { LocalBuffers } from './buffers';
import { encodeFrame } from './framing';
import { FrameReader } from './reader';
import { Session } from './session';
import { applyFileAccess, type FileAccess } from '../security/file-access';
import { checkDirectory, type Trust } from '../security/file-safety';
import { LocalPeerRefusedError } from '../security/errors';
import type { LocalAccess, AccessVerdict } from '../security/local-access';

/** How long to wait for an existing socket file to answer before calling it stale, in milliseconds. */
export const DEFAULT_PROBE_TIMEOUT_MS = 1_000;
/** Milliseconds a refused connection gets to read its LOCAL_PEER_REFUSED before it is cut. */
export const DEFAULT_REFUSE_GRACE_MS = 200;

export interface LocalApiServerOptions {
  /** `[zmq_bridge] local_socket`. */
  path: string;
  /** `[zmq_bridge] local_socket_mode` (e.g. 0o660). */
  mode: number;
  api: LocalApi;
  registry: ListenerRegistry;
  /** The local API's component logger. */
  log: Logger;
  counters: Counters;
  /** Who may connect (checked on every connection); anyone who can open the socket when absent. */
  access?: LocalAccess;
  /** Group and mode of the socket file (the ipc group, `mode`); only `mode` when absent. */
  socketAccess?: FileAccess;
  /** Who may own and write the socket's directory; unchecked when absent. */
  dirTrust?: Trust;
  /** Time of the read timeouts (default: the system clock). */
  clock?: Clock;
  /** `[zmq_bridge] local_read_timeout`, in milliseconds (default {@link DEFAULT_LOCAL_READ_TIMEOUT_S}). */
  readTimeoutMs?: number;
  /** `[zmq_bridge] local_buffer_bytes` (default {@link DEFAULT_LOCAL_BUFFER_BYTES}). */
  bufferBytes?: number;
  /** Thins the warnings clients can repeat (shared with the other local API parts). */
  limiter?: LogLimiter;
}

/** How the safety check names the local API socket's directory. */
const SOCKET_DIR_ROLE = {
  what: "the local API socket's directory ([zmq_bridge] local_socket)",
  risk: 'put their own socket in its place and read (and answer) every call the shims send',
};

/** True when something accepts connections on the unix socket `path`. */
function probe(path: string, ms = DEFAULT_PROBE_TIMEOUT_MS): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection(path);
    const done = (live: boolean): void => {
      clearTimeout(t);
      c.destroy();
      resolve(live);
    };
    const t = setTimeout(() => done(true), ms);
    c.once('connect', () => done(true));
    c.once('error', () => done(false));
  });
}

export class LocalApiServer {
  readonly name = 'localapi';
  private server: Server | null = null;
  private readonly sessions = new Map<number, Session>();
  private nextId = 1;
  private readonly log: Logger;
  private readonly counters: Counters;
  private readonly clock: Clock;
  private readonly buffers: LocalBuffers;
  private readonly limiter: LogLimiter;

  constructor(private readonly opts: LocalApiServerOptions) {
    this.log = opts.log;
    this.counters = opts.counters;
    this.clock = opts.clock ?? systemClock;
    this.buffers = new LocalBuffers(opts.bufferBytes ?? DEFAULT_LOCAL_BUFFER_BYTES);
    this.limiter = opts.limiter ?? new LogLimiter({ clock: this.clock });
  }

  /** Bytes of partial frames held for all connections (bounded by `local_buffer_bytes`). */
  get bufferedInputBytes(): number {
    return this.buffers.inputBytes;
  }

  /** Bytes written to all connections and not yet read by their shims. */
  get bufferedOutputBytes(): number {
    return this.buffers.outputBytes();
  }

  get path(): string {
    return this.opts.path;
  }

  /** True while the unix socket accepts shims (readiness). */
  get listening(): boolean {
    return this.server?.listening ?? false;
  }

  /** Open sessions. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  async start(): Promise<void> {
    const path = this.opts.path;
    try {
      await mkdir(dirname(path), { recursive: true });
    } catch (err) {
      throw new LocalSocketFailedError(path, err);
    }
    if (this.opts.dirTrust) checkDirectory(dirname(path), this.opts.dirTrust, SOCKET_DIR_ROLE);
    const exists = await lstat(path).then(
      () => true,
      () => false,
    );
    if (exists) {
      if (await probe(path)) throw new LocalSocketInUseError(path);
      this.log.warn({ path }, 'removing stale local API socket file');
      await unlink(path).catch(() => {});
    }
    const server = createServer((sock) => this.accept(sock));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new LocalSocketFailedError(path, err)));
      server.listen(path, () => resolve());
    });
    server.on('error', (err) => this.log.error({ err, path }, 'local API server error'));
    try {
      if (this.opts.socketAccess) await applyFileAccess(path, this.opts.socketAccess);
      else await chmod(path, this.opts.mode);
    } catch (err) {
      server.close();
      throw new LocalSocketFailedError(path, err);
    }
    this.server = server;
    this.log.info({ path, mode: this.opts.mode.toString(8) }, 'local API listening');
  }

  private accept(sock: Socket): void {
    let creds = null;
    if (this.opts.access) {
      const verdict = this.opts.access.check(sock);
      if (!verdict.ok) {
        this.refusePeer(sock, verdict);
        return;
      }
      creds = verdict.creds;
    }
    const id = this.nextId++;
    const session = new Session(id, sock, { log: this.log, counters: this.counters, creds, buffers: this.buffers, limiter: this.limiter });
    this.sessions.set(id, session);
    this.buffers.track(sock);
    this.counters.inc('localapi.sessions.opened');
    const reader = new FrameReader({
      socket: sock,
      buffers: this.buffers,
      clock: this.clock,
      readTimeoutMs: this.opts.readTimeoutMs ?? DEFAULT_LOCAL_READ_TIMEOUT_S * 1000,
      counters: this.counters,
      onFrames: (frames) => {
        for (const f of frames) void this.opts.api.handle(session, f);
      },
      onError: (err) => this.protocolError(session, err),
    });
    sock.on('error', (err) => this.log.debug({ err, session: id }, 'local API connection error'));
    sock.on('close', () => {
      reader.stop();
      this.buffers.untrack(sock);
      this.closed(session);
    });
  }

  /**
   * A malformed frame, or one not completed in time: answer PROTOCOL, end
   * the connection (destroyed after a short grace if the client keeps its
   * side open), and forget the session now - its listeners and calls go at
   * once, so nothing more is delivered into a connection that reads nothing.
   */
  private protocolError(session: Session, err: Error): void {
    if (!(err instanceof ReadTimeoutError)) this.counters.inc('localapi.protocol_errors');
    this.limiter.warn(this.log, 'protocol', String(session.shimPid ?? ''), { err, session: session.id, shim_pid: session.shimPid }, 'local API protocol error: closing the connection');
    session.write(errorAnswer(undefined, err));
    session.end();
    this.closed(session);
  }

  /** Answer LOCAL_PEER_REFUSED and hang up, reading nothing the process sent. */
  private refusePeer(sock: Socket, verdict: Extract<AccessVerdict, { ok: false }>): void {
    this.counters.inc('security.local.refused');
    const c = verdict.creds;
    this.log.warn({ peer_pid: c?.pid, peer_uid: c?.uid, peer_gid: c?.gid, why: verdict.why }, 'local API connection refused');
    sock.on('error', () => undefined);
    sock.pause();
    const who = c ? `pid ${c.pid} (uid ${c.uid}, gid ${c.gid})` : 'a process whose credentials cannot be read';
    sock.end(encodeFrame(errorAnswer(undefined, new LocalPeerRefusedError(who))));
    setTimeout(() => sock.destroy(), DEFAULT_REFUSE_GRACE_MS).unref();
  }

  private closed(s: Session): void {
    if (!this.sessions.delete(s.id)) return;
    const calls = s.pendingCalls;
    s.close('the shim disconnected');
    this.counters.inc('localapi.sessions.closed');
    this.opts.registry.removeOwner(s);
    this.log.info({ session: s.id, shim_pid: s.shimPid, cancelled_calls: calls }, 'shim disconnected');
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of [...this.sessions.values()]) {
      s.write(errorAnswer(undefined, new LocalApiShutdownError()));
      s.end();
      this.closed(s);
    }
    if (server) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await unlink(this.opts.path).catch(() => {});
    }
  }
}
