import net from 'node:net';

/**
 * The unit that per-address limits and throttles count: an IPv4 address itself, and for
 * IPv6 its /64 network, since one host or home network is usually given a whole /64 and
 * could otherwise take a fresh address for every connection.
 */
export function addressGroup(address: string): string {
  const ip = address.startsWith('::ffff:') ? address.slice(7) : address;
  const bare = ip.replace(/%.*$/, '');
  if (!net.isIPv6(bare)) return ip;
  return `${expandIpv6(bare).slice(0, 4).join(':')}::/64`;
}

/** "2001:db8::1" → ["2001", "db8", "0", "0", "0", "0", "0", "1"] (lower case, no leading zeros). */
function expandIpv6(ip: string): string[] {
  let text = ip.toLowerCase();
  // An embedded IPv4 tail ("::ffff:1.2.3.4" forms other than the mapped prefix) becomes two groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number);
    text = text.slice(0, v4.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : new Array(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((g) => parseInt(g, 16).toString(16));
}
