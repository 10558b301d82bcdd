/**
 * Builds the RPC half of the daemon from its parts: sender (with the local
 * short-circuit into the receiver), reply waiter and listener registry (both
 * receiver sinks, in that order), the local API handlers and its server.
 * The daemon (src/daemon.ts) adds the sinks and lifecycles; tests use it to
 * assemble the same thing.
 */
import type * as zmq from 'zeromq';
import type { BridgeConfig } from '../config/types';
import type { Logger } from '../log';
import type { Counters } from '../metrics/counters';
import type { Matchmaker } from '../matchmaker/types';
import type { DaemonStatus } from '../status/types';
import { Sender, type LocalDispatch, type SenderOptions } from '../sender/sender';
import { ReplyWaiter } from '../sender/reply-waiter';
import { systemClock, type Clock } from '../time/clock';
import { LogLimiter } from '../util/log-limiter';
import { LocalApi } from './handlers';
import { ListenerRegistry } from './registry';
import { LocalApiServer } from './server';
import type { CallLatency } from '../metrics/call-latency';
import type { Security } from '../security/security';
import { LocalAccess } from '../security/local-access';
import { peerCredentialReader } from '../security/peer-credentials';
import { HostLookup } from './host-lookup';
import { localNames } from './local-names';
import { ServerResolver } from './server-resolver';

export interface RpcPartsOptions {
  config: BridgeConfig;
  matchmaker: Matchmaker;
  /** The receiver (for the short-circuit of messages to this host). */
  local: LocalDispatch | null;
  /** A child logger per component name. */
  logger: (component: string) => Logger;
  counters: Counters;
  context?: zmq.Context;
  /** Pool overrides (tests). */
  pool?: SenderOptions['pool'];
  /** Time source of call timeouts, call-monitor and the sender's peer deadlines (default: the system clock; tests pass a manual one). */
  clock?: Clock;
  /** The daemon's state for the `status` op (the daemon's status reporter). */
  status?: () => DaemonStatus;
  /** Histogram of call latencies (default: the local API's own). */
  callLatency?: CallLatency;
  /**
   * The daemon's security layer: CURVE keys of the peer connections, and
   * who may use the local API (peer credentials, socket group and mode, a
   * safe socket directory). Without it, anyone who can open the socket.
   */
  security?: Security;
}

export interface RpcParts {
  sender: Sender;
  waiter: ReplyWaiter;
  registry: ListenerRegistry;
  /** Where directed targets go. */
  resolver: ServerResolver;
  api: LocalApi;
  server: LocalApiServer;
  /** The clock the waiter and the sender run on. */
  clock: Clock;
  /** Stop order: local API first (no new work), then fail pending calls, then close peers. */
  stop(): Promise<void>;
}

export function buildRpcParts(o: RpcPartsOptions): RpcParts {
  const { config, counters } = o;
  const clock = o.clock ?? systemClock;
  const sec = o.security;
  const sender = new Sender({ config, log: o.logger('sender'), counters, local: o.local, context: o.context, pool: o.pool, clock, security: sec });
  const waiter = new ReplyWaiter({ log: o.logger('reply-waiter'), counters, clock });
  // One limiter for the warnings shims and peers can repeat through the local API's parts.
  const limiter = new LogLimiter({ clock });
  const names = localNames(config);
  const registry = new ListenerRegistry({ host: config.host, localNames: names, matchmaker: o.matchmaker, log: o.logger('listeners'), counters, limiter });
  const apiLog = o.logger('localapi');
  const resolver = new ServerResolver({
    host: config.host,
    localNames: names,
    listeners: registry,
    matchmaker: o.matchmaker,
    hosts: new HostLookup({ counters, clock }),
    counters,
    log: apiLog,
  });
  const api = new LocalApi({ config, matchmaker: o.matchmaker, sender, waiter, registry, resolver, counters, log: apiLog, status: o.status, clock, callLatency: o.callLatency, limiter });
  const server = new LocalApiServer({
    path: config.bridge.localSocket,
    mode: config.bridge.localSocketMode,
    api,
    registry,
    log: apiLog,
    counters,
    // Loads the peer-credential call now: a daemon that cannot check who connects does not start.
    access: sec ? new LocalAccess(sec.localPolicy, peerCredentialReader()) : undefined,
    socketAccess: sec?.localSocketAccess,
    dirTrust: sec?.trust,
    clock,
    readTimeoutMs: config.bridge.localReadTimeoutSeconds * 1000,
    bufferBytes: config.bridge.localBufferBytes,
    limiter,
  });
  return {
    sender,
    waiter,
    registry,
    resolver,
    api,
    server,
    clock,
    async stop() {
      await server.stop();
      waiter.close();
      sender.close();
    },
  };
}
