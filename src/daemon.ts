/**
 * The daemon's composition root: builds every component from one
 * BridgeConfig, starts them in order, stops them in reverse, and applies
 * live config changes (SIGHUP).
 *
 * To plug a part in: create it in `buildComponents()` at its place in the
 * start order, give it `this.logger('<component>')`, `this.counters`,
 * `this.context` and `this.clock` (one clock for every part, so a test can
 * drive them all with a manual clock), and register it with
 * `this.addComponent(...)`.
 *
 * If it takes inbound messages, plug it into its stage of the receiver's
 * router by name - `this.router.use('broker', role)` - rather than anywhere
 * in a list: the router asks replies -> broker -> listeners -> outlets in
 * that order whatever the order of the `use` calls (src/receiver/router.ts).
 * A new kind of consumer gets a new stage name in STAGE_ORDER there, at the
 * place it must be asked. The receiver plugs its own ipc outlets.
 */
import * as zmq from 'zeromq';
import type { LevelWithSilent } from 'pino';
import type { BridgeConfig } from './config/types';
import type { Logger } from './log';
import { Counters } from './metrics/counters';
import { Receiver } from './receiver/receiver';
import type { LocalSink } from './receiver/sink';
import { InboundRouter, type ClaimStage } from './receiver/router';
import { prepareIpcDir } from './receiver/ipc-dir';
import { systemClock, type Clock } from './time/clock';
import { createMatchmaker } from './matchmaker/factory';
import { BrokerRole } from './broker/broker-role';
import type { Matchmaker } from './matchmaker/types';
import { buildRpcParts, type RpcParts } from './localapi/wiring';
import { resolveLogLevel } from './config/log-level';
import { freezeRestartOptions } from './config/restart';
import { createContext } from './zmq-context';
import { DAEMON_VERSION } from './localapi/protocol';
import { PingResponder } from './control/ping-responder';
import { DropTracker } from './status/drops';
import { StatusReporter } from './status/reporter';
import { Readiness, readinessCheck, type ReadinessReport } from './health/readiness';
import { MetricsExporter } from './metrics/exporter';
import type { MetricsSources } from './metrics/sources';
import { HttpServer } from './http/server';
import { IPC_FILE_PREFIX } from './wire/topic';
import { Security } from './security/security';
import { PlaintextListener } from './security/plaintext-listener';
import { planSocketBudget, readOpenFileLimit, type SocketBudget } from './socket-budget';
import { removeStaleIpcFiles } from './receiver/stale-ipc';

/** A part of the daemon with a lifecycle. */
export interface DaemonComponent {
  /** For logs. */
  readonly name: string;
  /** Rejects with a typed error when it cannot start; the daemon then stops what already started. */
  start(): Promise<void>;
  /** Release everything; must not throw for an already stopped component. */
  stop(): Promise<void>;
  /** Re-read what can change live (SIGHUP), given the new config. */
  reload?(config: BridgeConfig): Promise<void> | void;
}

export interface DaemonOptions {
  /** Shared counters (a fresh set by default). */
  counters?: Counters;
  /**
   * Parts built outside the daemon, plugged into these router stages before
   * the daemon's own (tests: a broker role they drive themselves). A stage
   * the daemon also fills (replies, listeners; broker with `broker_role`)
   * is a wiring mistake: the constructor throws StageTakenError.
   */
  stages?: { [S in ClaimStage]?: LocalSink };
  /** ZeroMQ context; by default one with `rpc_zmq_contexts` I/O threads. */
  context?: zmq.Context;
  /** Time for every part that keeps time (default: the system clock; tests pass a manual clock). */
  clock?: Clock;
  /** The open-file limit the socket budget is planned against (default: the process's, from /proc; null: unknown). */
  openFileLimit?: number | null;
}

export class Daemon {
  readonly counters: Counters;
  /** Where the receiver's accepted messages go: named stages, first claim wins (src/receiver/router.ts). */
  readonly router: InboundRouter;
  readonly receiver: Receiver;
  readonly context: zmq.Context;
  /** The one clock every part is given. */
  readonly clock: Clock;
  /** Chosen by `rpc_zmq_matchmaker`. */
  readonly matchmaker: Matchmaker;
  /** Sender, reply waiter, shim listeners, local API server. */
  readonly rpc: RpcParts;
  /** What the local API's `status` op answers (`nova-zmq-bridge status`). */
  readonly status: StatusReporter;
  /** When the last component started (clock time); null before. */
  private startedAt: number | null = null;
  private readonly drops: DropTracker;
  /**
   * What `/readyz` asks: the daemon's state, receiver, local API and
   * matchmaker checks; other parts add theirs (`readiness.add(...)`, see
   * src/health/readiness.ts) before start().
   */
  readonly readiness = new Readiness();
  /** Prometheus metrics of this daemon, read from its state at each scrape. */
  readonly metrics: MetricsExporter;
  /** The metrics and health listener (`[zmq_bridge] http_listen`), or null when off. */
  readonly http: HttpServer | null;
  /** CURVE, ZAP, trusted keys, local permissions (`[zmq_bridge] security`, docs/security.md); `security.ready()` says whether peers can be authenticated. */
  readonly security: Security;
  /** Caps of peer connections and ipc outlets, and the context's maxSockets (src/socket-budget.ts). */
  readonly budget: SocketBudget;
  private cfg: BridgeConfig;
  private readonly log: Logger;
  private readonly components: DaemonComponent[] = [];
  private started: DaemonComponent[] = [];
  private state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';

