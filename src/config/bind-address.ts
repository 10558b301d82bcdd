/** `rpc_zmq_bind_address`: `*`, an IP literal, or an interface name (the seed accepted "ethernet adapters"). */
import { isIP } from 'node:net';
import type * as os from 'node:os';
import { ConfigUnknownInterfaceError } from './errors';

export type InterfaceTable = NodeJS.Dict<os.NetworkInterfaceInfo[]>;

function firstIPv4(infos: os.NetworkInterfaceInfo[] | undefined): string | null {
  // Node 18.0-18.3 reported family as the number 4.
  const hit = (infos ?? []).find((i) => i.family === 'IPv4' || (i.family as unknown) === 4);
  return hit ? hit.address : null;
}

/** Resolve the written value to `*` or an IP literal; an interface without IPv4 (or unknown) is an error. */
export function resolveBindAddress(
  raw: string,
  interfaces: InterfaceTable,
  where: { file: string | null; line: number | null; option: string },
): string {
  const v = raw.trim();
  if (v === '*' || isIP(v) !== 0) return v;
  const addr = firstIPv4(interfaces[v]);
  if (addr !== null) return addr;
  const usable = Object.keys(interfaces).filter((n) => firstIPv4(interfaces[n]) !== null);
  throw new ConfigUnknownInterfaceError({
    file: where.file,
    line: where.line,
    option: where.option,
    value: raw,
    reason: interfaces[v] ? 'the interface has no IPv4 address' : 'no such network interface',
    accepted: `*, an IP address, or an interface with an IPv4 address (${usable.join(', ') || 'none found'})`,
  });
}
