/**
 * Local API framing: a 4-byte unsigned big-endian length, then that many
 * bytes of one msgpack map. Encoded with records disabled so Python's
 * `msgpack.unpackb(raw=False)` reads it.
 */
import type { Packr, Unpackr } from 'msgpackr';
import { echoed, ProtocolError } from './errors';

/** Largest frame payload accepted or sent, in bytes (64 MiB). */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;
/** Bytes of the length prefix. */
export const LENGTH_BYTES = 4;

/**
 * msgpackr is loaded on the first frame, not at start-up: ~4 MiB of RSS that
 * a daemon serving only legacy consumers (no shim ever connects) never needs.
 */
let codec: { packr: Packr; unpackr: Unpackr } | null = null;

function msgpack(): { packr: Packr; unpackr: Unpackr } {
  if (codec === null) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const m = require('msgpackr') as typeof import('msgpackr');
    codec = {
      packr: new m.Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false }),
      unpackr: new m.Unpackr({ useRecords: false, mapsAsObjects: true }),
    };
  }
  return codec;
}

/** One frame, prefix included. */
export function encodeFrame(obj: Record<string, unknown>): Buffer {
  const body = msgpack().packr.pack(obj);
  const out = Buffer.allocUnsafe(LENGTH_BYTES + body.length);
  out.writeUInt32BE(body.length, 0);
  body.copy(out, LENGTH_BYTES);
  return out;
}

/** Reassembles frames from stream chunks. */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private bytes = 0;

  /** Bytes held: the start of a frame not yet complete (0 between frames). */
  get buffered(): number {
    return this.bytes;
  }

  /** Feed a chunk; returns the complete frames' decoded maps. Throws {@link ProtocolError}. */
  push(chunk: Buffer): Record<string, unknown>[] {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    const out: Record<string, unknown>[] = [];
    for (;;) {
      if (this.bytes < LENGTH_BYTES) return out;
      if (this.chunks[0]!.length < LENGTH_BYTES) this.flatten();
      const n = this.chunks[0]!.readUInt32BE(0);
      if (n > MAX_FRAME_BYTES) throw new ProtocolError(`frame of ${n} bytes exceeds the ${MAX_FRAME_BYTES}-byte limit`);
      if (this.bytes < LENGTH_BYTES + n) return out;
      this.flatten();
      const all = this.chunks[0]!;
      const body = all.subarray(LENGTH_BYTES, LENGTH_BYTES + n);
      const rest = all.subarray(LENGTH_BYTES + n);
      this.chunks = rest.length ? [rest] : [];
      this.bytes = rest.length;
      let obj: unknown;
      try {
        obj = msgpack().unpackr.unpack(body);
      } catch (e) {
        // The decoder's message may quote the input: cut it like any echo of input.
        throw new ProtocolError(`frame is not valid msgpack (${echoed((e as Error).message)})`);
      }
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj) || Buffer.isBuffer(obj)) throw new ProtocolError('frame is not a msgpack map');
      if (typeof (obj as { op?: unknown }).op !== 'string') throw new ProtocolError('frame has no string op');
      out.push(obj as Record<string, unknown>);
    }
  }

  private flatten(): void {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
  }
}
