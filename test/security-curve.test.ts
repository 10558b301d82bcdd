/**
 * CURVE on the tcp transport with real sockets: in-process daemons with
 * `security = curve` on loopback addresses of a random block, raw zeromq
 * clients playing authorised, wrong-key, keyless and plaintext peers, and
 * local API clients making calls between two CURVE daemons. "Delivers
 * nothing" is checked on the receiver's own count of messages read, after
 * the refusal was counted.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as zmq from 'zeromq';
import { Daemon } from '../src/daemon';
import { silentLogger } from '../src/log';
import { EXIT_CONFIG, EXIT_STARTUP } from '../src/errors';
import { buildCallFrames, buildCastFrames } from '../src/wire/envelope';
import { ipcEndpoint } from '../src/wire/endpoints';
import { loopbackBlock } from './support/cluster';
import { makeIpcDir, mergeOverrides, removeDir, testConfig, type ConfigOverrides } from './support/config';
import { freeTcpPorts } from './support/ports';
import { LocalApiClient, LocalApiError, type Delivery } from './support/localapi-client';
import { receiveWithin, waitFor } from './support/zmq-helpers';
import { TestKeys, curvePush } from './support/curve';
import type { BridgeConfig } from '../src/config/types';

const CTX = '{"user_id": "u-curve"}';
const MSG = '{"method": "ping", "args": {"n": 1}}';

/** A config for a daemon on `addr` (its rpc_zmq_host), with its own ipc dir. */
function hostConfig(addr: string, port: number, extra: ConfigOverrides = {}): BridgeConfig {
  return testConfig(mergeOverrides(extra, { host: addr, bindAddress: addr, bindAddressRaw: addr, port, ipcDir: makeIpcDir() }));
}

async function started(cfg: BridgeConfig): Promise<Daemon> {
  const d = new Daemon(cfg, silentLogger());
  await d.start();
  return d;
}

const keyPair = () => zmq.curveKeyPair();

/**
 * Handshakes that failed before any ZAP request: a plaintext client at a
 * CURVE door fails on the mechanism, or (when it notices first and hangs
 * up) as an `other` failure on the server's side.
 */
const failedHandshakes = (d: Daemon) => d.counters.get('security.handshake_failed.protocol') + d.counters.get('security.handshake_failed.other');

