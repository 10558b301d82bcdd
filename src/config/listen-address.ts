/**
 * `HOST:PORT` values (`[zmq_bridge] http_listen`): an IPv4 address, a host
 * name, or a bracketed IPv6 literal, then a port. Blank means "off" (null),
 * so an operator can turn the listener off with `http_listen =`.
 */
import { isIP } from 'node:net';
import type { ValueType } from './value-types';
import { ValueMismatch } from './value-types';

/** A parsed `HOST:PORT`; `host` without the IPv6 brackets. */
export interface ListenAddress {
  host: string;
  port: number;
}

const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/;

/**
 * Split and check `HOST:PORT`. Port 0 lets the system pick a free port (for
 * tests; the bound port is then in the daemon's log line). Throws
 * {@link ValueMismatch} saying what is wrong.
 */
export function parseListenAddress(raw: string): ListenAddress {
  const s = raw.trim();
  let host: string;
  let portText: string;
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close === -1 || s[close + 1] !== ':') throw new ValueMismatch('an IPv6 address must be written [ADDRESS]:PORT');
    host = s.slice(1, close);
    portText = s.slice(close + 2);
    if (isIP(host) !== 6) throw new ValueMismatch(`${host} is not an IPv6 address`);
  } else {
    const colon = s.lastIndexOf(':');
    if (colon === -1) throw new ValueMismatch('no port (write HOST:PORT)');
    host = s.slice(0, colon);
    portText = s.slice(colon + 1);
    if (host.includes(':')) throw new ValueMismatch('an IPv6 address must be written [ADDRESS]:PORT');
    if (isIP(host) === 0 && !HOST_NAME.test(host)) throw new ValueMismatch(`${JSON.stringify(host)} is not an address or host name`);
  }
  if (!/^\d{1,5}$/.test(portText)) throw new ValueMismatch('the port is not a number');
  const port = Number(portText);
  if (port > 65535) throw new ValueMismatch('the port is above 65535');
  return { host, port };
}

/** `HOST:PORT` as written back (IPv6 bracketed). */
export function formatListenAddress(a: ListenAddress): string {
  return isIP(a.host) === 6 ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/**
 * `HOST:PORT`, or blank for "off" (null). The value is kept as its
 * normalized text, so that the reload freeze compares it as a string.
 */
export function listenAddressType(): ValueType<string | null> {
  return {
    name: 'host:port',
    accepted: 'HOST:PORT (an IPv4 address or host name, or [IPv6]:PORT; port 0 picks a free one), or empty for off',
    blankIsUnset: false,
    parse(raw) {
      if (raw.trim() === '') return null;
      return formatListenAddress(parseListenAddress(raw));
    },
  };
}
