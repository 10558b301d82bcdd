/**
 * The control endpoint's server side (see protocol.ts): the router's
 * `control` stage. It claims every message whose topic is
 * `nova_zmq_bridge.<anything>` that reached this receiver - whatever name
 * the caller used for this host - and answers `ping` calls with this
 * daemon's name, version and uptime, so a caller that used an address sees
 * which `rpc_zmq_host` answered.
 */
import type { Logger } from '../log';
import type { Counters } from '../metrics/counters';
import type { InboundMessage, LocalSink } from '../receiver/sink';
import type { Sender } from '../sender/sender';
import type { Clock } from '../time/clock';
import { buildReplyFrames, classifyMessage, parseFrames, STYLE_HEARTBEAT, type ReplyOutcome } from '../wire/envelope';
import { replyTopicHost } from '../wire/topic';
import { CONTROL_PING_METHOD, CONTROL_TOPIC, type ControlPingResult } from './protocol';

/** Topic prefix the stage claims: the control topic, directed to any host name. */
const CLAIMED_PREFIX = `${CONTROL_TOPIC}.`;

export interface PingResponderOptions {
  /** `rpc_zmq_host`, reported to the caller. */
  host: string;
  version: string;
  /** When the daemon started, in clock milliseconds. */
  startedAt: () => number;
  sender: Pick<Sender, 'submit'>;
  clock: Clock;
  counters: Counters;
  log: Logger;
}

/** oslo.messaging's failure JSON for a method the endpoint lacks (the caller's oslo raises NoSuchMethod from it). */
function noSuchMethod(method: string): string {
  return JSON.stringify({
    class: 'NoSuchMethod',
    module: 'oslo_messaging.rpc.dispatcher',
    message: `Endpoint does not support RPC method ${method}`,
    tb: [],
    args: [method],
    kwargs: {},
  });
}

export class PingResponder implements LocalSink {
  readonly name = 'control';

  constructor(private readonly o: PingResponderOptions) {}

  offer(msg: InboundMessage): boolean {
    if (!msg.topic.startsWith(CLAIMED_PREFIX)) return false;
    try {
      this.answer(msg);
    } catch (err) {
      this.o.counters.inc('control.bad_request');
      this.o.log.warn({ err, topic: msg.topic, msg_id: msg.msgId }, 'unreadable message for the control endpoint: dropped');
    }
    return true;
  }

  private answer(msg: InboundMessage): void {
    const f = parseFrames(msg.frames);
    if (f.style === STYLE_HEARTBEAT) return;
    const c = classifyMessage(f.msg);
    const host = c.kind === 'call' ? replyTopicHost(c.replyTopic) : null;
    if (c.kind !== 'call' || host === null) {
      this.o.counters.inc('control.bad_request');
      this.o.log.warn({ topic: msg.topic }, 'control endpoint got something other than a call: dropped');
      return;
    }
    const method = methodOf(c.request);
    let outcome: ReplyOutcome;
    if (method === CONTROL_PING_METHOD) {
      const result: ControlPingResult = {
        host: this.o.host,
        version: this.o.version,
        uptime_s: Math.max(0, Math.round((this.o.clock.now() - this.o.startedAt()) / 1000)),
      };
      outcome = { result: JSON.stringify(result) };
      this.o.counters.inc('control.answered');
    } else {
      outcome = { failure: noSuchMethod(method ?? '(none)') };
      this.o.counters.inc('control.unknown_method');
    }
    this.o.log.debug({ topic: msg.topic, msg_id: c.msgId, method, peer: host }, 'control call answered');
    let sent: Promise<void>;
    try {
      sent = this.o.sender.submit(host, buildReplyFrames(c.msgId, c.replyTopic, c.ctx, outcome), { topic: c.replyTopic, msgId: c.msgId });
    } catch (err) {
      sent = Promise.reject(err);
    }
    sent.catch((err: unknown) => {
      this.o.counters.inc('control.reply_failed');
      this.o.log.warn({ err, peer: host, msg_id: c.msgId }, 'control endpoint could not send its answer');
    });
  }
}

/** The `method` of a request's JSON text, or null. */
function methodOf(request: string): string | null {
  try {
    const m = (JSON.parse(request) as { method?: unknown }).method;
    return typeof m === 'string' ? m : null;
  } catch {
    return null;
  }
}