describe('CURVE receiver: who gets in', () => {
  let keys: TestKeys;
  let A: string;
  let cfg: BridgeConfig;
  let d: Daemon;
  let endpoint: string;
  let consumer: zmq.Pull;
  const socks: zmq.Socket[] = [];
  const push = (serverKey: string | null, pair: { publicKey: string; secretKey: string } | null) => {
    const p = curvePush(endpoint, serverKey, pair);
    socks.push(p);
    return p;
  };
  const received = () => d.counters.get('receiver.received');
  const cast = (note: string) => buildCastFrames(`compute.${A}`, CTX, `{"method": "ping", "args": {"note": "${note}"}}`);

  before(async () => {
    keys = new TestKeys();
    [A] = loopbackBlock(1) as [string];
    const [port] = await freeTcpPorts([A!]);
    keys.add('peer1');
    keys.add('peer2');
    keys.add('peer3');
    cfg = hostConfig(A!, port!, keys.overrides(A!));
    d = await started(cfg);
    endpoint = `tcp://${A}:${port}`;
    consumer = new zmq.Pull({ linger: 0 });
    consumer.connect(ipcEndpoint(cfg.ipcDir, `compute.${A}`));
  });

  after(async () => {
    for (const s of socks) s.close();
    consumer?.close();
    await d?.stop();
    removeDir(cfg.ipcDir);
    keys?.remove();
  });

  test('an authorised CURVE peer delivers; the ZAP handler let it in', async () => {
    assert.deepEqual(d.security.ready().ok, true, d.security.ready().why);
    const p = push(keys.publicKey(A), keys.add('peer1'));
    await p.send(cast('authorised'));
    const got = await receiveWithin(consumer);
    assert.match(got[3]!.toString(), /"note": "authorised"/);
    assert.ok(d.counters.get('security.zap.allowed') >= 1);
  });

  test('a wrong key (not in the trusted dir) delivers nothing and is counted as untrusted_key', async () => {
    const before = received();
    const denied = d.counters.get('security.denied.untrusted_key');
    const p = push(keys.publicKey(A), keyPair());
    void p.send(cast('stranger')).catch(() => undefined);
    await waitFor(() => d.counters.get('security.denied.untrusted_key') > denied, 10_000, 'untrusted key refused');
    p.close();
    assert.equal(received(), before);
  });

  test("a client without this host's key (wrong server key) delivers nothing and fails the handshake", async () => {
    const before = received();
    const failed = d.counters.get('security.handshake_failed.protocol');
    const p = push(keyPair().publicKey, keys.add('peer1'));
    void p.send(cast('keyless')).catch(() => undefined);
    await waitFor(() => d.counters.get('security.handshake_failed.protocol') > failed, 10_000, 'crypto handshake failure');
    p.close();
    assert.equal(received(), before);
  });

  test('a plaintext (NULL) client delivers nothing and fails the handshake', async () => {
    const before = received();
    const failed = failedHandshakes(d);
    const p = push(null, null);
    void p.send(cast('plaintext')).catch(() => undefined);
    await waitFor(() => failedHandshakes(d) > failed, 10_000, 'mechanism mismatch');
    p.close();
    assert.equal(received(), before);
  });

  test('a key removed from the directory is refused for new connections after SIGHUP', async () => {
    const pair = keys.add('peer2');
    const ok = push(keys.publicKey(A), pair);
    await ok.send(cast('before-removal'));
    assert.match((await receiveWithin(consumer))[3]!.toString(), /before-removal/);
    ok.close();
    keys.distrust('peer2');
    await d.reload(cfg);
    assert.equal(d.security.trustedKeys!.keyOf('peer2'), undefined);
    const before = received();
    const denied = d.counters.get('security.denied.untrusted_key');
    const p = push(keys.publicKey(A), pair);
    void p.send(cast('after-removal')).catch(() => undefined);
    await waitFor(() => d.counters.get('security.denied.untrusted_key') > denied, 10_000, 'removed key refused');
    p.close();
    assert.equal(received(), before);
  });

  test('a key removed from the directory is refused without a SIGHUP too (the directory is watched)', async () => {
    const pair = keys.add('peer3');
    const reloads = d.counters.get('security.trusted.reloaded');
    keys.distrust('peer3');
    await waitFor(() => d.counters.get('security.trusted.reloaded') > reloads && d.security.trustedKeys!.keyOf('peer3') === undefined, 10_000, 'watched reload');
    const before = received();
    const denied = d.counters.get('security.denied.untrusted_key');
    const p = push(keys.publicKey(A), pair);
    void p.send(cast('watched')).catch(() => undefined);
    await waitFor(() => d.counters.get('security.denied.untrusted_key') > denied, 10_000, 'removed key refused');
    p.close();
    assert.equal(received(), before);
  });

  test('fails closed: with the ZAP handler gone even a trusted key is refused', async () => {
    await d.security.zapHandler!.stop();
    assert.equal(d.security.ready().ok, false);
    assert.match(d.security.ready().why, /ZAP/);
    const before = received();
    const failed = d.counters.get('security.handshake_failed.other');
    const p = push(keys.publicKey(A), keys.add('peer1'));
    void p.send(cast('no-handler')).catch(() => undefined);
    await waitFor(() => d.counters.get('security.handshake_failed.other') > failed, 10_000, 'refused without a handler');
    p.close();
    assert.equal(received(), before);
  });
});

