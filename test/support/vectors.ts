/**
 * Loader for the golden captures of legacy impl_zmq traffic in test/vectors
 * (what they are: test/vectors/README.md; the protocol they show:
 * docs/wire-protocol.md).
 *
 * Every capture is strict JSON (test/vectors.test.ts keeps it so); the
 * authoritative bytes of a message are its `frames_b64`.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

export interface VectorMessage {
  source: string;
  frames: Buffer[];
}

export interface Vector {
  /** Path relative to the vectors dir, e.g. `local/call.json`. */
  file: string;
  case: string;
  matchmaker: string;
  rpcZmqHost: string;
  topic: string;
  messages: VectorMessage[];
}

/** The captures ship with the repository: test/vectors. */
export function vectorsDir(): string {
  return resolve(__dirname, '..', 'vectors');
}

export function parseVector(text: string, file: string): Vector {
  let doc: any;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: capture is not valid JSON (${(err as Error).message})`);
  }
  return {
    file,
    case: doc.case,
    matchmaker: doc.matchmaker,
    rpcZmqHost: doc.rpc_zmq_host,
    topic: doc.topic,
    messages: (doc.messages as any[]).map((m, i) => {
      const frames = (m.frames_b64 as string[]).map((b) => Buffer.from(b, 'base64'));
      if (frames.length !== m.nframes) throw new Error(`${file}: message ${i} has ${frames.length} frames, nframes says ${m.nframes}`);
      return { source: m.source, frames };
    }),
  };
}

/** Every capture with `messages` (all but the raw ZMTP byte dump), sorted by path. */
export function loadVectors(dir = vectorsDir()): Vector[] {
  const out: Vector[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.json')) {
        const text = readFileSync(p, 'utf8');
        if (!text.includes('"messages"')) continue;
        out.push(parseVector(text, relative(dir, p)));
      }
    }
  };
  walk(dir);
  return out;
}
