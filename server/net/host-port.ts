import net from 'node:net';
import { domainToASCII } from 'node:url';

/**
 * Host names and "host:port" as administrators write them in settings, one rule for every
 * setting that names a server (relayHost, junkSpamdAddress, clamdAddress, the virus mirror
 * and proxy) and for the code that connects to them.
 */

const LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;

// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL = /[\x00-\x1f\x7f]/;

/** True when `text` holds a line break, NUL or another control character (it would break a config line or a header). */
export function hasControlCharacters(text: string): boolean {
  return CONTROL.test(text);
}

/**
 * A DNS host name: labels of letters, digits, hyphens (not at either end) and underscores, 1 to
 * 63 characters each, 253 in all, an optional final dot. An internationalised name counts in
 * its ASCII (punycode) form. The last label may not be all digits: no top-level domain is, so
 * "10.1.1" or "192.168.1.300" is a mistyped IP address, not a name.
 */
export function isHostName(name: string): boolean {
  if (name === '' || /\s/.test(name) || hasControlCharacters(name)) return false;
  const ascii = /^[\x21-\x7e]*$/.test(name) ? name.toLowerCase() : domainToASCII(name);
  const bare = ascii.endsWith('.') ? ascii.slice(0, -1) : ascii;
  if (bare === '' || bare.length > 253) return false;
  const labels = bare.split('.');
  return labels.every((l) => LABEL.test(l)) && !/^\d+$/.test(labels[labels.length - 1]);
}

/** An IP address without an IPv6 zone (fe80::1%eth0 names an interface of this machine, not a server). */
export function isPlainIp(address: string): boolean {
  return net.isIP(address) !== 0 && !address.includes('%');
}

export interface HostPort {
  host: string;
  /** Undefined when the text gives no port. */
  port?: number;
}

/**
 * Reads "host", "host:port", "[host]" and "[host]:port": host a name or an IP address, the
 * brackets required around an IPv6 address followed by a port (and allowed around any host,
 * Postfix's notation for "this host itself, not its MX"); port 1 to 65535. A bare IPv6 address
 * is taken whole, without a port. Surrounding spaces are ignored. Undefined when malformed.
 */
export function parseHostPort(spec: string): HostPort | undefined {
  const s = spec.trim();
  let host: string;
  let port: string | undefined;
  const bracket = /^\[([^\]]*)\](?::([^:]*))?$/.exec(s);
  if (bracket) {
    [, host, port] = bracket;
  } else if (net.isIPv6(s)) {
    host = s;
  } else {
    const colon = s.lastIndexOf(':');
    host = colon < 0 ? s : s.slice(0, colon);
    port = colon < 0 ? undefined : s.slice(colon + 1);
  }
  if (!(isPlainIp(host) || isHostName(host))) return undefined;
  if (port === undefined) return { host };
  if (!/^\d{1,5}$/.test(port)) return undefined;
  const n = Number(port);
  return n >= 1 && n <= 65535 ? { host, port: n } : undefined;
}

/**
 * The check for a setting that names a server: undefined when `spec` is "host", "host:port",
 * "[IPv6]" or "[IPv6]:port" as parseHostPort reads it, else what is wrong. Settings insist on
 * brackets around an IPv6 address, so that "2001:db8::1:25" cannot be meant as a port.
 */
export function hostPortProblem(spec: string, opts: { portRequired?: boolean } = {}): string | undefined {
  const form = opts.portRequired ? 'host:port (a name or an IP address, [brackets] around IPv6, port 1 to 65535)' : 'a host or host:port (a name or an IP address, [brackets] around IPv6, port 1 to 65535)';
  const s = spec.trim();
  if (net.isIPv6(s)) return `must be ${form}: write an IPv6 address in brackets, as [${s}]${opts.portRequired ? ':PORT' : ''}`;
  const parsed = parseHostPort(s);
  if (!parsed) return `must be ${form}`;
  if (opts.portRequired && parsed.port === undefined) return `must be ${form}: the port is missing`;
  return undefined;
}
