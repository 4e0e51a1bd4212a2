import net from 'node:net';
import { hasControlCharacters, hostPortProblem } from './host-port';

/**
 * Connects to a local daemon given as the administrator writes it: an absolute Unix socket
 * path (/run/clamav/clamd.ctl) or host:port ([::1]:783 for IPv6).
 */
export function connectSocketAddress(address: string): net.Socket {
  if (address.startsWith('/')) return net.connect(address);
  const i = address.lastIndexOf(':');
  return net.connect(Number(address.slice(i + 1)), address.slice(0, i).replace(/^\[|\]$/g, ''));
}

/** The check settings use for such an address: an absolute path on one line, or host:port as server/net/host-port.ts reads it. */
export function socketAddressProblem(v: string): string | undefined {
  if (v.startsWith('/')) return hasControlCharacters(v) ? 'must be an absolute socket path (one line, no control characters) or host:port' : undefined;
  return hostPortProblem(v, { portRequired: true }) && 'must be an absolute socket path or host:port (a name or an IP address, [brackets] around IPv6, port 1 to 65535)';
}
