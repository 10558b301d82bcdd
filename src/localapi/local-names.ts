import type { BridgeConfig } from '../config/types';

/**
 * The names under which peers reach this daemon: `rpc_zmq_host` and, when
 * it binds one address, that address. A directed topic `T.<one of these>`
 * is addressed to this host the legacy way (docs/server-names.md).
 */
export function localNames(config: Pick<BridgeConfig, 'host' | 'bindAddress'>): ReadonlySet<string> {
  const names = new Set([config.host]);
  if (config.bindAddress !== '*' && config.bindAddress !== '') names.add(config.bindAddress);
  return names;
}
