/**
 * Per-peer metrics between two real daemons (in-process, two loopback
 * addresses): the connection state follows ZeroMQ's handshake and
 * disconnect events, the send queue depth shows what waits for a peer that
 * went away, and sent/received counts agree across the two hosts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, inProcessDaemon, type InProcessDaemon } from './support/cluster';
import { LocalApiClient } from './support/localapi-client';
import { waitFor } from './support/wait';
import { parseScrape, type Scrape } from './support/prom-text';

const P = 'nova_zmq_bridge_';

test('peer connection state and send queue depth follow a real peer going away', async () => {
  const cluster = await Cluster.start<InProcessDaemon>({ hosts: 2, launcher: inProcessDaemon() });
  let shim: LocalApiClient | null = null;
  try {
    const a = cluster.daemon(0).daemon;
    const b = cluster.daemon(1).daemon;
    const peer = cluster.host(1).addr;
    const scrapeA = async (): Promise<Scrape> => parseScrape(await a.metrics.scrape());
    const sample = (s: Scrape, name: string, labels = '') => s.samples.get(`${P}${name}${labels}`);
    shim = await LocalApiClient.connect(cluster.host(0).config.bridge.localSocket);
    await shim.hello();
    const cast = () => shim!.cast({ topic: 'compute', server: peer }, '{}', '{"method": "x", "args": {}}');

    await cast();
    await waitFor(async () => sample(await scrapeA(), 'peer_connected', `{server="${peer}"}`) === 1, { what: 'the peer connection to be up' });
    let s = await scrapeA();
    assert.equal(sample(s, 'peers', '{state="connected"}'), 1);
    assert.equal(sample(s, 'peer_send_queue_messages', `{server="${peer}"}`), 0);
    assert.equal(sample(s, 'messages_sent_total', '{kind="cast"}'), 1);
    await waitFor(() => b.counters.get('receiver.received.rpc') === 1, { what: 'the cast at the peer' });
    assert.equal(b.counters.get('receiver.received_bytes.rpc'), a.counters.get('sender.bytes.cast'));

    await cluster.stopHost(1);
    await waitFor(async () => sample(await scrapeA(), 'peer_connected', `{server="${peer}"}`) === 0, { what: 'the peer connection to be seen down' });
    // One message is being handed to ZeroMQ (which waits for a connection); the next two wait in the queue.
    for (let i = 0; i < 3; i++) await cast();
    await waitFor(async () => sample(await scrapeA(), 'peer_send_queue_messages', `{server="${peer}"}`) === 2, { what: 'two messages queued for the peer' });
    s = await scrapeA();
    assert.equal(sample(s, 'peers', '{state="disconnected"}'), 1);
    assert.equal(sample(s, 'peers', '{state="connected"}'), 0);
    assert.equal(sample(s, 'messages_sent_total', '{kind="cast"}'), 4, 'accepted for sending, not yet handed over');
    assert.equal(sample(s, 'sender_handed_over_total', '{path="tcp"}'), 1);
  } finally {
    await shim?.close();
    await cluster.close();
  }
});
