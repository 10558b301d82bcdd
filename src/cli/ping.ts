/**
 * `nova-zmq-bridge ping HOST`: a real RPC round trip from this host's daemon
 * to HOST, sent straight to HOST's receiver (no matchmaker), timed here.
 * Without `--topic` it calls HOST's daemon itself (its control endpoint,
 * src/control/); with `--topic T [--server S]` it calls oslo.messaging's
 * `oslo_rpc_server_ping` on `T.S` (S defaults to HOST), which a service
 * answers when its config has `[DEFAULT] rpc_ping_enabled = true`.
 *
 * Exit code: 0 every ping answered; 1 some lost, or the service answered
 * with an error (it runs, but has no ping endpoint); 2 none answered, or
 * this host's daemon does not answer.
 */
import { performance } from 'node:perf_hooks';
import { CONTROL_TOPIC, OSLO_PING_METHOD, type ControlPingResult } from '../control/protocol';
import { parseCommandArgs, positiveNumber } from './args';
import type { CliIo, Command } from './command';
import { commandConfig } from './config';
import { DaemonRefusedError } from './errors';
import { EXIT_FAILURE, exitCodeOfResult, oneLine, type CheckResult } from './exit';
import { LocalClient } from './local-client';
import { formatDuration } from './table';

/** Seconds a ping waits for its answer by default. */
export const DEFAULT_PING_TIMEOUT_S = 10;
/** Extra milliseconds the CLI waits beyond the daemon's own call timeout before calling the daemon silent. */
const ANSWER_GRACE_MS = 2_000;

const USAGE = `Usage: nova-zmq-bridge ping HOST [--topic TOPIC [--server SERVER] [--exchange EXCHANGE]]
                            [--count N] [--timeout SECONDS] [--json]
                            [--config-file PATH]... [--config-dir DIR]...

An RPC round trip from this host's daemon to HOST's receiver
(tcp://HOST:rpc_zmq_port), timed. Without --topic, HOST's nova-zmq-bridge
daemon answers (topic ${CONTROL_TOPIC}.HOST). With --topic, the call goes to
TOPIC.SERVER (SERVER defaults to HOST) with oslo.messaging's
${OSLO_PING_METHOD}, which a service answers "pong" when its config has
[DEFAULT] rpc_ping_enabled = true.

  --topic TOPIC        ping an oslo.messaging server of TOPIC on HOST
  --server SERVER      its server name (default HOST)
  --exchange EXCHANGE  its exchange (default control_exchange)
  --count N            pings to send, one after the other (default 1)
  --timeout SECONDS    wait for each answer (default ${DEFAULT_PING_TIMEOUT_S})
  --json               print the results as JSON

Exit codes: 0 every ping answered; 1 some lost, or the service answered with
an error (e.g. no ${OSLO_PING_METHOD}: rpc_ping_enabled is off); 2 none
answered, this host's daemon does not answer, or bad arguments.
`;

const SPEC = {
  flags: { '--topic': 'value', '--server': 'value', '--exchange': 'value', '--count': 'value', '--timeout': 'value', '--json': 'bool' },
  positionals: ['HOST'],
} as const;

/** One ping's outcome. */
export interface PingOutcome {
  seq: number;
  /** Round trip as measured by this command (local API included), in milliseconds. */
  time_ms: number;
  /** `answered`: the result came back; `failed`: the callee answered with an error; `lost`: no answer. */
  outcome: 'answered' | 'failed' | 'lost';
  /** The result (parsed JSON), the failure's class and message, or the error code and message. */
  result?: unknown;
  failure?: { class: string; message: string };
  error?: { code: string; message: string };
}

function parseFailure(text: string): { class: string; message: string } {
  try {
    const f = JSON.parse(text) as { class?: unknown; message?: unknown };
    return { class: String(f.class ?? 'unknown'), message: String(f.message ?? '') };
  } catch {
    return { class: 'unknown', message: text };
  }
}

function describe(o: PingOutcome, host: string, own: boolean): string {
  const time = `time=${o.time_ms.toFixed(2)} ms`;
  if (o.outcome === 'answered') {
    if (own) {
      const r = o.result as Partial<ControlPingResult>;
      return `answer from ${host}: seq=${o.seq} nova-zmq-bridge ${r.version ?? '?'} as ${r.host ?? '?'}, up ${formatDuration(Number(r.uptime_s ?? 0))}, ${time}`;
    }
    return `answer from ${host}: seq=${o.seq} ${JSON.stringify(o.result)}, ${time}`;
  }
  if (o.outcome === 'failed') {
    const hint = o.failure!.class === 'NoSuchMethod' ? ` (the service has no ${OSLO_PING_METHOD}: set [DEFAULT] rpc_ping_enabled = true in its config)` : '';
    return `error from ${host}: seq=${o.seq} ${o.failure!.class}: ${o.failure!.message}${hint}, ${time}`;
  }
  return `no answer: seq=${o.seq} ${o.error!.code}: ${o.error!.message}`;
}

