/**
 * Migration from legacy nodes (`[zmq_bridge] plaintext_peers`): legacy
 * impl_zmq nodes cannot speak CURVE, so while they remain, a daemon with
 * `security = curve` also listens in plaintext on `plaintext_port` (the
 * legacy nodes' `rpc_zmq_port`), and the ZAP handler lets in only the listed
 * addresses. Messages go to the receiver exactly as if they had come on the
 * CURVE port. Off unless plaintext_peers lists someone; its risk is in
 * docs/security.md.
 */
import * as zmq from 'zeromq';
import type { Logger } from '../log';
import type { Counters } from '../metrics/counters';
import { tcpEndpoint } from '../wire/endpoints';
import { SocketLoop } from '../socket-loop';
import { PlaintextBindFailedError } from './errors';
import type { SocketSecurity } from './types';

/** Receive high-water mark of the plaintext listener, in messages (the receiver's own). */
export const DEFAULT_PLAINTEXT_RECEIVE_HWM = 1_000;

export interface PlaintextListenerOptions {
  /** `rpc_zmq_bind_address` resolved. */
  bindAddress: string;
  /** `[zmq_bridge] plaintext_port`. */
  port: number;
  security: SocketSecurity;
  /** The receiver's entry point (routing, checks, counters). */
  dispatch(frames: Buffer[]): void;
  log: Logger;
  counters: Counters;
  context?: zmq.Context;
}

export class PlaintextListener {
  readonly name = 'plaintext-listener';
  private readonly reading = new SocketLoop<zmq.Pull>();

  constructor(private readonly opts: PlaintextListenerOptions) {}

  get endpoint(): string {
    return tcpEndpoint(this.opts.bindAddress, this.opts.port);
  }

  async start(): Promise<void> {
    const sock = new zmq.Pull({ linger: 0, receiveHighWaterMark: DEFAULT_PLAINTEXT_RECEIVE_HWM, ...(this.opts.context ? { context: this.opts.context } : {}) });
    this.opts.security.server(sock, 'plaintext');
    try {
      await sock.bind(this.endpoint);
    } catch (err) {
      sock.close();
      throw new PlaintextBindFailedError(this.endpoint, err);
    }
    this.reading.run(sock, {
      message: (frames) => {
        this.opts.counters.inc('security.plaintext.received');
        this.opts.dispatch(frames);
      },
      failed: (err) => this.opts.log.error({ err }, 'plaintext listener failed'),
    });
    this.opts.log.warn({ endpoint: this.endpoint }, 'plaintext listener for legacy peers open (plaintext_peers): its traffic is neither encrypted nor authenticated');
  }

  stop(): Promise<void> {
    return this.reading.stop();
  }
}
