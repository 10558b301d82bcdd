/**
 * Base of the XPUB outlets (fanout and reply): consumers connect SUB sockets
 * and see a PUB, while the daemon reads their subscription messages (byte 1 =
 * subscribe, 0 = unsubscribe, then the prefix) to know whether anyone
 * listens - which is what the fanout hold and the reply hold wait for.
 */
import * as zmq from 'zeromq';
import { retryInterrupted } from '../util/interrupted';
import { Outlet, type OutletDeps } from './outlet';

export abstract class SubscribedOutlet extends Outlet {
  protected readonly sock: zmq.XPublisher;
  /**
   * The subscribed prefixes. XPUB in its default mode passes only the first
   * subscription and the last unsubscription of a prefix, so a set is an
   * exact model.
   */
  protected readonly subs = new Set<string>();

  constructor(topic: string, deps: OutletDeps) {
    super(topic, deps);
    this.sock = retryInterrupted(() => new zmq.XPublisher(deps.context ? { context: deps.context } : {}), () => deps.counters.inc('receiver.outlets.open_interrupted'));
  }

  protected override afterBind(): void {
    void this.watchSubscriptions();
  }

  /** Whether a message whose frame 0 is `msgId` would reach a subscriber (SUB filters by prefix of frame 0). */
  protected subscribed(msgId: string): boolean {
    if (this.subs.has(msgId) || this.subs.has('')) return true;
    for (const p of this.subs) if (msgId.startsWith(p)) return true;
    return false;
  }

  private async watchSubscriptions(): Promise<void> {
    try {
      for (;;) {
        const [msg] = await this.sock.receive();
        if (!msg || msg.length === 0) continue;
        const prefix = msg.toString('latin1', 1);
        if (msg[0] === 1) {
          this.subs.add(prefix);
          this.onSubscribe(prefix);
        } else if (msg[0] === 0) {
          this.subs.delete(prefix);
        }
      }
    } catch (err) {
      if (!this.closed) this.log.error({ err }, 'subscription watch stopped');
    }
  }

  /** A consumer subscribed to `prefix`: held messages it wants may leave now. */
  protected abstract onSubscribe(prefix: string): void;
}
