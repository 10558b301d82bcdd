/**
 * The daemon's security layer (docs/security.md), one component built from
 * `[zmq_bridge]`:
 *
 * - `security = curve`: this host's certificate (CURVE server and client
 *   key), the trusted-keys directory, and the ZAP handler that lets in only
 *   clients whose key is trusted (and, for the plaintext listener of a
 *   migration, only the listed legacy addresses). Socket owners call
 *   {@link Security.server} / {@link Security.client} before they bind or
 *   connect; a peer without a trusted key is never sent anything.
 * - always: who owns the ipc files and the local API socket (the ipc group,
 *   the configured modes) and who may use the local API.
 *
 * It starts before every socket of the daemon and stops after them.
 */
import { isIP } from 'node:net';
import { lookup } from 'node:dns/promises';
import type * as zmq from 'zeromq';
import type { BridgeConfig } from '../config/types';
import type { Logger } from '../log';
import type { Counters } from '../metrics/counters';
import { systemClock, type Clock } from '../time/clock';
import { readCertificate, type Certificate } from './certificate';
import { checkSecretFile, processTrust, type Trust } from './file-safety';
import { resolveGroup } from './groups';
import { watchHandshakes } from './handshake-monitor';
import { LogLimiter } from '../util/log-limiter';
import { TrustedKeys } from './trusted-keys';
import { ZapHandler, type DenialReason, type ZapRequest, type ZapVerdict } from './zap-handler';
import { z85Encode } from './z85';
import { PeerKeyMissingError, SecurityConfigError } from './errors';
import type { FileAccess } from './file-access';
import type { LocalAccessPolicy } from './local-access';
import type { ClientPlan, ClientRole, ServerRole, SocketSecurity } from './types';

/** ZAP domain of each secured door (the ZAP handler tells them apart by it). */
export const ZAP_DOMAINS: Readonly<Record<ServerRole, string>> = {
  rpc: 'nova-zmq-bridge.rpc',
  service: 'nova-zmq-bridge.service',
  plaintext: 'nova-zmq-bridge.plaintext',
};
const ROLE_OF_DOMAIN = new Map(Object.entries(ZAP_DOMAINS).map(([r, d]) => [d, r as ServerRole]));

/** Bytes of a CURVE public key in a ZAP request. */
const CURVE_KEY_BYTES = 32;

/**
 * Interval of one security warning per reason and peer, in milliseconds:
 * longer than the daemon's other thinned warnings, because a misconfigured
 * peer reconnects (and is refused) every 100 ms for as long as it runs.
 */
export const SECURITY_LOG_INTERVAL_MS = 60_000;

export interface SecurityOptions {
  config: BridgeConfig;
  /** The `security` component's logger. */
  log: Logger;
  counters: Counters;
  /** The daemon's ZeroMQ context: the ZAP handler must live in it. */
  context: zmq.Context;
  /** Time of the rate-limited logs and the trusted-keys debounce. */
  clock?: Clock;
  /** Reload the trusted keys when the directory changes (default true). */
  watchTrustedDir?: boolean;
}

/** What `/readyz` (and tests) ask: can the daemon authenticate peers right now? */
export interface SecurityReadiness {
  ok: boolean;
  why: string;
}

export class Security implements SocketSecurity {
  readonly name = 'security';
  readonly enabled: boolean;
  /** gid of `[zmq_bridge] ipc_group` (the daemon's group by default). */
  readonly ipcGid: number;
  /** The daemon's effective uid. */
  readonly uid: number;
  private readonly cfg: BridgeConfig['bridge'];
  private readonly log: Logger;
  private readonly counters: Counters;
  private readonly clock: Clock;
  private readonly limiter: LogLimiter;
  private readonly plaintextNames: ReadonlySet<string>;
  private plaintextAddrs = new Set<string>();
  private cert: Certificate | null = null;
  private trusted: TrustedKeys | null = null;
  private zap: ZapHandler | null = null;
  private readonly keyListeners: Array<(hosts: string[]) => void> = [];
  private started = false;

