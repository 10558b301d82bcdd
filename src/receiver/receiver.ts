/**
 * The receiver: the daemon's tcp PULL socket on `rpc_zmq_port`, the drop-in
 * for the legacy `nova-rpc-zmq-receiver`.
 *
 * Every message is checked from its first three frames only (no JSON
 * parsing on the hot path) and handed to the router (router.ts), whose
 * stages - reply waiter, broker role, shim listeners, then the legacy ipc
 * outlets - decide where it goes. The receive loop awaits nothing but
 * `receive()` (and a pause when the queue budget is exceeded): per-topic
 * work happens in the outlets' own pumps.
 */
import * as zmq from 'zeromq';
import type { Logger } from '../log';
import type { CounterCell, Counters } from '../metrics/counters';
import type { BridgeConfig } from '../config/types';
import { freezeRestartOptions } from '../config/restart';
import { checkTopic, decodeTopic, topicKind, type TopicKind, type TopicProblem } from '../wire/topic';
import { systemClock, type Clock } from '../time/clock';
import { Outlets } from './outlets';
import type { OutletSettings } from './outlet';
import { InboundRouter } from './router';
import { BindFailedError, PortInUseError } from './errors';
import { tcpEndpoint } from '../wire/endpoints';
import { STYLE_CAST_BYTES, STYLE_HEARTBEAT_BYTES, STYLE_V2_BYTES } from '../wire/envelope';
import type { OutletState } from '../status/types';
import { RECEIVED_KINDS } from '../metrics/catalogue';
import type { Outlet } from './outlet';
import type { SocketSecurity } from '../security/types';
import type { FileAccess } from '../security/file-access';
import { LogLimiter } from '../util/log-limiter';

/** Receive high-water mark of the tcp PULL socket, in messages. */
export const DEFAULT_RECEIVE_HWM = 1_000;
/** How long stop() lets queued ipc messages leave before closing, in milliseconds. */
export const DEFAULT_STOP_DRAIN_MS = 500;
/**
 * Bytes (all frames) that may wait in outlets whose consumers are draining
 * them before the receiver stops reading from tcp (2 MiB). Beyond it a burst
 * waits in ZeroMQ's receive queue and the senders' TCP windows instead of
 * the daemon's heap. Queues of topics without a live consumer never count,
 * so a dead consumer cannot stall other topics (its queue is bounded only by
 * `rpc_zmq_topic_backlog`, as in the legacy receiver).
 */
export const DEFAULT_QUEUE_BUDGET_BYTES = 2 * 1024 * 1024;
/** Reading resumes once the draining outlets hold at most this many bytes (half the budget). */
export const DEFAULT_QUEUE_RESUME_BYTES = DEFAULT_QUEUE_BUDGET_BYTES / 2;
/** While paused, how often the outlets are looked at again, in milliseconds. */
export const DEFAULT_PAUSE_POLL_MS = 2;
/** Over budget, how often (at most) the receiver re-checks whether the excess is draining, in milliseconds. */
export const DEFAULT_BUDGET_CHECK_MS = 10;
/** After a failed receive, how long the loop rests before the next one (no hot loop on a persistent error), in milliseconds. */
export const DEFAULT_RECEIVE_RETRY_MS = 10;


/** Index of each kind of {@link RECEIVED_KINDS} in the receiver's per-kind cells. */
const KIND_INDEX = Object.fromEntries(RECEIVED_KINDS.map((k, i) => [k, i])) as Record<(typeof RECEIVED_KINDS)[number], number>;

/** Why a message was refused before routing; counted as `receiver.refused.<problem>`. */
export type RefusalProblem = 'too_few_frames' | 'unknown_style' | TopicProblem | 'too_large';

export interface ReceiverOptions {
  config: BridgeConfig;
  log: Logger;
  counters: Counters;
  /**
   * Where accepted messages go. The receiver plugs its outlets into the
   * router's `outlets` stage; the claim stages are plugged by whoever built
   * the router (the daemon). By default a router with only the outlets.
   */
  router?: InboundRouter;
  /** ZeroMQ context (its I/O threads: `rpc_zmq_contexts`). */
  context?: zmq.Context;
  /** Time for the queue budget and the outlets' holds (default: the system clock). */
  clock?: Clock;
  /** CURVE and ZAP of the tcp socket (`[zmq_bridge] security`); none by default. */
  security?: SocketSecurity;
  /** Group and mode given to each ipc socket file once bound (`ipc_group`, `ipc_mode`); the umask's by default. */
  ipcFileAccess?: FileAccess;
  /** Cap of ipc outlets from the socket budget (src/socket-budget.ts); default `[zmq_bridge] max_ipc_outlets`. */
  maxOutlets?: number;
}