describe('two CURVE daemons', () => {
  let keys: TestKeys;
  let A: string;
  let B: string;
  let C: string;
  let da: Daemon;
  let db: Daemon;
  const clients: LocalApiClient[] = [];
  const client = async (d: Daemon) => {
    const c = await LocalApiClient.connect(d.config.bridge.localSocket);
    clients.push(c);
    await c.hello();
    return c;
  };

  before(async () => {
    keys = new TestKeys();
    [A, B, C] = loopbackBlock(3) as [string, string, string];
    const [port] = await freeTcpPorts([A!, B!, C!]);
    // Both keys in the trusted dir before either daemon reads it.
    keys.add(A!);
    keys.add(B!);
    da = await started(hostConfig(A!, port!, keys.overrides(A!)));
    db = await started(hostConfig(B!, port!, keys.overrides(B!)));
    // C has keys but is not trusted by anyone.
    keys.add(C!, false);
  });

  after(async () => {
    for (const c of clients) await c.close();
    for (const d of [da, db]) {
      await d?.stop();
      if (d) removeDir(d.config.ipcDir);
    }
    keys?.remove();
  });

  test('a call from A to a server on B goes over CURVE and gets its reply', async () => {
    const server = await client(db);
    await server.listen({ topic: 'svc', server: B }, (dl: Delivery) => server.reply(dl.reply_to!, CTX, { result: '"pong"' }));
    const caller = await client(da);
    const r = await caller.call({ topic: 'svc', server: B }, CTX, MSG, 10);
    assert.equal(r.result, '"pong"');
    assert.ok(db.counters.get('security.zap.allowed') >= 1, 'B let A in');
    assert.ok(da.counters.get('security.zap.allowed') >= 1, "A let B's reply in");
  });

  test("sending to a host whose <host>.key is missing is refused at once, counted, naming the file", async () => {
    const caller = await client(da);
    const missing = da.counters.get('security.peer_key_missing');
    await assert.rejects(caller.cast({ topic: 'svc', server: C }, CTX, MSG), (e: unknown) => {
      assert.ok(e instanceof LocalApiError);
      assert.equal(e.code, 'PEER_KEY_MISSING');
      assert.ok(e.message.includes(join(keys.trustedDir, `${C}.key`)), e.message);
      return true;
    });
    assert.equal(da.counters.get('security.peer_key_missing'), missing + 1);
    assert.ok(!da.rpc.sender.peers().includes(C), 'no connection was opened to C');
  });

  test('a reply goes only to a trusted host: a call naming an untrusted reply host is answered to nobody', async () => {
    const server = await client(db);
    const got: Delivery[] = [];
    await server.listen({ topic: 'svc2' }, (dl) => got.push(dl));
    // A trusted peer sends B a call whose reply topic names C (untrusted).
    const caller = curvePush(`tcp://${B}:${db.config.port}`, keys.publicKey(B), keys.add(A));
    try {
      await caller.send(buildCallFrames(`svc2.${B}`, { msgId: 'c'.repeat(32), replyTopic: `zmq_replies.${C}`, ctxText: CTX, requestText: MSG }));
      await waitFor(() => got.length === 1, 10_000, 'call delivered');
    } finally {
      caller.close();
    }
    const missing = db.counters.get('security.peer_key_missing');
    server.reply(got[0]!.reply_to!, CTX, { result: '"secret"' });
    await waitFor(() => db.counters.get('security.peer_key_missing') === missing + 1, 10_000, 'reply refused');
    assert.equal(db.counters.get('localapi.errors.PEER_KEY_MISSING'), 1);
    assert.ok(!db.rpc.sender.peers().includes(C));
  });
});

