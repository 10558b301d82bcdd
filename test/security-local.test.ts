/**
 * The host itself, with real processes of other users (`setpriv` as
 * nobody; the tests run as root): the ipc dir and socket permissions, the
 * peer-credential check of the local API, replies that cannot be forged or
 * taken by another process, the ipc-dir hijack of the issue (an unprivileged
 * user pre-creating the sample config's directory and planting a listener),
 * and the directory and secret-file rules on their own.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync, lchownSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Daemon } from '../src/daemon';
import { silentLogger } from '../src/log';
import { EXIT_STARTUP } from '../src/errors';
import { checkDirectory, checkSecretFile } from '../src/security/file-safety';
import { testConfig, randomPort } from './support/config';
import { LocalApiClient, type Delivery } from './support/localapi-client';
import { waitFor } from './support/wait';
import { REPO_ROOT } from './support/cluster';
import type { BridgeConfig } from '../src/config/types';

const PY = join(REPO_ROOT, '.venv', 'bin', 'python');
const SCRIPT = join(REPO_ROOT, 'interop', 'py', 'security_local.py');
const NOBODY = 65534;
const NOGROUP = 65534;
/** A group nobody is not in (Debian's `daemon`). */
const OTHER_GROUP = 1;
const CTX = '{"user_id": "u-local"}';
/** Hang guard of a helper process (ms). */
const PROC_TIMEOUT_MS = 30_000;

/**
 * What a helper running as another user needs, copied where that user can
 * read it: the checkout itself may sit in a folder only root can enter
 * (/root, a 0700 mktemp), and the test must not depend on where it was
 * cloned. Debian's python3 runs it, with the installed shim (package and
 * entry points) on PYTHONPATH.
 */
function otherUserHelper(): { python: string; script: string; env: NodeJS.ProcessEnv; cwd: string } {
  if (otherUserCopy) return otherUserCopy;
  const dir = mkdtempSync(join(tmpdir(), 'nzb-seclocal-py-'));
  chmodSync(dir, 0o755);
  for (const f of ['security_local.py', 'scriptio.py']) cpSync(join(REPO_ROOT, 'interop', 'py', f), join(dir, f));
  const site = join(dir, 'site');
  const venvLib = join(REPO_ROOT, '.venv', 'lib');
  for (const py of readdirSync(venvLib)) {
    const pkgs = join(venvLib, py, 'site-packages');
    if (!existsSync(pkgs)) continue;
    for (const name of readdirSync(pkgs)) if (name.startsWith('nova_zmq_bridge')) cpSync(join(pkgs, name), join(site, name), { recursive: true });
  }
  spawnSync('chmod', ['-R', 'a+rX', dir]);
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  otherUserCopy = { python: '/usr/bin/python3', script: join(dir, 'security_local.py'), env: { ...process.env, PYTHONPATH: site }, cwd: dir };
  return otherUserCopy;
}
let otherUserCopy: { python: string; script: string; env: NodeJS.ProcessEnv; cwd: string } | null = null;

