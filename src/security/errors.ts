/**
 * Errors of the security layer (docs/security.md). Configuration problems
 * stop the daemon with exit code 2, an unsafe environment (a secret key
 * others can read, a hijackable directory) with 3; the runtime ones are what
 * a shim sees in `{op: "error", code}`.
 */
import { BridgeError, EXIT_CONFIG, EXIT_STARTUP } from '../errors';

function why(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

/** `[zmq_bridge]` security options that do not fit together (e.g. `security = curve` without a certificate). */
export class SecurityConfigError extends BridgeError {
  readonly exitCode = EXIT_CONFIG;
  constructor(message: string) {
    super('SECURITY_CONFIG', message);
  }
}

/** A certificate file cannot be read or is not a czmq certificate with the keys it must hold. */
export class CertificateInvalidError extends BridgeError {
  readonly exitCode = EXIT_CONFIG;
  constructor(path: string, problem: string, option = '[zmq_bridge] curve_certificate', cause?: unknown) {
    super(
      'SECURITY_CERTIFICATE_INVALID',
      `${option}: ${path} ${problem}. Make a key pair with \`nova-zmq-bridge keygen <rpc_zmq_host> --dir DIR\` and point ${option} at DIR/<rpc_zmq_host>.key_secret.`,
      { cause },
    );
  }
}

/** The secret certificate can be read by others than its owner, or belongs to another user. */
export class SecretKeyExposedError extends BridgeError {
  readonly exitCode = EXIT_STARTUP;
  constructor(path: string, problem: string) {
    super(
      'SECURITY_SECRET_KEY_EXPOSED',
      `refusing to use the secret certificate ${path} ([zmq_bridge] curve_certificate): ${problem}. ` +
        `Anyone who read it can impersonate this host: make a new key pair if it leaked, then \`chown <daemon user> ${path} && chmod 600 ${path}\`.`,
    );
  }
}

/** `[zmq_bridge] curve_trusted_dir` cannot be listed. */
export class TrustedDirUnreadableError extends BridgeError {
  readonly exitCode = EXIT_CONFIG;
  constructor(dir: string, cause: unknown) {
    super('SECURITY_TRUSTED_DIR_UNREADABLE', `[zmq_bridge] curve_trusted_dir: cannot read ${dir}: ${why(cause)}. Create it and put the public certificates <host>.key of the trusted hosts in it.`, { cause });
  }
}

/** A directory whose contents decide who is trusted (or who answers on a socket) can be changed by someone untrusted. */
export class UnsafeDirectoryError extends BridgeError {
  readonly exitCode = EXIT_STARTUP;
  readonly path: string;
  /**
   * @param what  what the directory is for (`the ipc directory (rpc_zmq_ipc_dir)`)
   * @param problem  what is wrong with `path` (`is owned by uid 65534`)
   * @param risk  what another user could then do (`replace the local API socket`)
   * @param fix  the command or setting that makes it safe
   */
  constructor(what: string, path: string, problem: string, risk: string, fix: string) {
    super('STARTUP_UNSAFE_DIRECTORY', `refusing to start: ${path}, ${what}, ${problem}, so another user could ${risk}. ${fix}`);
    this.path = path;
  }
}

/** ZAP handler could not be bound: another one already serves this ZeroMQ context. */
export class ZapBindFailedError extends BridgeError {
  readonly exitCode = EXIT_STARTUP;
  constructor(endpoint: string, cause: unknown) {
    super('STARTUP_ZAP_BIND_FAILED', `cannot bind the ZAP authentication handler on ${endpoint}: ${why(cause)}. Is another daemon sharing this ZeroMQ context?`, { cause });
  }
}

/** The plaintext listener for legacy peers cannot bind `[zmq_bridge] plaintext_port`. */
export class PlaintextBindFailedError extends BridgeError {
  readonly exitCode = EXIT_STARTUP;
  constructor(endpoint: string, cause: unknown) {
    const inUse = (cause as { code?: string } | null)?.code === 'EADDRINUSE';
    super(
      inUse ? 'STARTUP_PORT_IN_USE' : 'STARTUP_BIND_FAILED',
      `cannot bind the plaintext listener for legacy peers on ${endpoint}: ${inUse ? 'address already in use' : why(cause)}. Change [zmq_bridge] plaintext_port, or empty plaintext_peers once no legacy node is left.`,
      { cause },
    );
  }
}

/** The local API cannot check who connects (the peer credential call is unavailable): fail closed. */
export class PeerCredentialsUnavailableError extends BridgeError {
  readonly exitCode = EXIT_STARTUP;
  constructor(cause: unknown) {
    super('STARTUP_PEER_CREDENTIALS_UNAVAILABLE', `cannot read the credentials of local API clients (SO_PEERCRED through koffi): ${why(cause)}. Reinstall the daemon's npm dependencies (npm ci).`, { cause });
  }
}

/** `[zmq_bridge] ipc_group` names no group of this machine. */
export class UnknownGroupError extends BridgeError {
  readonly exitCode = EXIT_CONFIG;
  constructor(group: string) {
    super('SECURITY_UNKNOWN_GROUP', `[zmq_bridge] ipc_group = ${group}: no such group on this machine; give an existing group name or number.`);
  }
}

/** Sending to a host whose public certificate is not in the trusted dir (and that is no plaintext legacy peer). */
export class PeerKeyMissingError extends BridgeError {
  readonly host: string;
  readonly expected: string;
  constructor(host: string, expected: string) {
    super(
      'PEER_KEY_MISSING',
      `cannot send to ${host} over CURVE: its public certificate ${expected} is missing or unreadable. ` +
        `Copy ${host}'s ${host}.key (made by \`nova-zmq-bridge keygen ${host}\` on it) into [zmq_bridge] curve_trusted_dir, or list it in plaintext_peers if it is a legacy node.`,
    );
    this.host = host;
    this.expected = expected;
  }
}

/** A shim sent `reply` or `heartbeat` for a call that was not delivered to its connection. */
export class ReplyNotOwedError extends BridgeError {
  constructor(msgId: string, op: string) {
    super('REPLY_NOT_OWED', `${op} for msg_id ${msgId.slice(0, 64)} refused: that call was not delivered to this connection (only the process that received a call may answer it)`);
  }
}

/** A process whose credentials are not allowed connected to the local API. */
export class LocalPeerRefusedError extends BridgeError {
  constructor(who: string) {
    super('LOCAL_PEER_REFUSED', `local API refused to ${who}: only the daemon's user, root and members of [zmq_bridge] ipc_group may use it`);
  }
}

/** `keygen` could not write a key pair. */
export class KeygenError extends BridgeError {
  readonly exitCode = EXIT_CONFIG;
  constructor(message: string, cause?: unknown) {
    super('KEYGEN_FAILED', message, { cause });
  }
}
