import crypto from 'node:crypto';
import { promises as dns, type MxRecord } from 'node:dns';
import net from 'node:net';
import { domainToASCII } from 'node:url';
import { BootstrapError } from '../config/bootstrap';
import { parseHostPort as readHostPort } from '../net/host-port';

/** A host to try, with its addresses in the order to try them. */
export interface NextHop {
  name: string;
  port: number;
  addresses: string[];
  /** Why the host has no addresses, when it has none. */
  problem?: string;
}

export type Route =
  | { kind: 'hosts'; hosts: NextHop[] }
  | { kind: 'failed'; status: 'temporary' | 'permanent'; diagnostic: string };

/** Errors that mean "the name does not exist" or "no record of that type": answers, not failures. */
const NO_SUCH_NAME = new Set(['ENOTFOUND']);
const NO_DATA = new Set(['ENODATA']);

export interface ResolverOptions {
  /** "host" or "host:port" (PILLARBOX_DNS); undefined = the system's resolvers. */
  server?: string;
  timeoutMs?: number;
  tries?: number;
}

/**
 * Finds where mail for a domain goes (RFC 5321 section 5): MX records by preference,
 * equal preferences in random order; the domain's own A/AAAA records when it has no
 * MX; a null MX (RFC 7505) refuses mail for good. Answers that settle the question
 * (no such domain, null MX, loop) are permanent; resolver trouble is temporary.
 */
export class MxResolver {
  private readonly resolver: dns.Resolver;

  constructor(options: ResolverOptions = {}) {
    this.resolver = new dns.Resolver({ timeout: options.timeoutMs ?? 5000, tries: options.tries ?? 2 });
    if (options.server) {
      try {
        this.resolver.setServers([dnsServerAddress(options.server)]);
      } catch {
        throw new BootstrapError(`PILLARBOX_DNS: "${options.server}" is not an IP address, "address:port" or "[IPv6]:port"`);
      }
    }
  }

  /**
   * The next hops for a domain. `myHostname` guards against loops: MX hosts at or
   * after this server's own preference are dropped, and a domain whose best MX is
   * this server is refused (5.4.6).
   */
  async route(domain: string, myHostname: string, port = 25): Promise<Route> {
    const literal = addressLiteral(domain);
    if (literal !== undefined) {
      return literal ? { kind: 'hosts', hosts: [{ name: `[${literal}]`, port, addresses: [literal] }] } : permanent(`5.1.2 bad address literal [${domain}]`);
    }
    const name = domainToASCII(domain.replace(/\.$/, '')).toLowerCase();
    if (!name) return permanent(`5.1.2 bad destination domain "${domain}"`);
    let records: MxRecord[];
    try {
      records = await this.resolver.resolveMx(name);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      if (NO_SUCH_NAME.has(code)) return permanent(`5.1.2 domain ${name} not found (no such domain in DNS)`);
      if (!NO_DATA.has(code)) return temporary(`4.4.3 DNS lookup of MX records for ${name} failed: ${code}`);
      records = [];
    }
    if (records.some((r) => r.exchange === '' || r.exchange === '.')) {
      return permanent(`5.1.10 domain ${name} accepts no mail (null MX)`);
    }
    if (records.length === 0) {
      // No MX: the domain itself is the implicit MX (RFC 5321 5.1).
      if (name === myHostname.toLowerCase()) return permanent(`5.4.6 mail for ${name} loops back to myself`);
      const host = await this.addresses(name, port);
      if (host.addresses.length) return { kind: 'hosts', hosts: [host] };
      if (host.problem?.startsWith('4')) return temporary(host.problem);
      return permanent(`5.4.4 domain ${name} has no MX and no address records`);
    }
    const ordered = orderByPreference(records);
    const me = myHostname.toLowerCase();
    const mine = ordered.find((r) => r.exchange.toLowerCase().replace(/\.$/, '') === me);
    const candidates = mine ? ordered.filter((r) => r.priority < mine.priority) : ordered;
    if (candidates.length === 0) return permanent(`5.4.6 mail for ${name} loops back to myself`);
    const hosts = await Promise.all(candidates.map((r) => this.addresses(r.exchange.replace(/\.$/, ''), port)));
    return { kind: 'hosts', hosts };
  }

