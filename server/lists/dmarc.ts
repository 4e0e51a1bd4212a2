import crypto from 'node:crypto';
import { formatMailbox } from '../mail/compose';
import { decodeHeaderValue } from '../mail/mime/encoded-words';
import { headerValue } from '../mail/mime/header';
import type { Logger } from '../logs/logger';
import { IncomingMessage } from './incoming';
import type { MailingList } from './types';

export type DmarcPolicy = 'reject' | 'quarantine' | 'none';
/** A DNS look-up (the engine's resolver, with its cache): TXT records as arrays of strings. */
export type TxtResolver = (name: string, type: string) => Promise<string[][]>;

/** A policy read is kept this long (the DNS cache's positive TTL). */
const KEEP_MS = 300_000;
const MAX_KEPT = 10_000;

/**
 * The DMARC policies of posters' domains (RFC 7489: `_dmarc.DOMAIN`, else the organizational
 * domain's record with its `sp=`), looked up before a post is handled so that the handling
 * itself (which is synchronous, one transaction) can read them.
 */
export class DmarcPolicies {
  private readonly known = new Map<string, { policy: DmarcPolicy | undefined; expires: number }>();

  constructor(
    private readonly resolver: TxtResolver | undefined,
    private readonly log: Logger,
  ) {}

  /** Looks up the domains not known (or known too long ago). A failed look-up counts as no policy, logged. */
  async prefetch(domains: string[]): Promise<void> {
    const now = Date.now();
    // mailauth loads at the first look-up, not at start-up (docs/benchmarks.md, startup).
    const getDmarcRecord = (await import('mailauth/lib/dmarc/get-dmarc-record')).default;
    const wanted = [...new Set(domains.map((d) => d.toLowerCase()).filter((d) => d && (this.known.get(d)?.expires ?? 0) <= now))];
    await Promise.all(
      wanted.map(async (domain) => {
        let policy: DmarcPolicy | undefined;
        try {
          const record = this.resolver ? await getDmarcRecord(domain, this.resolver) : false;
          const p = record ? ((record.isOrgRecord && record.sp) || record.p || '').trim().toLowerCase() : '';
          policy = p === 'reject' || p === 'quarantine' || p === 'none' ? p : undefined;
        } catch (err) {
          this.log.error('DMARC policy look-up failed; the post goes out unchanged', { domain, error: String(err) });
        }
        if (this.known.size >= MAX_KEPT) this.known.clear();
        this.known.set(domain, { policy, expires: Date.now() + KEEP_MS });
      }),
    );
  }

  policyOf(domain: string): DmarcPolicy | undefined {
    return this.known.get(domain.toLowerCase())?.policy;
  }
}

/** The domain of a message's From address ("" when none). */
export function fromDomain(msg: IncomingMessage): string {
  const from = msg.fromAddress;
  return from.includes('@') ? from.slice(from.lastIndexOf('@') + 1).toLowerCase() : '';
}

/**
 * Whether the list must not send the post under its author's From (Mailman's
 * dmarc_moderation_action): the author's domain publishes p=reject or p=quarantine and is not
 * the list's own domain (whose DKIM signature the copies carry, so they align).
 */
export function needsMitigation(list: MailingList, msg: IncomingMessage, policies: DmarcPolicies): boolean {
  if (list.dmarcMitigation === 'none') return false;
  const domain = fromDomain(msg);
  const policy = domain && domain !== list.domain ? policies.policyOf(domain) : undefined;
  return policy === 'reject' || policy === 'quarantine';
}

/** "Name via List" <list@domain>: the author's name (or the local part of the address) via the list. */
function listFrom(list: MailingList, msg: IncomingMessage): string {
  const from = headerValue(msg.fields, 'from') ?? '';
  // The phrase before "<addr>" (quotes and escapes undone, encoded words decoded), or "addr (Name)".
  const phrase = /^\s*(.*?)\s*<[^>]*>\s*$/.exec(from)?.[1] ?? /\(([^()]*)\)\s*$/.exec(from)?.[1] ?? '';
  const name = decodeHeaderValue(phrase.replace(/^"(.*)"$/, '$1').replace(/\\(.)/g, '$1')).trim() || msg.fromAddress.split('@')[0];
  return formatMailbox(list.address, `${name} via ${list.name}`);
}

/**
 * The post as the list sends it to a DMARC-strict author's domain:
 * - munge-from: From is the list ("Name via List" <list@domain>); the author goes into
 *   Reply-To (unless the post has one) when replies go to the poster, into Cc when they go to
 *   the list, so a reply still reaches them;
 * - wrap: an outer message from the list (From munged the same way, the author in Reply-To,
 *   the post's To, Cc, Subject, Date, Message-ID and threading fields) whose one part is the
 *   post, untouched, as message/rfc822.
 */
export function mitigate(list: MailingList, msg: IncomingMessage): IncomingMessage {
  const author = headerValue(msg.fields, 'from') ?? msg.fromAddress;
  const munged = `From: ${listFrom(list, msg)}\r\n`;
  const line = (f: { raw: Buffer }) => (f.raw[f.raw.length - 1] === 0x0a ? f.raw : Buffer.concat([f.raw, Buffer.from('\r\n')]));
  const hasReplyTo = msg.fields.some((f) => f.name === 'reply-to');
  if (list.dmarcMitigation === 'wrap') {
    const keep = new Set(['to', 'cc', 'subject', 'date', 'message-id', 'in-reply-to', 'references']);
    const boundary = `===============${crypto.randomBytes(12).toString('hex')}==`;
    const head = [
      Buffer.from(munged),
      ...msg.fields.filter((f) => keep.has(f.name)).map(line),
      Buffer.from(hasReplyTo ? '' : `Reply-To: ${author}\r\n`),
      ...msg.fields.filter((f) => f.name === 'reply-to').map(line),
      Buffer.from(`MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="${boundary}"\r\n\r\n`),
    ];
    const body = [Buffer.from(`--${boundary}\r\nContent-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\n`), msg.raw, Buffer.from(`\r\n--${boundary}--\r\n`)];
    return new IncomingMessage(Buffer.concat([...head, ...body]), msg.sender);
  }
  const out: Buffer[] = [];
  let ccDone = false;
  for (const f of msg.fields) {
    if (f.name === 'from') out.push(Buffer.from(munged));
    else if (f.name === 'cc' && list.replyTo === 'list' && !ccDone) {
      out.push(Buffer.from(`Cc: ${f.value}, ${author}\r\n`, 'latin1'));
      ccDone = true;
    } else out.push(line(f));
  }
  if (list.replyTo === 'list' && !ccDone) out.push(Buffer.from(`Cc: ${author}\r\n`, 'latin1'));
  if (list.replyTo === 'poster' && !hasReplyTo) out.push(Buffer.from(`Reply-To: ${author}\r\n`, 'latin1'));
  const separator = msg.bodyStart > msg.headerEnd ? msg.raw.subarray(msg.headerEnd, msg.bodyStart) : Buffer.from('\r\n');
  return new IncomingMessage(Buffer.concat([...out, separator, msg.raw.subarray(msg.bodyStart)]), msg.sender);
}
