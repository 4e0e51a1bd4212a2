import dns from 'node:dns';
import type { OutboundContext } from './outbound-context';
import { type DkimAlgorithm, dkimRecord } from './dkim-keys';
import { resolveTlsa } from './dns-tlsa';
import { dnsServerAddress } from './mx-resolver';
import { MTA_STS_HOST_PREFIX, mtaStsId, mtaStsPolicy } from './mta-sts';
import { parseHostPort } from '../net/host-port';
import { clientEndpoints, clientHost } from '../config/client-endpoints';

export type RecordKind = 'mx' | 'spf' | 'dkim' | 'dmarc' | 'tlsa' | 'mtaSts' | 'mtaStsHost' | 'tlsRpt' | 'srv';
/** ok: published as needed; different: a record is there but not the one suggested; missing; lookupFailed: DNS did not answer. */
export type RecordStatus = 'ok' | 'different' | 'missing' | 'lookupFailed';

export const DNS_RECORD_TYPES = ['MX', 'TXT', 'TLSA', 'CNAME', 'SRV'] as const;
export type DnsRecordType = (typeof DNS_RECORD_TYPES)[number];

export interface RecordCheck {
  kind: RecordKind;
  /** The owner name, without the final dot. */
  name: string;
  type: DnsRecordType;
  /** What to publish (MX: "preference host."; TXT: the text; TLSA: "3 1 1 hex"; CNAME: "host."; SRV: "priority weight port host."). */
  value: string;
  /** False for records that help but that mail does not need (TLSA, which counts only in a DNSSEC-signed zone; TLS reporting; the SRV records mail clients use to find their servers). */
  required: boolean;
  status: RecordStatus;
  /** What DNS has now at that name (MX: "preference host"; TXT: the joined strings of records of that kind). */
  found: string[];
  /** Why the status is what it is, for the administrator. */
  note: string;
}

/** The SRV service names of RFC 6186 and RFC 8314, and the listener each names. */
const CLIENT_SRV: [string, string][] = [
  ['_imaps', 'imaps'],
  ['_imap', 'imap'],
  ['_pop3s', 'pop3s'],
  ['_pop3', 'pop3'],
  ['_submissions', 'smtps'],
  ['_submission', 'submission'],
];

const NOT_THERE = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN', 'NODATA']);

