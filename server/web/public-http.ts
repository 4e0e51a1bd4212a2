import type http from 'node:http';
import type tls from 'node:tls';

/** A Host header's host: a DNS name, IPv4 or bracketed IPv6 address, with an optional port. */
const HOST_HEADER = /^(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9.-]*[a-z0-9])?)(:\d{1,5})?$/i;

/** Paths a public plain-HTTP listener serves itself; everything else is redirected to HTTPS. */
export function servedInClear(path: string, method: string, acmePrefix: string): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  return path === '/healthz' || (path.startsWith(acmePrefix) && path.length > acmePrefix.length);
}

/** Whether a request arrived without TLS (the HTTPS listener hands the same server TLS sockets). */
export function inClear(req: http.IncomingMessage): boolean {
  return (req.socket as tls.TLSSocket).encrypted !== true;
}

/**
 * Where a request in clear goes instead: the same host and path over HTTPS, on the engine's
 * HTTPS port (left out when it is 443). A missing or malformed Host header gets the server's
 * host name, so the answer never carries what the client sent unchecked.
 */
export function httpsLocation(hostHeader: string | undefined, fallbackHost: string, httpsPort: number, pathAndQuery: string): string {
  const match = HOST_HEADER.exec((hostHeader ?? '').trim());
  const host = match ? match[1].toLowerCase() : fallbackHost;
  const port = httpsPort === 443 ? '' : `:${httpsPort}`;
  const target = pathAndQuery.startsWith('/') ? pathAndQuery : '/';
  return `https://${host}${port}${target}`;
}
