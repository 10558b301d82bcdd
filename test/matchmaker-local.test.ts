import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalMatchmaker } from '../src/matchmaker/local';
import { StubMatchmaker } from '../src/matchmaker/stub';

test('local: bare topic goes to this host as T.<host>', async () => {
  const mm = new LocalMatchmaker('h1');
  assert.deepEqual(await mm.queues('compute'), [{ topic: 'compute.h1', host: 'h1' }]);
});

test('local: fanout topic becomes fanout~T.<host>, even when it already names a host', async () => {
  const mm = new LocalMatchmaker('h1');
  assert.deepEqual(await mm.queues('fanout~compute'), [{ topic: 'fanout~compute.h1', host: 'h1' }]);
  assert.deepEqual(await mm.queues('fanout~compute.other'), [{ topic: 'fanout~compute.h1', host: 'h1' }]);
});

test('local: directed topic goes to the host after the first dot', async () => {
  const mm = new LocalMatchmaker('h1');
  assert.deepEqual(await mm.queues('compute.h2'), [{ topic: 'compute.h2', host: 'h2' }]);
  assert.deepEqual(await mm.queues('compute.node.example.org'), [
    { topic: 'compute.node.example.org', host: 'node.example.org' },
  ]);
});

test('local: exchange-qualified topics keep their qualification', async () => {
  const mm = new LocalMatchmaker('h1');
  assert.deepEqual(await mm.queues('E:compute'), [{ topic: 'E:compute.h1', host: 'h1' }]);
  assert.deepEqual(await mm.queues('fanout~E:compute'), [{ topic: 'fanout~E:compute.h1', host: 'h1' }]);
});

test('local: register/unregister are accepted and change nothing', async () => {
  const mm = new LocalMatchmaker('h1');
  await mm.start();
  await mm.register('compute', 'h1');
  await mm.unregister('compute', 'h1');
  assert.deepEqual(await mm.queues('compute'), [{ topic: 'compute.h1', host: 'h1' }]);
  await mm.stop();
});

test('stub: topic untouched, sent to this host', async () => {
  const mm = new StubMatchmaker('h1');
  assert.deepEqual(await mm.queues('compute'), [{ topic: 'compute', host: 'h1' }]);
  assert.deepEqual(await mm.queues('fanout~compute'), [{ topic: 'fanout~compute', host: 'h1' }]);
  assert.deepEqual(await mm.queues('compute.h2'), [{ topic: 'compute.h2', host: 'h1' }]);
});
