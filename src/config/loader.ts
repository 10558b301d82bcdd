/**
 * `loadConfig()`: read nova.conf the oslo.config way and return the typed
 * {@link BridgeConfig}. Synchronous: it runs once at start-up (and on SIGHUP)
 * before any socket exists.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BridgeConfig } from './types';
import { ConfigBadSubstitutionError, ConfigInvalidValueError, ConfigUnreadableError } from './errors';
import { parseIni, normalizeGroup, type ParsedIni } from './ini-parser';
import { ConfigStore, type OptName, type RawValue } from './store';
import { substitute, type Reference } from './substitution';
import { ValueMismatch, portType } from './value-types';
import { resolveBindAddress, type InterfaceTable } from './bind-address';
import { configFileList, errReason, searchEnvFrom } from './discovery';
import * as O from './options';
import type { OptionDecl } from './options';
import { localSocketPath } from '../wire/endpoints';

export interface LoadConfigOptions {
  /** `--config-file` values in command-line order (later files win). */
  configFiles: string[];
  /** `--config-dir` values; each dir's `*.conf`, sorted, is read after the files. */
  configDirs: string[];
  /** Environment (HOME for `~` and the default search); default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Default of `rpc_zmq_host`; default `os.hostname`. */
  hostname?: () => string;
  /** Network interfaces for `rpc_zmq_bind_address`; default `os.networkInterfaces`. */
  interfaces?: () => InterfaceTable;
  /** System config directory of the default search; default `/etc` (tests point it at a temp dir). */
  etcDir?: string;
}

/** Values of nova options we do not otherwise read, available to `$opt` references (nova's own defaults). */
function novaExtras(hostname: () => string, interfaces: () => InterfaceTable): Map<string, () => string> {
  return new Map<string, () => string>([
    ['state_path', () => '/var/lib/nova'],
    ['host', hostname],
    [
      'my_ip',
      () => {
        const table = interfaces();
        for (const infos of Object.values(table)) {
          const hit = (infos ?? []).find((i) => i.family === 'IPv4' && !i.internal);
          if (hit) return hit.address;
        }
        return '127.0.0.1';
      },
    ],
  ]);
}

const keyOf = (n: OptName): string => `${normalizeGroup(n.group)}.${n.key}`;
const label = (n: OptName): string => `[${n.group}] ${n.key}`;

function optionLabel(decl: OptionDecl<unknown>, setAs: OptName): string {
  return keyOf(setAs) === keyOf(decl.name) ? label(setAs) : `${label(setAs)} (alias of ${label(decl.name)})`;
}

function formatDefault(v: unknown): string {
  return v === null || v === undefined ? '' : String(v);
}

interface Typed<T> {
  value: T;
  /** Where it was set; null for defaults. */
  set: RawValue | null;
}

/** Resolves raw values (with substitution) and types them, one option at a time. */
class Resolver {
  private readonly stack: string[] = [];
  private readonly byName = new Map<string, OptionDecl<unknown>>();

  constructor(
    private readonly store: ConfigStore,
    private readonly derived: Map<OptionDecl<unknown>, () => string>,
    private readonly extras: Map<string, () => string>,
  ) {
    for (const d of O.ALL_OPTIONS) for (const n of [d.name, ...d.deprecated]) this.byName.set(keyOf(n), d);
  }

  private names(decl: OptionDecl<unknown>): OptName[] {
    return [decl.name, ...decl.deprecated];
  }

  /** Guard against `a = $b`, `b = $a`. */
  private guarded(key: string, where: { file: string | null; line: number | null; option: string; value: string | null }, fn: () => string): string {
    if (this.stack.includes(key)) {
      throw new ConfigBadSubstitutionError({
        ...where,
        reason: `substitution cycle ${[...this.stack.slice(this.stack.indexOf(key)), key].join(' -> ')}`,
        accepted: 'references that do not refer back to themselves; write $$ for a literal $',
      });
    }
    this.stack.push(key);
    try {
      return fn();
    } finally {
      this.stack.pop();
    }
  }

