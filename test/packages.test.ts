/**
 * The packages an operator installs, installed and run as an operator does:
 *  - `npm pack` -> `npm install -g --prefix` into a temp prefix: the
 *    `nova-zmq-bridge` bin works (`--help`, `--version`, `check-config`);
 *  - `npm run package:deb` -> `dpkg-deb -c` (what it ships, nothing Debian's
 *    nova packages own) -> `dpkg -i` on this machine (the tests run as
 *    root) -> the installed binary's `check-config`, a daemon started from
 *    it and its `status`, the shim's `zmq` driver found by Debian's python3
 *    through its entry points -> `dpkg --purge`, after which none of its
 *    files is left.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, stopChild } from './support/cluster';
import { runCli, runCliJson } from './support/cli';
import { freeTcpPort } from './support/ports';
import { waitFor } from './support/wait';

const PKG = 'nova-zmq-bridge';
const dir = mkdtempSync(join(tmpdir(), 'nzb-pkg-'));

function installed(): boolean {
  return spawnSync('dpkg-query', ['-W', '-f=${Status}', PKG], { encoding: 'utf8' }).stdout.includes('install ok installed');
}

after(() => {
  // Whatever failed, leave the machine as it was.
  if (installed() || spawnSync('dpkg-query', ['-W', PKG]).status === 0) spawnSync('dpkg', ['--purge', PKG], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
});

/** A nova.conf for a daemon of these tests: loopback, a free port, a private ipc dir. */
async function writeConf(name: string): Promise<string> {
  const port = await freeTcpPort('127.0.0.1');
  const path = join(dir, `${name}.conf`);
  writeFileSync(path, ['[DEFAULT]', 'rpc_zmq_bind_address = 127.0.0.1', 'rpc_zmq_host = 127.0.0.1', `rpc_zmq_port = ${port}`, `rpc_zmq_ipc_dir = ${join(dir, `${name}-ipc`)}`, ''].join('\n'));
  return path;
}

test('npm pack: an installable package whose nova-zmq-bridge bin works from a global install', async () => {
  const packed = JSON.parse(execFileSync('npm', ['pack', '--pack-destination', dir, '--json'], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }))[0];
  const files: string[] = packed.files.map((f: { path: string }) => f.path);
  for (const f of ['dist/src/cli.js', 'dist/src/cli/status.js', 'package.json', 'README.md', 'conf/nova.conf', 'conf/nova-zmq-bridge.service', 'python-shim/pyproject.toml', 'python-shim/nova_zmq_bridge/driver.py']) {
    assert.ok(files.includes(f), `${f} in the tarball`);
  }
  assert.deepEqual(files.filter((f) => /^(test|interop|bench|src|node_modules|scripts)\//.test(f) || f.endsWith('.ts') || f.includes('HELPERS')), []);

  const prefix = join(dir, 'prefix');
  execFileSync('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', join(dir, packed.filename)], { stdio: 'ignore' });
  const bin = join(prefix, 'bin', PKG);
  const help = await runCli(['--help'], { command: [bin] });
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /^Usage: nova-zmq-bridge /);
  assert.match(help.stdout, /^ {2}check-config +validate/m);
  const version = await runCli(['--version'], { command: [bin] });
  assert.equal(version.stdout.trim(), `nova-zmq-bridge ${packed.version}`);
  const conf = await writeConf('npm');
  const check = await runCliJson(['check-config', '--json', '--config-file', conf], { command: [bin] });
  assert.equal(check.code, 0, check.stdout + check.stderr);
  assert.equal(check.json.ok, true);
  const bad = await runCli(['check-config', '--config-file', join(dir, 'missing.conf')], { command: [bin] });
  assert.equal(bad.code, 2);
});

