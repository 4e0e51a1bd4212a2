import net from 'node:net';
import { isHostName, isPlainIp } from './host-port';

/**
 * A list of hosts in the seed's notations: a single IP address, network/prefix
 * (192.168.40.0/21), network/netmask (192.168.40.0/255.255.248.0), a host name
 * (mail.example.com) or a domain (example.com, matching it and every name under it).
 * Entries that are none of these are listed in `invalid` and match nothing.
 */
export class HostList {
  private readonly networks = new net.BlockList();
  private readonly names: string[] = [];
  readonly invalid: string[] = [];

  constructor(entries: string[]) {
    for (const raw of entries) {
      const entry = raw.trim().toLowerCase();
      if (!entry) continue;
      const network = this.addNetwork(entry);
      if (network === 'added') continue;
      if (network === 'not-an-address' && isHostName(entry)) this.names.push(entry.replace(/\.$/, ''));
      else this.invalid.push(raw);
    }
  }

  /** True when any entry names a host or domain, so the client's name is needed. */
  get needsName(): boolean {
    return this.names.length > 0;
  }

  matches(address: string, name?: string): boolean {
    const family = net.isIPv6(address) ? 'ipv6' : 'ipv4';
    if (net.isIP(address) && this.networks.check(address, family)) return true;
    if (!name) return false;
    const host = name.toLowerCase().replace(/\.$/, '');
    return this.names.some((n) => host === n || host.endsWith('.' + n));
  }

  /**
   * An address, address/prefix or IPv4 address/netmask. The prefix is 0 to 32 (IPv4) or 128
   * (IPv6) in decimal digits and nothing else: "10.0.0.0/" is not "/0", the whole Internet.
   */
  private addNetwork(entry: string): 'added' | 'invalid' | 'not-an-address' {
    const parts = entry.split('/');
    const base = parts[0];
    const family = net.isIPv6(base) ? 'ipv6' : net.isIPv4(base) ? 'ipv4' : undefined;
    if (!family) return parts.length > 1 ? 'invalid' : 'not-an-address';
    if (!isPlainIp(base) || parts.length > 2) return 'invalid';
    if (parts.length === 1) {
      this.networks.addAddress(base, family);
      return 'added';
    }
    const mask = parts[1];
    const max = family === 'ipv4' ? 32 : 128;
    const prefix = /^\d{1,3}$/.test(mask) ? Number(mask) : family === 'ipv4' && net.isIPv4(mask) ? netmaskToPrefix(mask) : NaN;
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return 'invalid';
    this.networks.addSubnet(base, prefix, family);
    return 'added';
  }
}

/** 255.255.248.0 → 21; NaN when the mask's bits are not contiguous. */
function netmaskToPrefix(mask: string): number {
  const bits = mask.split('.').map((o) => Number(o).toString(2).padStart(8, '0')).join('');
  return /^1*0*$/.test(bits) ? bits.indexOf('0') === -1 ? 32 : bits.indexOf('0') : NaN;
}
