/**
 * Which counters mean "a message was lost or refused", and when each last
 * moved. `nova-zmq-bridge status` warns about drops that happened recently,
 * not about every drop since start (a months-old drop must not keep a
 * health check at WARNING until the next restart), so the daemon samples
 * these counters on a timer and remembers when each one last increased.
 */
import { COUNTER_CATALOGUE, expandPattern, type CounterPattern, type CounterSpec } from '../metrics/catalogue';
import type { Counters } from '../metrics/counters';
import type { Clock, Timer } from '../time/clock';
import type { DropState } from './types';

/**
 * Catalogue entries that count messages lost (or refused) while the daemon
 * runs. Left out on purpose: drops at shutdown (`receiver.dropped.shutdown`),
 * fanouts nobody subscribed to (`receiver.fanout.unheard`: expected
 * wherever no legacy consumer of the topic runs), and call timeouts (a
 * symptom, reported by the drops on the host that lost the message).
 */
export const DROP_COUNTERS: readonly CounterPattern[] = [
  'receiver.refused.{problem}',
  'receiver.dropped.backlog',
  'receiver.dropped.outlet_failed',
  'receiver.dropped.send_failed',
  'replies.orphaned',
  'sender.no_route',
  'sender.queue_full',
  'sender.cast.failed',
  'localapi.reply.failed',
  'localapi.deliver.overflow',
  'broker.no_worker',
  'broker.forward_failed',
  'control.bad_request',
  'control.reply_failed',
];

/** Every counter name of {@link DROP_COUNTERS}, families expanded. */
export const DROP_COUNTER_NAMES: readonly string[] = DROP_COUNTERS.flatMap((p) =>
  expandPattern(p, (COUNTER_CATALOGUE as Record<string, CounterSpec>)[p]!),
);

/** How often the drop counters are sampled, in milliseconds. */
export const DEFAULT_DROP_SAMPLE_MS = 10_000;

/** Remembers, per drop counter, the last value seen and when it was seen to increase. */
export class DropTracker {
  private readonly seen = new Map<string, { value: number; increasedAt: number }>();
  private timer: Timer | null = null;

  constructor(
    private readonly counters: Counters,
    private readonly clock: Clock,
    private readonly sampleMs = DEFAULT_DROP_SAMPLE_MS,
  ) {}

  /** Sample on the clock until {@link stop} (housekeeping: never keeps the process alive). */
  start(): void {
    if (this.timer) return;
    this.timer = this.clock.setTimeout(
      () => {
        this.sample();
        this.timer?.refresh();
      },
      this.sampleMs,
      { ref: false },
    );
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  /** Look at every drop counter now; an increase is dated now. */
  sample(): void {
    const now = this.clock.now();
    const values = this.counters.snapshot();
    for (const name of DROP_COUNTER_NAMES) {
      const value = values[name] ?? 0;
      if (value === 0) continue;
      const s = this.seen.get(name);
      if (!s) this.seen.set(name, { value, increasedAt: now });
      else if (value > s.value) {
        s.value = value;
        s.increasedAt = now;
      }
    }
  }

  /** The drop counters that ever moved, freshly sampled, most recent first. */
  report(): DropState[] {
    this.sample();
    const now = this.clock.now();
    return [...this.seen.entries()]
      .map(([counter, s]) => ({ counter, total: s.value, last_increase_s_ago: Math.max(0, Math.round((now - s.increasedAt) / 1000)) }))
      .sort((a, b) => a.last_increase_s_ago - b.last_increase_s_ago || a.counter.localeCompare(b.counter));
  }
}
