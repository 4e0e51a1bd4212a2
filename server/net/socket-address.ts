import net from 'node:net';

/**
 * Connects to a local daemon given as the administrator writes it: an absolute Unix socket
 * path (/run/clamav/clamd.ctl) or host:port ([::1]:783 for IPv6).
 */
export function connectSocketAddress(address: string): net.Socket {
  if (address.startsWith('/')) return net.connect(address);
  const i = address.lastIndexOf(':');
  return net.connect(Number(address.slice(i + 1)), address.slice(0, i).replace(/^\[|\]$/g, ''));
}

/** The check settings use for such an address. */
export function socketAddressProblem(v: string): string | undefined {
  return v.startsWith('/') || /^[^\s/]+:\d{1,5}$/.test(v) ? undefined : 'must be an absolute socket path or host:port';
}
