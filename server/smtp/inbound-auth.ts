import dns from 'node:dns';
import type { EngineContext } from '../context';
import { dnsServerAddress } from '../outbound/mx-resolver';
import { DnsCache } from '../net/dns-cache';
import { moduleSteps } from '../net/turns';

export interface InboundVerdict {
  /** Received-SPF and Authentication-Results (RFC 8601) fields to put on top of the message, CRLF-terminated. */
  header: string;
  /** Set when the message fails DMARC and its domain asks for rejection (p=reject). */
  dmarcReject?: { domain: string };
  /** Short results for the log: spf=pass dkim=none dmarc=fail … */
  summary: string;
}

/**
 * Loads mailauth ahead of the first check, a dependency per turn of the event loop (inTurns:
 * the engine does once its listeners are up); together they are a few hundred ms of CPU.
 */
export function inboundAuthSteps(): (() => void)[] {
  const parts = ['libmime', 'joi', 'tldts', 'undici', '@postalsys/vmc', './dkim/verify', './spf', './dmarc', './arc', './bimi'];
  return [...moduleSteps(parts, 'mailauth'), ...moduleSteps(['mailauth'])];
}

/**
 * SPF, DKIM, DMARC and ARC checks of mail from other servers (mailauth), with the
 * engine's resolver (PILLARBOX_DNS when set) and the engine's host name as authserv-id.
 */
export class InboundAuth {
  private readonly dns: DnsCache;

  constructor(private readonly ctx: EngineContext) {
    const resolver = new dns.promises.Resolver({ timeout: 5000, tries: 2 });
    if (ctx.options.dns) resolver.setServers([dnsServerAddress(ctx.options.dns)]);
    this.dns = new DnsCache((name, type) => resolver.resolve(name, type));
  }

  async check(message: Buffer, client: { ip: string; helo?: string; sender: string }): Promise<InboundVerdict> {
    // mailauth (with joi, tldts and BIMI's certificate parser) loads at the first check, not at start-up.
    const { authenticate } = await import('mailauth');
    const result = await authenticate(message, {
      ip: client.ip,
      helo: client.helo,
      sender: client.sender,
      mta: this.ctx.options.hostname,
      resolver: (name: string, type: string) => this.dns.resolve(name, type) as Promise<string[][] | string[]>,
      disableBimi: true,
    });
    const dmarc = result.dmarc || undefined;
    const summary = [
      `spf=${result.spf ? result.spf.status.result : 'none'}`,
      `dkim=${result.dkim.results.map((r) => r.status.result).join(',') || 'none'}`,
      `dmarc=${dmarc ? dmarc.status.result : 'none'}`,
      ...(result.arc ? [`arc=${result.arc.status.result}`] : []),
    ].join(' ');
    const verdict: InboundVerdict = { header: result.headers.replace(/\r?\n/g, '\r\n'), summary };
    if (dmarc && dmarc.status.result === 'fail' && dmarc.policy === 'reject') verdict.dmarcReject = { domain: dmarc.domain };
    return verdict;
  }
}

/**
 * Drops Authentication-Results fields that claim to come from this server (RFC 8601
 * section 5): only results this server adds itself may carry its name.
 */
export function withoutForgedResults(message: Buffer, authservId: string): Buffer {
  const text = message.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  const header = end >= 0 ? text.slice(0, end + 2) : text;
  const ours = new RegExp(`^Authentication-Results:\\s*${authservId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*(;|$)`, 'i');
  const fields = header.split(/\r\n(?![ \t])/);
  const kept = fields.filter((f) => !ours.test(f.replace(/\r\n[ \t]+/g, ' ')));
  if (kept.length === fields.length) return message;
  return Buffer.concat([Buffer.from(kept.join('\r\n'), 'latin1'), message.subarray(Buffer.byteLength(header, 'latin1'))]);
}