  constructor(config: BridgeConfig, log: Logger, opts: DaemonOptions = {}) {
    this.cfg = config;
    this.log = log;
    this.counters = opts.counters ?? new Counters();
    this.budget = planSocketBudget(
      { maxPeers: config.bridge.maxPeers, maxOutlets: config.bridge.maxIpcOutlets },
      opts.openFileLimit !== undefined ? opts.openFileLimit : readOpenFileLimit(),
    );
    this.context = opts.context ?? createContext(config.contexts, this.budget.maxSockets);
    this.clock = opts.clock ?? systemClock;
    // First: every socket below is configured by it.
    this.security = new Security({ config, log: this.logger('security'), counters: this.counters, context: this.context, clock: this.clock });
    const receiverLog = this.logger('receiver');
    // Routing problems (a part that throws, an unclaimed heartbeat) are the receiver's: same logger.
    this.router = new InboundRouter({ log: receiverLog, counters: this.counters });
    for (const [stage, part] of Object.entries(opts.stages ?? {}) as [ClaimStage, LocalSink | undefined][]) {
      if (part) this.router.use(stage, part);
    }
    this.receiver = new Receiver({
      config,
      log: receiverLog,
      counters: this.counters,
      router: this.router,
      context: this.context,
      clock: this.clock,
      security: this.security,
      ipcFileAccess: this.security.ipcFileAccess,
      maxOutlets: this.budget.maxOutlets,
    });
    this.matchmaker = createMatchmaker(config, { log: this.logger('matchmaker'), counters: this.counters, context: this.context, clock: this.clock, security: this.security });
    this.drops = new DropTracker(this.counters, this.clock);
    this.rpc = buildRpcParts({
      // Read at request time, once every part exists.
      status: () => this.status.report(),
      config,
      matchmaker: this.matchmaker,
      local: this.receiver,
      logger: (c) => this.logger(c),
      counters: this.counters,
      context: this.context,
      clock: this.clock,
      security: this.security,
      pool: { maxPeers: this.budget.maxPeers },
    });
    this.status = new StatusReporter({
      config: () => this.cfg,
      version: DAEMON_VERSION,
      clock: this.clock,
      startedAt: () => this.startedAt,
      counters: this.counters,
      matchmaker: this.matchmaker,
      receiver: this.receiver,
      sender: this.rpc.sender,
      registry: this.rpc.registry,
      server: this.rpc.server,
      drops: this.drops,
    });
    this.addReadinessChecks();
    this.metrics = new MetricsExporter(this.metricsSources(), { processMetrics: config.bridge.httpListen !== null });
    this.http =
      config.bridge.httpListen === null
        ? null
        : new HttpServer({ listen: config.bridge.httpListen, metrics: this.metrics, readiness: () => this.readiness.evaluate(), log: this.logger('http'), counters: this.counters });
    this.buildComponents();
  }

  /** The daemon's own readiness checks (what each part already knows; no I/O). */
  private addReadinessChecks(): void {
    this.readiness.add(readinessCheck('daemon', () => (this.state === 'running' ? { ready: true } : { ready: false, reason: `the daemon is ${this.state}` })));
    this.readiness.add(
      readinessCheck('receiver', () => (this.receiver.listening ? { ready: true } : { ready: false, reason: `${this.receiver.endpoint} is not bound` })),
    );
    this.readiness.add(
      readinessCheck('localapi', () => (this.rpc.server.listening ? { ready: true } : { ready: false, reason: `${this.rpc.server.path} is not listening` })),
    );
    this.readiness.add(
      readinessCheck('matchmaker', () => {
        const st = this.matchmaker.status();
        if (!st.backend || st.reachable === true) return { ready: true };
        return { ready: false, reason: st.problem ?? `${st.backend.name} is unreachable` };
      }),
    );
    this.readiness.add(
      readinessCheck('security', () => {
        const r = this.security.ready();
        return r.ok ? { ready: true } : { ready: false, reason: r.why };
      }),
    );
  }