/** A helper process (security_local.py), optionally as another user; its JSON lines. */
class Proc {
  readonly lines: any[] = [];
  readonly stderr: string[] = [];
  readonly proc: ChildProcess;
  constructor(args: string[], as?: { uid: number; gid: number; groups?: number[] }) {
    const other = as ? otherUserHelper() : null;
    const cmd = as
      ? ['setpriv', `--reuid=${as.uid}`, `--regid=${as.gid}`, as.groups ? `--groups=${as.groups.join(',')}` : '--clear-groups', other!.python, other!.script, ...args]
      : [PY, SCRIPT, ...args];
    this.proc = spawn(cmd[0]!, cmd.slice(1), { cwd: other?.cwd ?? REPO_ROOT, env: other?.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    createInterface({ input: this.proc.stdout! }).on('line', (l) => {
      try {
        this.lines.push(JSON.parse(l));
      } catch {
        this.stderr.push(l);
      }
    });
    this.proc.stderr!.on('data', (d: Buffer) => this.stderr.push(d.toString()));
  }

  async line(pred: (l: any) => boolean = () => true): Promise<any> {
    let hit: any;
    await waitFor(
      () => {
        hit = this.lines.find(pred);
        if (hit !== undefined) return true;
        if (this.proc.exitCode !== null) throw new Error(`helper exited ${this.proc.exitCode}: ${this.stderr.join('')}`);
        return false;
      },
      { timeoutMs: PROC_TIMEOUT_MS, what: () => `helper output; got ${JSON.stringify(this.lines)} ${this.stderr.join('')}` },
    );
    return hit;
  }

  /** Close stdin (the attacker reports and exits) and wait for the exit. */
  async finish(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const gone = new Promise((r) => this.proc.once('exit', r));
    this.proc.stdin!.end();
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(t);
  }
}

/** A temp dir others can traverse (mode 0755): where another user's process must reach the sockets. */
function openBase(): string {
  const d = mkdtempSync(join(tmpdir(), 'nzb-sec-'));
  chmodSync(d, 0o755);
  return d;
}

const TRUST = { uid: 0, groups: [] as number[] };
const ROLE = { what: 'the test directory', risk: 'replace what is inside' };

describe('directory and secret-file rules', () => {
  let base: string;
  before(() => {
    base = openBase();
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  const refused = (dir: string, re: RegExp) =>
    assert.throws(() => checkDirectory(dir, TRUST, ROLE), (e: Error & { code?: string }) => e.code === 'STARTUP_UNSAFE_DIRECTORY' && re.test(e.message));

  test('a directory another user owns is refused', () => {
    const d = join(base, 'foreign');
    mkdirSync(d, { mode: 0o755 });
    chownSync(d, NOBODY, NOGROUP);
    refused(d, /belongs to uid 65534/);
  });

  test('a directory everyone can write is refused, sticky bit or not', () => {
    for (const mode of [0o777, 0o1777]) {
      const d = join(base, `open-${mode.toString(8)}`);
      mkdirSync(d);
      chmodSync(d, mode);
      refused(d, /writable by everyone/);
    }
  });

  test('a group-writable directory: refused for a foreign group, accepted for a trusted one', () => {
    const d = join(base, 'group');
    mkdirSync(d);
    chownSync(d, 0, NOGROUP);
    chmodSync(d, 0o770);
    refused(d, /writable by group 65534/);
    checkDirectory(d, { uid: 0, groups: [NOGROUP] }, ROLE);
  });

  test('parents: world-writable only with the sticky bit (as /tmp)', () => {
    const sticky = join(base, 'sticky');
    mkdirSync(sticky);
    chmodSync(sticky, 0o1777);
    mkdirSync(join(sticky, 'ok'), { mode: 0o750 });
    checkDirectory(join(sticky, 'ok'), TRUST, ROLE);
    const open = join(base, 'open-parent');
    mkdirSync(open);
    chmodSync(open, 0o777);
    mkdirSync(join(open, 'ipc'), { mode: 0o750 });
    refused(join(open, 'ipc'), /parent directory, is writable by everyone/);
  });

  test("a symbolic link another user owns is refused (its owner could re-point it)", () => {
    const target = join(base, 'target');
    mkdirSync(target, { mode: 0o750 });
    const link = join(base, 'link');
    symlinkSync(target, link);
    lchownSync(link, NOBODY, NOGROUP);
    refused(link, /symbolic link owned by uid 65534/);
  });

  test('a secret file: 0600 accepted; group-readable or foreign-owned refused', () => {
    const f = join(base, 'h.key_secret');
    writeFileSync(f, 'x', { mode: 0o600 });
    checkSecretFile(f, TRUST);
    chmodSync(f, 0o640);
    assert.throws(() => checkSecretFile(f, TRUST), /mode 0640/);
    chmodSync(f, 0o600);
    chownSync(f, NOBODY, NOGROUP);
    assert.throws(() => checkSecretFile(f, TRUST), /belongs to uid 65534/);
  });
});

describe('local API: who may connect', () => {
  let base: string;
  let cfg: BridgeConfig;
  let d: Daemon;
  let openSocket: string;
  let d2: Daemon;

  before(async () => {
    base = openBase();
    // ipc group = nogroup: nobody (primary group nogroup) is a member, nobody with another group is not.
    cfg = testConfig({ ipcDir: join(base, 'ipc'), port: randomPort(), bridge: { ipcGroup: 'nogroup' } });
    d = new Daemon(cfg, silentLogger());
    await d.start();
    // A second daemon whose socket anyone may open (mode 0666 in a 0755 directory): only the credential check stands.
    mkdirSync(join(base, 'open'), { mode: 0o755 });
    openSocket = join(base, 'open', 'api.sock');
    d2 = new Daemon(testConfig({ ipcDir: join(base, 'ipc2'), port: randomPort(), bridge: { ipcGroup: 'nogroup', localSocket: openSocket, localSocketMode: 0o666 } }), silentLogger());
    await d2.start();
  });

  after(async () => {
    await d2?.stop();
    await d?.stop();
    rmSync(base, { recursive: true, force: true });
  });

  test('the ipc dir is created 0750 with the ipc group; the socket and ipc files get the group and their mode', async () => {
    const dir = statSync(cfg.ipcDir);
    assert.equal(dir.mode & 0o7777, 0o750);
    assert.equal(dir.gid, NOGROUP);
    const sock = statSync(cfg.bridge.localSocket);
    assert.equal(sock.mode & 0o777, 0o660);
    assert.equal(sock.gid, NOGROUP);
    // An ipc outlet: a message for a topic of this host makes its socket file.
    const c = await LocalApiClient.connect(cfg.bridge.localSocket);
    try {
      await c.hello();
      await c.cast({ topic: 'perm', server: cfg.host }, CTX, '{"method": "m", "args": {}}');
    } finally {
      await c.close();
    }
    const ipcFile = join(cfg.ipcDir, `zmq_topic_perm.${cfg.host}`);
    await waitFor(() => existsSync(ipcFile) && statSync(ipcFile).gid === NOGROUP && (statSync(ipcFile).mode & 0o777) === 0o660, 10_000, 'ipc file group and mode');
  });

  test('a process in the ipc group is let in', async () => {
    const p = new Proc(['hello', cfg.bridge.localSocket], { uid: NOBODY, gid: NOGROUP });
    const r = await p.line();
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.equal(r.uid, NOBODY);
  });

  test('another uid outside the group cannot even open the socket (directory and mode)', async () => {
    const p = new Proc(['hello', cfg.bridge.localSocket], { uid: NOBODY, gid: OTHER_GROUP });
    const r = await p.line();
    assert.equal(r.ok, false);
    assert.match(r.error.str, /Permission denied/);
  });

  test('another uid outside the group is refused by its credentials when the socket is open to all', async () => {
    const refused = d2.counters.get('security.local.refused');
    const opened = d2.counters.get('localapi.sessions.opened');
    const p = new Proc(['hello', openSocket], { uid: NOBODY, gid: OTHER_GROUP });
    const r = await p.line();
    assert.equal(r.ok, false);
    assert.match(r.error.str, /LOCAL_PEER_REFUSED/);
    assert.equal(d2.counters.get('security.local.refused'), refused + 1);
    assert.equal(d2.counters.get('localapi.sessions.opened'), opened, 'no session was opened');
  });
});

describe('replies cannot be forged or taken by another process', () => {
  let base: string;
  let cfg: BridgeConfig;
  let d: Daemon;
  const clients: LocalApiClient[] = [];
  const client = async () => {
    const c = await LocalApiClient.connect(cfg.bridge.localSocket);
    clients.push(c);
    await c.hello();
    return c;
  };

  before(async () => {
    base = openBase();
    cfg = testConfig({ ipcDir: join(base, 'ipc'), port: randomPort() });
    d = new Daemon(cfg, silentLogger());
    await d.start();
  });

  after(async () => {
    for (const c of clients) await c.close();
    await d?.stop();
    rmSync(base, { recursive: true, force: true });
  });

  test("another process's forged reply is refused; the caller gets the callee's genuine reply", async () => {
    const server = await client();
    const got: Delivery[] = [];
    await server.listen({ topic: 'svc' }, (dl) => got.push(dl));
    const caller = await client();
    const bystander = await client();
    const call = caller.call({ topic: 'svc' }, CTX, '{"method": "m", "args": {}}', 20);
    await waitFor(() => got.length === 1, 10_000, 'call delivered');
    const [msgId, topic] = got[0]!.reply_to!;
    const refused = d.counters.get('security.local.reply_not_owed');
    // Another process that learnt the msg_id tries to answer first.
    const forger = new Proc(['forge', cfg.bridge.localSocket, msgId, topic]);
    const r = await forger.line();
    assert.equal(r.hello, 'ok');
    assert.equal(r.reply.op, 'error');
    assert.equal(r.reply.code, 'REPLY_NOT_OWED');
    assert.equal(d.counters.get('security.local.reply_not_owed'), refused + 1);
    // Nor can another connection in this process keep the call alive.
    bystander.heartbeat([msgId, topic]);
    await waitFor(() => d.counters.get('security.local.reply_not_owed') === refused + 2, 10_000, 'heartbeat refused');
    server.reply([msgId, topic], CTX, { result: '"genuine"' });
    assert.equal((await call).result, '"genuine"');
    // The reply went to its caller's session only: nothing reached the legacy ipc reply socket, nothing else to anyone.
    assert.ok(!readdirSync(cfg.ipcDir).some((f) => f.startsWith('zmq_topic_zmq_replies')), readdirSync(cfg.ipcDir).join(','));
    assert.deepEqual(bystander.unsolicited, []);
    assert.deepEqual(server.unsolicited, []);
    // A second reply from the callee itself is refused too: the call was answered.
    server.reply([msgId, topic], CTX, { result: '"again"' });
    await waitFor(() => d.counters.get('security.local.reply_not_owed') === refused + 3, 10_000, 'second reply refused');
  });
});

describe('the ipc dir hijack of the issue', () => {
  let sticky: string;
  let ipcDir: string;
  let attacker: Proc;

  before(async () => {
    // A world-writable sticky directory standing in for /tmp.
    sticky = mkdtempSync(join(tmpdir(), 'nzb-hijack-'));
    chmodSync(sticky, 0o1777);
    ipcDir = join(sticky, 'nova-zmq-bridge');
    // The unprivileged user creates the sample config's ipc dir, mode 0777, and listens on the local API path.
    const mk = spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOGROUP}`, '--clear-groups', 'sh', '-c', `umask 0 && mkdir -m 0777 ${ipcDir}`]);
    assert.equal(mk.status, 0, mk.stderr.toString());
    attacker = new Proc(['attacker', join(ipcDir, 'nova-zmq-bridge.sock')], { uid: NOBODY, gid: NOGROUP });
    await attacker.line((l) => l.event === 'ready');
  });

  after(async () => {
    await attacker?.finish();
    rmSync(sticky, { recursive: true, force: true });
  });

  test('the root daemon refuses to start on it, saying why', async () => {
    const cfg = testConfig({ ipcDir, port: randomPort() });
    const daemon = new Daemon(cfg, silentLogger());
    await assert.rejects(daemon.start(), (e: Error & { code?: string; exitCode?: number }) => {
      assert.equal(e.code, 'STARTUP_UNSAFE_DIRECTORY');
      assert.equal(e.exitCode, EXIT_STARTUP);
      assert.match(e.message, /belongs to uid 65534/);
      assert.match(e.message, /rpc_zmq_ipc_dir/);
      return true;
    });
  });

  test('the CLI exits 3 with one line naming the directory', () => {
    const conf = join(sticky, '..', `${randomPort()}-hijack.conf`);
    writeFileSync(conf, `[DEFAULT]\nrpc_zmq_bind_address = 127.0.0.1\nrpc_zmq_port = ${randomPort()}\nrpc_zmq_ipc_dir = ${ipcDir}\n`);
    try {
      const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src', 'cli.ts'), '--config-file', conf], { cwd: REPO_ROOT, timeout: PROC_TIMEOUT_MS });
      assert.equal(r.status, EXIT_STARTUP, r.stderr.toString());
      assert.match(r.stderr.toString(), new RegExp(`refusing to start: ${ipcDir}.*belongs to uid 65534`));
    } finally {
      rmSync(conf, { force: true });
    }
  });

  test("the shim refuses the attacker's socket before sending a byte, through oslo.messaging too", async () => {
    const socketPath = join(ipcDir, 'nova-zmq-bridge.sock');
    const hello = new Proc(['hello', socketPath]);
    const r = await hello.line();
    assert.equal(r.ok, false);
    assert.equal(r.code, 'UNTRUSTED_DAEMON');
    assert.match(r.error.str, /belongs to nobody \(uid 65534\)/);
    const conf = join(sticky, '..', `${randomPort()}-shim.conf`);
    writeFileSync(conf, `[DEFAULT]\ntransport_url = zmq://\n[zmq_bridge]\nlocal_socket = ${socketPath}\n`);
    try {
      const oslo = new Proc(['oslo_call', conf]);
      const o = await oslo.line();
      assert.equal(o.ok, false);
      assert.ok(o.error.mro.includes('MessagingException'), JSON.stringify(o.error));
      assert.match(o.error.str, /refusing to use the local socket/);
    } finally {
      rmSync(conf, { force: true });
    }
    // Each client connected (that is how the shim learns who listens) and sent nothing: no token, no password.
    await waitFor(() => attacker.lines.filter((l) => l.event === 'conn').length >= 2, PROC_TIMEOUT_MS, 'both clients hung up');
    const conns = attacker.lines.filter((l) => l.event === 'conn');
    assert.deepEqual(conns.map((c) => c.bytes), conns.map(() => 0));
    await attacker.finish();
    assert.equal((await attacker.line((l) => l.event === 'done')).bytes, 0);
  });
});
