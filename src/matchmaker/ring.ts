import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from '../log';
import type { Counters } from '../metrics/counters';
import type { Matchmaker, MatchmakerStatus, Queue } from './types';
import { bindingOf } from './topics';
import { loadRingFile, type Ring } from './ring-file';
import { RingFileError } from './errors';
import { directedTopic, fanoutTopic } from '../wire/topic';
import { systemClock, type Clock, type Timer } from '../time/clock';

/** Quiet time after the last change event of the ring file before it is re-read (ms): editors write in several steps. */
export const DEFAULT_RING_RELOAD_DEBOUNCE_MS = 200;

export interface RingOptions {
  /** `[matchmaker_ring] ringfile` / `rpc_zmq_matchmaker_ringfile`. */
  ringfile: string;
  /** The matchmaker's logger: its creator binds `component` (the daemon: `matchmaker`). */
  log: Logger;
  counters: Counters;
  /** Watch the file and reload on change (default true). SIGHUP reloads regardless. */
  watch?: boolean;
  /** Debounce of file-change reloads in ms (default {@link DEFAULT_RING_RELOAD_DEBOUNCE_MS}). */
  debounceMs?: number;
  /** Time of the debounce before a changed file is re-read; {@link systemClock} by default. */
  clock?: Clock;
}

/**
 * `rpc_zmq_matchmaker = ring` (legacy `MatchMakerRing`): a static JSON file
 * `{topic: [hosts]}`. Bare topics go round-robin over the topic's hosts,
 * directed topics straight to their host, fanout to every host of the topic
 * (`fanout~T.h` each). A topic missing from the ring has no route (warned and
 * counted). Lookups use the unqualified base topic; returned topics keep the
 * exchange qualification.
 *
 * The file may also map server names to hosts (`"zmq_bridge.servers"`, see
 * ring-file.ts and docs/server-names.md): the static counterpart of the
 * registrations other kinds keep, consulted for every topic.
 *
 * The file is re-read on {@link reload} (SIGHUP) and when it changes on disk;
 * an invalid new file keeps the old ring and is logged with the reason.
 */
export class RingMatchmaker implements Matchmaker {
  readonly kind: string = 'ring';
  readonly serverSource = 'the ring file\'s server map ("zmq_bridge.servers")';
  protected ring: Ring = { topics: new Map(), servers: new Map() };
  private readonly next = new Map<string, number>();
  private readonly log: Logger;
  private watcher: FSWatcher | null = null;
  private debounce: Timer | null = null;
  private reloading: Promise<void> = Promise.resolve();
  private readonly warnedMissing = new Set<string>();
  /** Clock time of the last successful load, and why the last reload was refused (null when it was not). */
  private loadedAt: number | null = null;
  private refused: string | null = null;

  constructor(private readonly opts: RingOptions) {
    this.log = opts.log.child({ matchmaker: 'ring', ringfile: opts.ringfile });
  }

  /** Load the ring; rejects with {@link RingFileError} when the file is unusable. */
  async start(): Promise<void> {
    this.ring = await loadRingFile(this.opts.ringfile);
    this.loadedAt = (this.opts.clock ?? systemClock).now();
    this.log.info({ topics: [...this.ring.topics.keys()], servers: [...this.ring.servers.keys()] }, 'ring loaded');
    if (this.opts.watch !== false) this.startWatching();
  }

  async stop(): Promise<void> {
    this.watcher?.close();
    this.watcher = null;
    this.debounce?.cancel();
    this.debounce = null;
    await this.reloading;
  }

  /** Re-read the ring file; an invalid file keeps the current ring (logged, counted `matchmaker.ring.reload_failed`). */
  reload(): Promise<void> {
    this.reloading = this.reloading.then(() => this.doReload());
    return this.reloading;
  }

  /**
   * The ring file is the backend: it does not serve while its last reload
   * was refused, even though routing goes on from the previous ring - the
   * file on disk is not what the daemon routes by, which the operator must fix.
   */
  status(): MatchmakerStatus {
    const topics = new Map<string, number>();
    const hosts = new Set<string>();
    for (const [topic, list] of this.ring.topics) {
      topics.set(topic, list.length);
      for (const h of list) hosts.add(h);
    }
    return {
      backend: { name: 'ringfile', address: this.opts.ringfile },
      reachable: this.refused === null,
      problem: this.refused,
      lastRefresh: this.loadedAt,
      topics,
      detail: `${this.ring.topics.size} topics, ${hosts.size} hosts, ${this.ring.servers.size} server names`,
    };
  }

