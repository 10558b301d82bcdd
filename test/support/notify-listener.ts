/**
 * A real unix datagram socket standing in for systemd's `$NOTIFY_SOCKET`:
 * Debian's python3 binds it with SO_PASSCRED, so each datagram comes with
 * the pid the kernel says sent it (what systemd checks against the unit's
 * main pid), and prints one JSON line per datagram.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { waitFor } from './wait';

export const SYSTEM_PYTHON = '/usr/bin/python3';

const LISTENER = `
import json, socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind(sys.argv[1])
print(json.dumps({"listening": sys.argv[1]}), flush=True)
while True:
    msg, anc, _flags, _addr = s.recvmsg(65536, socket.CMSG_SPACE(12))
    pid = None
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack("iii", data[:12])[0]
    print(json.dumps({"pid": pid, "message": msg.decode()}), flush=True)
`;

export interface Notification {
  /** Sender pid from SCM_CREDENTIALS. */
  pid: number | null;
  /** The datagram as text (`KEY=VALUE` lines). */
  message: string;
}

export class NotifyListener {
  readonly received: Notification[] = [];
  private constructor(
    readonly path: string,
    private readonly proc: ChildProcess,
  ) {}

  /** Bind `<dir>/notify` and wait until it listens. */
  static async start(dir: string): Promise<NotifyListener> {
    const path = join(dir, 'notify');
    const proc = spawn(SYSTEM_PYTHON, ['-c', LISTENER, path], { stdio: ['ignore', 'pipe', 'pipe'] });
    const l = new NotifyListener(path, proc);
    let listening = false;
    let err = '';
    let buf = '';
    proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) !== -1) {
        const line = JSON.parse(buf.slice(0, nl)) as { listening?: string } & Notification;
        buf = buf.slice(nl + 1);
        if (line.listening) listening = true;
        else l.received.push({ pid: line.pid, message: line.message });
      }
    });
    await waitFor(() => {
      if (proc.exitCode !== null) throw new Error(`notify listener exited: ${err}`);
      return listening;
    }, { what: 'the notify listener to bind' });
    return l;
  }

  /** Messages so far, as `KEY=VALUE` maps. */
  messages(): Record<string, string>[] {
    return this.received.map((n) => Object.fromEntries(n.message.split('\n').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])));
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    await new Promise<void>((r) => {
      this.proc.once('exit', () => r());
      this.proc.kill('SIGTERM');
    });
  }
}
