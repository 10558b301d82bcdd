/**
 * `nova-zmq-bridge status`: asks the running daemon (found through the
 * same nova.conf) for its state over the local API and prints it - version,
 * uptime, peers, topics with listeners and queues, drops, matchmaker - with
 * the checks of status-checks.ts. Exit code: 0 OK, 1 WARNING, 2 FAILURE
 * (the daemon does not answer included).
 */
import type { DaemonStatus } from '../status/types';
import { parseCommandArgs, positiveNumber } from './args';
import type { CliIo, Command } from './command';
import { commandConfig } from './config';
import { DaemonRefusedError } from './errors';
import { CHECK_RESULTS, EXIT_FAILURE, exitCodeOfResult, oneLine, worst } from './exit';
import { LocalClient } from './local-client';
import { DEFAULT_DROP_WINDOW_S, evaluateStatus, unreachable, type Check } from './status-checks';
import { formatAgo, formatBytes, formatDuration, formatTable } from './table';

/** How long the daemon may take to answer `status`, in milliseconds. */
export const DEFAULT_STATUS_TIMEOUT_MS = 5_000;

const USAGE = `Usage: nova-zmq-bridge status [--config-file PATH]... [--config-dir DIR]... [--json] [--drop-window SECONDS]

Show the running daemon's state: version, uptime, peers, topics with their
listeners and queues, drops, matchmaker; then checks, each OK, WARNING or
FAILURE. The daemon is found through the local API socket named by the
same nova.conf ([zmq_bridge] local_socket, default <rpc_zmq_ipc_dir>/nova-zmq-bridge.sock).

  --json                 print {result, exit_code, checks, status} as JSON
  --drop-window SECONDS  drops seen within this window are a WARNING (default ${DEFAULT_DROP_WINDOW_S})

Exit codes: 0 OK, 1 WARNING, 2 FAILURE (the daemon does not answer, its
matchmaker backend is unreachable, or bad arguments).
`;

const SPEC = { flags: { '--json': 'bool', '--drop-window': 'value' }, positionals: [] } as const;

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The report as lines for a terminal. */
export function renderStatus(s: DaemonStatus | null, checks: Check[]): string[] {
  const out: string[] = [];
  if (s) {
    out.push(`nova-zmq-bridge ${s.version} on ${s.host} (pid ${s.pid}), up ${formatDuration(s.uptime_s)} since ${s.started_at}`);
    out.push(
      ...formatTable(
        [{ header: '' }, { header: '' }],
        [
          ['config', s.config_files.join(', ') || '(defaults)'],
          ['receiver', `${s.receiver.endpoint}, ipc dir ${s.receiver.ipc_dir}`],
          ['local API', `${s.local_api.socket}, ${plural(s.local_api.sessions, 'connection')}, ${plural(s.local_api.listeners, 'listener')}`],
          ['matchmaker', [s.matchmaker.kind, s.matchmaker.backend, s.matchmaker.detail].filter(Boolean).join(', ')],
        ],
      ).slice(1),
    );
    out.push('', 'Peers');
    if (s.peers.length === 0) out.push('  (no connection open)');
    else {
      out.push(
        ...formatTable(
          [{ header: 'HOST' }, { header: 'CONNECTION' }, { header: 'QUEUED', right: true }, { header: 'SENT', right: true }, { header: 'FAILED', right: true }, { header: 'LAST SENT' }, { header: 'LAST FAILURE' }],
          s.peers.map((p) => [p.host, p.connection, String(p.queued), String(p.sent), String(p.failed), formatAgo(p.last_sent_s_ago), p.last_failure ? `${formatAgo(p.last_failure_s_ago)}: ${p.last_failure}` : '-']),
          '  ',
        ),
      );
    }
    out.push('', 'Topics');
    if (s.topics.length === 0) out.push('  (none yet)');
    else {
      out.push(
        ...formatTable(
          [{ header: 'TOPIC' }, { header: 'LISTENERS', right: true }, { header: 'SERVERS' }, { header: 'IPC' }, { header: 'QUEUED', right: true }, { header: 'BYTES', right: true }, { header: 'CONSUMER TOOK' }],
          s.topics.map((t) => [
            t.topic,
            String(t.listeners + t.notify_listeners),
            t.servers.join(',') || '-',
            t.ipc ? (t.ipc.bound ? t.ipc.kind : `${t.ipc.kind} (unbound)`) : '-',
            t.ipc ? String(t.ipc.queued) : '-',
            t.ipc ? formatBytes(t.ipc.queued_bytes) : '-',
            t.ipc ? formatAgo(t.ipc.last_sent_s_ago) : '-',
          ]),
          '  ',
        ),
      );
    }
    out.push('', 'Drops (since start)');
    if (s.drops.length === 0) out.push('  (none)');
    else {
      out.push(
        ...formatTable(
          [{ header: 'COUNTER' }, { header: 'TOTAL', right: true }, { header: 'LAST INCREASE' }],
          s.drops.map((d) => [d.counter, String(d.total), d.last_increase_s_ago === 0 ? 'just now' : formatAgo(d.last_increase_s_ago)]),
          '  ',
        ),
      );
    }
    out.push('');
  }
  out.push('Checks');
  out.push(...formatTable([{ header: 'RESULT' }, { header: 'CHECK' }, { header: 'DETAILS' }], checks.map((c) => [c.result, c.name, c.details]), '  '));
  out.push('', `Result: ${worst(checks.map((c) => c.result))}`);
  return out;
}

async function fetchStatus(path: string): Promise<DaemonStatus> {
  const client = await LocalClient.connect(path);
  try {
    const answer = await client.request({ op: 'status' }, DEFAULT_STATUS_TIMEOUT_MS);
    return answer.status as DaemonStatus;
  } finally {
    client.close();
  }
}

export const statusCommand: Command = {
  name: 'status',
  summary: "the running daemon's state and health checks (exit 0 OK, 1 WARNING, 2 FAILURE)",
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    let json = false;
    let checks: Check[];
    let status: DaemonStatus | null = null;
    try {
      const args = parseCommandArgs('status', argv, SPEC);
      if (args.help) {
        io.out(USAGE);
        return 0;
      }
      json = args.bools.has('--json');
      const dropWindowS = positiveNumber('status', args, '--drop-window', DEFAULT_DROP_WINDOW_S);
      const config = commandConfig(args, io.env);
      try {
        status = await fetchStatus(config.bridge.localSocket);
        checks = evaluateStatus(status, { dropWindowS });
      } catch (err) {
        // A daemon that predates the `status` op answers INVALID for it.
        const older = err instanceof DaemonRefusedError && err.answerCode === 'INVALID' ? 'the daemon does not know the status op (an older version?): ' : '';
        checks = unreachable(older + oneLine(err));
      }
    } catch (err) {
      io.err(`nova-zmq-bridge status: ${oneLine(err)}\n`);
      return EXIT_FAILURE;
    }
    const result = worst(checks.map((c) => c.result));
    if (json) io.out(`${JSON.stringify({ result, exit_code: exitCodeOfResult(result), checks, status }, null, 2)}\n`);
    else io.out(`${renderStatus(status, checks).join('\n')}\n`);
    return CHECK_RESULTS.indexOf(result);
  },
};