export function outletSettings(config: BridgeConfig): OutletSettings {
  return {
    ipcDir: config.ipcDir,
    topicBacklog: config.topicBacklog,
    fanoutHoldMs: config.bridge.fanoutHoldSeconds * 1000,
    replyHoldMs: config.bridge.replyHoldSeconds * 1000,
    topicQueueBytes: config.bridge.topicQueueBytes,
    queueBytes: config.bridge.queueBytes,
  };
}


/** Byte equality in JS: for frames this short it beats a call into Buffer.equals. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  const n = a.length;
  if (n !== b.length) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Longest topic frame remembered as "the last topic" (longer ones are decoded every time). */
const MAX_CACHED_TOPIC_BYTES = 256;
/** Frame 0 of casts and calls: `0`. */
const ZERO_MSG_ID = 0x30;

function printable(buf: Buffer | undefined, max = 64): string {
  if (!buf) return '';
  const s = buf.subarray(0, max).toString('latin1');
  // eslint-disable-next-line no-control-regex
  return /^[\x20-\x7e]*$/.test(s) ? s + (buf.length > max ? '...' : '') : `hex:${buf.subarray(0, max).toString('hex')}`;
}

export class Receiver {
  readonly counters: Counters;
  /** Routes every accepted message (see router.ts); its `outlets` stage is this receiver's outlets. */
  readonly router: InboundRouter;
  private readonly log: Logger;
  private readonly clock: Clock;
  private config: BridgeConfig;
  private readonly outlets: Outlets;
  private readonly context?: zmq.Context;
  private readonly security?: SocketSecurity;
  private pull: zmq.Pull | null = null;
  private loop: Promise<void> | null = null;
  private stopping = false;
  /** Clock time before which an over-budget queue is not re-examined. */
  private nextBudgetCheck = 0;
  /** Ends the receive loop's current rest (see sleep), if it is resting. */
  private wake: (() => void) | null = null;
  private readonly received: CounterCell;
  /** `receiver.received.{kind}` and `receiver.received_bytes.{kind}`, indexed by {@link KIND_INDEX}. */
  private readonly receivedByKind: CounterCell[];
  private readonly receivedBytesByKind: CounterCell[];
  /** Thins the warnings input can repeat (refusals here, drops and orphans in the outlets). */
  private readonly limiter: LogLimiter;
  /** `[zmq_bridge] max_message_size`: the largest message (all frames) accepted (restart only). */
  private readonly maxMessageSize: number;
  /**
   * The last valid topic seen: its frame bytes (a copy), decoded text and
   * kind. Traffic comes in runs of one topic, so comparing frame 1 with these
   * bytes spares the UTF-8 decode and the outlet lookup of most messages.
   */
  private lastTopicBytes: Buffer | null = null;
  private lastTopic = '';
  private lastKind: TopicKind = 'direct';

  constructor(opts: ReceiverOptions) {
    this.config = opts.config;
    this.log = opts.log;
    this.counters = opts.counters;
    this.context = opts.context;
    this.clock = opts.clock ?? systemClock;
    this.security = opts.security;
    this.received = opts.counters.cell('receiver.received');
    this.receivedByKind = RECEIVED_KINDS.map((k) => opts.counters.cell(`receiver.received.${k}`));
    this.receivedBytesByKind = RECEIVED_KINDS.map((k) => opts.counters.cell(`receiver.received_bytes.${k}`));
    this.maxMessageSize = opts.config.bridge.maxMessageSize;
    this.limiter = new LogLimiter({ clock: this.clock });
    this.outlets = new Outlets({
      settings: outletSettings(opts.config),
      counters: opts.counters,
      log: opts.log,
      context: opts.context,
      clock: this.clock,
      fileAccess: opts.ipcFileAccess,
      maxOutlets: opts.maxOutlets ?? opts.config.bridge.maxIpcOutlets,
      idleMs: opts.config.bridge.ipcOutletIdleSeconds * 1000,
      limiter: this.limiter,
    });
    this.router = opts.router ?? new InboundRouter({ log: opts.log, counters: opts.counters });
    this.router.use('outlets', this.outlets);
  }