  constructor(private readonly opts: SecurityOptions) {
    const c = opts.config;
    this.cfg = c.bridge;
    this.log = opts.log;
    this.counters = opts.counters;
    this.clock = opts.clock ?? systemClock;
    this.limiter = new LogLimiter({ clock: this.clock, intervalMs: SECURITY_LOG_INTERVAL_MS });
    this.enabled = c.bridge.security === 'curve';
    this.uid = process.geteuid?.() ?? 0;
    this.ipcGid = resolveGroup(c.bridge.ipcGroup);
    this.plaintextNames = new Set(c.bridge.plaintextPeers);
    if (this.enabled) {
      if (!c.bridge.curveCertificate) throw new SecurityConfigError('[zmq_bridge] security = curve needs curve_certificate: the path of this host\'s NAME.key_secret (make one with `nova-zmq-bridge keygen <rpc_zmq_host>`)');
      if (!c.bridge.curveTrustedDir) throw new SecurityConfigError('[zmq_bridge] security = curve needs curve_trusted_dir: the directory of the trusted hosts\' public certificates <host>.key');
      if (this.plaintextNames.size > 0 && c.bridge.plaintextPort === c.port) {
        throw new SecurityConfigError(`[zmq_bridge] plaintext_port = ${c.bridge.plaintextPort} is also rpc_zmq_port: give the CURVE receiver and the plaintext listener for legacy peers different ports (docs/security.md, migration)`);
      }
    }
  }

  /** Who may own and write the directories the daemon trusts: its user, root, and the ipc group. */
  get trust(): Trust {
    return processTrust([this.ipcGid]);
  }

  /** Group and mode of the ipc socket files. */
  get ipcFileAccess(): FileAccess {
    return { gid: this.ipcGid, mode: this.cfg.ipcMode };
  }

  /** Group and mode of the local API socket. */
  get localSocketAccess(): FileAccess {
    return { gid: this.ipcGid, mode: this.cfg.localSocketMode };
  }

  /** Who may use the local API. */
  get localPolicy(): LocalAccessPolicy {
    return { uid: this.uid, gid: this.ipcGid };
  }

  /** True when a plaintext listener for legacy peers is configured (and security is on). */
  get plaintextListener(): boolean {
    return this.enabled && this.plaintextNames.size > 0;
  }

  /** The ZAP handler (null when security is off or before start): tests stop it to see the daemon fail closed. */
  get zapHandler(): ZapHandler | null {
    return this.zap;
  }

  /** The trusted keys (null when security is off or before start). */
  get trustedKeys(): TrustedKeys | null {
    return this.trusted;
  }

  async start(): Promise<void> {
    if (!this.enabled) {
      if (this.plaintextNames.size > 0) this.log.warn({ plaintext_peers: [...this.plaintextNames] }, 'plaintext_peers is ignored: security = none, every peer is plaintext');
      this.started = true;
      return;
    }
    const certPath = this.cfg.curveCertificate!;
    this.cert = readCertificate(certPath, { secret: true });
    checkSecretFile(certPath, processTrust());
    this.trusted = new TrustedKeys({
      dir: this.cfg.curveTrustedDir!,
      trust: processTrust(),
      log: this.log,
      counters: this.counters,
      clock: this.clock,
      watch: this.opts.watchTrustedDir,
    });
    this.trusted.start();
    this.trusted.onChange((hosts) => {
      for (const fn of this.keyListeners) fn(hosts);
    });
    this.plaintextAddrs = await this.resolvePlaintextPeers();
    this.zap = new ZapHandler({
      context: this.opts.context,
      policy: (req) => this.decide(req),
      onDenied: (req, reason) => this.denied(req, reason),
      log: this.log,
      counters: this.counters,
    });
    await this.zap.start();
    this.started = true;
    this.log.info(
      { certificate: certPath, public_key: this.cert.publicKey, trusted_dir: this.cfg.curveTrustedDir, trusted_hosts: this.trusted.size, plaintext_peers: [...this.plaintextAddrs] },
      'CURVE security on',
    );
  }

  async stop(): Promise<void> {
    this.trusted?.stop();
    await this.zap?.stop();
    this.started = false;
  }

  /** SIGHUP: re-read the trusted keys (the other security options need a restart). */
  reload(): void {
    this.trusted?.reload();
  }