test('the .deb: contents, dpkg -i, the installed binary runs a daemon, check-config and status, dpkg --purge leaves nothing', async () => {
  assert.equal(installed(), false, `${PKG} is already installed on this machine: purge it first (dpkg --purge ${PKG})`);
  const deb = execFileSync('bash', ['scripts/package-deb.sh', '--out', join(dir, 'deb')], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  assert.match(deb, /nova-zmq-bridge_\d+\.\d+\.\d+-1_[a-z0-9]+\.deb$/);

  // Contents (dpkg-deb -c): paths as installed.
  const listing = execFileSync('dpkg-deb', ['-c', deb], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((l) => l.split(/\s+/).slice(5).join(' ').replace(/^\./, '').replace(/ -> .*$/, ''));
  const paths = listing.filter((p) => p !== '/');
  for (const p of [
    '/usr/bin/nova-zmq-bridge',
    '/opt/nova-zmq-bridge/dist/src/cli.js',
    '/opt/nova-zmq-bridge/package.json',
    '/opt/nova-zmq-bridge/node_modules/zeromq/package.json',
    '/opt/nova-zmq-bridge/node_modules/pino/package.json',
    '/usr/lib/python3/dist-packages/nova_zmq_bridge/driver.py',
    '/usr/lib/python3/dist-packages/nova_zmq_bridge-0.1.0.dist-info/entry_points.txt',
    '/lib/systemd/system/nova-zmq-bridge.service',
    '/etc/nova-zmq-bridge/nova.conf.sample',
    '/usr/share/doc/nova-zmq-bridge/copyright',
  ]) {
    assert.ok(paths.includes(p), `${p} in the .deb`);
  }
  // Production dependencies only, compiled code only.
  assert.deepEqual(paths.filter((p) => /node_modules\/(typescript|tsx|@types)\//.test(p) || (p.startsWith('/opt/nova-zmq-bridge/dist/') && !/\.js$|\/$/.test(p))), []);
  // Nothing of Debian's nova packages: no /etc/nova, /var/lib/nova, nova modules or nova-* commands.
  assert.deepEqual(paths.filter((p) => /^\/(etc\/nova\/|var\/(lib|log)\/nova)/.test(p) || /dist-packages\/nova\//.test(p) || /^\/usr\/bin\/nova-(?!zmq-bridge$)/.test(p)), []);
  const scripts = ['postinst', 'prerm', 'postrm'].map((s) => execFileSync('dpkg-deb', ['-I', deb, s], { encoding: 'utf8' })).join('\n');
  assert.doesNotMatch(scripts, /adduser|useradd|\/etc\/nova\//, 'the maintainer scripts create no user and touch no nova config');
  // No file of the package belongs to an installed package already.
  const owned = spawnSync('dpkg', ['-S', ...paths.filter((p) => !p.endsWith('/') && /^\/(usr\/bin|lib\/systemd|etc)\//.test(p))], { encoding: 'utf8' });
  assert.equal(owned.stdout.trim(), '', owned.stdout);

  execFileSync('dpkg', ['-i', deb], { stdio: 'ignore' });
  assert.equal(installed(), true);
  const bin = ['/usr/bin/nova-zmq-bridge'];

  const conf = await writeConf('deb');
  const check = await runCliJson(['check-config', '--json', '--config-file', conf], { command: bin });
  assert.equal(check.code, 0, check.stdout + check.stderr);

  // A daemon from the installed package, and its status through the installed CLI.
  const daemon = spawn(bin[0]!, ['--config-file', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  daemon.stdout.on('data', (d: Buffer) => (out += d.toString()));
  daemon.stderr.on('data', (d: Buffer) => (out += d.toString()));
  try {
    await waitFor(() => out.includes('"msg":"daemon started"') || daemon.exitCode !== null, { timeoutMs: 30_000, what: () => out });
    assert.equal(daemon.exitCode, null, out);
    const status = await runCliJson(['status', '--json', '--config-file', conf], { command: bin });
    assert.equal(status.code, 0, status.stdout + status.stderr);
    assert.equal(status.json.status.host, '127.0.0.1');
    assert.equal(status.json.status.pid, daemon.pid);
    const ping = await runCliJson(['ping', '127.0.0.1', '--json', '--config-file', conf], { command: bin });
    assert.equal(ping.code, 0, ping.stdout + ping.stderr);
  } finally {
    await stopChild(daemon);
  }

  // Debian's python3 finds the shim's oslo.messaging driver through its entry points, and oslo loads it.
  const driver = execFileSync(
    '/usr/bin/python3',
    ['-c', "from importlib.metadata import entry_points; e = [x for x in entry_points(group='oslo.messaging.drivers') if x.name == 'zmq'][0]; import os; print(e.value, os.path.dirname(e.load().__module__ and __import__(e.module).__file__))"],
    { encoding: 'utf8', cwd: dir },
  ).trim();
  assert.equal(driver, 'nova_zmq_bridge.driver:ZmqBridgeDriver /usr/lib/python3/dist-packages/nova_zmq_bridge');

  execFileSync('dpkg', ['--purge', PKG], { stdio: 'ignore' });
  assert.equal(spawnSync('dpkg-query', ['-W', PKG]).status, 1, 'dpkg forgot the package');
  const left = paths.filter((p) => existsSync(p) && !['/etc', '/lib', '/lib/systemd', '/lib/systemd/system', '/opt', '/usr', '/usr/bin', '/usr/lib', '/usr/lib/python3', '/usr/lib/python3/dist-packages', '/usr/share', '/usr/share/doc'].includes(p.replace(/\/$/, '')));
  assert.deepEqual(left, [], 'files left after dpkg --purge');
});
