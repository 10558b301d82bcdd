import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMatchmaker } from '../src/matchmaker/factory';
import { MatchmakerConfigError } from '../src/matchmaker/errors';
import { loadConfig } from '../src/config/loader';
import { Counters } from '../src/metrics/counters';
import { silentLogger } from '../src/log';
import { testConfig } from './support/config';

const deps = () => ({ log: silentLogger(), counters: new Counters() });

test('factory builds each kind', () => {
  for (const kind of ['local', 'stub', 'ring', 'fanout_ring', 'redis', 'broker', 'topic_scheduler'] as const) {
    const mm = createMatchmaker(testConfig({ matchmaker: kind, matchmakerRaw: kind, brokerIp: '127.0.0.1' }), deps());
    assert.equal(mm.kind, kind);
  }
});

test('broker and topic scheduler without rpc_zmq_broker_ip: a typed error naming the option', () => {
  for (const kind of ['broker', 'topic_scheduler'] as const) {
    assert.throws(
      () => createMatchmaker(testConfig({ matchmaker: kind, matchmakerRaw: kind }), deps()),
      (err: unknown) => err instanceof MatchmakerConfigError && err.code === 'MATCHMAKER_CONFIG' && /rpc_zmq_broker_ip/.test(err.message),
    );
  }
});

test('nova.conf spellings (short names, seed class names, legacy class paths) reach the right matchmaker', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nzb-mmfactory-'));
  try {
    const cases: [string, string][] = [
      ['ring', 'ring'],
      ['MatchMakerFanoutRing', 'fanout_ring'],
      ['MatchMakerTopicScheduler', 'topic_scheduler'],
      ['MatchMakerBroker', 'broker'],
      ['nova.openstack.common.rpc.matchmaker.MatchMakerLocalhost', 'local'],
      ['oslo_messaging._drivers.matchmaker_redis.MatchMakerRedis', 'redis'],
      ['oslo.messaging._drivers.matchmaker_ring.MatchMakerRing', 'ring'],
    ];
    for (const [raw, kind] of cases) {
      const conf = join(dir, 'nova.conf');
      writeFileSync(conf, `[DEFAULT]\nrpc_zmq_matchmaker = ${raw}\nrpc_zmq_broker_ip = 127.0.0.1\nrpc_zmq_host = h1\n`);
      const cfg = loadConfig({ configFiles: [conf], configDirs: [], env: { HOME: dir }, etcDir: dir });
      assert.equal(createMatchmaker(cfg, deps()).kind, kind, raw);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
