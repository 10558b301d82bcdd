/**
 * Z85 (ZeroMQ RFC 32): the text form of CURVE keys, 5 characters per 4
 * bytes. ZAP hands the daemon a client's key as 32 raw bytes; logs, key
 * files and libzmq's options use the 40-character text.
 */

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';
const DECODE = new Map<string, number>([...ALPHABET].map((c, i) => [c, i]));

/** Characters of a Z85-encoded CURVE key (32 bytes). */
export const Z85_KEY_CHARS = 40;

/** Z85 text of `bytes` (length a multiple of 4). */
export function z85Encode(bytes: Uint8Array): string {
  if (bytes.length % 4 !== 0) throw new RangeError(`z85: ${bytes.length} bytes is not a multiple of 4`);
  let out = '';
  for (let i = 0; i < bytes.length; i += 4) {
    let v = ((bytes[i]! << 24) >>> 0) + (bytes[i + 1]! << 16) + (bytes[i + 2]! << 8) + bytes[i + 3]!;
    const chunk = new Array<string>(5);
    for (let j = 4; j >= 0; j--) {
      chunk[j] = ALPHABET[v % 85]!;
      v = Math.floor(v / 85);
    }
    out += chunk.join('');
  }
  return out;
}

/** Bytes of a Z85 text, or null when it is not Z85 (bad length, character or value). */
export function z85Decode(text: string): Buffer | null {
  if (text.length % 5 !== 0) return null;
  const out = Buffer.alloc((text.length / 5) * 4);
  for (let i = 0; i < text.length; i += 5) {
    let v = 0;
    for (let j = 0; j < 5; j++) {
      const d = DECODE.get(text[i + j]!);
      if (d === undefined) return null;
      v = v * 85 + d;
    }
    if (v > 0xffffffff) return null;
    out.writeUInt32BE(v, (i / 5) * 4);
  }
  return out;
}

/** True for a 40-character Z85 text of a 32-byte key. */
export function isZ85Key(text: string): boolean {
  return text.length === Z85_KEY_CHARS && z85Decode(text) !== null;
}