describe('plaintext listener for legacy peers (migration)', () => {
  let keys: TestKeys;
  let D: string;
  let L1: string;
  let L2: string;
  let d: Daemon;
  let cfg: BridgeConfig;
  let consumer: zmq.Pull;
  const socks: zmq.Socket[] = [];

  before(async () => {
    keys = new TestKeys();
    [D, L1, L2] = loopbackBlock(3) as [string, string, string];
    const [port, plainPort] = await freeTcpPorts([D!, L1!, L2!], 2);
    cfg = hostConfig(D!, port!, keys.overrides(D!, { plaintextPeers: [L1!], plaintextPort: plainPort! }));
    d = await started(cfg);
    consumer = new zmq.Pull({ linger: 0 });
    consumer.connect(ipcEndpoint(cfg.ipcDir, `legacy.${D}`));
  });

  after(async () => {
    for (const s of socks) s.close();
    consumer?.close();
    await d?.stop();
    if (cfg) removeDir(cfg.ipcDir);
    keys?.remove();
  });

  /** A plaintext PUSH from source address `from` to `port` of D. */
  const legacyPush = (from: string, port: number) => {
    const p = new zmq.Push({ linger: 0 });
    p.connect(`tcp://${from}:0;${D}:${port}`);
    socks.push(p);
    return p;
  };

  test('a listed legacy address delivers in plaintext on plaintext_port', async () => {
    const p = legacyPush(L1, cfg.bridge.plaintextPort);
    await p.send(buildCastFrames(`legacy.${D}`, CTX, '{"method": "old", "args": {}}'));
    assert.match((await receiveWithin(consumer))[3]!.toString(), /"old"/);
    assert.equal(d.counters.get('security.plaintext.received'), 1);
  });

  test('an address not listed is refused on the plaintext port, counted, nothing delivered', async () => {
    const before = d.counters.get('receiver.received');
    const denied = d.counters.get('security.denied.address_not_listed');
    const p = legacyPush(L2, cfg.bridge.plaintextPort);
    void p.send(buildCastFrames(`legacy.${D}`, CTX, '{"method": "intruder", "args": {}}')).catch(() => undefined);
    await waitFor(() => d.counters.get('security.denied.address_not_listed') > denied, 10_000, 'unlisted address refused');
    p.close();
    assert.equal(d.counters.get('receiver.received'), before);
  });

  test('even a listed legacy address cannot use plaintext on the CURVE port', async () => {
    const before = d.counters.get('receiver.received');
    const failed = failedHandshakes(d);
    const p = legacyPush(L1, cfg.port);
    void p.send(buildCastFrames(`legacy.${D}`, CTX, '{"method": "wrong-door", "args": {}}')).catch(() => undefined);
    await waitFor(() => failedHandshakes(d) > failed, 10_000, 'mechanism mismatch');
    p.close();
    assert.equal(d.counters.get('receiver.received'), before);
  });

  test('sending to a listed legacy peer uses plaintext, to its plaintext_port', async () => {
    const legacyReceiver = new zmq.Pull({ linger: 0 });
    socks.push(legacyReceiver);
    await legacyReceiver.bind(`tcp://${L1}:${cfg.bridge.plaintextPort}`);
    const c = await LocalApiClient.connect(cfg.bridge.localSocket);
    try {
      await c.hello();
      await c.cast({ topic: 'compute', server: L1 }, CTX, MSG);
      const got = await receiveWithin(legacyReceiver);
      assert.equal(got[1]!.toString(), `compute.${L1}`);
    } finally {
      await c.close();
    }
  });
});

describe('broker and topic scheduler services under CURVE', () => {
  let keys: TestKeys;
  let Bk: string;
  let W: string;
  let broker: Daemon;
  let worker: Daemon;
  const socks: zmq.Socket[] = [];

  before(async () => {
    keys = new TestKeys();
    [Bk, W] = loopbackBlock(2) as [string, string];
    const [port, brokerPort, schedulerPort] = await freeTcpPorts([Bk!, W!], 3);
    keys.add(Bk!);
    keys.add(W!);
    const mm = (role: boolean): ConfigOverrides => ({ matchmaker: 'broker', matchmakerRaw: 'broker', brokerIp: Bk!, bridge: { brokerPort, schedulerPort, brokerRole: role } });
    broker = await started(hostConfig(Bk!, port!, mergeOverrides(mm(true), keys.overrides(Bk!))));
    worker = await started(hostConfig(W!, port!, mergeOverrides(mm(false), keys.overrides(W!))));
  });

  after(async () => {
    for (const s of socks) s.close();
    for (const d of [worker, broker]) {
      await d?.stop();
      if (d) removeDir(d.config.ipcDir);
    }
    keys?.remove();
  });

  /** A DEALER to the broker service, CURVE with `pair` (or plaintext), sending one request. */
  const dealer = (pair: { publicKey: string; secretKey: string } | null) => {
    const s = new zmq.Dealer({ linger: 0, receiveTimeout: 10_000 });
    if (pair) {
      s.curveServerKey = keys.publicKey(Bk);
      s.curvePublicKey = pair.publicKey;
      s.curveSecretKey = pair.secretKey;
    }
    s.connect(`tcp://${Bk}:${broker.config.bridge.brokerPort}`);
    socks.push(s);
    return s;
  };

  test('a trusted daemon registers with the broker over CURVE', async () => {
    const c = await LocalApiClient.connect(worker.config.bridge.localSocket);
    try {
      await c.hello();
      const registers = broker.counters.get('matchmaker.broker_service.register');
      await c.listen({ topic: 'work' }, () => undefined);
      assert.equal(broker.counters.get('matchmaker.broker_service.register'), registers + 1);
    } finally {
      await c.close();
    }
  });

  test('a registration from an untrusted peer is refused: never answered, never recorded', async () => {
    const registers = broker.counters.get('matchmaker.broker_service.register');
    const denied = broker.counters.get('security.denied.untrusted_key');
    const s = dealer(keyPair());
    void s.send(JSON.stringify({ op: 'register', topic: 'compute', host: '127.0.0.9', ttl: 600, id: 1 })).catch(() => undefined);
    await waitFor(() => broker.counters.get('security.denied.untrusted_key') > denied, 10_000, 'untrusted registration refused');
    s.close();
    // A trusted client asks who serves compute: not the forged host.
    const t = dealer(keys.add(W));
    await t.send(JSON.stringify({ op: 'get_workers', topic: 'compute', id: 2 }));
    const [answer] = await t.receive();
    assert.deepEqual(JSON.parse(answer!.toString()), { id: 2, ok: true, hosts: [] });
    assert.equal(broker.counters.get('matchmaker.broker_service.register'), registers);
  });

  test('a plaintext registration is refused too', async () => {
    const registers = broker.counters.get('matchmaker.broker_service.register');
    const unregisters = broker.counters.get('matchmaker.broker_service.unregister');
    const failed = failedHandshakes(broker);
    const s = dealer(null);
    void s.send(JSON.stringify({ op: 'unregister', topic: 'work', host: W, id: 3 })).catch(() => undefined);
    await waitFor(() => failedHandshakes(broker) > failed, 10_000, 'plaintext refused');
    s.close();
    assert.equal(broker.counters.get('matchmaker.broker_service.register'), registers);
    assert.equal(broker.counters.get('matchmaker.broker_service.unregister'), unregisters);
  });
});