  /** The tcp endpoint this receiver binds. */
  get endpoint(): string {
    return tcpEndpoint(this.config.bindAddress, this.config.port);
  }

  /** Bind the PULL socket and start receiving. Rejects with PortInUseError / BindFailedError. */
  async start(): Promise<void> {
    const pull = new zmq.Pull(this.context ? { context: this.context } : {});
    pull.receiveHighWaterMark = DEFAULT_RECEIVE_HWM;
    pull.linger = 0;
    this.security?.server(pull, 'rpc');
    // libzmq refuses a frame over this as soon as its header arrives (it would
    // otherwise allocate whatever size a peer declares) and cuts that connection.
    pull.maxMessageSize = this.maxMessageSize;
    const endpoint = this.endpoint;
    try {
      await pull.bind(endpoint);
    } catch (err) {
      pull.close();
      const code = (err as { code?: string }).code;
      throw code === 'EADDRINUSE' ? new PortInUseError(endpoint, err) : new BindFailedError(endpoint, err);
    }
    this.pull = pull;
    this.stopping = false;
    this.loop = this.receiveLoop(pull);
    this.watchConnections(pull);
    this.log.info({ endpoint, ipc_dir: this.config.ipcDir }, 'receiver listening');
  }

  /**
   * Count the tcp connections that end: libzmq cuts a peer that sends a
   * frame over `max_message_size` and reports nothing but this disconnect.
   */
  private watchConnections(pull: zmq.Pull): void {
    // Through the observer's emitter, never `for await` on it: other parts (the
    // security layer's handshake monitor) listen to the same socket's events, and
    // an iterator would take the events they need.
    pull.events.on('disconnect', () => this.counters.inc('receiver.disconnects'));
  }

  private async receiveLoop(pull: zmq.Pull): Promise<void> {
    for (;;) {
      let frames: Buffer[];
      try {
        frames = await pull.receive();
      } catch (err) {
        if (this.stopping || pull.closed) return;
        // Keep serving: a receive error is not a reason to go deaf.
        this.counters.inc('receiver.receive_errors');
        this.log.error({ err }, 'receive failed; continuing');
        await this.sleep(DEFAULT_RECEIVE_RETRY_MS);
        continue;
      }
      this.dispatch(frames);
      if (this.outlets.queuedBytes > DEFAULT_QUEUE_BUDGET_BYTES && this.overBudget()) await this.waitForDrain();
    }
  }

  /** Whether the bytes queued behind live consumers exceed the budget (re-examined at most every few ms). */
  private overBudget(): boolean {
    const now = this.clock.now();
    if (now < this.nextBudgetCheck) return false;
    this.nextBudgetCheck = now + DEFAULT_BUDGET_CHECK_MS;
    return this.outlets.drainingQueuedBytes(now) > DEFAULT_QUEUE_BUDGET_BYTES;
  }

  /**
   * Stop reading from tcp while live consumers work through their queues.
   * Ends as soon as they are down to the resume mark, or when they stop
   * taking messages (a consumer gone: its queue no longer counts).
   */
  private async waitForDrain(): Promise<void> {
    const started = this.clock.now();
    this.counters.inc('receiver.paused');
    while (!this.stopping && this.outlets.drainingQueuedBytes() > DEFAULT_QUEUE_RESUME_BYTES) {
      await this.sleep(DEFAULT_PAUSE_POLL_MS);
    }
    this.counters.inc('receiver.paused_ms', this.clock.now() - started);
    this.nextBudgetCheck = 0;
  }

