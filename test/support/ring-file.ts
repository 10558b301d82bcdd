/** Ring file checks shared by the ring matchmaker's tests. */
import assert from 'node:assert/strict';
import { parseRing } from '../../src/matchmaker/ring-file';
import { RingFileError } from '../../src/matchmaker/errors';

/**
 * What parseRing says of ring file contents `text`: 'accepted', or the
 * problem of the typed error it throws (asserted to be a RingFileError
 * with code MATCHMAKER_RING_INVALID, naming the file).
 */
export function ringProblem(text: string): string {
  try {
    parseRing('/x/ring.json', text);
  } catch (err) {
    assert.ok(err instanceof RingFileError);
    assert.equal(err.code, 'MATCHMAKER_RING_INVALID');
    assert.match(err.message, /\/x\/ring\.json/);
    return err.problem;
  }
  return 'accepted';
}
