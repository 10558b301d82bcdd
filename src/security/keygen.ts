/**
 * `nova-zmq-bridge keygen NAME [--dir DIR]`: a new CURVE key pair as czmq
 * certificates, `DIR/NAME.key` (public, to copy into every trusted host's
 * `curve_trusted_dir`) and `DIR/NAME.key_secret` (this host's
 * `curve_certificate`, mode 0600). Existing files are never overwritten: a
 * replaced key locks a host out of every peer until the new public key is
 * distributed, so that takes removing the old files first.
 */
import { curveKeyPair } from 'zeromq';
import { openSync, writeSync, closeSync, unlinkSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatCertificate } from './certificate';
import { KeygenError } from './errors';
import { PUBLIC_CERT_SUFFIX } from './trusted-keys';

/** Suffix of a secret certificate (czmq's convention). */
export const SECRET_CERT_SUFFIX = '.key_secret';
/** Mode of the secret certificate: the owner only. */
export const SECRET_CERT_MODE = 0o600;
/** Mode of the public certificate. */
export const PUBLIC_CERT_MODE = 0o644;

export const KEYGEN_USAGE = `Usage: nova-zmq-bridge keygen NAME [--dir DIR]

Writes a new CURVE key pair as czmq certificates (pyzmq's zmq.auth reads them):
  DIR/NAME.key         public: copy it into curve_trusted_dir on every host
  DIR/NAME.key_secret  secret (mode 0600): this host's curve_certificate
NAME is the host's rpc_zmq_host. DIR defaults to the current directory.
Existing files are not overwritten.
`;

export interface KeygenResult {
  publicPath: string;
  secretPath: string;
  publicKey: string;
}

/** Write the pair; throws {@link KeygenError}. */
export function keygen(name: string, dir: string, now = new Date()): KeygenResult {
  if (!/^[A-Za-z0-9][A-Za-z0-9._:-]*$/.test(name) || name.endsWith(PUBLIC_CERT_SUFFIX)) {
    throw new KeygenError(`keygen: ${JSON.stringify(name)} is not a usable host name (letters, digits, '.', '-', '_', ':'; the host's rpc_zmq_host)`);
  }
  const base = resolve(dir);
  try {
    mkdirSync(base, { recursive: true, mode: 0o755 });
  } catch (err) {
    throw new KeygenError(`keygen: cannot create ${base}: ${(err as Error).message}`, err);
  }
  const { publicKey, secretKey } = curveKeyPair();
  const metadata = { name, 'created-by': 'nova-zmq-bridge keygen' };
  const secretPath = join(base, `${name}${SECRET_CERT_SUFFIX}`);
  const publicPath = join(base, `${name}${PUBLIC_CERT_SUFFIX}`);
  // The secret first, created 0600 from the start (never readable by others, even for a moment).
  writeNew(secretPath, formatCertificate({ publicKey, secretKey, metadata }, now), SECRET_CERT_MODE);
  try {
    writeNew(publicPath, formatCertificate({ publicKey, metadata }, now), PUBLIC_CERT_MODE);
  } catch (err) {
    unlinkSync(secretPath);
    throw err;
  }
  return { publicPath, secretPath, publicKey };
}

function writeNew(path: string, text: string, mode: number): void {
  let fd: number;
  try {
    fd = openSync(path, 'wx', mode);
  } catch (err) {
    const exists = (err as { code?: string }).code === 'EEXIST';
    throw new KeygenError(
      exists ? `keygen: ${path} already exists; remove the old pair first if you really mean to replace this host's key` : `keygen: cannot create ${path}: ${(err as Error).message}`,
      err,
    );
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/** The `keygen` subcommand: parse `args`, write, print; the process exit code. */
export function keygenMain(args: string[], out: (s: string) => void, err: (s: string) => void): number {
  let name: string | null = null;
  let dir = '.';
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--help' || a === '-h') {
      out(KEYGEN_USAGE);
      return 0;
    }
    if (a === '--dir' || a.startsWith('--dir=')) {
      const v = a === '--dir' ? args[++i] : a.slice('--dir='.length);
      if (!v) {
        err(`nova-zmq-bridge keygen: --dir needs a directory\n${KEYGEN_USAGE}`);
        return 2;
      }
      dir = v;
    } else if (!a.startsWith('-') && name === null) {
      name = a;
    } else {
      err(`nova-zmq-bridge keygen: unexpected argument ${a}\n${KEYGEN_USAGE}`);
      return 2;
    }
  }
  if (name === null) {
    err(`nova-zmq-bridge keygen: NAME is missing\n${KEYGEN_USAGE}`);
    return 2;
  }
  try {
    const r = keygen(name, dir);
    out(`${r.publicPath}\n${r.secretPath}\npublic-key ${r.publicKey}\n`);
    return 0;
  } catch (e) {
    err(`nova-zmq-bridge: ${(e as Error).message}\n`);
    return 2;
  }
}
