/**
 * Reading Prometheus text exposition (format 0.0.4) in tests: every sample
 * keyed by name and sorted labels, plus each metric's TYPE and HELP, and
 * HTTP helpers for a daemon's listener.
 */
import { request } from 'node:http';

export interface Scrape {
  /** `name{a="x",b="y"}` (labels sorted) -> value. */
  samples: Map<string, number>;
  types: Map<string, string>;
  help: Map<string, string>;
  text: string;
}

/** The key of a sample: name and labels sorted by name. */
export function key(name: string, labels: Record<string, string | number> = {}): string {
  const l = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${String(labels[k])}"`)
    .join(',');
  return l ? `${name}{${l}}` : name;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseScrape(text: string): Scrape {
  const samples = new Map<string, number>();
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# TYPE ')) {
      const [name, type] = line.slice(7).split(' ');
      types.set(name!, type!);
      continue;
    }
    if (line.startsWith('# HELP ')) {
      const rest = line.slice(7);
      const sp = rest.indexOf(' ');
      help.set(rest.slice(0, sp), rest.slice(sp + 1));
      continue;
    }
    const m = LINE.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[3] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!.replace(/\\"/g, '"').replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
    const k = key(m[1]!, labels);
    if (samples.has(k)) throw new Error(`sample twice: ${k}`);
    samples.set(k, m[4] === '+Inf' ? Infinity : m[4] === '-Inf' ? -Infinity : Number(m[4]));
  }
  return { samples, types, help, text };
}

/** Value of a sample; throws when absent (a missing series is a failure, not a 0). */
export function value(s: Scrape, name: string, labels: Record<string, string | number> = {}): number {
  const k = key(name, labels);
  const v = s.samples.get(k);
  if (v === undefined) throw new Error(`no sample ${k} in the scrape`);
  return v;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request to the daemon's listener. */
export function httpGet(port: number, path: string, method = 'GET', host = '127.0.0.1'): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, method, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** GET /metrics, checked for 200, parsed. */
export async function scrape(port: number, host = '127.0.0.1'): Promise<Scrape> {
  const r = await httpGet(port, '/metrics', 'GET', host);
  if (r.status !== 200) throw new Error(`/metrics answered ${r.status}: ${r.body}`);
  return parseScrape(r.body);
}