  /** What the exporter reads at each scrape. */
  private metricsSources(): MetricsSources {
    const rpc = this.rpc;
    return {
      build: { version: DAEMON_VERSION, libzmq: zmq.version, curve: zmq.capability.curve === true },
      counters: this.counters,
      callLatency: rpc.api.latency,
      controlExchange: this.cfg.controlExchange,
      pendingReplies: () => rpc.waiter.size,
      shims: () => rpc.server.sessionCount,
      listeners: () => rpc.registry.size,
      outletQueues: () => this.receiver.outletList().map((o) => ({ topic: o.name.slice(IPC_FILE_PREFIX.length), pending: o.pending(), queuedBytes: o.queuedBytes })),
      peers: () => rpc.sender.peerSnapshots(),
      matchmakerKind: this.matchmaker.kind,
      matchmakerStatus: () => this.matchmaker.status(),
      readiness: (): ReadinessReport => this.readiness.evaluate(),
    };
  }

  /** One line for systemd's STATUS= (and humans): readiness, shims, peers, matchmaker. */
  statusLine(): string {
    const r = this.readiness.evaluate();
    const peers = this.rpc.sender.peerSnapshots();
    const connected = peers.filter((p) => p.connection === 'connected').length;
    const st = this.matchmaker.status();
    const mm = st.backend ? `${this.matchmaker.kind} (${st.backend.name} ${st.reachable === true ? 'up' : 'DOWN'})` : this.matchmaker.kind;
    const head = r.ready ? 'ready' : `NOT READY (${r.checks.filter((c) => !c.ready).map((c) => `${c.name}: ${c.reason}`).join('; ')})`;
    return `${head}; ${this.rpc.server.sessionCount} shims, ${this.rpc.registry.size} listeners; ${peers.length} peers (${connected} connected); matchmaker ${mm}`;
  }

  /** The config in force (updated by reload). */
  get config(): BridgeConfig {
    return this.cfg;
  }

  /**
   * The logger of a component, bound to `component` once: the part must not
   * bind it again (pino would write the key twice). It follows the root
   * level on SIGHUP by itself (see src/log.ts), so nothing keeps a list.
   */
  logger(component: string): Logger {
    return this.log.child({ component });
  }

  /** Register a component; it starts after those registered before it and stops before them. */
  addComponent(component: DaemonComponent): void {
    this.components.push(component);
  }

  /** Components in start order. Other parts add their wiring here. */
  private buildComponents(): void {
    const receiver = this.receiver;
    const security = this.security;
    // 0. security: certificate, trusted keys and ZAP handler before any socket binds.
    this.addComponent({ name: 'security', start: () => security.start(), stop: () => security.stop(), reload: () => security.reload() });
    // 1. ipc dir + receiver: binding the tcp port first makes "already running" fail fast.
    this.addComponent({
      name: 'receiver',
      start: async () => {
        await prepareIpcDir(this.cfg.ipcDir, { trust: security.trust, gid: security.ipcGid });
        await removeStaleIpcFiles(this.cfg.ipcDir, { log: this.logger('receiver'), counters: this.counters });
        this.logBudget();
        await receiver.start();
      },
      stop: () => receiver.stop(),
      reload: (config) => receiver.reload(config),
    });
    // 1b. migration: plaintext listener for the listed legacy peers, into the same receiver.
    if (security.plaintextListener) {
      this.addComponent(
        new PlaintextListener({
          bindAddress: this.cfg.bindAddress,
          port: this.cfg.bridge.plaintextPort,
          security,
          dispatch: (frames) => receiver.dispatch(frames),
          log: this.logger('security'),
          counters: this.counters,
          context: this.context,
        }),
      );
    }
    // 2. matchmaker: routes for the sender, registrations for the shims' listeners.
    const matchmaker = this.matchmaker;
    this.addComponent({
      name: 'matchmaker',
      start: () => matchmaker.start(),
      stop: () => matchmaker.stop(),
      reload: async () => {
        await matchmaker.reload?.();
      },
    });
    // 3. sender + reply waiter + shim listeners + local API; the waiter takes the
    //    replies to this host's calls, the registry what this host's shims listen to.
    const rpc = this.rpc;
    this.router.use('replies', rpc.waiter);
    this.router.use('listeners', rpc.registry);
    // The daemon's own endpoint (`nova-zmq-bridge ping`), answered through the sender.
    this.router.use(
      'control',
      new PingResponder({
        host: this.cfg.host,
        version: DAEMON_VERSION,
        startedAt: () => this.startedAt ?? this.clock.now(),
        sender: rpc.sender,
        clock: this.clock,
        counters: this.counters,
        log: this.logger('control'),
      }),
    );
    this.addComponent({ name: 'localapi', start: () => rpc.server.start(), stop: () => rpc.stop() });
    // 4. broker role ([zmq_bridge] broker_role): matchmaker services, and the
    //    router's broker stage, which re-addresses bare topics to a registered host.
    //    The router asks it before the listeners stage, whose registry would
    //    otherwise take bare topics for this host's own listeners.
    if (this.cfg.bridge.brokerRole) {
      const role = new BrokerRole({
        bindAddress: this.cfg.bindAddress,
        brokerPort: this.cfg.bridge.brokerPort,
        schedulerPort: this.cfg.bridge.schedulerPort,
        log: this.logger('broker-role'),
        counters: this.counters,
        sender: rpc.sender,
        context: this.context,
        clock: this.clock,
        security,
      });
      this.router.use('broker', role);
      this.addComponent(role);
    }
    // 5. metrics and health over HTTP, last: /readyz answers once everything above is bound.
    const http = this.http;
    const metrics = this.metrics;
    if (http) {
      this.addComponent({
        name: 'http',
        start: async () => {
          metrics.start();
          await http.start();
        },
        stop: async () => {
          await http.stop();
          metrics.stop();
        },
      });
    }
  }

