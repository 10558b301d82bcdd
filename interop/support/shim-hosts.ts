// Two "hosts" on one machine for the shim interop tests: a daemon per
// loopback address (127.0.0.2, 127.0.0.3) with its own ipc dir and nova.conf,
// the same port, and Python peers (Debian's python3 in .venv) around them.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const ROOT = join(__dirname, '..', '..');
export const PY = join(ROOT, '.venv', 'bin', 'python');
export const PYDIR = join(ROOT, 'interop', 'py');

export interface Host {
  addr: string;
  conf: string;
  ipcDir: string;
  proc: ChildProcess | null;
  log: string[];
}

export class Hosts {
  readonly dir = mkdtempSync(join(tmpdir(), 'nzb-shim-'));
  readonly hosts: Host[] = [];
  private readonly children = new Set<ChildProcess>();

  constructor(readonly port: number, addrs: string[], ring: Record<string, string[]>) {
    const ringfile = join(this.dir, 'ring.json');
    writeFileSync(ringfile, JSON.stringify(ring));
    for (const addr of addrs) {
      const ipcDir = join(this.dir, addr);
      const conf = join(this.dir, `${addr}.conf`);
      writeFileSync(conf, [
        '[DEFAULT]',
        'transport_url = zmq://',
        `rpc_zmq_bind_address = ${addr}`,
        `rpc_zmq_host = ${addr}`,
        `rpc_zmq_port = ${port}`,
        `rpc_zmq_ipc_dir = ${ipcDir}`,
        'rpc_zmq_matchmaker = ring',
        'rpc_response_timeout = 30',
        '[matchmaker_ring]',
        `ringfile = ${ringfile}`,
        '',
      ].join('\n'));
      this.hosts.push({ addr, conf, ipcDir, proc: null, log: [] });
    }
  }

  host(addr: string): Host {
    const h = this.hosts.find((x) => x.addr === addr);
    if (!h) throw new Error(`no host ${addr}`);
    return h;
  }

  /** Start (or restart) a host's daemon and wait for its local socket. */
  async startDaemon(h: Host): Promise<void> {
    const sock = join(h.ipcDir, 'nova-zmq-bridge.sock');
    const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli.ts'), '--config-file', h.conf], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
    });
    h.proc = proc;
    this.children.add(proc);
    proc.once('exit', () => this.children.delete(proc));
    for (const s of [proc.stdout!, proc.stderr!]) s.on('data', (d: Buffer) => h.log.push(d.toString()));
    const deadline = Date.now() + 20_000;
    while (!existsSync(sock)) {
      if (proc.exitCode !== null) throw new Error(`daemon ${h.addr} exited: ${h.log.join('')}`);
      if (Date.now() > deadline) throw new Error(`daemon ${h.addr} did not start: ${h.log.join('')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  async stopDaemon(h: Host): Promise<void> {
    const p = h.proc;
    h.proc = null;
    if (!p || p.exitCode !== null) return;
    const done = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    const t = setTimeout(() => p.kill('SIGKILL'), 5000);
    await done;
    clearTimeout(t);
  }

  /** A long-running Python peer printing JSON lines; resolves once it printed {"event":"ready"}. */
  async startPeer(script: string, args: string[]): Promise<Peer> {
    const proc = spawn(PY, [join(PYDIR, script), ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    this.children.add(proc);
    proc.once('exit', () => this.children.delete(proc));
    const peer = new Peer(proc);
    await peer.waitFor((e) => e.event === 'ready', 30_000);
    return peer;
  }

  /** Run a Python script to completion and parse its last stdout line as JSON. */
  run(script: string, args: string[], timeoutMs = 120_000): Promise<any> {
    return new Promise((resolve, reject) => {
      const proc = spawn(PY, [join(PYDIR, script), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      this.children.add(proc);
      let out = '';
      let err = '';
      proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      const t = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
      proc.once('exit', (code) => {
        clearTimeout(t);
        this.children.delete(proc);
        const lines = out.trim().split('\n');
        try {
          const res = JSON.parse(lines[lines.length - 1]!);
          if (res.fatal) reject(new Error(`${script} ${args.join(' ')}: ${JSON.stringify(res.fatal)}\n${err}`));
          else resolve(res);
        } catch {
          reject(new Error(`${script} ${args.join(' ')} exited ${code}: ${out}\n${err}`));
        }
      });
    });
  }

  async close(): Promise<void> {
    for (const c of [...this.children]) {
      if (c.exitCode === null && c.signalCode === null) {
        const done = new Promise((r) => c.once('exit', r));
        c.kill('SIGTERM');
        const t = setTimeout(() => c.kill('SIGKILL'), 5000);
        await done;
        clearTimeout(t);
      }
    }
    for (const h of this.hosts) await this.stopDaemon(h);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export class Peer {
  readonly events: any[] = [];
  readonly stderr: string[] = [];
  private waiters: Array<() => void> = [];

  constructor(readonly proc: ChildProcess) {
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      try {
        this.events.push(JSON.parse(line));
      } catch {
        this.stderr.push(line);
      }
      for (const w of this.waiters.splice(0)) w();
    });
    proc.stderr!.on('data', (d: Buffer) => this.stderr.push(d.toString()));
    proc.once('exit', () => { for (const w of this.waiters.splice(0)) w(); });
  }

  async waitFor(pred: (e: any) => boolean, timeoutMs = 20_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.events.find(pred);
      if (hit) return hit;
      if (this.proc.exitCode !== null) throw new Error(`peer exited: ${this.stderr.join('')}`);
      if (Date.now() > deadline) throw new Error(`peer: timed out; events ${JSON.stringify(this.events)} ${this.stderr.join('')}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 200);
        this.waiters.push(() => { clearTimeout(t); r(); });
      });
    }
  }

  /** Close stdin: the peer stops its server and exits. */
  async stop(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    const done = new Promise((r) => this.proc.once('exit', r));
    this.proc.stdin!.end();
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 10_000);
    await done;
    clearTimeout(t);
  }
}
