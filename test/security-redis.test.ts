/**
 * Redis authentication of the redis matchmaker against a real redis-server:
 * the legacy password (`requirepass`, the `default` user) and a Redis 6 ACL
 * user limited to what the matchmaker needs; a wrong password gets nothing
 * written. Anyone who can write these keys steers traffic (docs/security.md).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import { RedisMatchmaker } from '../src/matchmaker/redis';
import { Counters } from '../src/metrics/counters';
import { silentLogger } from '../src/log';
import { RedisServer } from './support/redis';
import { waitFor } from './support/wait';

const ADMIN_PW = 'admin-pw';
const MM_USER = 'nzb-mm';
const MM_PW = 'mm-pw';

describe('redis matchmaker authentication', () => {
  let server: RedisServer;
  const made: RedisMatchmaker[] = [];

  before(async () => {
    server = await RedisServer.start(undefined, [
      '--requirepass', ADMIN_PW,
      // The ACL user: set and string commands of the matchmaker, and EVAL for its look-up script
      // (members and liveness read and cleaned atomically, docs/matchmakers.md); nothing else.
      '--user', MM_USER, 'on', `>${MM_PW}`, '~*', '+@read', '+sadd', '+srem', '+set', '+del', '+pexpire', '+expire', '+multi', '+exec', '+eval', '+ping', '+client', '+hello', '+info',
    ]);
  });

  after(async () => {
    for (const m of made) await m.stop();
    await server?.stop();
  });

  const mm = (redis: { password: string | null; username: string | null }, counters = new Counters()) => {
    const m = new RedisMatchmaker({
      redis: { host: server.host, port: server.port, ...redis },
      heartbeatFreq: 300,
      heartbeatTtl: 600,
      log: silentLogger(),
      counters,
      reconnectMs: 100,
      startWaitMs: 3000,
    });
    made.push(m);
    return m;
  };

  /** What Redis holds for topic `t` (read as the admin). */
  const members = async (t: string): Promise<string[]> => {
    const admin = createClient({ socket: { host: server.host, port: server.port }, password: ADMIN_PW });
    await admin.connect();
    try {
      return (await admin.sMembers(t)).sort();
    } finally {
      admin.destroy();
    }
  };

  test('password only (the legacy option): AUTH as the default user, registrations written', async () => {
    const m = mm({ password: ADMIN_PW, username: null });
    await m.start();
    assert.equal(m.up, true);
    await m.register('pw-topic', 'host-a');
    assert.deepEqual(await members('pw-topic'), ['pw-topic.host-a']);
    assert.deepEqual(await m.queues('pw-topic'), [{ topic: 'pw-topic.host-a', host: 'host-a' }]);
  });

  test('an ACL user with its password: registrations written and read', async () => {
    const m = mm({ password: MM_PW, username: MM_USER });
    await m.start();
    assert.equal(m.up, true);
    await m.register('acl-topic', 'host-b');
    assert.deepEqual(await members('acl-topic'), ['acl-topic.host-b']);
    assert.deepEqual(await m.queues('acl-topic'), [{ topic: 'acl-topic.host-b', host: 'host-b' }]);
  });

  test('a wrong password writes nothing and is counted as an outage', async () => {
    const counters = new Counters();
    const m = mm({ password: 'wrong', username: MM_USER }, counters);
    await m.start();
    await waitFor(() => counters.get('matchmaker.redis.disconnects') >= 1, 10_000, 'auth failure counted');
    assert.equal(m.up, false);
    await m.register('wrong-topic', 'host-c');
    assert.deepEqual(await members('wrong-topic'), []);
  });

  test('no password at all is refused by a server that requires one', async () => {
    const counters = new Counters();
    const m = mm({ password: null, username: null }, counters);
    await m.start();
    await waitFor(() => counters.get('matchmaker.redis.disconnects') >= 1, 10_000, 'NOAUTH counted');
    await m.register('anon-topic', 'host-d');
    assert.deepEqual(await members('anon-topic'), []);
  });
});
