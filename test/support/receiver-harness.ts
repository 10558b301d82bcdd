/**
 * One Receiver per test over real ZeroMQ sockets, for the receiver's tests:
 * a fresh ipc dir, the receiver on a port the OS picked as free, a tcp PUSH
 * connected to it, and legacy-style ipc consumers (PULL, SUB) of its topics.
 * Everything is closed and the ipc dir removed after each test.
 *
 *   const rx = receiverHarness();          // inside a describe()
 *   test('...', async () => {
 *     await rx.start({ bridge: { ... } }, { clock });
 *     const c = rx.pull('topic');
 *     await rx.push.send(frames(...));
 *   });
 */
import { afterEach, beforeEach } from 'node:test';
import * as zmq from 'zeromq';
import { Receiver } from '../../src/receiver/receiver';
import { Counters } from '../../src/metrics/counters';
import { silentLogger, type Logger } from '../../src/log';
import { ipcEndpoint } from '../../src/wire/endpoints';
import type { BridgeConfig } from '../../src/config/types';
import type { Clock } from '../../src/time/clock';
import { makeIpcDir, removeDir, testConfigOnFreePort, type ConfigOverrides } from './config';

export class ReceiverHarness {
  private dir: string | null = null;
  private started: { cfg: BridgeConfig; counters: Counters; receiver: Receiver; push: zmq.Push } | null = null;
  private readonly consumers: zmq.Socket[] = [];

  /** Make this test's ipc dir (the receiver is started by {@link start}). */
  open(): void {
    this.dir = makeIpcDir();
  }

  /** Start a receiver with the test config plus `over`, and connect the tcp PUSH to it. */
  async start(over: ConfigOverrides = {}, opts: { clock?: Clock; log?: Logger } = {}): Promise<void> {
    const cfg = await testConfigOnFreePort({ ipcDir: this.ipcDir, ...over });
    const counters = new Counters();
    const receiver = new Receiver({ config: cfg, log: opts.log ?? silentLogger(), counters, clock: opts.clock });
    await receiver.start();
    const push = new zmq.Push({ linger: 0 });
    push.connect(`tcp://127.0.0.1:${cfg.port}`);
    this.started = { cfg, counters, receiver, push };
  }

  get ipcDir(): string {
    if (this.dir === null) throw new Error('receiver harness: no ipc dir outside a test');
    return this.dir;
  }

  get cfg(): BridgeConfig {
    return this.running().cfg;
  }

  get counters(): Counters {
    return this.running().counters;
  }

  get receiver(): Receiver {
    return this.running().receiver;
  }

  /** A tcp PUSH connected to the receiver's port. */
  get push(): zmq.Push {
    return this.running().push;
  }

  /** A PULL consumer of `topic`'s ipc socket (closed after the test). */
  pull(topic: string): zmq.Pull {
    const s = new zmq.Pull({ linger: 0 });
    s.connect(ipcEndpoint(this.ipcDir, topic));
    this.consumers.push(s);
    return s;
  }

  /** A SUB consumer of `topic`'s ipc socket, subscribed to `prefix` (closed after the test). */
  sub(topic: string, prefix = ''): zmq.Subscriber {
    const s = new zmq.Subscriber({ linger: 0 });
    s.connect(ipcEndpoint(this.ipcDir, topic));
    s.subscribe(prefix);
    this.consumers.push(s);
    return s;
  }

  /** Close the consumers and the PUSH, stop the receiver, remove the ipc dir. */
  async close(): Promise<void> {
    for (const c of this.consumers.splice(0)) c.close();
    const started = this.started;
    this.started = null;
    started?.push.close();
    await started?.receiver.stop(0);
    if (this.dir !== null) removeDir(this.dir);
    this.dir = null;
  }

  private running(): NonNullable<ReceiverHarness['started']> {
    if (this.started === null) throw new Error('receiver harness: start() the receiver first');
    return this.started;
  }
}

/** A {@link ReceiverHarness} opened before and closed after each test of the enclosing describe(). */
export function receiverHarness(): ReceiverHarness {
  const h = new ReceiverHarness();
  beforeEach(() => h.open());
  afterEach(() => h.close());
  return h;
}