  /**
   * Rest the receive loop on the receiver's clock. stop() cuts the rest
   * short, so stopping never waits on a timer (nor, under a manual clock in
   * tests, on time that nobody advances).
   */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        timer.cancel();
        this.wake = null;
        resolve();
      };
    });
  }

  /**
   * Route one message exactly as if it had arrived on the tcp port: used by
   * the receive loop and by the sender to short-circuit messages addressed
   * to this host. Never throws, never blocks.
   */
  dispatch(frames: Buffer[]): void {
    this.received.value++;
    if (frames.length < 3) {
      this.refuse('too_few_frames', frames);
      return;
    }
    // libzmq bounds each frame; the frames of one message are bounded here.
    let size = 0;
    for (let i = 0; i < frames.length; i++) size += frames[i]!.length;
    if (size > this.maxMessageSize) {
      this.refuse('too_large', frames);
      return;
    }
    const topicFrame = frames[1]!;
    const last = this.lastTopicBytes;
    const known = last !== null && sameBytes(topicFrame, last);
    let topic: string;
    if (known) {
      topic = this.lastTopic;
    } else {
      const decoded = decodeTopic(topicFrame);
      if (decoded === null) {
        this.refuse('invalid_utf8', frames);
        return;
      }
      topic = decoded;
    }
    const style = frames[2]!;
    const heartbeat = sameBytes(style, STYLE_HEARTBEAT_BYTES);
    const v2 = !heartbeat && !sameBytes(style, STYLE_CAST_BYTES);
    if (v2 && !sameBytes(style, STYLE_V2_BYTES)) {
      this.refuse('unknown_style', frames);
      return;
    }
    let kind: TopicKind;
    if (known) {
      kind = this.lastKind;
    } else {
      // A topic that already has an outlet was checked when the outlet was made.
      if (!this.outlets.has(topic)) {
        const verdict = checkTopic(topic, this.config.ipcDir);
        if (!verdict.ok) {
          this.refuse(verdict.problem!, frames);
          return;
        }
      }
      kind = topicKind(topic);
      if (topicFrame.length <= MAX_CACHED_TOPIC_BYTES) {
        this.lastTopicBytes = Buffer.from(topicFrame);
        this.lastTopic = topic;
        this.lastKind = kind;
      }
    }
    this.countKind(heartbeat ? KIND_INDEX.heartbeat : kind === 'reply' ? KIND_INDEX.reply : kind === 'fanout' ? KIND_INDEX.fanout : v2 ? KIND_INDEX.notification : KIND_INDEX.rpc, frames);
    const idFrame = frames[0]!;
    const msgId = idFrame.length === 1 && idFrame[0] === ZERO_MSG_ID ? '0' : idFrame.toString('latin1');
    this.router.route(frames, topic, msgId, kind, heartbeat);
  }

  /** Two field increments and a sum over the frames: all an accepted message costs the metrics. */
  private countKind(index: number, frames: Buffer[]): void {
    let bytes = 0;
    for (let i = 0; i < frames.length; i++) bytes += frames[i]!.length;
    this.receivedByKind[index]!.value++;
    this.receivedBytesByKind[index]!.value += bytes;
  }

  private refuse(problem: RefusalProblem, frames: Buffer[]): void {
    const name = `receiver.refused.${problem}` as const;
    this.counters.inc(name);
    // ZeroMQ does not say which peer sent a message: one line per problem and interval.
    this.limiter.warn(
      this.log,
      problem,
      '',
      { problem, refused_total: this.counters.get(name), nframes: frames.length, msg_id: printable(frames[0]), topic: printable(frames[1]), style: printable(frames[2], 32) },
      'refused malformed message',
    );
  }

  /** Every ipc outlet's state, for `status`. */
  outletStates(): OutletState[] {
    const now = this.clock.now();
    return this.outlets.list().map((o) => ({
      name: o.name,
      kind: o.kind,
      queued: o.pending(),
      queued_bytes: o.queuedBytes,
      bound: o.bound,
      last_sent_s_ago: o.lastSentAt === 0 ? null : Math.max(0, Math.round((now - o.lastSentAt) / 1000)),
    }));
  }

  /** True while the tcp PULL socket is bound and read (readiness). */
  get listening(): boolean {
    return this.pull !== null && !this.stopping;
  }

  /** Every live ipc outlet (queue depths for the metrics, read at scrape time). */
  outletList(): Outlet[] {
    return this.outlets.list();
  }

  /** ipc outlets open now (at most `max_ipc_outlets`). */
  get outletCount(): number {
    return this.outlets.size;
  }

  /** The ipc socket paths this receiver has bound so far. */
  ipcFiles(): string[] {
    return this.outlets
      .list()
      .filter((o) => o.bound)
      .map((o) => o.path);
  }

  /** Apply what can change live: topic backlog and hold times (SIGHUP). */
  reload(config: BridgeConfig): void {
    this.config = freezeRestartOptions(this.config, config).config;
    this.outlets.update(outletSettings(this.config));
  }

  /** Stop receiving, let queued ipc messages leave briefly, close everything, remove our ipc files. */
  async stop(drainMs = DEFAULT_STOP_DRAIN_MS): Promise<void> {
    this.stopping = true;
    this.wake?.();
    if (this.pull) {
      this.pull.close();
      this.pull = null;
    }
    await this.loop;
    this.loop = null;
    await this.outlets.closeAll(drainMs);
    this.log.info('receiver stopped');
  }
}
