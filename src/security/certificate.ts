/**
 * CURVE certificates in czmq's format (ZPL, rfc.zeromq.org/spec:4), the one
 * operators already have tools for: czmq's `zcert`, pyzmq's
 * `zmq.auth.create_certificates` / `load_certificate`, and
 * `nova-zmq-bridge keygen`. A public certificate `NAME.key` holds
 * `curve/public-key`; the secret one `NAME.key_secret` also holds
 * `curve/secret-key`. Keys are Z85 text (40 characters).
 *
 * Only what a certificate needs of ZPL is read: sections at column 0,
 * `key = value` children indented below them, `#` comment lines, values
 * bare or in single or double quotes.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isZ85Key, z85Decode, z85Encode } from './z85';
import { CertificateInvalidError } from './errors';

/** A key pair; `secretKey` is null for a public certificate. */
export interface Certificate {
  publicKey: string;
  secretKey: string | null;
  /** The `metadata` section (name, created-by, ...): informational. */
  metadata: Record<string, string>;
}

/** Longest certificate file read, in bytes (real ones are ~400 bytes). */
export const MAX_CERTIFICATE_BYTES = 64 * 1024;

/** DER prefix of a PKCS#8 X25519 private key; the 32 raw key bytes follow. */
const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** ZPL sections and their `name = value` children; null when the text is not ZPL. */
function parseZpl(text: string): Map<string, Map<string, string>> | null {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const body = line.trim();
    if (body === '' || body.startsWith('#')) continue;
    const m = /^([^=\s]+)\s*(?:=\s*(.*))?$/.exec(body);
    if (!m) return null;
    const name = m[1]!;
    if (!/^\s/.test(line)) {
      current = sections.get(name) ?? new Map();
      sections.set(name, current);
      continue;
    }
    if (!current) return null;
    current.set(name, unquote(m[2] ?? ''));
  }
  return sections;
}

function unquote(v: string): string {
  const s = v.trim();
  const q = s[0];
  if ((q === '"' || q === "'") && s.length >= 2 && s.endsWith(q)) return s.slice(1, -1);
  // A bare value ends at a comment: `#` after a space (Z85 itself uses `#`).
  const hash = s.search(/\s#/);
  return (hash >= 0 ? s.slice(0, hash) : s).trim();
}

/** The Z85 public key of a Z85 secret key (CURVE keys are X25519 keys). */
export function publicKeyOf(secretKey: string): string {
  const raw = z85Decode(secretKey);
  if (!raw || raw.length !== 32) throw new RangeError('not a Z85 CURVE key');
  const priv = createPrivateKey({ key: Buffer.concat([PKCS8_X25519_PREFIX, raw]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(priv).export({ format: 'der', type: 'spki' });
  return z85Encode(spki.subarray(spki.length - 32));
}

/**
 * Read a certificate. `secret`: it must hold a secret key matching its
 * public key. Throws {@link CertificateInvalidError} naming the file and
 * `option`.
 */
export function readCertificate(path: string, opts: { secret: boolean; option?: string }): Certificate {
  let text: string;
  try {
    const buf = readFileSync(path);
    if (buf.length > MAX_CERTIFICATE_BYTES) throw new CertificateInvalidError(path, `is ${buf.length} bytes, not a certificate`, opts.option);
    text = buf.toString('utf8');
  } catch (err) {
    if (err instanceof CertificateInvalidError) throw err;
    throw new CertificateInvalidError(path, `cannot be read (${(err as Error).message})`, opts.option, err);
  }
  return parseCertificate(text, path, opts);
}

/** {@link readCertificate} of a text already read (`path` only names it in errors). */
export function parseCertificate(text: string, path: string, opts: { secret: boolean; option?: string }): Certificate {
  const zpl = parseZpl(text);
  const curve = zpl?.get('curve');
  if (!zpl || !curve) throw new CertificateInvalidError(path, 'is not a czmq certificate (no `curve` section)', opts.option);
  const publicKey = curve.get('public-key') ?? '';
  if (!isZ85Key(publicKey)) throw new CertificateInvalidError(path, 'has no valid curve/public-key (40 Z85 characters)', opts.option);
  const secretKey = curve.get('secret-key') ?? null;
  if (opts.secret) {
    if (secretKey === null || !isZ85Key(secretKey)) {
      throw new CertificateInvalidError(path, 'has no valid curve/secret-key: is this the public NAME.key instead of NAME.key_secret?', opts.option);
    }
    if (publicKeyOf(secretKey) !== publicKey) throw new CertificateInvalidError(path, 'holds a public-key that does not belong to its secret-key', opts.option);
  }
  return { publicKey, secretKey: opts.secret ? secretKey : null, metadata: Object.fromEntries(zpl.get('metadata') ?? []) };
}

/** Text of a certificate in czmq's layout (secret when `secretKey` is given). */
export function formatCertificate(c: { publicKey: string; secretKey?: string | null; metadata?: Record<string, string> }, now: Date): string {
  const secret = c.secretKey != null;
  const banner = secret
    ? ['#   ZeroMQ CURVE **Secret** Certificate', '#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.']
    : ['#   ZeroMQ CURVE Public Certificate', '#   Exchange securely, or use a secure mechanism to verify the contents', '#   of this file after exchange.'];
  const lines = [`#   ****  Generated on ${now.toISOString()} by nova-zmq-bridge  ****`, ...banner, '', 'metadata'];
  for (const [k, v] of Object.entries(c.metadata ?? {})) lines.push(`    ${k} = "${v.replace(/"/g, '')}"`);
  lines.push('curve', `    public-key = "${c.publicKey}"`);
  if (secret) lines.push(`    secret-key = "${c.secretKey}"`);
  return lines.join('\n') + '\n';
}
