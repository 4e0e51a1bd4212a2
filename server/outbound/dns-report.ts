import dns from 'node:dns';
import type { OutboundContext } from './outbound-context';
import { type DkimAlgorithm, dkimRecord } from './dkim-keys';
import { dnsServerAddress } from './mx-resolver';

export type RecordKind = 'mx' | 'spf' | 'dkim' | 'dmarc';
/** ok: published as needed; different: a record is there but not the one suggested; missing; lookupFailed: DNS did not answer. */
export type RecordStatus = 'ok' | 'different' | 'missing' | 'lookupFailed';

export interface RecordCheck {
  kind: RecordKind;
  /** The owner name, without the final dot. */
  name: string;
  type: 'MX' | 'TXT';
  /** What to publish (MX: "preference host."; TXT: the text). */
  value: string;
  status: RecordStatus;
  /** What DNS has now at that name (MX: "preference host"; TXT: the joined strings of records of that kind). */
  found: string[];
  /** Why the status is what it is, for the administrator. */
  note: string;
}

const NOT_THERE = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN', 'NODATA']);

/**
 * The DNS records a domain needs so that mail to it arrives here and mail from it is
 * believed elsewhere: MX, SPF, DKIM (one per active key) and DMARC, each looked up with
 * the engine's resolver and compared with what it should say.
 */
export class DnsReport {
  private readonly resolver: dns.promises.Resolver;

  constructor(private readonly ctx: OutboundContext) {
    this.resolver = new dns.promises.Resolver({ timeout: 5000, tries: 2 });
    if (ctx.options.dns) this.resolver.setServers([dnsServerAddress(ctx.options.dns)]);
  }

  async report(domain: string, algorithms: DkimAlgorithm[]): Promise<RecordCheck[]> {
    const host = this.ctx.options.hostname.toLowerCase();
    const keys = await Promise.all(algorithms.map((a) => this.ctx.dkim.activeKey(domain, a)));
    return Promise.all([
      this.mx(domain, host),
      this.spf(domain),
      ...keys.map(async (key) => {
        const record = dkimRecord(key);
        return this.txt('dkim', record.name, record.value, /^v=DKIM1\b/i, (found) => dkimKeyOf(found) === key.publicKey, `the ${key.algorithm.toUpperCase()} key with selector ${key.selector}`);
      }),
      this.txt('dmarc', `_dmarc.${domain}`, `v=DMARC1; p=quarantine; rua=mailto:postmaster@${domain}`, /^v=DMARC1\b/i, () => true, 'any DMARC policy counts; p=quarantine or p=reject protects the domain'),
    ]);
  }

  private async mx(domain: string, host: string): Promise<RecordCheck> {
    const check: RecordCheck = { kind: 'mx', name: domain, type: 'MX', value: `10 ${host}.`, status: 'missing', found: [], note: `mail for ${domain} must reach ${host}` };
    try {
      const records = (await this.resolver.resolveMx(domain)).sort((a, b) => a.priority - b.priority);
      check.found = records.map((r) => `${r.priority} ${r.exchange}`);
      if (records.some((r) => r.exchange.toLowerCase().replace(/\.$/, '') === host)) {
        check.status = 'ok';
        check.note = `${host} is an MX host of ${domain}`;
      } else if (records.length) {
        check.status = 'different';
        check.note = `the MX records name other hosts, not ${host}`;
      }
    } catch (err) {
      this.failed(check, err);
    }
    return check;
  }

  private spf(domain: string): Promise<RecordCheck> {
    const relay = this.ctx.settings.get().relayHost.trim();
    // Mail leaves from this host (the MX) or, with a relay host, from that one.
    const value = relay ? `v=spf1 mx a:${relay.replace(/^\[|\](:\d+)?$|:\d+$/g, '')} ~all` : 'v=spf1 mx ~all';
    return this.txt('spf', domain, value, /^v=spf1(\s|$)/i, (found) => normalize(found) === normalize(value), 'mail from this server passes SPF');
  }

  private async txt(kind: RecordKind, name: string, value: string, marker: RegExp, matches: (found: string) => boolean, ok: string): Promise<RecordCheck> {
    const check: RecordCheck = { kind, name, type: 'TXT', value, status: 'missing', found: [], note: `no ${kind.toUpperCase()} record at ${name}` };
    try {
      check.found = (await this.resolver.resolveTxt(name)).map((parts) => parts.join('')).filter((t) => marker.test(t.trim()));
      if (check.found.length > 1 && kind !== 'dkim') {
        check.status = 'different';
        check.note = `${check.found.length} ${kind.toUpperCase()} records at ${name}: there must be exactly one`;
      } else if (check.found.some(matches)) {
        check.status = 'ok';
        check.note = ok;
      } else if (check.found.length) {
        check.status = 'different';
        check.note = `the published ${kind.toUpperCase()} record differs from the suggested one`;
      }
    } catch (err) {
      this.failed(check, err);
    }
    return check;
  }

  private failed(check: RecordCheck, err: unknown): void {
    const code = (err as { code?: string }).code ?? '';
    if (NOT_THERE.has(code)) return;
    check.status = 'lookupFailed';
    check.note = `DNS lookup of ${check.name} failed: ${code || String(err)}`;
  }
}

const normalize = (text: string) => text.trim().replace(/\s+/g, ' ').toLowerCase();

/** The p= of a DKIM record, whitespace removed. */
function dkimKeyOf(record: string): string | undefined {
  const tag = record.split(';').map((t) => t.trim()).find((t) => /^p\s*=/i.test(t));
  return tag?.replace(/^p\s*=/i, '').replace(/\s+/g, '');
}
