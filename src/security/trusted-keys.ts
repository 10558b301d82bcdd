/**
 * The trusted-keys directory (`[zmq_bridge] curve_trusted_dir`): one public
 * certificate `<rpc_zmq_host>.key` per trusted host, like SSH's known hosts
 * and authorized keys in one folder, distributed by configuration
 * management. Its keys are the allow-list of clients (ZAP), and the sender
 * finds there the server key of each peer it connects to.
 *
 * Re-read on SIGHUP and when the directory changes (debounced): a removed
 * key is refused for new connections at once. A reload that fails (the
 * directory vanished, or became writable by others) keeps the previous keys.
 * A file that is not a valid public certificate is skipped with a warning.
 */
import { readdirSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log';
import type { Counters } from '../metrics/counters';
import { systemClock, type Clock, type Timer } from '../time/clock';
import { readCertificate } from './certificate';
import { checkDirectory, type Trust } from './file-safety';
import { TrustedDirUnreadableError } from './errors';

/** Suffix of a public certificate (czmq's convention; `NAME.key_secret` is never read here). */
export const PUBLIC_CERT_SUFFIX = '.key';
/** Delay between a change in the directory and its reload, in milliseconds (config management writes several files). */
export const DEFAULT_TRUSTED_RELOAD_DEBOUNCE_MS = 200;

export interface TrustedKeysOptions {
  dir: string;
  /** Who may own and write the directory. */
  trust: Trust;
  log: Logger;
  counters: Counters;
  clock?: Clock;
  /** Reload when the directory changes (default true); SIGHUP reloads regardless. */
  watch?: boolean;
  debounceMs?: number;
}

const ROLE = {
  what: 'the trusted-keys directory ([zmq_bridge] curve_trusted_dir)',
  risk: 'add their own key and be let in as a trusted host',
};

export class TrustedKeys {
  private byHost = new Map<string, string>();
  private byKey = new Map<string, string>();
  private readonly listeners: Array<(changed: string[]) => void> = [];
  private watcher: FSWatcher | null = null;
  private debounce: Timer | null = null;
  private readonly clock: Clock;
  private loaded = false;

  constructor(private readonly opts: TrustedKeysOptions) {
    this.clock = opts.clock ?? systemClock;
  }

  /** Number of trusted hosts. */
  get size(): number {
    return this.byHost.size;
  }

  /** True once a load succeeded. */
  get ready(): boolean {
    return this.loaded;
  }

  /** First load; throws TrustedDirUnreadableError / UnsafeDirectoryError (the daemon does not start). */
  start(): void {
    this.replace(this.read());
    if (this.opts.watch !== false) this.startWatching();
  }

  stop(): void {
    this.watcher?.close();
    this.watcher = null;
    this.debounce?.cancel();
    this.debounce = null;
  }

  /** The trusted host of a Z85 client key, if any. */
  hostOf(key: string): string | undefined {
    return this.byKey.get(key);
  }

  /** The Z85 public key of `host`, if its certificate is there. */
  keyOf(host: string): string | undefined {
    return this.byHost.get(host);
  }

  /** Where `host`'s certificate is expected. */
  pathOf(host: string): string {
    return join(this.opts.dir, `${host}${PUBLIC_CERT_SUFFIX}`);
  }

  /** Called after each reload with the hosts whose key appeared, changed or went. */
  onChange(fn: (changed: string[]) => void): void {
    this.listeners.push(fn);
  }

  /** Re-read the directory (SIGHUP, file change). Never throws: a failure keeps the previous keys. */
  reload(): void {
    let next: Map<string, string>;
    try {
      next = this.read();
    } catch (err) {
      this.opts.counters.inc('security.trusted.reload_failed');
      this.opts.log.error({ err, dir: this.opts.dir }, `trusted keys not reloaded, keeping the previous ${this.byHost.size}: ${(err as Error).message}`);
      return;
    }
    const changed = this.replace(next);
    this.opts.counters.inc('security.trusted.reloaded');
    this.opts.log.info({ dir: this.opts.dir, hosts: this.byHost.size, changed }, 'trusted keys reloaded');
    if (changed.length > 0) for (const fn of this.listeners) fn(changed);
  }

  private read(): Map<string, string> {
    checkDirectory(this.opts.dir, this.opts.trust, ROLE);
    let names: string[];
    try {
      names = readdirSync(this.opts.dir);
    } catch (err) {
      throw new TrustedDirUnreadableError(this.opts.dir, err);
    }
    const keys = new Map<string, string>();
    for (const name of names.sort()) {
      if (!name.endsWith(PUBLIC_CERT_SUFFIX) || name.length === PUBLIC_CERT_SUFFIX.length || name.startsWith('.')) continue;
      const host = name.slice(0, -PUBLIC_CERT_SUFFIX.length);
      try {
        keys.set(host, readCertificate(join(this.opts.dir, name), { secret: false, option: '[zmq_bridge] curve_trusted_dir' }).publicKey);
      } catch (err) {
        this.opts.counters.inc('security.trusted.bad_files');
        this.opts.log.warn({ file: join(this.opts.dir, name), err: (err as Error).message }, 'not a public certificate: skipped (its host is not trusted)');
      }
    }
    return keys;
  }

  /** Install `next`; the hosts whose key differs. */
  private replace(next: Map<string, string>): string[] {
    const changed: string[] = [];
    for (const [h, k] of next) if (this.byHost.get(h) !== k) changed.push(h);
    for (const h of this.byHost.keys()) if (!next.has(h)) changed.push(h);
    const byKey = new Map<string, string>();
    for (const [h, k] of next) if (!byKey.has(k)) byKey.set(k, h);
    this.byHost = next;
    this.byKey = byKey;
    this.loaded = true;
    return changed.sort();
  }

  private startWatching(): void {
    try {
      this.watcher = watch(this.opts.dir, { persistent: false }, () => {
        this.debounce?.cancel();
        this.debounce = this.clock.setTimeout(
          () => {
            this.debounce = null;
            this.reload();
          },
          this.opts.debounceMs ?? DEFAULT_TRUSTED_RELOAD_DEBOUNCE_MS,
          { ref: false },
        );
      });
      this.watcher.on('error', (err) => this.opts.log.warn({ err }, 'trusted-keys directory watch failed; reload with SIGHUP'));
    } catch (err) {
      this.opts.log.warn({ err }, 'cannot watch the trusted-keys directory; reload with SIGHUP');
    }
  }
}