describe('CURVE start-up refusals', () => {
  let keys: TestKeys;
  let addr: string;
  let port: number;
  before(async () => {
    keys = new TestKeys();
    [addr] = loopbackBlock(1) as [string];
    [port] = (await freeTcpPorts([addr])) as [number];
  });
  after(() => keys?.remove());

  const refuses = async (extra: ConfigOverrides, code: string, exitCode: number, msg: RegExp) => {
    const cfg = hostConfig(addr, port, extra);
    try {
      const attempt = async () => {
        const d = new Daemon(cfg, silentLogger());
        try {
          await d.start();
        } finally {
          await d.stop();
        }
      };
      await assert.rejects(attempt(), (e: Error & { code?: string; exitCode?: number }) => {
        assert.equal(e.code, code, e.message);
        assert.equal(e.exitCode, exitCode);
        assert.match(e.message, msg);
        return true;
      });
    } finally {
      removeDir(cfg.ipcDir);
    }
  };

  test('a secret certificate readable by group or others', async () => {
    const o = keys.overrides('exposed');
    chmodSync(keys.secretPath('exposed'), 0o640);
    try {
      await refuses(o, 'SECURITY_SECRET_KEY_EXPOSED', EXIT_STARTUP, /mode 0640.*chmod 600/);
    } finally {
      chmodSync(keys.secretPath('exposed'), 0o600);
    }
  });

  test('security = curve without a certificate, or with the public one', async () => {
    await refuses({ bridge: { security: 'curve', curveTrustedDir: keys.trustedDir } }, 'SECURITY_CONFIG', EXIT_CONFIG, /curve_certificate/);
    keys.add('pub');
    await refuses({ bridge: { security: 'curve', curveCertificate: join(keys.keysDir, 'pub.key'), curveTrustedDir: keys.trustedDir } }, 'SECURITY_CERTIFICATE_INVALID', EXIT_CONFIG, /secret-key/);
  });

  test('plaintext_port equal to rpc_zmq_port', async () => {
    await refuses(keys.overrides('pp', { plaintextPeers: ['127.0.0.1'], plaintextPort: port }), 'SECURITY_CONFIG', EXIT_CONFIG, /plaintext_port/);
  });

  test('a trusted-keys directory others can write to', async () => {
    const open = join(keys.dir, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    await refuses(keys.overrides('od', { curveTrustedDir: open }), 'STARTUP_UNSAFE_DIRECTORY', EXIT_STARTUP, /writable by everyone.*add their own key/);
  });
});
