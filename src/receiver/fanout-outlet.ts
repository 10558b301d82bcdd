/**
 * The outlet of a fanout topic (`fanout~<base>`, several wire topics share
 * one `zmq_topic_fanout~<base>` socket): every subscriber gets every message.
 *
 * The fanout hold: a fresh outlet has no subscriber yet - its consumers
 * connect only once the ipc file exists - and a PUB drops what nobody
 * listens to. So for `[zmq_bridge] fanout_hold` after creation, messages
 * wait for a first subscriber instead of being sent into the void. This
 * replaces the legacy receiver's global 0.5 s sleep per new socket.
 */
import type { Timer } from '../time/clock';
import type { OutletDeps } from './outlet';
import { SubscribedOutlet } from './subscribed-outlet';

export class FanoutOutlet extends SubscribedOutlet {
  readonly kind = 'fanout' as const;
  /** Clock time at which the hold ends. */
  private readonly holdUntil: number;
  /** Wakes the pump when the hold ends, if messages wait for it. */
  private holdTimer: Timer | null = null;

  constructor(topic: string, deps: OutletDeps) {
    super(topic, deps);
    this.holdUntil = this.clock.now() + deps.settings.fanoutHoldMs;
  }

  protected override maySend(): boolean {
    if (this.subs.size > 0) return true;
    const now = this.clock.now();
    if (now >= this.holdUntil) {
      // Past the hold window a fanout without subscribers behaves like the legacy PUB: nobody hears it.
      this.deps.counters.inc('receiver.fanout.unheard');
      return true;
    }
    if (!this.holdTimer) {
      this.holdTimer = this.clock.setTimeout(
        () => {
          this.holdTimer = null;
          this.pump();
        },
        this.holdUntil - now,
        // A hold never keeps the process alive on its own.
        { ref: false },
      );
    }
    return false;
  }

  protected override onSubscribe(): void {
    this.pump();
  }

  protected override mayDrainOnClose(): boolean {
    return this.subs.size > 0;
  }

  protected override dispose(): void {
    this.holdTimer?.cancel();
    this.holdTimer = null;
  }
}
