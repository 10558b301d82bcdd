/**
 * The daemon's composition root: builds every component from one
 * BridgeConfig, starts them in order, stops them in reverse, and applies
 * live config changes (SIGHUP).
 *
 * To plug a part in: create it in `buildComponents()` at its place in the
 * start order, give it `this.logger('<component>')`, `this.counters` and
 * `this.context`, register it with `this.addComponent(...)`; if it claims
 * inbound messages, also `this.addSink(...)` (sinks are asked in the order
 * they were added; the receiver reads the list live).
 */
import * as zmq from 'zeromq';
import type { LevelWithSilent } from 'pino';
import type { BridgeConfig } from './config/types';
import type { Logger } from './log';
import { Counters } from './metrics/counters';
import { Receiver } from './receiver/receiver';
import type { LocalSink } from './receiver/sink';
import { prepareIpcDir } from './receiver/ipc-dir';
import { createMatchmaker } from './matchmaker/factory';
import { BrokerRole } from './broker/broker-role';
import type { Matchmaker } from './matchmaker/types';
import { buildRpcParts, type RpcParts } from './localapi/wiring';
import { resolveLogLevel } from './config/log-level';
import { createContext } from './zmq-context';

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
  /** Sinks asked before any the daemon's own components add. */
  sinks?: LocalSink[];
  /** ZeroMQ context; by default one with `rpc_zmq_contexts` I/O threads. */
  context?: zmq.Context;
}

export class Daemon {
  readonly counters: Counters;
  /** Ordered sinks given to the receiver (first claim wins). */
  readonly sinks: LocalSink[];
  readonly receiver: Receiver;
  readonly context: zmq.Context;
  /** Chosen by `rpc_zmq_matchmaker`. */
  readonly matchmaker: Matchmaker;
  /** Sender, reply waiter, shim listeners, local API server. */
  readonly rpc: RpcParts;
  private cfg: BridgeConfig;
  private readonly log: Logger;
  private readonly loggers: Logger[] = [];
  private readonly components: DaemonComponent[] = [];
  private started: DaemonComponent[] = [];
  private state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';

  constructor(config: BridgeConfig, log: Logger, opts: DaemonOptions = {}) {
    this.cfg = config;
    this.log = log;
    this.counters = opts.counters ?? new Counters();
    this.sinks = [...(opts.sinks ?? [])];
    this.context = opts.context ?? createContext(config.contexts);
    this.receiver = new Receiver({
      config,
      log: this.logger('receiver'),
      counters: this.counters,
      sinks: this.sinks,
      context: this.context,
    });
    this.matchmaker = createMatchmaker(config, { log: this.logger('matchmaker'), counters: this.counters });
    this.rpc = buildRpcParts({
      config,
      matchmaker: this.matchmaker,
      local: this.receiver,
      logger: (c) => this.logger(c),
      counters: this.counters,
      context: this.context,
    });
    this.buildComponents();
  }

  /** The config in force (updated by reload). */
  get config(): BridgeConfig {
    return this.cfg;
  }

  /** A child logger for a component; its level follows SIGHUP reloads. */
  logger(component: string): Logger {
    const child = this.log.child({ component });
    this.loggers.push(child);
    return child;
  }

  /** Register a component; it starts after those registered before it and stops before them. */
  addComponent(component: DaemonComponent): void {
    this.components.push(component);
  }

  /** Add a sink at the end of the receiver's list (or at `index`). */
  addSink(sink: LocalSink, index = this.sinks.length): void {
    this.sinks.splice(index, 0, sink);
  }

  /** Components in start order. Other parts add their wiring here. */
  private buildComponents(): void {
    const receiver = this.receiver;
    // 1. ipc dir + receiver: binding the tcp port first makes "already running" fail fast.
    this.addComponent({
      name: 'receiver',
      start: async () => {
        await prepareIpcDir(this.cfg.ipcDir);
        await receiver.start();
      },
      stop: () => receiver.stop(),
      reload: (config) => receiver.reload(config),
    });
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
    // 3. sender + reply waiter + shim listeners + local API (sinks: reply waiter first, then listeners).
    const rpc = this.rpc;
    this.addSink(rpc.waiter);
    this.addSink(rpc.registry);
    this.addComponent({ name: 'localapi', start: () => rpc.server.start(), stop: () => rpc.stop() });
    // 4. broker role ([zmq_bridge] broker_role): matchmaker services, and a sink that
    //    forwards bare topics; asked before the listener registry, which would
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
      });
      this.addSink(role, this.sinks.indexOf(rpc.registry));
      this.addComponent(role);
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
    this.log.info({ rpc_zmq_host: this.cfg.host, port: this.cfg.port, ipc_dir: this.cfg.ipcDir, sources: this.cfg.sources }, 'daemon started');
  }

  /** Stop components in reverse start order; idempotent. */
  async stop(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'stopping' || this.state === 'new') {
      this.state = this.state === 'new' ? 'stopped' : this.state;
      return;
    }
    this.state = 'stopping';
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
   * `reload()`. Addresses, ports and the ipc dir need a restart.
   */
  async reload(newConfig: BridgeConfig, level: LevelWithSilent = resolveLogLevel(newConfig, null, {})): Promise<void> {
    const old = this.cfg;
    for (const key of ['port', 'bindAddress', 'ipcDir', 'host'] as const) {
      if (old[key] !== newConfig[key]) this.log.warn({ option: key, running: old[key], configured: newConfig[key] }, 'option changed in the config files; it applies after a restart');
    }
    this.cfg = { ...newConfig, port: old.port, bindAddress: old.bindAddress, bindAddressRaw: old.bindAddressRaw, ipcDir: old.ipcDir, host: old.host };
    this.log.level = level;
    for (const l of this.loggers) l.level = level;
    for (const c of this.components) {
      if (!c.reload) continue;
      try {
        await c.reload(this.cfg);
      } catch (err) {
        this.log.error({ err, component: c.name }, 'reload failed; keeping its previous settings');
      }
    }
    this.log.warn({ level, topic_backlog: this.cfg.topicBacklog, sources: this.cfg.sources }, 'configuration reloaded');
  }
}
