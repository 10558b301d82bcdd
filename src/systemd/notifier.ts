/**
 * The daemon's side of systemd's `Type=notify` protocol (sd_notify(3)):
 *  - `READY=1` with a `STATUS=` line once every component is bound;
 *  - `STATUS=` again whenever the summary changes (looked at every
 *    {@link DEFAULT_STATUS_REFRESH_MS});
 *  - `WATCHDOG=1` every half of `$WATCHDOG_USEC` when the unit sets
 *    `WatchdogSec=` (and `$WATCHDOG_PID`, if set, is this process);
 *  - `RELOADING=1` / `READY=1` around a SIGHUP reload, `STOPPING=1` on stop.
 * Without `$NOTIFY_SOCKET` there is no notifier at all. Timers run on the
 * daemon's clock and never keep the process alive. A failed send is logged
 * once per kind of message and counted (`systemd.notify_failed`); it never
 * stops the daemon.
 */
import type { Logger } from '../log';
import type { Counters } from '../metrics/counters';
import type { Clock, Timer } from '../time/clock';
import { notifySocketPath, openNotifySocket, type NotifyTransport } from './notify-socket';

/** How often the status summary is looked at (sent only when it changed), in milliseconds. */
export const DEFAULT_STATUS_REFRESH_MS = 10_000;
/** Shortest watchdog period honoured, in milliseconds (a tiny WATCHDOG_USEC must not spin the loop). */
export const MIN_WATCHDOG_PERIOD_MS = 10;
const USEC_PER_MS = 1_000;

export interface SystemdNotifierOptions {
  /** Where `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` are read. */
  env: NodeJS.ProcessEnv;
  clock: Clock;
  /** The notifier's component logger (`systemd`). */
  log: Logger;
  counters: Counters;
  /** The STATUS= summary, asked when ready and at each refresh. */
  status: () => string;
  /** This process's pid (for `MAINPID=` and `WATCHDOG_PID`). */
  pid?: number;
  /** The socket to use instead of opening `$NOTIFY_SOCKET` (tests). */
  transport?: NotifyTransport;
  statusRefreshMs?: number;
}

export class SystemdNotifier {
  /** Period of `WATCHDOG=1`, in milliseconds; null when the unit has no watchdog. */
  readonly watchdogMs: number | null;
  private readonly transport: NotifyTransport;
  private readonly log: Logger;
  private readonly pid: number;
  private watchdog: Timer | null = null;
  private refresh: Timer | null = null;
  private lastStatus: string | null = null;
  /** Kinds of message whose failure was already logged (one line per kind, not per watchdog tick). */
  private readonly warned = new Set<string>();
  private closed = false;

  /** A notifier when the daemon runs under a service manager that asked for one (`$NOTIFY_SOCKET`), else null. */
  static fromEnv(opts: Omit<SystemdNotifierOptions, 'transport'>): SystemdNotifier | null {
    const value = opts.env.NOTIFY_SOCKET;
    if (!value) return null;
    let path: string;
    try {
      path = notifySocketPath(value);
    } catch (err) {
      opts.counters.inc('systemd.notify_failed');
      opts.log.error({ err }, 'cannot talk to the service manager');
      return null;
    }
    return new SystemdNotifier({ ...opts, transport: openNotifySocket(path) });
  }

  constructor(private readonly opts: SystemdNotifierOptions & { transport: NotifyTransport }) {
    this.transport = opts.transport;
    this.log = opts.log;
    this.pid = opts.pid ?? process.pid;
    this.watchdogMs = watchdogPeriodMs(opts.env, this.pid);
  }

  /** READY=1 (with STATUS= and MAINPID=), then the watchdog and the status refresh start. */
  async ready(): Promise<void> {
    const status = this.summary();
    this.lastStatus = status;
    await this.send('ready', `READY=1\nSTATUS=${status}\nMAINPID=${this.pid}`);
    this.startTimers();
  }

  /** A SIGHUP reload begins (systemd shows "reloading"; MONOTONIC_USEC as Type=notify-reload wants it). */
  async reloading(): Promise<void> {
    const usec = process.hrtime.bigint() / 1000n;
    await this.send('reloading', `RELOADING=1\nMONOTONIC_USEC=${usec}`);
  }

  /** The reload is done: READY=1 again with the current status. */
  async reloaded(): Promise<void> {
    const status = this.summary();
    this.lastStatus = status;
    await this.send('ready', `READY=1\nSTATUS=${status}`);
  }

  /** STOPPING=1; timers stop. */
  async stopping(): Promise<void> {
    this.stopTimers();
    await this.send('stopping', 'STOPPING=1\nSTATUS=stopping');
  }

  /** Send the status now if it changed since the last one sent. */
  async updateStatus(): Promise<void> {
    const status = this.summary();
    if (status === this.lastStatus) return;
    this.lastStatus = status;
    await this.send('status', `STATUS=${status}`);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopTimers();
    this.transport.close();
  }

  private startTimers(): void {
    if (this.closed) return;
    const clock = this.opts.clock;
    if (this.watchdogMs !== null && !this.watchdog) {
      this.watchdog = clock.setTimeout(this.onWatchdog, this.watchdogMs, { ref: false });
    }
    if (!this.refresh) this.refresh = clock.setTimeout(this.onRefresh, this.opts.statusRefreshMs ?? DEFAULT_STATUS_REFRESH_MS, { ref: false });
  }

  private stopTimers(): void {
    this.watchdog?.cancel();
    this.watchdog = null;
    this.refresh?.cancel();
    this.refresh = null;
  }

  private readonly onWatchdog = (): void => {
    if (!this.watchdog) return;
    // Re-armed first: a ping that takes long must not delay the next one.
    this.watchdog.refresh();
    void this.send('watchdog', 'WATCHDOG=1');
  };

  private readonly onRefresh = (): void => {
    if (!this.refresh) return;
    this.refresh.refresh();
    void this.updateStatus();
  };

  /** The status line, one line (systemd shows it in `systemctl status`). */
  private summary(): string {
    try {
      return this.opts.status().replace(/[\r\n]+/g, ' ');
    } catch (err) {
      return `status unavailable: ${(err as Error).message}`;
    }
  }

  private async send(kind: string, message: string): Promise<void> {
    if (this.closed) return;
    try {
      await this.transport.send(message);
      if (this.warned.delete(kind)) this.log.info({ kind, socket: this.transport.path }, 'service manager notifications work again');
    } catch (err) {
      this.opts.counters.inc('systemd.notify_failed');
      if (!this.warned.has(kind)) {
        this.warned.add(kind);
        this.log.warn({ err, kind, socket: this.transport.path }, 'notification to the service manager failed');
      }
    }
  }
}

/**
 * Half of `$WATCHDOG_USEC` in milliseconds (systemd's advice), or null when
 * unset, invalid, or meant for another process (`$WATCHDOG_PID`).
 */
export function watchdogPeriodMs(env: NodeJS.ProcessEnv, pid: number): number | null {
  const usec = Number(env.WATCHDOG_USEC);
  if (!env.WATCHDOG_USEC || !Number.isFinite(usec) || usec <= 0) return null;
  if (env.WATCHDOG_PID && Number(env.WATCHDOG_PID) !== pid) return null;
  return Math.max(MIN_WATCHDOG_PERIOD_MS, Math.floor(usec / USEC_PER_MS / 2));
}
