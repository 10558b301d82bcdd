import { readFile } from 'node:fs/promises';
import { RingFileError } from './errors';

/** A validated ring: base topic -> hosts, in file order. */
export type Ring = ReadonlyMap<string, readonly string[]>;

/**
 * Validate the parsed contents of a ring file: a JSON object whose keys are
 * bare topics (no `.`, which would make them directed) and whose values are
 * non-empty lists of host names.
 */
export function parseRing(file: string, text: string): Ring {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new RingFileError(file, 'not_json', `not valid JSON (${(err as Error).message})`, { cause: err });
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    const what = data === null ? 'null' : Array.isArray(data) ? 'an array' : `a ${typeof data}`;
    throw new RingFileError(file, 'not_object', `the top level is ${what}, not an object`);
  }
  const ring = new Map<string, string[]>();
  for (const [topic, hosts] of Object.entries(data as Record<string, unknown>)) {
    if (topic.length === 0) throw new RingFileError(file, 'empty_topic', 'a topic is the empty string');
    if (topic.includes('.')) {
      throw new RingFileError(file, 'topic_with_dot', `topic "${topic}" contains a '.'; ring topics are bare topics`);
    }
    if (!Array.isArray(hosts)) {
      throw new RingFileError(file, 'not_list', `topic "${topic}" maps to ${JSON.stringify(hosts)}, not a list of hosts`);
    }
    if (hosts.length === 0) throw new RingFileError(file, 'empty_list', `topic "${topic}" has an empty list of hosts`);
    for (const h of hosts) {
      if (typeof h !== 'string' || h.length === 0) {
        throw new RingFileError(
          file,
          'host_not_string',
          `topic "${topic}" lists host ${JSON.stringify(h)}, which is not a non-empty string`,
        );
      }
    }
    ring.set(topic, [...(hosts as string[])]);
  }
  return ring;
}

/** Read and validate a ring file. Rejects with {@link RingFileError}. */
export async function loadRingFile(file: string): Promise<Ring> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new RingFileError(file, 'unreadable', `cannot be read (${(err as Error).message})`, { cause: err });
  }
  return parseRing(file, text);
}
