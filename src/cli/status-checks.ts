/**
 * How `nova-zmq-bridge status` judges a daemon's state: a list of checks,
 * each OK, WARNING or FAILURE, like OpenStack's `*-status upgrade check`.
 * The command's exit code is the worst result (0, 1, 2).
 *
 * FAILURE: the daemon does not answer, or its matchmaker's backend does
 * not serve (routes to new hosts are not found; a ring file refused at its
 * last reload counts too: the daemon routes by a ring that is no longer on
 * disk) - the same fact `/readyz` and `matchmaker_backend_up` report.
 * WARNING: it works, but messages were lost or refused recently, a peer is
 * down (connection lost, or its last message failed), the matchmaker has a
 * warning (its service has not answered yet), or an ipc queue is long.
 */
import type { DaemonStatus, PeerState } from '../status/types';
import { formatDuration } from './table';
import type { CheckResult } from './exit';

export interface Check {
  name: string;
  result: CheckResult;
  details: string;
}

/** Drops seen to increase within this many seconds make a WARNING. */
export const DEFAULT_DROP_WINDOW_S = 900;
/** An ipc outlet with at least this many messages waiting makes a WARNING (its consumer is slow or gone). */
export const DEFAULT_QUEUE_WARN = 1_000;

export interface CheckOptions {
  /** Default {@link DEFAULT_DROP_WINDOW_S}. */
  dropWindowS?: number;
  /** Default {@link DEFAULT_QUEUE_WARN}. */
  queueWarn?: number;
}

const list = (items: string[], max = 5): string => (items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`);

function daemon(s: DaemonStatus): Check {
  return { name: 'daemon', result: 'OK', details: `running for ${formatDuration(s.uptime_s)} as ${s.host}` };
}

function matchmaker(s: DaemonStatus): Check {
  const m = s.matchmaker;
  const what = m.backend ? `${m.kind} (${m.backend})` : m.kind;
  if (m.reachable === false) return { name: 'matchmaker', result: 'FAILURE', details: `${what} unreachable: ${m.warning ?? m.detail}` };
  if (m.warning) return { name: 'matchmaker', result: 'WARNING', details: `${what}: ${m.warning}` };
  const state = m.reachable === null && m.backend ? 'not contacted yet' : m.detail;
  return { name: 'matchmaker', result: 'OK', details: `${what}: ${state}` };
}

function drops(s: DaemonStatus, windowS: number): Check {
  const recent = s.drops.filter((d) => d.last_increase_s_ago <= windowS);
  const total = s.drops.reduce((n, d) => n + d.total, 0);
  if (recent.length > 0) {
    return {
      name: 'drops',
      result: 'WARNING',
      details: `messages lost or refused in the last ${formatDuration(windowS)}: ${list(recent.map((d) => `${d.counter} (${d.total})`))}`,
    };
  }
  return { name: 'drops', result: 'OK', details: total === 0 ? 'none since start' : `none in the last ${formatDuration(windowS)} (${total} earlier)` };
}

/**
 * A peer is in trouble when its connection is lost or its last message
 * failed (a connection can be up while messages time out; one that never
 * connects stays `connecting` while they fail). Ages are whole seconds: a
 * failure in the same second as the last hand-over counts as the later one.
 */
function lastSendFailed(p: PeerState): boolean {
  return p.last_failure_s_ago !== null && (p.last_sent_s_ago === null || p.last_failure_s_ago <= p.last_sent_s_ago);
}

function peers(s: DaemonStatus): Check {
  const down = s.peers.filter((p) => p.connection === 'disconnected' || lastSendFailed(p));
  if (down.length > 0) {
    const why = (p: PeerState): string => (lastSendFailed(p) ? (p.last_failure ?? 'send failed') : 'connection lost, reconnecting');
    return { name: 'peers', result: 'WARNING', details: `down: ${list(down.map((p) => `${p.host} (${p.connection}; ${why(p)})`))}` };
  }
  const connected = s.peers.filter((p) => p.connection === 'connected').length;
  return { name: 'peers', result: 'OK', details: s.peers.length === 0 ? 'no connection open' : `${connected} connected, ${s.peers.length - connected} connecting` };
}

function queues(s: DaemonStatus, warnAt: number): Check {
  const long = s.topics.filter((t) => t.ipc !== null && t.ipc.queued >= warnAt);
  if (long.length > 0) {
    return { name: 'queues', result: 'WARNING', details: `ipc queues of ${warnAt}+ messages (consumer slow or gone): ${list(long.map((t) => `${t.topic} (${t.ipc!.queued})`))}` };
  }
  const waiting = s.topics.reduce((n, t) => n + (t.ipc?.queued ?? 0), 0);
  return { name: 'queues', result: 'OK', details: `${waiting} messages waiting for legacy consumers` };
}

/** Every check of a daemon that answered. */
export function evaluateStatus(s: DaemonStatus, opts: CheckOptions = {}): Check[] {
  return [daemon(s), matchmaker(s), peers(s), drops(s, opts.dropWindowS ?? DEFAULT_DROP_WINDOW_S), queues(s, opts.queueWarn ?? DEFAULT_QUEUE_WARN)];
}

/** The one check of a daemon that did not answer. */
export function unreachable(message: string): Check[] {
  return [{ name: 'daemon', result: 'FAILURE', details: message }];
}
