/**
 * The sample unit conf/nova-zmq-bridge.service: systemd's own verifier
 * accepts it, and it asks for what the daemon implements (Type=notify with a
 * watchdog, the runtime ipc dir shared through the group and kept across
 * restarts) without the hardening options known to break Node.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './support/cluster';

const UNIT = join(REPO_ROOT, 'conf', 'nova-zmq-bridge.service');

function settings(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of readFileSync(UNIT, 'utf8').split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m) out.set(m[1]!, [...(out.get(m[1]!) ?? []), m[2]!]);
  }
  return out;
}

test('systemd-analyze verify accepts the sample unit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nzb-unit-'));
  try {
    copyFileSync(UNIT, join(dir, 'nova-zmq-bridge.service'));
    // Throws (non-zero exit) on any error; warnings go to stderr, which must stay empty.
    const r = execFileSync('systemd-analyze', ['verify', join(dir, 'nova-zmq-bridge.service')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.equal(r.trim(), '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the unit uses what the daemon implements and keeps Node working', () => {
  const s = settings();
  const one = (k: string) => s.get(k)?.[0];
  assert.equal(one('Type'), 'notify');
  assert.equal(one('NotifyAccess'), 'main', 'the daemon notifies from its own pid');
  assert.match(one('WatchdogSec') ?? '', /^\d+s?$/);
  assert.equal(one('User'), 'nova');
  assert.equal(one('Group'), 'nova');
  assert.equal(one('RuntimeDirectory'), 'openstack', 'the default rpc_zmq_ipc_dir, /var/run/openstack');
  assert.equal(one('RuntimeDirectoryPreserve'), 'yes');
  assert.equal(one('RuntimeDirectoryMode'), '2770', 'setgid: files in the ipc dir keep the shared group');
  // Files get their modes explicitly (ipc_mode, local socket 0660); the umask only keeps others out of anything else.
  assert.equal(one('UMask'), '0027');
  assert.equal(one('ExecReload'), '/bin/kill -HUP $MAINPID');
  assert.equal(s.get('MemoryDenyWriteExecute'), undefined, 'V8 needs writable executable memory');
  assert.match(one('RestrictAddressFamilies') ?? '', /AF_UNIX.*AF_INET.*AF_INET6/);
  for (const k of ['NoNewPrivileges', 'ProtectSystem', 'PrivateTmp', 'ProtectHome', 'RestrictNamespaces']) assert.ok(s.has(k), k);
});
