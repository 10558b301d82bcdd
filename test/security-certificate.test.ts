/**
 * Key files in czmq's certificate format, both ways with pyzmq (Debian's
 * /usr/bin/python3): what `nova-zmq-bridge keygen` writes, pyzmq's
 * `zmq.auth.load_certificate` reads; what pyzmq's `create_certificates`
 * writes, the daemon trusts, and a pyzmq CURVE client using it delivers to a
 * CURVE daemon. Z85 and the public-from-secret check against libzmq's own keys.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as zmq from 'zeromq';
import { Daemon } from '../src/daemon';
import { silentLogger } from '../src/log';
import { keygen, keygenMain } from '../src/security/keygen';
import { parseCertificate, publicKeyOf, readCertificate } from '../src/security/certificate';
import { z85Decode, z85Encode } from '../src/security/z85';
import { ipcEndpoint } from '../src/wire/endpoints';
import { loopbackBlock, REPO_ROOT } from './support/cluster';
import { makeIpcDir, removeDir, testConfig } from './support/config';
import { freeTcpPorts } from './support/ports';
import { receiveWithin } from './support/zmq-helpers';
import { TestKeys } from './support/curve';

const SYSTEM_PY = '/usr/bin/python3';

describe('certificates', () => {
  let keys: TestKeys;
  before(() => {
    keys = new TestKeys();
  });
  after(() => keys.remove());

  test('Z85 and the public key derived from the secret agree with libzmq', () => {
    for (let i = 0; i < 20; i++) {
      const k = zmq.curveKeyPair();
      assert.equal(z85Encode(z85Decode(k.publicKey)!), k.publicKey);
      assert.equal(publicKeyOf(k.secretKey), k.publicKey);
    }
    assert.equal(z85Decode('not z85!'), null);
    // The reference vector of ZeroMQ RFC 32.
    assert.equal(z85Encode(Buffer.from([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b])), 'HelloWorld');
  });

  test('keygen writes NAME.key (public) and NAME.key_secret (0600); never overwrites', () => {
    const r = keygen('compute-1', keys.keysDir);
    assert.equal(statSync(r.secretPath).mode & 0o777, 0o600);
    assert.equal(readCertificate(r.publicPath, { secret: false }).publicKey, r.publicKey);
    assert.equal(readCertificate(r.secretPath, { secret: true }).publicKey, r.publicKey);
    assert.equal(readCertificate(r.publicPath, { secret: false }).secretKey, null);
    assert.doesNotMatch(readFileSync(r.publicPath, 'utf8'), /secret-key/);
    const before = readFileSync(r.secretPath, 'utf8');
    assert.throws(() => keygen('compute-1', keys.keysDir), /already exists/);
    assert.equal(readFileSync(r.secretPath, 'utf8'), before);
    assert.throws(() => keygen('../evil', keys.keysDir), /not a usable host name/);
  });

  test('the keygen subcommand: usage errors exit 2, success prints both paths and the key', () => {
    const out: string[] = [];
    const err: string[] = [];
    assert.equal(keygenMain([], (s) => out.push(s), (s) => err.push(s)), 2);
    assert.match(err.join(''), /NAME is missing/);
    assert.equal(keygenMain(['h9', '--dir', keys.keysDir], (s) => out.push(s), (s) => err.push(s)), 0);
    assert.match(out.join(''), new RegExp(`${join(keys.keysDir, 'h9.key')}\\n${join(keys.keysDir, 'h9.key_secret')}\\npublic-key `));
    // and through the CLI entry point
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src', 'cli.ts'), 'keygen', 'h10', '--dir', keys.keysDir], { cwd: REPO_ROOT });
    assert.equal(r.status, 0, r.stderr.toString());
    assert.equal(statSync(join(keys.keysDir, 'h10.key_secret')).mode & 0o777, 0o600);
  });

  test("pyzmq's zmq.auth.load_certificate reads what keygen wrote", () => {
    const r = keygen('py-reads', keys.keysDir);
    const code = 'import json, sys, zmq.auth as a\np, s = a.load_certificate(sys.argv[1]); q, t = a.load_certificate(sys.argv[2])\nprint(json.dumps([p.decode(), s.decode(), q.decode(), t]))';
    const [p, s, q, t] = JSON.parse(execFileSync(SYSTEM_PY, ['-c', code, r.secretPath, r.publicPath], { encoding: 'utf8' })) as [string, string, string, null];
    assert.equal(p, r.publicKey);
    assert.equal(q, r.publicKey);
    assert.equal(t, null);
    assert.equal(publicKeyOf(s), r.publicKey);
  });

  test('malformed, mismatched and public-only certificates are refused with the file named', () => {
    const bad = join(keys.dir, 'bad.key_secret');
    writeFileSync(bad, 'metadata\n    name = "x"\n');
    assert.throws(() => readCertificate(bad, { secret: true }), (e: Error & { code?: string }) => e.code === 'SECURITY_CERTIFICATE_INVALID' && e.message.includes(bad));
    const a = zmq.curveKeyPair();
    const b = zmq.curveKeyPair();
    const mixed = `curve\n    public-key = "${a.publicKey}"\n    secret-key = "${b.secretKey}"\n`;
    assert.throws(() => parseCertificate(mixed, 'mixed', { secret: true }), /does not belong to its secret-key/);
    assert.throws(() => parseCertificate(`curve\n    public-key = "${a.publicKey}"\n`, 'pub', { secret: true }), /no valid curve\/secret-key/);
  });
});

describe("pyzmq's own certificates and a pyzmq CURVE client", () => {
  let keys: TestKeys;
  let d: Daemon;
  let addr: string;
  let port: number;
  before(async () => {
    keys = new TestKeys();
    [addr] = loopbackBlock(1) as [string];
    [port] = (await freeTcpPorts([addr])) as [number];
    // pyzmq makes the client's pair straight into the trusted dir (and its secret beside the keys).
    execFileSync(SYSTEM_PY, ['-c', 'import sys, zmq.auth as a; a.create_certificates(sys.argv[1], "pyclient")', keys.trustedDir]);
    d = new Daemon(testConfig({ ipcDir: makeIpcDir(), host: addr, bindAddress: addr, bindAddressRaw: addr, port, ...keys.overrides(addr) }), silentLogger());
    await d.start();
  });
  after(async () => {
    await d?.stop();
    if (d) removeDir(d.config.ipcDir);
    keys?.remove();
  });

  test('the daemon trusts a pyzmq-made public certificate, and the pyzmq client delivers over CURVE', async () => {
    assert.ok(d.security.trustedKeys!.keyOf('pyclient'));
    const consumer = new zmq.Pull({ linger: 0 });
    consumer.connect(ipcEndpoint(d.config.ipcDir, `compute.${addr}`));
    try {
      const code = [
        'import sys, zmq, zmq.auth as a',
        'pub, sec = a.load_certificate(sys.argv[1])',
        'srv, _ = a.load_certificate(sys.argv[2])',
        // immediate + a send timeout: the message waits for the CURVE handshake instead of being dropped by a close during it
        'ctx = zmq.Context(); s = ctx.socket(zmq.PUSH); s.linger = 5000; s.immediate = 1; s.sndtimeo = 20000',
        's.curve_publickey, s.curve_secretkey, s.curve_serverkey = pub, sec, srv',
        's.connect(sys.argv[3])',
        's.send_multipart([b"0", sys.argv[4].encode(), b"cast", b\'["{}", {"method": "from_pyzmq", "args": {}}]\'])',
        's.close(); ctx.term()',
      ].join('\n');
      // Asynchronously: the daemon's ZAP handler runs on this event loop and must answer meanwhile.
      await promisify(execFile)(SYSTEM_PY, ['-c', code, join(keys.trustedDir, 'pyclient.key_secret'), join(keys.keysDir, `${addr}.key`), `tcp://${addr}:${port}`, `compute.${addr}`], { timeout: 30_000 });
      const got = await receiveWithin(consumer, 10_000).catch((e: Error) => {
        throw new Error(`${e.message}; counters ${JSON.stringify(d.counters.snapshot())}`);
      });
      assert.match(got[3]!.toString(), /from_pyzmq/);
    } finally {
      consumer.close();
    }
  });
});
