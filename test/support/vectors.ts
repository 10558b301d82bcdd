/**
 * Loader for the golden captures in ../shared/vectors.
 *
 * Some capture files (the `call_raises` cases) are not strictly valid JSON:
 * a path redaction inside traceback text broke the escaping of the
 * `frames_utf8` / `decoded` convenience fields. The authoritative bytes are
 * `frames_b64`, which are intact, so this loader parses strictly when it can
 * and otherwise extracts the header fields and each message's `source` and
 * `frames_b64` by pattern.
 */
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, resolve, relative } from 'node:path';

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

/** Where the captures live: $NOVA_ZMQ_BRIDGE_VECTORS or ../shared/vectors beside the repo. */
export function vectorsDir(): string {
  const fromEnv = process.env.NOVA_ZMQ_BRIDGE_VECTORS;
  if (fromEnv) return resolve(fromEnv);
  const candidates = [resolve(__dirname, '../../../shared/vectors'), resolve(__dirname, '../../shared/vectors'), resolve(process.cwd(), '../shared/vectors')];
  for (const c of candidates) if (existsSync(c)) return c;
  throw new Error(`golden vectors not found; set NOVA_ZMQ_BRIDGE_VECTORS (tried ${candidates.join(', ')})`);
}

function field(text: string, name: string): string {
  const m = new RegExp(`"${name}":\\s*"([^"]*)"`).exec(text);
  if (!m) throw new Error(`vector field ${name} missing`);
  return m[1]!;
}

export function parseVector(text: string, file: string): Vector {
  let doc: any = null;
  try {
    doc = JSON.parse(text);
  } catch {
    doc = null;
  }
  if (doc) {
    return {
      file,
      case: doc.case,
      matchmaker: doc.matchmaker,
      rpcZmqHost: doc.rpc_zmq_host,
      topic: doc.topic,
      messages: (doc.messages as any[]).map((m) => ({
        source: m.source,
        frames: (m.frames_b64 as string[]).map((b) => Buffer.from(b, 'base64')),
      })),
    };
  }
  const head = text.slice(0, text.indexOf('"messages"'));
  const messages: VectorMessage[] = [];
  const re = /"source":\s*"([^"]*)",\s*"nframes":\s*(\d+),\s*"frames_b64":\s*\[([^\]]*)\]/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const frames = (JSON.parse(`[${m[3]}]`) as string[]).map((b) => Buffer.from(b, 'base64'));
    if (frames.length !== Number(m[2])) throw new Error(`${file}: nframes mismatch`);
    messages.push({ source: m[1]!, frames });
  }
  return {
    file,
    case: field(head, 'case'),
    matchmaker: field(head, 'matchmaker'),
    rpcZmqHost: field(head, 'rpc_zmq_host'),
    topic: field(head, 'topic'),
    messages,
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
