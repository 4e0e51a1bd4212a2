import crypto from 'node:crypto';
import { composeTextMessage, encodeHeaderText, encodeQuotedPrintable, formatMailbox } from '../mail/compose';
import { decodeHeaderValue } from '../mail/mime/encoded-words';
import { rfc5322Date } from '../mail/date';
import { listAddresses } from './addresses';
import { text } from './i18n/catalogue';
import { IncomingMessage } from './incoming';
import { digestDecoration } from './decorate';
import { listHeaderFields } from './post';
import type { DigestVolumeFrequency, MailingList } from './types';

/** One post of an issue, read once for the table of contents and the plain digest. */
interface DigestEntry {
  raw: Buffer;
  from: string;
  subject: string;
  date: string;
  text: string;
}

export interface DigestIssue {
  volume: number;
  issue: number;
  /** multipart/digest (RFC 2046 5.1.5), for members with digest MIME. */
  mime: Buffer;
  /** RFC 1153 plain text, for members with digest PLAIN. */
  plain: Buffer;
}

/**
 * The period a time falls in (UTC), named for people: 2026, 2026-Q4, 2026-12, the Monday that
 * starts the week (2026-W-12-07), 2026-12-07. A new period starts a new digest volume and a new
 * part of the archive.
 */
export function periodOf(frequency: DigestVolumeFrequency, at: Date): string {
  const y = at.getUTCFullYear();
  switch (frequency) {
    case 'yearly':
      return `${y}`;
    case 'quarterly':
      return `${y}-Q${Math.floor(at.getUTCMonth() / 3) + 1}`;
    case 'monthly':
      return at.toISOString().slice(0, 7);
    case 'weekly': {
      const monday = new Date(Date.UTC(y, at.getUTCMonth(), at.getUTCDate() - ((at.getUTCDay() + 6) % 7)));
      return `${monday.getUTCFullYear()}-W-${monday.toISOString().slice(5, 10)}`;
    }
    case 'daily':
      return at.toISOString().slice(0, 10);
  }
}

/** The volume and issue number the next digest of `list` gets when sent at `now`. */
export function nextIssueNumber(list: MailingList, now: Date): { volume: number; issue: number } {
  if (list.digestLastSent && periodOf(list.digestVolumeFrequency, list.digestLastSent) !== periodOf(list.digestVolumeFrequency, now)) {
    return { volume: list.digestVolume + 1, issue: 1 };
  }
  return { volume: list.digestVolume, issue: list.digestIssue };
}

/** RFC 1153 separators: 70 dashes after the table of contents, 30 between messages. */
const TOC_SEPARATOR = '-'.repeat(70);
const MESSAGE_SEPARATOR = '-'.repeat(30);

function readEntry(raw: Buffer): DigestEntry {
  const msg = new IncomingMessage(raw, '');
  const from = msg.values('from')[0] ?? '';
  return { raw, from: decodeHeaderValue(from), subject: msg.subject, date: msg.values('date')[0] ?? '', text: msg.bodyText() };
}


/**
 * One issue of a list's digest in both forms, as Mailman writes them: a masthead (where to
 * post, how to leave, who runs the list) with the table of contents, then the posts, then the
 * end line. The MIME form keeps every post whole (attachments included) as message/rfc822
 * parts of a multipart/digest; the plain form (RFC 1153) has each post's text. The list's
 * digest header and footer go where Mailman 2.1 puts them: in the plain form the header after
 * the masthead and the footer after the last post (before the end line); in the MIME form the
 * header is a text/plain part of its own ("Digest Header", after the masthead) and the footer
 * opens the last part ("Digest Footer", before the end line).
 */
export function buildDigest(list: MailingList, posts: Buffer[], hostname: string, now: Date): DigestIssue {
  const { volume, issue } = nextIssueNumber(list, now);
  const entries = posts.map(readEntry);
  const a = listAddresses(list.name, list.domain);
  const vars = { list: list.address, post: a.post, request: a.request, owner: a.owner, volume, issue };
  const subject = text(list.language, 'digest.subject', vars);
  const topics = [text(list.language, 'digest.topics'), '', ...entries.map((e, i) => `   ${i + 1}. ${e.subject} (${e.from})`)].join('\n');
  const decoration = digestDecoration(list, hostname);
  const mastheadText = `${text(list.language, 'digest.masthead', vars)}\n\n`;
  const masthead = `${mastheadText}\n${topics}\n`;
  const end = text(list.language, 'digest.end', vars);
  const fields = [...listHeaderFields(list, { hostname }), ['Auto-Submitted', 'auto-generated'] as [string, string]];
  const from = formatMailbox(a.request, list.name);

  const plainBody = [
    ...(decoration.header ? [mastheadText, decoration.header, topics + '\n'] : [masthead]),
    TOC_SEPARATOR,
    '',
    ...entries.flatMap((e, i) => [
      `Message: ${i + 1}`,
      `Date: ${e.date}`,
      `From: ${e.from}`,
      `Subject: ${e.subject}`,
      '',
      // A line of 30 dashes inside a message would end it for a digest reader (RFC 1153).
      e.text.replace(/\r\n/g, '\n').replace(/\n+$/, '').replace(/^-{30}$/gm, ' $&'),
      '',
      MESSAGE_SEPARATOR,
      '',
    ]),
    ...(decoration.footer ? [decoration.footer] : []),
    end,
    '*'.repeat(Math.max(end.length, 30)),
  ].join('\n');
  const plain = composeTextMessage({ from, to: a.post, subject, body: plainBody, hostname, headers: fields, date: now });

  const outer = `=_digest_${crypto.randomBytes(12).toString('hex')}`;
  const inner = `=_posts_${crypto.randomBytes(12).toString('hex')}`;
  const head = [
    `From: ${from}`,
    `To: ${a.post}`,
    `Subject: ${encodeHeaderText(subject)}`,
    `Date: ${rfc5322Date(now)}`,
    `Message-ID: <${crypto.randomBytes(12).toString('hex')}@${hostname}>`,
    ...fields.map(([n, v]) => `${n}: ${v}`),
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${outer}"`,
    '',
    `--${outer}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    'Content-Description: Today\u2019s Topics',
    '',
    encodeQuotedPrintable(masthead),
    ...(decoration.header ? textPart(outer, 'Digest Header', decoration.header) : []),
    `--${outer}`,
    `Content-Type: multipart/digest; boundary="${inner}"`,
    '',
  ].join('\r\n');
  const parts: Buffer[] = [Buffer.from(head + '\r\n', 'utf8')];
  for (const e of entries) {
    // In a multipart/digest, a part without a Content-Type is message/rfc822 (RFC 2046 5.1.5).
    parts.push(Buffer.from(`--${inner}\r\n\r\n`, 'latin1'), e.raw, e.raw.subarray(-2).equals(Buffer.from('\r\n')) ? Buffer.alloc(0) : Buffer.from('\r\n'));
  }
  parts.push(
    Buffer.from(
      [`--${inner}--`, '', `--${outer}`, 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable', 'Content-Description: Digest Footer', '', encodeQuotedPrintable(decoration.footer ? `${decoration.footer}\n${end}` : end), '', `--${outer}--`, ''].join('\r\n'),
      'utf8',
    ),
  );
  return { volume, issue, mime: Buffer.concat(parts), plain };
}

/** A text/plain part of the digest's multipart/mixed (the list's digest header). */
function textPart(boundary: string, description: string, body: string): string[] {
  return [`--${boundary}`, 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable', `Content-Description: ${description}`, '', encodeQuotedPrintable(body)];
}