  /** Abandons lookups in progress (they fail temporarily): the engine is stopping. */
  cancel(): void {
    this.resolver.cancel();
  }

  /** A relay host ("host", "host:port", "[host]:port"): its addresses, no MX lookup. */
  async relay(spec: string): Promise<Route> {
    const parsed = parseHostPort(spec, 25);
    if (!parsed) return temporary(`4.3.5 the relay host setting "${spec}" is not "host" or "host:port"`);
    const host = await this.addresses(parsed.host, parsed.port);
    if (host.addresses.length) return { kind: 'hosts', hosts: [host] };
    return temporary(host.problem ?? `4.4.3 relay host ${parsed.host} has no address`);
  }

  /** A host's IPv4 then IPv6 addresses (IPv4 first: many appliances have no IPv6 route). */
  async addresses(name: string, port: number): Promise<NextHop> {
    if (net.isIP(name)) return { name, port, addresses: [name] };
    const ascii = domainToASCII(name).toLowerCase();
    const [v4, v6] = await Promise.all([this.lookup(ascii, 'A'), this.lookup(ascii, 'AAAA')]);
    const addresses = [...v4.addresses, ...v6.addresses];
    const problem = addresses.length ? undefined : (v4.problem ?? v6.problem ?? `5.4.4 host ${ascii} has no address records`);
    return { name: ascii, port, addresses, problem };
  }

  private async lookup(name: string, type: 'A' | 'AAAA'): Promise<{ addresses: string[]; problem?: string }> {
    try {
      return { addresses: type === 'A' ? await this.resolver.resolve4(name) : await this.resolver.resolve6(name) };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      if (NO_SUCH_NAME.has(code) || NO_DATA.has(code)) return { addresses: [] };
      return { addresses: [], problem: `4.4.3 DNS lookup of ${type} records for ${name} failed: ${code}` };
    }
  }
}

/** MX records sorted by preference; hosts of equal preference shuffled to spread load (RFC 5321 5.1). */
export function orderByPreference(records: MxRecord[]): MxRecord[] {
  const shuffled = records.map((r) => ({ r, k: crypto.randomInt(1 << 30) }));
  shuffled.sort((a, b) => a.r.priority - b.r.priority || a.k - b.k);
  return shuffled.map((x) => x.r);
}

/** "host", "host:port", "[host]", "[host]:port" or an IPv6 address; undefined when malformed (server/net/host-port.ts). */
export function parseHostPort(spec: string, defaultPort: number): { host: string; port: number } | undefined {
  const parsed = readHostPort(spec);
  return parsed && { host: parsed.host, port: parsed.port ?? defaultPort };
}

/** node's setServers wants "1.2.3.4:53" or "[::1]:53"; PILLARBOX_DNS may be "host" or "host:port". */
export function dnsServerAddress(spec: string): string {
  const parsed = parseHostPort(spec, 53);
  if (!parsed) return spec;
  return net.isIPv6(parsed.host) ? `[${parsed.host}]:${parsed.port}` : `${parsed.host}:${parsed.port}`;
}

/** "[192.0.2.1]" or "[IPv6:2001:db8::1]" → the address; "" when bracketed but invalid; undefined for names. */
function addressLiteral(domain: string): string | undefined {
  const m = /^\[(.*)\]$/.exec(domain);
  if (!m) return undefined;
  const inner = m[1].replace(/^IPv6:/i, '');
  return net.isIP(inner) ? inner : '';
}

function permanent(diagnostic: string): Route {
  return { kind: 'failed', status: 'permanent', diagnostic };
}

function temporary(diagnostic: string): Route {
  return { kind: 'failed', status: 'temporary', diagnostic };
}
