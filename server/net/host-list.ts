import net from 'node:net';

/**
 * A list of hosts in the seed's notations: a single IP address, network/prefix
 * (192.168.40.0/21), network/netmask (192.168.40.0/255.255.248.0), a host name
 * (mail.example.com) or a domain (example.com, matching it and every name under it).
 */
export class HostList {
  private readonly networks = new net.BlockList();
  private readonly names: string[] = [];
  readonly invalid: string[] = [];

  constructor(entries: string[]) {
    for (const raw of entries) {
      const entry = raw.trim().toLowerCase();
      if (!entry) continue;
      if (!this.addNetwork(entry)) {
        if (/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$/.test(entry)) this.names.push(entry.replace(/\.$/, ''));
        else this.invalid.push(raw);
      }
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

  private addNetwork(entry: string): boolean {
    const [base, mask] = entry.split('/');
    const family = net.isIPv6(base) ? 'ipv6' : net.isIPv4(base) ? 'ipv4' : undefined;
    if (!family) return false;
    if (mask === undefined) {
      this.networks.addAddress(base, family);
      return true;
    }
    const prefix = net.isIPv4(mask) ? netmaskToPrefix(mask) : Number(mask);
    const max = family === 'ipv4' ? 32 : 128;
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) {
      this.invalid.push(entry);
      return true;
    }
    this.networks.addSubnet(base, prefix, family);
    return true;
  }
}

/** 255.255.248.0 → 21; NaN when the mask's bits are not contiguous. */
function netmaskToPrefix(mask: string): number {
  const bits = mask.split('.').map((o) => Number(o).toString(2).padStart(8, '0')).join('');
  return /^1*0*$/.test(bits) ? bits.indexOf('0') === -1 ? 32 : bits.indexOf('0') : NaN;
}