  /** A set value with its references replaced. */
  expand(raw: RawValue, optionText: string): string {
    const where = { file: raw.file, line: raw.line, option: optionText, value: raw.value };
    return substitute(raw.value, (ref) => this.reference(ref, raw.name.group, where));
  }

  /** Text of an option as seen by `$opt` (its substituted value, or its default). */
  private declText(decl: OptionDecl<unknown>): string {
    const hit = this.store.get(this.names(decl));
    const key = keyOf(decl.name);
    if (hit) {
      return this.guarded(key, { file: hit.file, line: hit.line, option: optionLabel(decl, hit.name), value: hit.value }, () =>
        this.expand(hit, optionLabel(decl, hit.name)),
      );
    }
    if (decl.default !== undefined) return formatDefault(decl.default);
    const derive = this.derived.get(decl);
    return derive ? this.guarded(key, { file: null, line: null, option: label(decl.name), value: null }, derive) : '';
  }

  private reference(ref: Reference, group: string, where: { file: string | null; line: number | null; option: string; value: string | null }): string {
    const dot = ref.id.indexOf('.');
    const candidates: OptName[] =
      dot >= 0
        ? [{ group: ref.id.slice(0, dot), key: ref.id.slice(dot + 1) }]
        : normalizeGroup(group) === 'DEFAULT'
          ? [{ group: 'DEFAULT', key: ref.id }]
          : [{ group, key: ref.id }, { group: 'DEFAULT', key: ref.id }];
    for (const c of candidates) {
      const decl = this.byName.get(keyOf(c));
      if (decl) return this.declText(decl);
      const raw = this.store.get([c]);
      if (raw) {
        return this.guarded(keyOf(c), { file: raw.file, line: raw.line, option: label(raw.name), value: raw.value }, () =>
          this.expand(raw, label(raw.name)),
        );
      }
      const extra = normalizeGroup(c.group) === 'DEFAULT' ? this.extras.get(c.key) : undefined;
      if (extra) return extra();
    }
    throw new ConfigBadSubstitutionError({
      ...where,
      reason: `${ref.text} names no option set in the config files or known to the daemon`,
      accepted: 'references to options set in the files or declared by nova-zmq-bridge ($rpc_zmq_ipc_dir, ${matchmaker_redis.host}, $state_path, ...); write $$ for a literal $',
    });
  }

  /** The typed value of an option; `fallback` gives derived defaults. */
  typed<T>(decl: OptionDecl<T>, fallback?: () => T): Typed<T> {
    const d = decl as OptionDecl<unknown>;
    const def = (): T => (decl.default !== undefined ? decl.default : fallback ? fallback() : (null as T));
    const hit = this.store.get(this.names(d));
    if (!hit) return { value: def(), set: null };
    const optText = optionLabel(d, hit.name);
    const text = this.guarded(keyOf(decl.name), { file: hit.file, line: hit.line, option: optText, value: hit.value }, () =>
      this.expand(hit, optText),
    );
    if (text.trim() === '' && decl.type.blankIsUnset) return { value: def(), set: hit };
    try {
      return { value: decl.type.parse(text), set: hit };
    } catch (err) {
      if (!(err instanceof ValueMismatch)) throw err;
      throw new ConfigInvalidValueError({
        file: hit.file,
        line: hit.line,
        option: optText,
        value: hit.value,
        reason: text === hit.value ? err.message : `${err.message} (after substitution: ${JSON.stringify(text)})`,
        accepted: decl.type.accepted,
      });
    }
  }
}

function readAll(files: string[], fromDir: Set<string>): ParsedIni[] {
  return files.map((file) => {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigUnreadableError(
        {
          file,
          option: fromDir.has(file) ? '--config-dir' : '--config-file',
          value: file,
          reason: errReason(err),
          accepted: 'a readable nova.conf-style file',
        },
        err,
      );
    }
    return parseIni(text, file);
  });
}

