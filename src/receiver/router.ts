/**
 * The receiver's router: what happens to a message the receiver accepted.
 *
 * It goes through named stages in a fixed order:
 *
 *   replies   -> the reply waiter (calls made through this daemon's shims)
 *   broker    -> the broker role (`[zmq_bridge] broker_role` only)
 *   listeners -> the shims' listener registry
 *   control   -> the daemon's own RPC endpoint (`nova_zmq_bridge.<host>`:
 *                `nova-zmq-bridge ping`), asked last so shim traffic never
 *                pays for it
 *   outlets   -> the legacy ipc outlets (`zmq_topic_<topic>`)
 *
 * The first four are claim stages: the first whose part claims a message
 * owns it. The outlets stage forwards whatever is left. The order is the
 * router's, not the caller's: a part is plugged into its stage by name
 * (`router.use('broker', role)`), so the broker role is asked before the
 * listener registry - which would otherwise take bare topics for this host's
 * own listeners - whatever order the parts were built in.
 *
 * Two routing rules live here because they span stages:
 *  - a fanout claimed by a shim listener is still published to the fanout
 *    outlet: legacy subscribers on this host must hear it too;
 *  - a heartbeat (`nzb-heartbeat`) only matters to a waiting caller; one no
 *    stage claimed is counted and dropped, since legacy consumers would
 *    misread it.
 *
 * The receiver's loop calls {@link InboundRouter.route} once per message, so
 * routing allocates nothing beyond the one {@link InboundMessage} the claim
 * stages share, and awaits nothing.
 */
import type { Logger } from '../log';
import type { CounterCell, Counters } from '../metrics/counters';
import type { TopicKind } from '../wire/topic';
import type { InboundMessage, LocalSink } from './sink';
import { StageTakenError } from './errors';

/** Every stage, in the order the router asks them. */
export const STAGE_ORDER = ['replies', 'broker', 'listeners', 'control', 'outlets'] as const;

export type StageName = (typeof STAGE_ORDER)[number];

/** The stages whose part may claim a message (all but the outlets, which take what is left). */
export type ClaimStage = Exclude<StageName, 'outlets'>;

/**
 * The last stage: hands a message to the legacy consumers of its topic.
 * Like a claim stage's part it must not throw and must not block.
 */
export interface ForwardStage {
  /** Component name for logs. */
  readonly name: string;
  forward(frames: Buffer[], topic: string, msgId: string): void;
}

/** What each stage takes: the claim stages a {@link LocalSink}, the outlets stage a {@link ForwardStage}. */
export type StageHandler<S extends StageName> = S extends 'outlets' ? ForwardStage : LocalSink;

export interface InboundRouterOptions {
  /** The receiver's logger (routing problems are the receiver's). */
  log: Logger;
  counters: Counters;
}

/** The claim stages alone, in order (STAGE_ORDER minus the outlets). */
const CLAIM_ORDER: readonly ClaimStage[] = STAGE_ORDER.filter((s): s is ClaimStage => s !== 'outlets');

export class InboundRouter {
  private readonly log: Logger;
  private readonly counters: Counters;
  private readonly claimed: CounterCell;
  private readonly byStage = new Map<StageName, LocalSink | ForwardStage>();
  /**
   * The plugged claim parts in stage order, and their stage names at the
   * same index: rebuilt by {@link use} so the per-message loop walks a
   * dense array and never looks at empty stages.
   */
  private claimants: LocalSink[] = [];
  private claimantStages: ClaimStage[] = [];
  private outlets: ForwardStage;

  constructor(opts: InboundRouterOptions) {
    this.log = opts.log;
    this.counters = opts.counters;
    this.claimed = opts.counters.cell('receiver.claimed');
    this.outlets = this.noOutlets;
  }

  /**
   * Plug a part into its stage. Takes effect for the next message, so parts
   * may be plugged while the receiver runs. A stage holds one part: plugging
   * a second one is a wiring mistake and throws {@link StageTakenError}.
   */
  use<S extends StageName>(stage: S, handler: StageHandler<S>): void {
    const taken = this.byStage.get(stage);
    if (taken) throw new StageTakenError(stage, taken.name, handler.name);
    this.byStage.set(stage, handler);
    if (stage === 'outlets') {
      this.outlets = handler as ForwardStage;
      return;
    }
    const claimants: LocalSink[] = [];
    const stages: ClaimStage[] = [];
    for (const s of CLAIM_ORDER) {
      const part = this.byStage.get(s) as LocalSink | undefined;
      if (!part) continue;
      claimants.push(part);
      stages.push(s);
    }
    this.claimants = claimants;
    this.claimantStages = stages;
  }

  /** The part plugged into a stage, if any. */
  get<S extends StageName>(stage: S): StageHandler<S> | undefined {
    return this.byStage.get(stage) as StageHandler<S> | undefined;
  }

  /** The stages that have a part, in routing order. */
  pluggedStages(): StageName[] {
    return STAGE_ORDER.filter((s) => this.byStage.has(s));
  }

  /**
   * Route one accepted message (frames validated by the receiver, `topic`
   * frame 1 decoded, `kind` its topic kind, `heartbeat` whether frame 2 is
   * the heartbeat style). Never throws, never blocks.
   */
  route(frames: Buffer[], topic: string, msgId: string, kind: TopicKind, heartbeat: boolean): void {
    const claimants = this.claimants;
    if (claimants.length > 0) {
      const msg: InboundMessage = { frames, topic, msgId };
      for (let i = 0; i < claimants.length; i++) {
        let claimed = false;
        try {
          claimed = claimants[i]!.offer(msg);
        } catch (err) {
          this.stageFailed(i, err, topic, msgId);
        }
        if (claimed) {
          this.claimed.value++;
          if (kind !== 'fanout') return;
          break;
        }
      }
    }
    if (heartbeat) {
      this.counters.inc('receiver.heartbeat.unclaimed');
      this.log.debug({ topic, msg_id: msgId }, 'heartbeat for no waiting call');
      return;
    }
    this.outlets.forward(frames, topic, msgId);
  }

  /** A part broke its contract by throwing: the message goes on to the next stage, as if declined. */
  private stageFailed(index: number, err: unknown, topic: string, msgId: string): void {
    this.counters.inc('receiver.sink_errors');
    this.log.error({ err, stage: this.claimantStages[index], sink: this.claimants[index]!.name, topic, msg_id: msgId }, 'sink threw while offered a message');
  }

  /**
   * Stands in until the receiver plugs its outlets (it does so when it is
   * built, so no message ever gets here): dropping loudly beats a crash in
   * the receive loop.
   */
  private readonly noOutlets: ForwardStage = {
    name: 'no-outlets',
    forward: (_frames, topic, msgId) => {
      this.counters.inc('receiver.dropped.outlet_failed');
      this.log.error({ topic, msg_id: msgId }, 'no outlets stage plugged into the router: message dropped');
    },
  };
}