  /** Whether the daemon can authenticate peers now, and why not. */
  ready(): SecurityReadiness {
    if (!this.started) return { ok: false, why: 'security layer not started' };
    if (!this.enabled) return { ok: true, why: 'security = none: plaintext transport' };
    if (!this.zap?.running) return { ok: false, why: 'ZAP handler not running: every connection is refused' };
    if (!this.trusted?.ready) return { ok: false, why: 'trusted keys not loaded' };
    return { ok: true, why: `CURVE on, ${this.trusted.size} trusted host(s)` };
  }

  onPeerKeysChanged(fn: (hosts: string[]) => void): void {
    this.keyListeners.push(fn);
  }

  server(sock: zmq.Socket, role: ServerRole): void {
    if (!this.enabled) return;
    if (role !== 'plaintext') {
      if (!this.cert) throw new Error('Security.server() before start()');
      sock.curveServer = true;
      sock.curveSecretKey = this.cert.secretKey;
    }
    sock.zapDomain = ZAP_DOMAINS[role];
    // No handler means nobody gets in, not everybody.
    sock.zapEnforceDomain = true;
    watchHandshakes(sock, role, { log: this.log, counters: this.counters, limiter: this.limiter });
  }

  client(sock: zmq.Socket, host: string, role: ClientRole): ClientPlan {
    if (!this.enabled) return { port: null };
    if (role === 'rpc' && this.plaintextNames.has(host)) return { port: this.cfg.plaintextPort };
    if (!this.cert || !this.trusted) throw new Error('Security.client() before start()');
    const key = this.trusted.keyOf(host);
    if (key === undefined) {
      const expected = this.trusted.pathOf(host);
      this.counters.inc('security.peer_key_missing');
      this.limiter.error(this.log, 'key_missing', host, { peer: host, expected, role }, `no trusted key for ${host}: nothing is sent to it until ${expected} exists`);
      throw new PeerKeyMissingError(host, expected);
    }
    sock.curveServerKey = key;
    sock.curvePublicKey = this.cert.publicKey;
    sock.curveSecretKey = this.cert.secretKey;
    return { port: null };
  }

  private decide(req: ZapRequest): ZapVerdict {
    const role = ROLE_OF_DOMAIN.get(req.domain);
    if (role === undefined) return { ok: false, reason: 'unknown_domain' };
    if (role === 'plaintext') {
      return this.plaintextAddrs.has(req.address) ? { ok: true, userId: req.address } : { ok: false, reason: 'address_not_listed' };
    }
    if (req.mechanism !== 'CURVE') return { ok: false, reason: 'not_curve' };
    const raw = req.credentials[0];
    if (!raw || raw.length !== CURVE_KEY_BYTES) return { ok: false, reason: 'malformed' };
    const host = this.trusted?.hostOf(z85Encode(raw));
    return host === undefined ? { ok: false, reason: 'untrusted_key' } : { ok: true, userId: host };
  }

  private denied(req: ZapRequest | null, reason: DenialReason): void {
    this.counters.inc(`security.denied.${reason}`);
    const raw = req?.credentials[0];
    const key = raw && raw.length === CURVE_KEY_BYTES ? z85Encode(raw) : null;
    const peer = req?.address ?? null;
    // One line per address and key: both come from the peer, so the limiter's bound on keys applies.
    this.limiter.warn(
      this.log,
      `denied.${reason}`,
      `${peer}|${key}`,
      { peer, key, mechanism: req?.mechanism ?? null, door: req ? ROLE_OF_DOMAIN.get(req.domain) ?? req.domain : null, reason },
      'connection refused',
    );
  }

  /** The addresses of `plaintext_peers`: IP literals as they are, names resolved now (a name that does not resolve lets nobody in). */
  private async resolvePlaintextPeers(): Promise<Set<string>> {
    const out = new Set<string>();
    for (const name of this.plaintextNames) {
      if (isIP(name)) {
        out.add(name);
        continue;
      }
      try {
        for (const a of await lookup(name, { all: true })) out.add(a.address);
      } catch (err) {
        this.log.warn({ peer: name, err: (err as Error).message }, 'plaintext_peers: name does not resolve; no address of it is let in');
      }
    }
    return out;
  }
}
