/**
 * Raw ZMTP 3.0 bytes for tests that play a hostile peer over plain tcp: the
 * greeting of the NULL mechanism, a READY command, and the header of a long
 * frame declaring a size the peer never sends (libzmq must refuse it as soon
 * as the header arrives rather than allocate it).
 */

/** The 64-byte ZMTP 3.0 greeting, NULL mechanism, as-server off. */
export function zmtpGreeting(): Buffer {
  const g = Buffer.alloc(64);
  g[0] = 0xff;
  g[9] = 0x7f;
  g[10] = 3;
  g[11] = 0;
  g.write('NULL', 12, 'latin1');
  return g;
}

/** A READY command naming the peer's socket type (`PUSH`, `PULL`, `ROUTER`...). */
export function zmtpReady(socketType: string): Buffer {
  const name = Buffer.from('READY');
  const prop = Buffer.from('Socket-Type');
  const value = Buffer.from(socketType);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(value.length);
  const body = Buffer.concat([Buffer.from([name.length]), name, Buffer.from([prop.length]), prop, len, value]);
  return Buffer.concat([Buffer.from([0x04, body.length]), body]);
}

/** The header of a last, long frame declaring `bytes` (default 8 GiB). */
export function zmtpHugeFrameHeader(bytes = 8n * 1024n * 1024n * 1024n): Buffer {
  const h = Buffer.alloc(9);
  h[0] = 0x02;
  h.writeBigUInt64BE(bytes, 1);
  return h;
}

/** Everything a hostile peer of type `socketType` sends: handshake, then a huge frame's header and a few bytes of it. */
export function zmtpHugeFrameAttack(socketType: string): Buffer {
  return Buffer.concat([zmtpGreeting(), zmtpReady(socketType), zmtpHugeFrameHeader(), Buffer.from('the start of 8 GiB')]);
}