  /** Say what the socket budget is, and loudly when the open-file limit lowered a cap. */
  private logBudget(): void {
    const b = this.budget;
    const fields = { max_peers: b.maxPeers, max_ipc_outlets: b.maxOutlets, max_sockets: b.maxSockets, fds_needed: b.fdsNeeded, open_file_limit: b.openFileLimit };
    if (b.lowered) {
      this.log.warn(
        { ...fields, configured_max_peers: b.lowered.maxPeers, configured_max_ipc_outlets: b.lowered.maxOutlets },
        'the open-file limit cannot hold max_peers and max_ipc_outlets: both lowered; raise LimitNOFILE (docs/scale.md)',
      );
    } else {
      this.log.info(fields, 'socket budget');
    }
  }

  /** Start every component in order; on failure stop those started and rethrow. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error(`daemon cannot start from state ${this.state}`);
    this.state = 'starting';
    for (const c of this.components) {
      try {
        await c.start();
      } catch (err) {
        this.log.error({ err, component: c.name }, 'start-up failed');
        await this.stopStarted();
        this.state = 'stopped';
        throw err;
      }
      this.started.push(c);
    }
    this.state = 'running';
    this.startedAt = this.clock.now();
    this.drops.start();
    this.log.info({ rpc_zmq_host: this.cfg.host, port: this.cfg.port, ipc_dir: this.cfg.ipcDir, sources: this.cfg.sources }, 'daemon started');
  }

  /** Stop components in reverse start order; idempotent. */
  async stop(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'stopping' || this.state === 'new') {
      this.state = this.state === 'new' ? 'stopped' : this.state;
      return;
    }
    this.state = 'stopping';
    this.drops.stop();
    await this.stopStarted();
    this.state = 'stopped';
    this.log.info({ counters: this.counters.snapshot() }, 'daemon stopped');
  }

  private async stopStarted(): Promise<void> {
    const started = this.started;
    this.started = [];
    for (const c of started.reverse()) {
      try {
        await c.stop();
      } catch (err) {
        this.log.error({ err, component: c.name }, 'error while stopping');
      }
    }
  }

  /**
   * Apply a re-read config (SIGHUP): the log level (given - the CLI passes
   * its `--log-level`/env override - or derived from log_level, debug,
   * verbose), the topic backlog and hold times, then each component's
   * `reload()`. Options flagged `applies: 'restart'` in config/options.ts
   * keep their running values (freezeRestartOptions), with a warning each.
   */
  async reload(newConfig: BridgeConfig, level: LevelWithSilent = resolveLogLevel(newConfig, null, {})): Promise<void> {
    const { config, changed } = freezeRestartOptions(this.cfg, newConfig);
    for (const c of changed) {
      this.log.warn({ option: c.option, running: c.running, configured: c.configured }, 'option changed in the config files; it applies after a restart');
    }
    this.cfg = config;
    this.log.level = level;
    for (const c of this.components) {
      if (!c.reload) continue;
      try {
        await c.reload(this.cfg);
      } catch (err) {
        this.log.error({ err, component: c.name }, 'reload failed; keeping its previous settings');
      }
    }
    this.log.warn({ log_level: level, topic_backlog: this.cfg.topicBacklog, sources: this.cfg.sources }, 'configuration reloaded');
  }
}