/**
 * The DNS records a domain needs so that mail to it arrives here and mail from it is
 * believed elsewhere: MX, SPF, DKIM (one per active key) and DMARC, each looked up with
 * the engine's resolver and compared with what it should say; and those that make senders
 * insist on TLS to it: the TLSA record of the SMTP certificate (DANE, RFC 7672) and, when
 * the mtaStsMode setting is on, MTA-STS's TXT record and policy host and TLS reporting; and
 * the SRV records mail clients look up to find IMAP, POP3 and submission (RFC 6186, RFC 8314).
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
    const mode = this.ctx.settings.get().mtaStsMode;
    const stsRecord = mode === 'none' ? '' : `v=STSv1; id=${mtaStsId(mtaStsPolicy(mode, [host]))}`;
    const mtaSts =
      mode === 'none'
        ? []
        : [
            this.txt('mtaSts', `_mta-sts.${domain}`, stsRecord, /^v=STSv1\b/i, (found) => normalize(found) === normalize(stsRecord), 'senders fetch the current policy'),
            this.policyHost(domain, host),
            this.txt('tlsRpt', `_smtp._tls.${domain}`, `v=TLSRPTv1; rua=mailto:postmaster@${domain}`, /^v=TLSRPTv1\b/i, () => true, 'senders report TLS failures', false),
          ];
    return Promise.all([
      this.mx(domain, host),
      this.spf(domain),
      ...keys.map(async (key) => {
        const record = dkimRecord(key);
        return this.txt('dkim', record.name, record.value, /^v=DKIM1\b/i, (found) => dkimKeyOf(found) === key.publicKey, `the ${key.algorithm.toUpperCase()} key with selector ${key.selector}`);
      }),
      this.txt('dmarc', `_dmarc.${domain}`, `v=DMARC1; p=quarantine; rua=mailto:postmaster@${domain}`, /^v=DMARC1\b/i, () => true, 'any DMARC policy counts; p=quarantine or p=reject protects the domain'),
      this.tlsa(host),
      ...mtaSts,
      ...this.clientSrv(domain, host),
    ]);
  }

  /**
   * RFC 6186 and RFC 8314 5.1: a record per way in, implicit TLS preferred (priority 0 before
   * STARTTLS's 10), following the settings as client autoconfiguration does; a way in that is
   * off gets RFC 6186's "0 0 0 ." (not offered), so clients do not try it.
   */
  private clientSrv(domain: string, serverHost: string): Promise<RecordCheck>[] {
    const names = this.ctx.tls.store.domainCertificateNames(domain);
    const endpoints = clientEndpoints(this.ctx.settings.get(), this.ctx.ports, clientHost(domain, serverHost, names));
    return CLIENT_SRV.map(async ([service, listener]) => {
      const e = endpoints.find((x) => x.listener === listener);
      const value = e ? `${e.security === 'tls' ? 0 : 10} 1 ${e.port} ${e.host}.` : '0 0 0 .';
      const name = `${service}._tcp.${domain}`;
      const check: RecordCheck = { kind: 'srv', name, type: 'SRV', value, required: false, status: 'missing', found: [], note: e ? `mail clients find ${e.protocol} at ${e.host}:${e.port}` : `${service.slice(1)} is not offered here` };
      try {
        const records = await this.resolver.resolveSrv(name);
        check.found = records.map((r) => `${r.priority} ${r.weight} ${r.port} ${r.name || '.'}`);
        const [, , port, target] = value.split(' ');
        const same = records.some((r) => String(r.port) === port && (r.name || '.').toLowerCase().replace(/\.$/, '') === target.replace(/\.$/, ''));
        check.status = same ? 'ok' : records.length ? 'different' : 'missing';
        if (!same && records.length) check.note = `the SRV record points elsewhere than ${value}`;
      } catch (err) {
        this.failed(check, err);
      }
      return check;
    });
  }

  /** DANE-EE for the certificate SMTP serves to clients naming the MX host: stays valid across ACME renewals, which keep the key. */
  private async tlsa(host: string): Promise<RecordCheck> {
    const store = this.ctx.tls.store;
    const value = store.get(store.idForServerName(host) ?? store.idForService('smtp')).tlsa311 ?? '';
    const name = `_25._tcp.${host}`;
    const check: RecordCheck = { kind: 'tlsa', name, type: 'TLSA', value, required: false, status: 'missing', found: [], note: `no TLSA record at ${name} (publish it only in a DNSSEC-signed zone)` };
    try {
      check.found = await resolveTlsa(name, this.dnsServer());
      if (check.found.some((f) => f.toLowerCase() === value)) {
        check.status = 'ok';
        check.note = 'DANE senders can check the SMTP certificate (in a DNSSEC-signed zone)';
      } else if (check.found.length) {
        check.status = 'different';
        check.note = 'no published TLSA record matches the certificate SMTP serves: DANE senders will not deliver';
      }
    } catch (err) {
      this.failed(check, err);
    }
    return check;
  }

  /** mta-sts.DOMAIN must reach this server's HTTPS (a CNAME to the host, or the same address). */
  private async policyHost(domain: string, host: string): Promise<RecordCheck> {
    const name = MTA_STS_HOST_PREFIX + domain;
    const check: RecordCheck = { kind: 'mtaStsHost', name, type: 'CNAME', value: `${host}.`, required: true, status: 'missing', found: [], note: `${name} must reach this server on port 443, with a certificate for that name` };
    try {
      const [mine, theirs] = await Promise.all([this.resolver.resolve4(host).catch(() => [] as string[]), this.resolver.resolve4(name)]);
      check.found = theirs;
      if (theirs.some((a) => mine.includes(a))) {
        check.status = 'ok';
        check.note = `${name} reaches ${host}; it needs a certificate for ${name} (ACME can order one)`;
      } else if (theirs.length) {
        check.status = 'different';
        check.note = `${name} points elsewhere than ${host}`;
      }
    } catch (err) {
      this.failed(check, err);
    }
    return check;
  }

  /** The DNS server the engine asks: PILLARBOX_DNS, or the system's first. */
  private dnsServer(): { host: string; port: number } {
    const spec = this.ctx.options.dns ?? dns.getServers()[0] ?? '127.0.0.1';
    const parsed = parseHostPort(spec);
    return { host: parsed?.host ?? spec, port: parsed?.port ?? 53 };
  }

  private async mx(domain: string, host: string): Promise<RecordCheck> {
    const check: RecordCheck = { kind: 'mx', name: domain, type: 'MX', value: `10 ${host}.`, required: true, status: 'missing', found: [], note: `mail for ${domain} must reach ${host}` };
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

  private async txt(kind: RecordKind, name: string, value: string, marker: RegExp, matches: (found: string) => boolean, ok: string, required = true): Promise<RecordCheck> {
    const check: RecordCheck = { kind, name, type: 'TXT', value, required, status: 'missing', found: [], note: `no ${kind.toUpperCase()} record at ${name}` };
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
