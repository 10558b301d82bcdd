/**
 * The ZAP handler (ZeroMQ RFC 27) of the daemon's ZeroMQ context: libzmq
 * asks it, over `inproc://zeromq.zap.01`, whether each new connection to a
 * server socket with a ZAP domain may go on. zeromq.js has no helper, so
 * this is a ROUTER socket answering libzmq's requests with a policy.
 *
 * Failing closed is libzmq's part: server sockets set `zapEnforceDomain`, so
 * with no handler bound (never started, stopped, crashed) libzmq refuses
 * every connection instead of letting it in; a handler that stops answering
 * leaves handshakes to time out.
 */
import * as zmq from 'zeromq';
import type { Logger } from '../log';
import type { Counters } from '../metrics/counters';
import { ZapBindFailedError } from './errors';
import { SocketLoop } from '../socket-loop';

/** Where libzmq looks for the handler of a context. */
export const ZAP_ENDPOINT = 'inproc://zeromq.zap.01';
/** The only ZAP version libzmq speaks. */
const ZAP_VERSION = '1.0';

/** One question from libzmq, its frames named. */
export interface ZapRequest {
  /** The server socket's `zapDomain`: which of the daemon's doors the peer knocks on. */
  domain: string;
  /** The peer's IP address (tcp). */
  address: string;
  /** The peer's routing id, if it set one. */
  identity: Buffer;
  /** `NULL`, `PLAIN` or `CURVE`. */
  mechanism: string;
  /** CURVE: the client's 32-byte long-term public key. */
  credentials: Buffer[];
}

/** Why a connection is refused; counted as `security.denied.<reason>`. */
export type DenialReason = 'untrusted_key' | 'not_curve' | 'address_not_listed' | 'unknown_domain' | 'malformed';

export type ZapVerdict = { ok: true; userId: string } | { ok: false; reason: DenialReason };

/** Decides each request; called once per connection attempt. Must not throw (a throw is a `malformed` denial). */
export type ZapPolicy = (req: ZapRequest) => ZapVerdict;

export interface ZapHandlerOptions {
  context: zmq.Context;
  policy: ZapPolicy;
  /** Told about every denial (count, log). */
  onDenied(req: ZapRequest | null, reason: DenialReason): void;
  log: Logger;
  counters: Counters;
}

export class ZapHandler {
  private readonly reading = new SocketLoop<zmq.Router>();

  constructor(private readonly opts: ZapHandlerOptions) {}

  /** True while bound and answering. */
  get running(): boolean {
    return this.reading.socket !== null;
  }

  async start(): Promise<void> {
    const sock = new zmq.Router({ context: this.opts.context, linger: 0 });
    try {
      await sock.bind(ZAP_ENDPOINT);
    } catch (err) {
      sock.close();
      throw new ZapBindFailedError(ZAP_ENDPOINT, err);
    }
    this.reading.run(sock, {
      message: (frames, s) => {
        const reply = this.answer(frames);
        return reply ? s.send(reply) : undefined;
      },
      failed: (err) => {
        // A dead handler must not look alive: unbind so that libzmq refuses everyone.
        this.opts.log.error({ err }, 'ZAP handler failed: every new connection is refused until the daemon restarts');
        this.reading.close();
      },
    });
  }

  /** Unbind: from then on libzmq refuses every connection to the daemon's secured sockets. */
  stop(): Promise<void> {
    return this.reading.stop();
  }

  /** The reply frames for one request (routing id and delimiter first), or null when it cannot be answered. */
  private answer(frames: Buffer[]): Buffer[] | null {
    // [routing id, '', version, request id, domain, address, identity, mechanism, credentials...]
    if (frames.length < 8 || frames[1]!.length !== 0 || frames[2]!.toString() !== ZAP_VERSION) {
      this.opts.onDenied(null, 'malformed');
      return frames.length >= 4 && frames[1]!.length === 0 ? this.reply(frames, '500', 'malformed ZAP request', '') : null;
    }
    const req: ZapRequest = {
      domain: frames[4]!.toString(),
      address: frames[5]!.toString(),
      identity: frames[6]!,
      mechanism: frames[7]!.toString(),
      credentials: frames.slice(8),
    };
    let verdict: ZapVerdict;
    try {
      verdict = this.opts.policy(req);
    } catch (err) {
      this.opts.log.error({ err }, 'ZAP policy failed; connection refused');
      verdict = { ok: false, reason: 'malformed' };
    }
    if (verdict.ok) {
      this.opts.counters.inc('security.zap.allowed');
      return this.reply(frames, '200', 'OK', verdict.userId);
    }
    this.opts.onDenied(req, verdict.reason);
    return this.reply(frames, '400', verdict.reason, '');
  }

  private reply(frames: Buffer[], status: string, text: string, userId: string): Buffer[] {
    return [frames[0]!, Buffer.alloc(0), Buffer.from(ZAP_VERSION), frames[3]!, Buffer.from(status), Buffer.from(text), Buffer.from(userId), Buffer.alloc(0)];
  }
}