export const pingCommand: Command = {
  name: 'ping',
  summary: 'an RPC round trip to HOST (its daemon, or an oslo service with --topic), timed',
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    let client: LocalClient;
    let host: string;
    let own: boolean;
    let request: Record<string, unknown>;
    let count: number;
    let timeoutS: number;
    let json: boolean;
    try {
      const args = parseCommandArgs('ping', argv, SPEC);
      if (args.help) {
        io.out(USAGE);
        return 0;
      }
      host = args.positionals[0]!;
      const topic = args.values.get('--topic') ?? null;
      own = topic === null;
      count = positiveNumber('ping', args, '--count', 1, true);
      timeoutS = positiveNumber('ping', args, '--timeout', DEFAULT_PING_TIMEOUT_S);
      json = args.bools.has('--json');
      request = { op: 'ping', host, topic, exchange: args.values.get('--exchange') ?? null, server: args.values.get('--server') ?? null, timeout: timeoutS };
      const config = commandConfig(args, io.env);
      client = await LocalClient.connect(config.bridge.localSocket);
    } catch (err) {
      io.err(`nova-zmq-bridge ping: ${oneLine(err)}\n`);
      return EXIT_FAILURE;
    }
    const target = own ? `${CONTROL_TOPIC}.${host}` : `${request.topic}.${request.server ?? host}`;
    if (!json) io.out(`PING ${host} (${own ? 'its nova-zmq-bridge daemon' : OSLO_PING_METHOD}, topic ${target})\n`);
    const outcomes: PingOutcome[] = [];
    try {
      for (let seq = 1; seq <= count; seq++) {
        const t0 = performance.now();
        let o: PingOutcome;
        try {
          const answer = await client.request(request, timeoutS * 1000 + ANSWER_GRACE_MS);
          const time_ms = performance.now() - t0;
          o =
            typeof answer.failure === 'string'
              ? { seq, time_ms, outcome: 'failed', failure: parseFailure(answer.failure) }
              : { seq, time_ms, outcome: 'answered', result: JSON.parse(String(answer.result)) };
        } catch (err) {
          const code = err instanceof DaemonRefusedError ? err.answerCode : ((err as { code?: string }).code ?? 'ERROR');
          o = { seq, time_ms: performance.now() - t0, outcome: 'lost', error: { code, message: oneLine(err) } };
          // This host's daemon went away: the next pings cannot fare better.
          if (!(err instanceof DaemonRefusedError)) count = seq;
        }
        outcomes.push(o);
        if (!json) io.out(`${describe(o, host, own)}\n`);
      }
    } finally {
      client.close();
    }
    const answered = outcomes.filter((o) => o.outcome === 'answered');
    const failed = outcomes.filter((o) => o.outcome === 'failed');
    const lost = outcomes.length - answered.length - failed.length;
    const result: CheckResult = answered.length + failed.length === 0 ? 'FAILURE' : lost > 0 || failed.length > 0 ? 'WARNING' : 'OK';
    const times = [...answered, ...failed].map((o) => o.time_ms);
    const rtt = times.length === 0 ? null : { min: Math.min(...times), avg: times.reduce((a, b) => a + b, 0) / times.length, max: Math.max(...times) };
    if (json) {
      io.out(`${JSON.stringify({ result, exit_code: exitCodeOfResult(result), host, topic: target, sent: outcomes.length, answered: answered.length, failed: failed.length, lost, rtt_ms: rtt, pings: outcomes }, null, 2)}\n`);
    } else {
      const rttText = rtt ? `; round trip min/avg/max ${rtt.min.toFixed(2)}/${rtt.avg.toFixed(2)}/${rtt.max.toFixed(2)} ms` : '';
      io.out(`--- ${host}: ${outcomes.length} sent, ${answered.length} answered, ${failed.length} answered with an error, ${lost} lost${rttText}\nResult: ${result}\n`);
    }
    return exitCodeOfResult(result);
  },
};
