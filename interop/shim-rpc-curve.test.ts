// The oslo.messaging scenarios of interop/shim-rpc.test.ts with CURVE on
// between the two hosts (`[zmq_bridge] security = curve`, keys made by the
// daemon's own keygen, one trusted-keys directory for both): Nova's RPC API
// works unchanged, every connection between the daemons was let in by their
// ZAP handlers, and a plaintext peer still gets nothing in.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as zmq from 'zeromq';
import { shimRpcScenarios } from './support/shim-rpc-scenarios';
import { TestKeys } from '../test/support/curve';
import { LocalApiClient } from '../test/support/localapi-client';
import { buildCastFrames } from '../src/wire/envelope';
import { waitFor } from '../test/support/wait';

const keys = new TestKeys('nzb-curve-interop-');
after(() => keys.remove());

const { hosts } = shimRpcScenarios({ confLines: (h) => keys.confLines(h.addr) });

async function stats(which: number): Promise<Record<string, number>> {
  const c = await LocalApiClient.connect(hosts().host(which).config.bridge.localSocket);
  try {
    await c.hello();
    return await c.stats();
  } finally {
    await c.close();
  }
}

test('both daemons ran CURVE: every peer connection was let in by ZAP, none refused', async () => {
  for (const i of [0, 1]) {
    const h = hosts().host(i);
    assert.ok(h.log.join('').includes('"msg":"CURVE security on"'), `host ${h.addr} did not log CURVE on`);
    const s = await stats(i);
    assert.ok((s['security.zap.allowed'] ?? 0) >= 1, `${h.addr}: ${JSON.stringify(s)}`);
    for (const [k, v] of Object.entries(s)) if (k.startsWith('security.denied.')) assert.equal(v, 0, `${h.addr} ${k}`);
  }
});

test('a plaintext peer sending to a CURVE host delivers nothing', async () => {
  const b = hosts().host(1);
  const before = await stats(1);
  const push = new zmq.Push({ linger: 0 });
  push.connect(`tcp://${b.addr}:${hosts().port}`);
  try {
    void push.send(buildCastFrames(`itopic.${b.addr}`, '{}', '{"method": "record", "args": {"note": "plaintext"}}')).catch(() => undefined);
    const failed = (s: Record<string, number>) => (s['security.handshake_failed.protocol'] ?? 0) + (s['security.handshake_failed.other'] ?? 0);
    let now: Record<string, number> = before;
    await waitFor(
      async () => {
        now = await stats(1);
        return failed(now) > failed(before);
      },
      20_000,
      'plaintext handshake refused',
    );
    assert.equal(now['receiver.received'] ?? 0, before['receiver.received'] ?? 0);
  } finally {
    push.close();
  }
});