  /** Snapshot of the current ring (for tests and diagnostics). */
  hosts(topic: string): readonly string[] {
    return this.ring.topics.get(topic) ?? [];
  }

  async queues(topic: string): Promise<Queue[]> {
    const b = bindingOf(topic);
    if (b.kind === 'direct') return [{ topic, host: b.host }];
    const hosts = this.ring.topics.get(b.key);
    if (!hosts) {
      this.opts.counters.inc('matchmaker.ring.no_topic');
      if (!this.warnedMissing.has(b.key)) {
        this.warnedMissing.add(b.key);
        this.log.warn({ topic: b.key }, 'topic is not in the ring file: no host to send to');
      }
      return [];
    }
    if (b.kind === 'fanout') {
      const ft = fanoutTopic(b.base);
      return hosts.map((h) => ({ topic: directedTopic(ft, h), host: h }));
    }
    const i = (this.next.get(b.key) ?? 0) % hosts.length;
    this.next.set(b.key, i + 1);
    const host = hosts[i]!;
    return [{ topic: directedTopic(b.base, host), host }];
  }

  /** The ring is static: a listener only gets bare/fanout traffic if the file lists its host. */
  async register(topic: string, host: string): Promise<void> {
    const hosts = this.ring.topics.get(topic);
    if (!hosts || !hosts.includes(host)) {
      this.log.warn(
        { topic, host },
        'listener registered but the ring file does not list this host for its topic: it only gets directed messages',
      );
    }
  }

  async unregister(_topic: string, _host: string): Promise<void> {}

  /** Static: a listener's name is found only if the file maps it. */
  async registerServer(topic: string, server: string, host: string): Promise<void> {
    const hosts = this.ring.servers.get(server);
    if (hosts && !hosts.includes(host)) {
      this.log.warn(
        { topic, server, host, ring_hosts: hosts },
        'listener registered under a server name the ring file maps to other hosts: messages for that name go there',
      );
    }
  }

  async unregisterServer(_topic: string, _server: string, _host: string): Promise<void> {}

  /** The hosts the file maps `server` to (for every topic; lookups use the unqualified name as written). */
  async serverHosts(_topic: string, server: string): Promise<string[]> {
    return [...(this.ring.servers.get(server) ?? [])];
  }

  private async doReload(): Promise<void> {
    try {
      const ring = await loadRingFile(this.opts.ringfile);
      this.ring = ring;
      this.loadedAt = (this.opts.clock ?? systemClock).now();
      this.refused = null;
      this.warnedMissing.clear();
      this.opts.counters.inc('matchmaker.ring.reloaded');
      this.log.info({ topics: [...ring.topics.keys()], servers: [...ring.servers.keys()] }, 'ring reloaded');
    } catch (err) {
      this.opts.counters.inc('matchmaker.ring.reload_failed');
      const problem = err instanceof RingFileError ? err.problem : 'unknown';
      this.refused = `the ring file was refused at its last reload (${problem}); serving the previous ring`;
      this.log.error({ err, problem }, `ring file refused, keeping the previous ring: ${(err as Error).message}`);
    }
  }

  /**
   * Watch the directory, not the file: editors and config managers replace
   * the file by rename, which silently ends a watch on the old inode.
   */
  private startWatching(): void {
    const name = basename(this.opts.ringfile);
    try {
      this.watcher = watch(dirname(this.opts.ringfile), { persistent: false }, (_event, file) => {
        if (file !== null && file.toString() !== name) return;
        this.debounce?.cancel();
        this.debounce = (this.opts.clock ?? systemClock).setTimeout(
          () => {
            this.debounce = null;
            void this.reload();
          },
          this.opts.debounceMs ?? DEFAULT_RING_RELOAD_DEBOUNCE_MS,
          { ref: false },
        );
      });
      this.watcher.on('error', (err) => {
        this.log.warn({ err }, 'ring file watch failed; reload with SIGHUP');
      });
    } catch (err) {
      this.log.warn({ err }, 'cannot watch the ring file; reload with SIGHUP');
    }
  }
}
