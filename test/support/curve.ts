/**
 * CURVE keys for tests: key pairs made by the daemon's own `keygen` in a
 * fresh directory, a trusted-keys directory holding the public certificates
 * of the hosts a test trusts, and config overrides that turn security on.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zmq from 'zeromq';
import { keygen } from '../../src/security/keygen';
import { readCertificate } from '../../src/security/certificate';
import type { ConfigOverrides } from './config';

export class TestKeys {
  /** Holds `keys/` (every pair made) and `trusted/` (the public certificates trusted). */
  readonly dir: string;
  readonly keysDir: string;
  readonly trustedDir: string;

  constructor(prefix = 'nzb-keys-') {
    this.dir = mkdtempSync(join(tmpdir(), prefix));
    this.keysDir = join(this.dir, 'keys');
    this.trustedDir = join(this.dir, 'trusted');
    mkdirSync(this.keysDir, { mode: 0o755 });
    mkdirSync(this.trustedDir, { mode: 0o755 });
  }

  /** Make `name`'s pair (if not yet) and, unless `trust` is false, put its public certificate in the trusted dir. */
  add(name: string, trust = true): { publicKey: string; secretKey: string } {
    try {
      keygen(name, this.keysDir);
    } catch (err) {
      if ((err as { code?: string }).code !== 'KEYGEN_FAILED') throw err;
    }
    if (trust) this.trust(name);
    const c = readCertificate(this.secretPath(name), { secret: true });
    return { publicKey: c.publicKey, secretKey: c.secretKey! };
  }

  trust(name: string): void {
    copyFileSync(join(this.keysDir, `${name}.key`), join(this.trustedDir, `${name}.key`));
  }

  distrust(name: string): void {
    unlinkSync(join(this.trustedDir, `${name}.key`));
  }

  secretPath(name: string): string {
    return join(this.keysDir, `${name}.key_secret`);
  }

  publicKey(name: string): string {
    return readCertificate(join(this.keysDir, `${name}.key`), { secret: false }).publicKey;
  }

  /** Config overrides of a daemon `name` with CURVE on. */
  overrides(name: string, bridge: ConfigOverrides['bridge'] = {}): ConfigOverrides {
    this.add(name);
    return { bridge: { security: 'curve', curveCertificate: this.secretPath(name), curveTrustedDir: this.trustedDir, ...bridge } };
  }

  /** nova.conf lines of the same (for CLI daemons). */
  confLines(name: string, extra: string[] = []): string[] {
    this.add(name);
    return ['[zmq_bridge]', 'security = curve', `curve_certificate = ${this.secretPath(name)}`, `curve_trusted_dir = ${this.trustedDir}`, ...extra];
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A PUSH to `endpoint` speaking CURVE with `pair` to a server of public key `serverKey` (or plaintext when `pair` is null). */
export function curvePush(endpoint: string, serverKey: string | null, pair: { publicKey: string; secretKey: string } | null): zmq.Push {
  const p = new zmq.Push({ linger: 0 });
  if (pair && serverKey) {
    p.curveServerKey = serverKey;
    p.curvePublicKey = pair.publicKey;
    p.curveSecretKey = pair.secretKey;
  }
  p.connect(endpoint);
  return p;
}
