import { readFile } from 'node:fs/promises';
import { RingFileError } from './errors';

/**
 * The ring file's optional map of server names to hosts (docs/server-names.md):
 * `"zmq_bridge.servers": {"compute-a": "10.0.0.5", "compute-b": ["10.0.0.6", "10.0.0.7"]}`.
 * The key holds a `.`, so it can never be a ring topic (those are bare), and
 * legacy nodes sharing the file never look it up: they only look up bare
 * topics in the ring.
 */
export const RING_SERVERS_KEY = 'zmq_bridge.servers';

/** A validated ring: base topic -> hosts, and server name -> hosts, in file order. */
export interface Ring {
  readonly topics: ReadonlyMap<string, readonly string[]>;
  readonly servers: ReadonlyMap<string, readonly string[]>;
}

function isHost(h: unknown): h is string {
  return typeof h === 'string' && h.length > 0;
}

/** `"host"` or `["host", ...]` of one server name in {@link RING_SERVERS_KEY}. */
function serverHosts(file: string, server: string, value: unknown): string[] {
  const hosts = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(hosts) || hosts.length === 0 || !hosts.every(isHost)) {
    throw new RingFileError(
      file,
      'server_hosts_invalid',
      `"${RING_SERVERS_KEY}" maps server name "${server}" to ${JSON.stringify(value)}, not a host or a non-empty list of hosts`,
    );
  }
  return [...hosts];
}

function parseServers(file: string, data: unknown): Map<string, string[]> {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new RingFileError(file, 'servers_not_object', `"${RING_SERVERS_KEY}" is ${JSON.stringify(data)}, not an object {"<server name>": "host" or ["host", ...]}`);
  }
  const servers = new Map<string, string[]>();
  for (const [server, value] of Object.entries(data as Record<string, unknown>)) {
    if (server.length === 0) throw new RingFileError(file, 'server_hosts_invalid', `"${RING_SERVERS_KEY}" has an empty server name`);
    servers.set(server, serverHosts(file, server, value));
  }
  return servers;
}

/**
 * Validate the parsed contents of a ring file: a JSON object whose keys are
 * bare topics (no `.`, which would make them directed) and whose values are
 * non-empty lists of host names; plus, optionally, the server map under
 * {@link RING_SERVERS_KEY}.
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
  const topics = new Map<string, string[]>();
  let servers = new Map<string, string[]>();
  for (const [topic, hosts] of Object.entries(data as Record<string, unknown>)) {
    if (topic === RING_SERVERS_KEY) {
      servers = parseServers(file, hosts);
      continue;
    }
    if (topic.length === 0) throw new RingFileError(file, 'empty_topic', 'a topic is the empty string');
    if (topic.includes('.')) {
      throw new RingFileError(
        file,
        'topic_with_dot',
        `topic "${topic}" contains a '.'; ring topics are bare topics (server names go under "${RING_SERVERS_KEY}")`,
      );
    }
    if (!Array.isArray(hosts)) {
      throw new RingFileError(file, 'not_list', `topic "${topic}" maps to ${JSON.stringify(hosts)}, not a list of hosts`);
    }
    if (hosts.length === 0) throw new RingFileError(file, 'empty_list', `topic "${topic}" has an empty list of hosts`);
    for (const h of hosts) {
      if (!isHost(h)) {
        throw new RingFileError(
          file,
          'host_not_string',
          `topic "${topic}" lists host ${JSON.stringify(h)}, which is not a non-empty string`,
        );
      }
    }
    topics.set(topic, [...(hosts as string[])]);
  }
  return { topics, servers };
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
