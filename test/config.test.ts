import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig, readConfigStore, type LoadConfigOptions } from '../src/config/loader';
import { ConfigError } from '../src/config/errors';
import type { MatchmakerKind } from '../src/config/types';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nzb-config-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;
/** A fresh directory with the given files (relative path -> content). */
function tree(files: Record<string, string>): string {
  const dir = path.join(root, `t${n++}`);
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
const IFACES = () => ({
  lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' }],
  eth0: [
    { address: 'fe80::1', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:00:00:00:00:01', internal: false, cidr: 'fe80::1/64', scopeid: 2 },
    { address: '10.1.2.3', netmask: '255.255.255.0', family: 'IPv4', mac: '02:00:00:00:00:01', internal: false, cidr: '10.1.2.3/24' },
  ],
  v6only: [{ address: 'fd00::5', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:00:00:00:00:02', internal: false, cidr: 'fd00::5/64', scopeid: 0 }],
}) as NodeJS.Dict<os.NetworkInterfaceInfo[]>;

function load(files: string[], extra: Partial<LoadConfigOptions> = {}) {
  return loadConfig({ configFiles: files, configDirs: [], env: { HOME: path.join(root, 'nohome') }, hostname: () => 'node-x', interfaces: IFACES, etcDir: path.join(root, 'noetc'), ...extra });
}
function one(text: string, extra: Partial<LoadConfigOptions> = {}) {
  const dir = tree({ 'nova.conf': text });
  return { cfg: () => load([path.join(dir, 'nova.conf')], extra), file: path.join(dir, 'nova.conf'), dir };
}
/** Assert a ConfigError with code, naming file, option, value and accepted values in its one-line message. */
function rejects(fn: () => unknown, code: string, want: { file?: string | null; option?: string; value?: string; accepted?: RegExp }) {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ConfigError, `not a ConfigError: ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.equal(err.exitCode, 2);
    assert.ok(!err.message.includes('\n'), 'one line');
    if (want.file !== undefined) {
      assert.equal(err.file, want.file);
      if (want.file !== null) assert.ok(err.message.includes(want.file), err.message);
    }
    if (want.option !== undefined) {
      assert.ok(err.option?.startsWith(want.option), `${err.option} vs ${want.option}`);
      assert.ok(err.message.includes(want.option), err.message);
    }
    if (want.value !== undefined) {
      assert.equal(err.value, want.value);
      assert.ok(err.message.includes(JSON.stringify(want.value)), err.message);
    }
    if (want.accepted) {
      assert.match(err.accepted, want.accepted);
      assert.ok(err.message.includes(`accepted: ${err.accepted}`), err.message);
    }
    return true;
  });
}

test('no files at all: every default', () => {
  const cfg = load([]);
  assert.deepEqual(cfg.sources, []);
  assert.equal(cfg.rpcBackend, 'nova.openstack.common.rpc.impl_kombu');
  assert.equal(cfg.transportUrl, null);
  assert.equal(cfg.bindAddressRaw, '*');
  assert.equal(cfg.bindAddress, '*');
  assert.equal(cfg.port, 9501);
  assert.equal(cfg.startPort, 9500);
  assert.equal(cfg.host, 'node-x');
  assert.equal(cfg.ipcDir, '/var/run/openstack');
  assert.equal(cfg.topicBacklog, null);
  assert.equal(cfg.contexts, 1);
  assert.equal(cfg.matchmaker, 'local');
  assert.equal(cfg.ringfile, '/etc/oslo/matchmaker_ring.json');
  assert.equal(cfg.brokerIp, null);
  assert.deepEqual(cfg.redis, { host: '127.0.0.1', port: 6379, password: null, username: null });
  assert.equal(cfg.heartbeatFreq, 300);
  assert.equal(cfg.heartbeatTtl, 600);
  assert.equal(cfg.threadPoolSize, 1024);
  assert.equal(cfg.connPoolSize, 30);
  assert.equal(cfg.castTimeout, 30);
  assert.equal(cfg.responseTimeout, 60);
  assert.equal(cfg.controlExchange, 'nova');
  assert.equal(cfg.debug, false);
  assert.equal(cfg.verbose, false);
  assert.deepEqual(cfg.topics, { compute: 'compute', console: 'console', scheduler: 'scheduler', volume: 'volume', network: 'network', vsa: 'vsa' });
  assert.deepEqual(cfg.bridge, {
    localSocket: '/var/run/openstack/nova-zmq-bridge.sock',
    localSocketMode: 0o660,
    replyHoldSeconds: 5,
    fanoutHoldSeconds: 0.5,
    brokerPort: 9502,
    schedulerPort: 9503,
    brokerRole: false,
    logLevel: null,
    httpListen: '127.0.0.1:9504',
    security: 'none',
    curveCertificate: null,
    curveTrustedDir: null,
    plaintextPeers: [],
    plaintextPort: 9501,
    ipcGroup: null,
    ipcMode: 0o660,
    maxPeers: 4096,
    peerIdleSeconds: 300,
    maxIpcOutlets: 4096,
    ipcOutletIdleSeconds: 600,
    maxMessageSize: 16 * 1024 * 1024,
    topicQueueBytes: 64 * 1024 * 1024,
    queueBytes: 256 * 1024 * 1024,
    localReadTimeoutSeconds: 30,
    localBufferBytes: 256 * 1024 * 1024,
  });
});

test('every option read from a file', () => {
  const { cfg, file } = one(`[DEFAULT]
rpc_backend = nova.rpc.impl_zmq
transport_url = zmq://10.0.0.1:9501
rpc_zmq_bind_address = eth0
rpc_zmq_port = 9601
rpc_zmq_start_port = 9600
rpc_zmq_host = h1.example
rpc_zmq_ipc_dir = /tmp/ipc
rpc_zmq_topic_backlog = 100
rpc_zmq_contexts = 2
rpc_zmq_matchmaker = ring
rpc_zmq_broker_ip = 10.0.0.9
matchmaker_heartbeat_freq = 10
matchmaker_heartbeat_ttl = 20
rpc_thread_pool_size = 64
rpc_conn_pool_size = 5
rpc_cast_timeout = 7
rpc_response_timeout = 8
control_exchange = other
debug = yes
verbose = ON
compute_topic = c
console_topic = co
scheduler_topic = s
volume_topic = v
network_topic = n
vsa_topic = vs
some_nova_option_we_ignore = whatever
[matchmaker_ring]
ringfile = /srv/ring.json
[matchmaker_redis]
host = redis.example
port = 6380
password = s3cret
username = mm-user
[zmq_bridge]
local_socket_mode = 0600
reply_hold = 2.5
fanout_hold = 0
broker_role = true
log_level = WARNING
http_listen = [::1]:9610
security = CURVE
curve_certificate = keys/h1.key_secret
curve_trusted_dir = /etc/nzb/trusted
plaintext_peers = 10.0.0.5, legacy1
ipc_group = nova
ipc_mode = 0640
max_peers = 5000
peer_idle_timeout = 60
max_ipc_outlets = 12000
ipc_outlet_idle_timeout = 1.5
max_message_size = 2048
topic_queue_bytes = 1000
queue_bytes = 5000
local_read_timeout = 1.5
local_buffer_bytes = 4096
[unknown_group]
x = y
`);
  const c = cfg();
  assert.deepEqual(c.sources, [file]);
  assert.equal(c.rpcBackend, 'nova.rpc.impl_zmq');
  assert.equal(c.transportUrl, 'zmq://10.0.0.1:9501');
  assert.equal(c.bindAddressRaw, 'eth0');
  assert.equal(c.bindAddress, '10.1.2.3');
  assert.equal(c.port, 9601);
  assert.equal(c.startPort, 9600);
  assert.equal(c.host, 'h1.example');
  assert.equal(c.ipcDir, '/tmp/ipc');
  assert.equal(c.topicBacklog, 100);
  assert.equal(c.contexts, 2);
  assert.equal(c.matchmaker, 'ring');
  assert.equal(c.matchmakerRaw, 'ring');
  assert.equal(c.ringfile, '/srv/ring.json');
  assert.equal(c.brokerIp, '10.0.0.9');
  assert.deepEqual(c.redis, { host: 'redis.example', port: 6380, password: 's3cret', username: 'mm-user' });
  assert.equal(c.heartbeatFreq, 10);
  assert.equal(c.heartbeatTtl, 20);
  assert.equal(c.threadPoolSize, 64);
  assert.equal(c.connPoolSize, 5);
  assert.equal(c.castTimeout, 7);
  assert.equal(c.responseTimeout, 8);
  assert.equal(c.controlExchange, 'other');
  assert.equal(c.debug, true);
  assert.equal(c.verbose, true);
  assert.deepEqual(c.topics, { compute: 'c', console: 'co', scheduler: 's', volume: 'v', network: 'n', vsa: 'vs' });
  assert.deepEqual(c.bridge, {
    localSocket: '/tmp/ipc/nova-zmq-bridge.sock',
    localSocketMode: 0o600,
    replyHoldSeconds: 2.5,
    fanoutHoldSeconds: 0,
    brokerPort: 9602,
    schedulerPort: 9603,
    brokerRole: true,
    logLevel: 'warn',
    httpListen: '[::1]:9610',
    security: 'curve',
    curveCertificate: path.join(path.dirname(file), 'keys', 'h1.key_secret'),
    curveTrustedDir: '/etc/nzb/trusted',
    plaintextPeers: ['10.0.0.5', 'legacy1'],
    plaintextPort: 9601,
    ipcGroup: 'nova',
    ipcMode: 0o640,
    maxPeers: 5000,
    peerIdleSeconds: 60,
    maxIpcOutlets: 12000,
    ipcOutletIdleSeconds: 1.5,
    maxMessageSize: 2048,
    topicQueueBytes: 1000,
    queueBytes: 5000,
    localReadTimeoutSeconds: 1.5,
    localBufferBytes: 4096,
  });
});

test('later --config-file wins; sources in order', () => {
  const d = tree({ 'a.conf': '[DEFAULT]\nrpc_zmq_port = 1001\nrpc_zmq_host = ha\n', 'b.conf': '[DEFAULT]\nrpc_zmq_port = 1002\n' });
  const a = path.join(d, 'a.conf');
  const b = path.join(d, 'b.conf');
  const c1 = load([a, b]);
  assert.equal(c1.port, 1002);
  assert.equal(c1.host, 'ha');
  assert.deepEqual(c1.sources, [a, b]);
  assert.equal(load([b, a]).port, 1001);
});

test('--config-dir: *.conf sorted by name, read after the files; hidden and other files skipped', () => {
  const d = tree({
    'main.conf': '[DEFAULT]\nrpc_zmq_port = 1000\nrpc_zmq_host = main\n',
    'conf.d/20-b.conf': '[DEFAULT]\nrpc_zmq_port = 2000\n',
    'conf.d/10-a.conf': '[DEFAULT]\nrpc_zmq_port = 1500\nrpc_zmq_contexts = 3\n',
    'conf.d/.30-hidden.conf': '[DEFAULT]\nrpc_zmq_port = 3000\n',
    'conf.d/99-notes.txt': '[DEFAULT]\nrpc_zmq_port = 4000\n',
  });
  const cfg = load([path.join(d, 'main.conf')], { configDirs: [path.join(d, 'conf.d')] });
  assert.equal(cfg.port, 2000);
  assert.equal(cfg.contexts, 3);
  assert.equal(cfg.host, 'main');
  assert.deepEqual(cfg.sources, [path.join(d, 'main.conf'), path.join(d, 'conf.d/10-a.conf'), path.join(d, 'conf.d/20-b.conf')]);
  // a dir alone (no files) is enough to disable the default search
  assert.deepEqual(load([], { configDirs: [path.join(d, 'conf.d')] }).sources.length, 2);
});

test('default search (fake HOME, fake /etc): first nova.conf found in oslo order, then nova.conf.d dirs', () => {
  const home = tree({
    '.nova/nova.conf': '[DEFAULT]\nrpc_zmq_host = dot-nova\nrpc_zmq_port = 1111\n',
    'nova.conf': '[DEFAULT]\nrpc_zmq_host = home\n',
    'nova.conf.d/50.conf': '[DEFAULT]\nrpc_zmq_port = 2222\n',
  });
  const etc = tree({
    'nova/nova.conf': '[DEFAULT]\nrpc_zmq_host = etc-nova\n',
    'nova/nova.conf.d/10.conf': '[DEFAULT]\nrpc_zmq_contexts = 9\n',
    'nova-zmq-bridge.conf': '[DEFAULT]\nrpc_zmq_contexts = 4\n',
  });
  const cfg = loadConfig({ configFiles: [], configDirs: [], env: { HOME: home }, etcDir: etc, hostname: () => 'x', interfaces: IFACES });
  assert.deepEqual(cfg.sources, [path.join(home, '.nova/nova.conf'), path.join(etc, 'nova-zmq-bridge.conf'), path.join(home, 'nova.conf.d/50.conf')]);
  assert.equal(cfg.host, 'dot-nova');
  assert.equal(cfg.port, 2222);
  assert.equal(cfg.contexts, 4);

  // ~/.nova absent: ~/nova.conf is next
  fs.rmSync(path.join(home, '.nova'), { recursive: true });
  const cfg2 = loadConfig({ configFiles: [], configDirs: [], env: { HOME: home }, etcDir: etc, hostname: () => 'x', interfaces: IFACES });
  assert.equal(cfg2.host, 'home');
  // only /etc left
  const cfg3 = loadConfig({ configFiles: [], configDirs: [], env: { HOME: path.join(root, 'nohome') }, etcDir: etc, hostname: () => 'x', interfaces: IFACES });
  assert.deepEqual(cfg3.sources, [path.join(etc, 'nova/nova.conf'), path.join(etc, 'nova-zmq-bridge.conf'), path.join(etc, 'nova/nova.conf.d/10.conf')]);
  assert.equal(cfg3.host, 'etc-nova');
  // explicit files disable the search
  const explicit = one('[DEFAULT]\n');
  assert.deepEqual(loadConfig({ configFiles: [explicit.file], configDirs: [], env: { HOME: home }, etcDir: etc, interfaces: IFACES }).sources, [explicit.file]);
  // "~" in --config-file is HOME
  assert.equal(loadConfig({ configFiles: ['~/nova.conf'], configDirs: [], env: { HOME: home }, etcDir: etc, interfaces: IFACES }).sources[0], path.join(home, 'nova.conf'));
});

test('continuation lines, no inline comments, quotes, repeated keys, blank values', () => {
  const { cfg } = one(`[DEFAULT]
rpc_backend = first
  second
rpc_zmq_host = h1 # not a comment
rpc_zmq_ipc_dir = "/tmp/with space"
rpc_zmq_port = 1
rpc_zmq_port = 2
rpc_zmq_broker_ip =
rpc_zmq_topic_backlog =
[matchmaker_redis]
password = ''
`);
  const c = cfg();
  assert.equal(c.rpcBackend, 'first\nsecond');
  assert.equal(c.host, 'h1 # not a comment');
  assert.equal(c.ipcDir, '/tmp/with space');
  assert.equal(c.port, 2);
  assert.equal(c.brokerIp, null);
  assert.equal(c.topicBacklog, null);
  assert.equal(c.redis.password, null);
  // an inline "comment" after a number makes it invalid, as in oslo
  rejects(one('[DEFAULT]\nrpc_zmq_port = 9501 # receiver\n').cfg, 'CONFIG_INVALID_VALUE', { option: '[DEFAULT] rpc_zmq_port', value: '9501 # receiver' });
});

test('group names other than DEFAULT are case-insensitive; [default] is not [DEFAULT]', () => {
  const c = one('[MATCHMAKER_REDIS]\nport = 7000\n[default]\nrpc_zmq_port = 1234\n').cfg();
  assert.equal(c.redis.port, 7000);
  assert.equal(c.port, 9501);
});

test('multi-valued options accumulate across lines and files (store)', () => {
  const d = tree({ 'a.conf': '[DEFAULT]\nm = 1\nm = 2\n[g]\nm = other\n', 'b.conf': '[DEFAULT]\nm = 3\n' });
  const store = readConfigStore([path.join(d, 'a.conf'), path.join(d, 'b.conf')]);
  assert.deepEqual(store.getMulti([{ group: 'DEFAULT', key: 'm' }]).map((v) => v.value), ['1', '2', '3']);
  assert.equal(store.get([{ group: 'DEFAULT', key: 'm' }])?.value, '3');
  assert.equal(store.get([{ group: 'DEFAULT', key: 'm' }])?.line, 2);
});

test('substitution: $opt, ${opt}, ${group.opt}, $$, defaults, final merged values, same group first', () => {
  const d = tree({
    'a.conf': `[DEFAULT]
rpc_zmq_ipc_dir = /first
my_base = /srv/nova
rpc_backend = \${my_base}/x $$HOME \\$y
control_exchange = $state_path
[zmq_bridge]
local_socket = $rpc_zmq_ipc_dir/api.sock
[matchmaker_redis]
host = redis-a
password = pw-$host-\${DEFAULT.rpc_zmq_port}
[matchmaker_ring]
ringfile = \${matchmaker_redis.host}.json
`,
    'b.conf': '[DEFAULT]\nrpc_zmq_ipc_dir = /second\nrpc_zmq_host = ${rpc_zmq_bind_address}\n',
  });
  const c = load([path.join(d, 'a.conf'), path.join(d, 'b.conf')]);
  assert.equal(c.bridge.localSocket, '/second/api.sock'); // resolved against the merged values
  assert.equal(c.rpcBackend, '/srv/nova/x $HOME $y');
  assert.equal(c.controlExchange, '/var/lib/nova');
  assert.equal(c.redis.password, 'pw-redis-a-9501'); // $host: same group first; default of rpc_zmq_port
  assert.equal(c.host, '*');
  assert.equal(c.ringfile, path.join(d, 'redis-a.json'));
});

test('substitution errors: unknown reference, cycle', () => {
  const u = one('[DEFAULT]\nrpc_zmq_host = $no_such_thing\n');
  rejects(u.cfg, 'CONFIG_BAD_SUBSTITUTION', { file: u.file, option: '[DEFAULT] rpc_zmq_host', value: '$no_such_thing', accepted: /\$\$/ });
  const cyc = one('[DEFAULT]\nrpc_zmq_host = $a\na = ${b}\nb = $rpc_zmq_host\n');
  assert.throws(cyc.cfg, (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.code, 'CONFIG_BAD_SUBSTITUTION');
    assert.match(err.message, /cycle DEFAULT\.rpc_zmq_host -> DEFAULT\.a -> DEFAULT\.b -> DEFAULT\.rpc_zmq_host/);
    return true;
  });
  rejects(one('[DEFAULT]\nrpc_zmq_host = $rpc_zmq_host\n').cfg, 'CONFIG_BAD_SUBSTITUTION', { option: '[DEFAULT] rpc_zmq_host' });
  // a derived default that comes back to its user is a cycle too
  rejects(one('[DEFAULT]\nrpc_zmq_ipc_dir = ${zmq_bridge.local_socket}\n').cfg, 'CONFIG_BAD_SUBSTITUTION', {});
});

test('typed errors name file, option, value and accepted values', () => {
  let t = one('[DEFAULT]\nrpc_zmq_port = abc\n');
  rejects(t.cfg, 'CONFIG_INVALID_VALUE', { file: t.file, option: '[DEFAULT] rpc_zmq_port', value: 'abc', accepted: /1 to 65535/ });
  t = one('[DEFAULT]\nrpc_zmq_port = 70000\n');
  rejects(t.cfg, 'CONFIG_INVALID_VALUE', { file: t.file, option: '[DEFAULT] rpc_zmq_port', value: '70000', accepted: /1 to 65535/ });
  t = one('[DEFAULT]\nrpc_zmq_start_port = 0\n');
  rejects(t.cfg, 'CONFIG_INVALID_VALUE', { file: t.file, option: '[DEFAULT] rpc_zmq_start_port', value: '0' });
  t = one('[DEFAULT]\nrpc_zmq_matchmaker = MatchMakerQuantum\n');
  rejects(t.cfg, 'CONFIG_INVALID_VALUE', { file: t.file, option: '[DEFAULT] rpc_zmq_matchmaker', value: 'MatchMakerQuantum', accepted: /MatchMakerRing.*oslo_messaging\._drivers\.matchmaker_redis/ });
  t = one('[DEFAULT]\ndebug = maybe\n');
  rejects(t.cfg, 'CONFIG_INVALID_VALUE', { file: t.file, option: '[DEFAULT] debug', value: 'maybe', accepted: /yes\/no/ });
  t = one('[DEFAULT]\nrpc_zmq_bind_address = eth9\n');
  rejects(t.cfg, 'CONFIG_UNKNOWN_INTERFACE', { file: t.file, option: '[DEFAULT] rpc_zmq_bind_address', value: 'eth9', accepted: /lo, eth0/ });
  t = one('[DEFAULT]\nrpc_zmq_bind_address = v6only\n');
  rejects(t.cfg, 'CONFIG_UNKNOWN_INTERFACE', { value: 'v6only' });
  t = one('[DEFAULT]\nrpc_zmq_topic_backlog = 0\n');
  rejects(t.cfg, 'CONFIG_INVALID_VALUE', { option: '[DEFAULT] rpc_zmq_topic_backlog', value: '0', accepted: />= 1/ });
  t = one('[zmq_bridge]\nlocal_socket_mode = 0999\n');
  rejects(t.cfg, 'CONFIG_INVALID_VALUE', { option: '[zmq_bridge] local_socket_mode', value: '0999', accepted: /octal/ });
  t = one('[zmq_bridge]\nreply_hold = soon\n');
  rejects(t.cfg, 'CONFIG_INVALID_VALUE', { option: '[zmq_bridge] reply_hold', value: 'soon' });
  t = one('[zmq_bridge]\nlog_level = loud\n');
  rejects(t.cfg, 'CONFIG_INVALID_VALUE', { option: '[zmq_bridge] log_level', value: 'loud', accepted: /trace, debug/ });
  t = one('[DEFAULT]\nrpc_zmq_host =\n');
  rejects(t.cfg, 'CONFIG_INVALID_VALUE', { option: '[DEFAULT] rpc_zmq_host', value: '' });
  t = one('[DEFAULT]\nrpc_zmq_start_port = 65534\n');
  rejects(t.cfg, 'CONFIG_INVALID_VALUE', { file: null, option: '[zmq_bridge] broker_port', value: '65536' });
  // the error reports the value as written, and the substituted one
  t = one('[DEFAULT]\nbase = 9\nrpc_zmq_port = ${base}0000\n');
  assert.throws(t.cfg, /rpc_zmq_port = "\$\{base\}0000" is not valid: above the maximum 65535 \(after substitution: "90000"\)/);
});

test('unreadable files and dirs', () => {
  const missing = path.join(root, 'missing.conf');
  rejects(() => load([missing]), 'CONFIG_UNREADABLE', { file: missing, option: '--config-file', value: missing, accepted: /readable/ });
  const dir = tree({ 'x/placeholder': '' });
  const isDir = path.join(dir, 'x');
  rejects(() => load([isDir]), 'CONFIG_UNREADABLE', { file: isDir, option: '--config-file' });
  rejects(() => load([], { configDirs: [path.join(root, 'no-such-dir')] }), 'CONFIG_UNREADABLE', { option: '--config-dir', accepted: /directory/ });
  const bad = one('[DEFAULT]\nthis line is broken\n');
  rejects(bad.cfg, 'CONFIG_PARSE', { file: bad.file, value: 'this line is broken' });
});

const MATCHMAKERS: Array<[string, MatchmakerKind]> = [
  ['local', 'local'], ['LOCAL', 'local'], ['localhost', 'local'], ['stub', 'stub'], ['ring', 'ring'],
  ['fanout_ring', 'fanout_ring'], ['fanout-ring', 'fanout_ring'], ['FanoutRing', 'fanout_ring'],
  ['broker', 'broker'], ['topic_scheduler', 'topic_scheduler'], ['topic-scheduler', 'topic_scheduler'], ['Topic_Scheduler', 'topic_scheduler'],
  ['redis', 'redis'], ['Redis', 'redis'],
];
const CLASSES: Array<[string, MatchmakerKind]> = [
  ['MatchMakerLocalhost', 'local'], ['MatchMakerStub', 'stub'], ['MatchMakerRing', 'ring'], ['MatchMakerFanoutRing', 'fanout_ring'],
  ['MatchMakerBroker', 'broker'], ['MatchMakerTopicScheduler', 'topic_scheduler'], ['MatchMakerRedis', 'redis'],
];
const PREFIXES = [
  'nova.rpc.matchmaker.', 'nova.openstack.common.rpc.matchmaker.', 'nova.openstack.common.rpc.matchmaker_ring.',
  'nova.openstack.common.rpc.matchmaker_redis.', 'oslo.messaging._drivers.matchmaker.', 'oslo_messaging._drivers.matchmaker.',
  'oslo_messaging._drivers.matchmaker_ring.', 'oslo_messaging._drivers.matchmaker_redis.',
  'oslo.messaging._drivers.matchmaker_ring.', 'oslo.messaging._drivers.matchmaker_redis.',
];

test('every matchmaker spelling resolves to its kind', () => {
  const all: Array<[string, MatchmakerKind]> = [...MATCHMAKERS, ...CLASSES];
  for (const p of PREFIXES) for (const [cls, kind] of CLASSES) all.push([p + cls, kind]);
  const lines = all.map(([v], i) => `[DEFAULT]\nrpc_zmq_matchmaker = ${v}\n`);
  for (let i = 0; i < all.length; i++) {
    const c = one(lines[i]).cfg();
    assert.equal(c.matchmaker, all[i][1], all[i][0]);
    assert.equal(c.matchmakerRaw, all[i][0]);
  }
  for (const bad of ['nova.rpc.MatchMakerRing', 'foo.matchmaker.MatchMakerRing', 'ringo', 'oslo_messaging._drivers.matchmaker.Nope', '']) {
    rejects(one(`[DEFAULT]\nrpc_zmq_matchmaker = ${bad}\n`).cfg, 'CONFIG_INVALID_VALUE', { value: bad });
  }
});

test('deprecated aliases: ringfile names, executor_thread_pool_size; last assignment wins; relative ringfile', () => {
  const d = tree({
    'etc/a.conf': '[DEFAULT]\nrpc_zmq_matchmaker_ringfile = ring-a.json\n',
    'etc/sub/b.conf': '[DEFAULT]\nmatchmaker_ringfile = ../ring-b.json\n',
    'c.conf': '[matchmaker_ring]\nringfile = /abs/ring.json\n[DEFAULT]\nexecutor_thread_pool_size = 8\nrpc_thread_pool_size = 16\n',
    'd.conf': '[DEFAULT]\nexecutor_thread_pool_size = 32\n',
  });
  const f = (r: string) => path.join(d, r);
  assert.equal(load([f('etc/a.conf')]).ringfile, f('etc/ring-a.json'));
  assert.equal(load([f('etc/a.conf'), f('etc/sub/b.conf')]).ringfile, f('etc/ring-b.json'));
  assert.equal(load([f('etc/sub/b.conf'), f('c.conf')]).ringfile, '/abs/ring.json');
  assert.equal(load([f('c.conf'), f('etc/a.conf')]).ringfile, f('etc/ring-a.json'));
  assert.equal(load([f('c.conf')]).threadPoolSize, 16);
  assert.equal(load([f('c.conf'), f('d.conf')]).threadPoolSize, 32);
  const e = one('[DEFAULT]\nmatchmaker_ringfile =\n');
  rejects(e.cfg, 'CONFIG_INVALID_VALUE', { option: '[DEFAULT] matchmaker_ringfile (alias of [matchmaker_ring] ringfile)' });
});

test('bind address: *, IPv4 and IPv6 literals kept, interface resolved to its first IPv4', () => {
  for (const [v, want] of [['*', '*'], ['127.0.0.2', '127.0.0.2'], ['::1', '::1'], ['lo', '127.0.0.1'], ['eth0', '10.1.2.3']]) {
    const c = one(`[DEFAULT]\nrpc_zmq_bind_address = ${v}\n`).cfg();
    assert.equal(c.bindAddress, want);
    assert.equal(c.bindAddressRaw, v);
  }
});

test('derived defaults follow their base option; explicit values win', () => {
  const c = one('[DEFAULT]\nrpc_zmq_start_port = 9700\nrpc_zmq_ipc_dir = /tmp/q\n[zmq_bridge]\nscheduler_port = 9999\n').cfg();
  assert.equal(c.bridge.brokerPort, 9702);
  assert.equal(c.bridge.schedulerPort, 9999);
  assert.equal(c.bridge.httpListen, '127.0.0.1:9704');
  assert.equal(c.bridge.localSocket, '/tmp/q/nova-zmq-bridge.sock');
  assert.equal(one('[DEFAULT]\n').cfg().host, 'node-x');
});

test('[zmq_bridge] http_listen: HOST:PORT (IPv6 bracketed, port 0 allowed), empty turns it off, errors say what is wrong', () => {
  for (const [v, want] of [['127.0.0.1:9600', '127.0.0.1:9600'], [' localhost:0 ', 'localhost:0'], ['[::1]:80', '[::1]:80'], ['', null], ['  ', null]] as const) {
    assert.equal(one(`[zmq_bridge]\nhttp_listen = ${v}\n`).cfg().bridge.httpListen, want, JSON.stringify(v));
  }
  for (const [v, why] of [['9504', /no port/], ['::1:80', /\[ADDRESS\]:PORT/], ['[::1]80', /\[ADDRESS\]:PORT/], ['host:http', /not a number/], ['h:70000', /above 65535/], ['a b:1', /not an address/]] as const) {
    const t = one(`[zmq_bridge]\nhttp_listen = ${v}\n`);
    rejects(t.cfg, 'CONFIG_INVALID_VALUE', { file: t.file, option: '[zmq_bridge] http_listen', value: v, accepted: /HOST:PORT/ });
    assert.throws(t.cfg, why);
  }
});

test('the sample conf/nova.conf loads and works on this machine', () => {
  const sample = path.join(__dirname, '..', 'conf', 'nova.conf');
  const c = loadConfig({ configFiles: [sample], configDirs: [] });
  assert.equal(c.bindAddress, '127.0.0.1');
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.ipcDir, '/run/nova-zmq-bridge');
  assert.equal(c.matchmaker, 'local');
  assert.equal(c.debug, false);
  assert.equal(c.port, 9501);
  assert.equal(c.bridge.localSocket, '/run/nova-zmq-bridge/nova-zmq-bridge.sock');
  // It does not invite a hijack: only root can create entries where the ipc dir goes.
  const parent = fs.statSync(path.dirname(c.ipcDir));
  assert.equal(parent.uid, 0);
  assert.equal(parent.mode & 0o022, 0, 'the parent of the sample ipc dir is writable by group or others');
  // every commented example is itself valid: uncomment them all and load again
  const text = fs.readFileSync(sample, 'utf8').replace(/^# ([a-z_]+ =)/gm, '$1');
  const d = tree({ 'nova.conf': text, 'matchmaker_ring.json': '{}' });
  const all = load([path.join(d, 'nova.conf')]);
  assert.equal(all.ringfile, path.join(d, 'matchmaker_ring.json'));
  assert.equal(all.transportUrl, 'zmq://127.0.0.1:9501');
  assert.equal(all.bridge.localSocket, '/run/nova-zmq-bridge/nova-zmq-bridge.sock');
  const ring = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'conf', 'matchmaker_ring.json'), 'utf8'));
  assert.deepEqual(ring, { compute: ['127.0.0.1'], scheduler: ['127.0.0.1'] });
});