/** Read the config files and return every option typed, defaults filled in. Throws a `ConfigError` (exit code 2) on bad input. */
export function loadConfig(opts: LoadConfigOptions): BridgeConfig {
  const env = opts.env ?? process.env;
  const hostname = opts.hostname ?? os.hostname;
  const interfaces = opts.interfaces ?? os.networkInterfaces;
  const search = searchEnvFrom(env, opts.etcDir);
  const { files, fromDir } = configFileList(opts.configFiles, opts.configDirs, search);
  const store = new ConfigStore(readAll(files, fromDir));

  const derived = new Map<OptionDecl<unknown>, () => string>();
  const r = new Resolver(store, derived, novaExtras(hostname, interfaces));

  const ipcDir = () => r.typed(O.OPT_IPC_DIR).value;
  const startPort = () => r.typed(O.OPT_ZMQ_START_PORT).value;
  const derivedPort = (offset: number, decl: OptionDecl<unknown>) => (): number => {
    const n = startPort() + offset;
    try {
      return portType().parse(String(n));
    } catch {
      throw new ConfigInvalidValueError({
        file: null,
        option: label(decl.name),
        value: String(n),
        reason: `derived as rpc_zmq_start_port + ${offset}; set ${label(decl.name)} explicitly`,
        accepted: portType().accepted,
      });
    }
  };
  const localSocket = () => localSocketPath(ipcDir());
  const brokerPort = derivedPort(O.BROKER_PORT_OFFSET, O.OPT_BROKER_PORT);
  const plaintextPort = derivedPort(O.PLAINTEXT_PORT_OFFSET, O.OPT_PLAINTEXT_PORT);
  const schedulerPort = derivedPort(O.SCHEDULER_PORT_OFFSET, O.OPT_SCHEDULER_PORT);
  const httpPort = derivedPort(O.HTTP_PORT_OFFSET, O.OPT_HTTP_LISTEN as OptionDecl<unknown>);
  const httpListen = (): string => `${O.DEFAULT_HTTP_HOST}:${httpPort()}`;
  derived.set(O.OPT_ZMQ_HOST as OptionDecl<unknown>, hostname);
  derived.set(O.OPT_HTTP_LISTEN as OptionDecl<unknown>, httpListen);
  derived.set(O.OPT_LOCAL_SOCKET as OptionDecl<unknown>, localSocket);
  derived.set(O.OPT_BROKER_PORT as OptionDecl<unknown>, () => String(brokerPort()));
  derived.set(O.OPT_SCHEDULER_PORT as OptionDecl<unknown>, () => String(schedulerPort()));
  derived.set(O.OPT_PLAINTEXT_PORT as OptionDecl<unknown>, () => String(plaintextPort()));

  const bind = r.typed(O.OPT_BIND_ADDRESS);
  const bindAddress = resolveBindAddress(bind.value, interfaces(), {
    file: bind.set?.file ?? null,
    line: bind.set?.line ?? null,
    option: bind.set ? optionLabel(O.OPT_BIND_ADDRESS as OptionDecl<unknown>, bind.set.name) : label(O.OPT_BIND_ADDRESS.name),
  });

  const mm = r.typed(O.OPT_MATCHMAKER);
  const ring = r.typed(O.OPT_RINGFILE);
  const ringfile = ring.set && !path.isAbsolute(ring.value) ? path.resolve(path.dirname(ring.set.file), ring.value) : ring.value;
  // Paths relative to the file that set them, as the ring file.
  const relPath = (t: Typed<string | null>): string | null =>
    t.value !== null && t.set && !path.isAbsolute(t.value) ? path.resolve(path.dirname(t.set.file), t.value) : t.value;

  return {
    sources: store.sources,
    rpcBackend: r.typed(O.OPT_RPC_BACKEND).value,
    transportUrl: r.typed(O.OPT_TRANSPORT_URL).value,
    bindAddressRaw: bind.value,
    bindAddress,
    port: r.typed(O.OPT_ZMQ_PORT).value,
    startPort: startPort(),
    host: r.typed(O.OPT_ZMQ_HOST, hostname).value,
    ipcDir: ipcDir(),
    topicBacklog: r.typed(O.OPT_TOPIC_BACKLOG).value,
    contexts: r.typed(O.OPT_ZMQ_CONTEXTS).value,
    matchmaker: mm.value,
    matchmakerRaw: mm.set ? r.expand(mm.set, label(mm.set.name)) : O.DEFAULT_MATCHMAKER,
    ringfile,
    brokerIp: r.typed(O.OPT_BROKER_IP).value,
    redis: {
      host: r.typed(O.OPT_REDIS_HOST).value,
      port: r.typed(O.OPT_REDIS_PORT).value,
      password: r.typed(O.OPT_REDIS_PASSWORD).value,
      username: r.typed(O.OPT_REDIS_USERNAME).value,
    },
    heartbeatFreq: r.typed(O.OPT_HEARTBEAT_FREQ).value,
    heartbeatTtl: r.typed(O.OPT_HEARTBEAT_TTL).value,
    threadPoolSize: r.typed(O.OPT_THREAD_POOL_SIZE).value,
    connPoolSize: r.typed(O.OPT_CONN_POOL_SIZE).value,
    castTimeout: r.typed(O.OPT_CAST_TIMEOUT).value,
    responseTimeout: r.typed(O.OPT_RESPONSE_TIMEOUT).value,
    controlExchange: r.typed(O.OPT_CONTROL_EXCHANGE).value,
    debug: r.typed(O.OPT_DEBUG).value,
    verbose: r.typed(O.OPT_VERBOSE).value,
    topics: {
      compute: r.typed(O.OPT_COMPUTE_TOPIC).value,
      console: r.typed(O.OPT_CONSOLE_TOPIC).value,
      scheduler: r.typed(O.OPT_SCHEDULER_TOPIC).value,
      volume: r.typed(O.OPT_VOLUME_TOPIC).value,
      network: r.typed(O.OPT_NETWORK_TOPIC).value,
      vsa: r.typed(O.OPT_VSA_TOPIC).value,
    },
    bridge: {
      localSocket: r.typed(O.OPT_LOCAL_SOCKET, localSocket).value,
      localSocketMode: r.typed(O.OPT_LOCAL_SOCKET_MODE).value,
      replyHoldSeconds: r.typed(O.OPT_REPLY_HOLD).value,
      fanoutHoldSeconds: r.typed(O.OPT_FANOUT_HOLD).value,
      brokerPort: r.typed(O.OPT_BROKER_PORT, brokerPort).value,
      schedulerPort: r.typed(O.OPT_SCHEDULER_PORT, schedulerPort).value,
      brokerRole: r.typed(O.OPT_BROKER_ROLE).value,
      logLevel: r.typed(O.OPT_LOG_LEVEL).value,
      httpListen: r.typed(O.OPT_HTTP_LISTEN, httpListen).value,
      security: r.typed(O.OPT_SECURITY).value,
      curveCertificate: relPath(r.typed(O.OPT_CURVE_CERTIFICATE)),
      curveTrustedDir: relPath(r.typed(O.OPT_CURVE_TRUSTED_DIR)),
      plaintextPeers: r.typed(O.OPT_PLAINTEXT_PEERS).value,
      plaintextPort: r.typed(O.OPT_PLAINTEXT_PORT, plaintextPort).value,
      ipcGroup: r.typed(O.OPT_IPC_GROUP).value,
      ipcMode: r.typed(O.OPT_IPC_MODE).value,
      maxPeers: r.typed(O.OPT_MAX_PEERS).value,
      peerIdleSeconds: r.typed(O.OPT_PEER_IDLE_TIMEOUT).value,
      maxIpcOutlets: r.typed(O.OPT_MAX_IPC_OUTLETS).value,
      ipcOutletIdleSeconds: r.typed(O.OPT_IPC_OUTLET_IDLE_TIMEOUT).value,
      maxMessageSize: r.typed(O.OPT_MAX_MESSAGE_SIZE).value,
      topicQueueBytes: r.typed(O.OPT_TOPIC_QUEUE_BYTES).value,
      queueBytes: r.typed(O.OPT_QUEUE_BYTES).value,
      localReadTimeoutSeconds: r.typed(O.OPT_LOCAL_READ_TIMEOUT).value,
      localBufferBytes: r.typed(O.OPT_LOCAL_BUFFER_BYTES).value,
    },
  };
}

/** Raw access for tools and tests: the merged store of the given files (no typing). */
export function readConfigStore(files: string[]): ConfigStore {
  return new ConfigStore(readAll(files, new Set()));
}
