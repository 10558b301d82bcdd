// classifyMessage reading a message where parseFrames found it (inside the
// body already scanned, through the scan's index) must give exactly what it
// gives from the message text alone: calls (with and without the monitor
// extension), replies, failures, plain casts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCallFrames, buildCastFrames, buildReplyFrames, classifyMessage, parseFrames } from '../src/wire/envelope';

const CTX = '{"user_id": "u\\u00e9", "roles": ["admin"], "big": 9223372036854775807}';
const REQUEST = '{"method": "m", "args": {"x": [1, 2.0, {"y": "z\\"q"}], "n": null}, "version": "1.0"}';

test('a message read in its body classifies as it does from its own text', () => {
  const cases = [
    buildCallFrames('compute.h1', { msgId: 'a'.repeat(32), replyTopic: 'zmq_replies.h2', ctxText: CTX, requestText: REQUEST }),
    buildCallFrames('compute.h1', { msgId: 'b'.repeat(32), replyTopic: 'zmq_replies.h2', ctxText: CTX, requestText: REQUEST, monitor: 2.5 }),
    buildReplyFrames('c'.repeat(32), 'zmq_replies.h2', CTX, { result: '{"instance": {"uuid": "u-1"}, "list": [[1], []]}' }),
    buildReplyFrames('d'.repeat(32), 'zmq_replies.h2', CTX, { failure: '{"class": "E", "message": "bad \\"thing\\""}' }),
    buildCastFrames('compute', CTX, REQUEST),
  ];
  const kinds = new Set<string>();
  for (const frames of cases) {
    const f = parseFrames(frames);
    if (f.style === 'nzb-heartbeat') assert.fail('not a heartbeat');
    assert.ok(f.msgSource, 'parseFrames tells where the message sits');
    const fromSource = classifyMessage(f.msg, f.msgSource);
    assert.deepEqual(fromSource, classifyMessage(f.msg));
    kinds.add(fromSource.kind);
  }
  assert.deepEqual([...kinds].sort(), ['call', 'plain', 'reply']);
});
