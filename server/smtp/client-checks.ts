import dns from 'node:dns';
import net from 'node:net';
import type { EngineContext } from '../context';
import { HostList } from '../net/host-list';
import { dnsServerAddress } from '../outbound/mx-resolver';

export interface RblListing {
  zone: string;
  text?: string;
}

/**
 * What the Relay tab's lists say about a connecting client: refused ("refuse all
 * messages from these"), approved for relay ("accept SMTP relays only from these"),
 * or listed by a junk-mail rejection server (DNSBL). Host and domain entries match
 * the client's forward-confirmed reverse DNS name.
 */
export class ClientChecks {
  private readonly resolver: dns.promises.Resolver;
  private lists?: { key: string; refused: HostList; approved: HostList };

  constructor(private readonly ctx: EngineContext) {
    this.resolver = new dns.promises.Resolver({ timeout: 3000, tries: 1 });
    if (ctx.options.dns) this.resolver.setServers([dnsServerAddress(ctx.options.dns)]);
  }

  async isRefused(address: string): Promise<boolean> {
    const s = this.ctx.settings.get();
    if (!s.refuseHostsEnabled) return false;
    const list = this.hostLists().refused;
    return list.matches(address, list.needsName ? await this.clientName(address) : undefined);
  }

  /** Approved for relay by its address alone (a network entry), without DNS: answered at once. */
  isApprovedRelayAddress(address: string): boolean {
    return this.ctx.settings.get().relayRestricted && this.hostLists().approved.matches(address);
  }

  async isApprovedRelay(address: string): Promise<boolean> {
    const s = this.ctx.settings.get();
    if (!s.relayRestricted) return false;
    const list = this.hostLists().approved;
    return list.matches(address, list.needsName ? await this.clientName(address) : undefined);
  }

  /** The first DNSBL zone that lists the address (an A record under the reversed address). */
  async rblListing(address: string): Promise<RblListing | undefined> {
    const s = this.ctx.settings.get();
    if (!s.rblEnabled || s.rblServers.length === 0 || !net.isIP(address)) return undefined;
    const reversed = reverseForDnsbl(address);
    const answers = await Promise.all(
      s.rblServers.map(async (zone) => {
        const name = `${reversed}.${zone.replace(/\.$/, '')}`;
        try {
          const a = await this.resolver.resolve4(name);
          if (!a.some((ip) => ip.startsWith('127.'))) return undefined;
          const text = await this.resolver.resolveTxt(name).then((t) => t.map((p) => p.join('')).join(' '), () => undefined);
          return { zone, text };
        } catch {
          return undefined; // not listed (NXDOMAIN), or the list is unreachable: fail open
        }
      }),
    );
    return answers.find((a) => a !== undefined);
  }

  private hostLists(): { refused: HostList; approved: HostList } {
    const s = this.ctx.settings.get();
    const key = JSON.stringify([s.refusedHosts, s.relayAllowedHosts]);
    if (this.lists?.key !== key) {
      this.lists = { key, refused: new HostList(s.refusedHosts), approved: new HostList(s.relayAllowedHosts) };
    }
    return this.lists;
  }

  /** PTR name confirmed by a forward lookup, as Postfix's "verified" client name. */
  private async clientName(address: string): Promise<string | undefined> {
    try {
      const names = await this.resolver.reverse(address);
      for (const name of names.slice(0, 5)) {
        const forward = net.isIPv6(address) ? await this.resolver.resolve6(name) : await this.resolver.resolve4(name);
        if (forward.includes(address)) return name;
      }
    } catch {
      // no PTR record, or DNS is down: the client has no verified name
    }
    return undefined;
  }
}

/** 192.0.2.5 → 5.2.0.192; IPv6 in reversed nibbles, as DNSBLs expect. */
export function reverseForDnsbl(address: string): string {
  if (net.isIPv4(address)) return address.split('.').reverse().join('.');
  const groups = expandIpv6(address);
  return groups.join('').split('').reverse().join('.');
}

function expandIpv6(address: string): string[] {
  const [head, tail] = address.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const missing = 8 - h.length - t.length;
  return [...h, ...Array(tail !== undefined ? missing : 0).fill('0'), ...t].map((g) => g.padStart(4, '0'));
}
