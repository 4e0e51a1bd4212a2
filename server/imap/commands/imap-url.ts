import { decodeMailboxName } from '../../mail/mutf7';
import { type Section, type SectionText, sectionRange } from '../mime/sections';
import { messageSummary } from '../mime/summary';
import type { ImapSession } from '../session/imap-session';

/** An IMAP URL that does not name a message (part) of this user: NO [BADURL] (RFC 4469). */
export class BadUrl extends Error {
  constructor(
    readonly url: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ImapUrl {
  mailbox: string;
  uidValidity?: number;
  uid: number;
  section?: Section;
  partial?: { start: number; length?: number };
}

function parseSection(url: string, text: string): Section {
  const m = /^(\d+(?:\.\d+)*)?(?:\.?(HEADER|TEXT|MIME))?$/i.exec(text);
  if (!m || (!m[1] && !m[2]) || (m[2]?.toUpperCase() === 'MIME' && !m[1])) throw new BadUrl(url, 'unsupported section in URL');
  const path = m[1] ? m[1].split('.').map(Number) : [];
  if (path.some((n) => n === 0)) throw new BadUrl(url, 'part numbers start at 1');
  return { path, text: m[2] ? (m[2].toUpperCase() as SectionText) : undefined };
}

/**
 * A message URL of RFC 5092 as CATENATE uses it: "/mailbox[;UIDVALIDITY=n]/;UID=n[/;SECTION=s][/;PARTIAL=a[.b]]",
 * optionally after "imap://server". Names are %-escaped modified UTF-7.
 */
export function parseImapUrl(url: string, username: string): ImapUrl {
  let rest = url;
  const absolute = /^imap:\/\/(?:([^@/;]+)(?:;[^@/]*)?@)?[^/]+(\/.*)$/i.exec(rest);
  if (absolute) {
    if (absolute[1] && decodeURIComponent(absolute[1]).toLowerCase() !== username.toLowerCase()) throw new BadUrl(url, "URL names another user's mailbox");
    rest = absolute[2];
  }
  const m = /^\/([^;]*?)(?:;UIDVALIDITY=(\d+))?\/;UID=(\d+)((?:\/;[A-Za-z]+=[^/]*)*)$/i.exec(rest);
  if (!m) throw new BadUrl(url, 'not an IMAP message URL');
  let mailbox: string;
  try {
    mailbox = decodeMailboxName(decodeURIComponent(m[1]));
  } catch {
    throw new BadUrl(url, 'invalid mailbox name in URL');
  }
  const out: ImapUrl = { mailbox, uid: Number(m[3]), uidValidity: m[2] ? Number(m[2]) : undefined };
  for (const piece of m[4].split('/;').filter(Boolean)) {
    const eq = piece.indexOf('=');
    const key = piece.slice(0, eq).toUpperCase();
    const value = decodeURIComponent(piece.slice(eq + 1));
    if (key === 'SECTION') out.section = parseSection(url, value);
    else if (key === 'PARTIAL') {
      const p = /^(\d+)(?:\.(\d+))?$/.exec(value);
      if (!p) throw new BadUrl(url, 'invalid PARTIAL in URL');
      out.partial = { start: Number(p[1]), length: p[2] === undefined ? undefined : Number(p[2]) };
    } else throw new BadUrl(url, `unsupported URL part ${key.slice(0, 16)}`);
  }
  return out;
}

/** The bytes a message URL names, from the logged-in user's own mailboxes. */
export async function fetchUrl(s: ImapSession, url: string): Promise<Buffer> {
  return fetchParsedUrl(s, url, parseImapUrl(url, s.user!.shortName), s.user!.id);
}

/** The bytes a parsed message URL names in the mailboxes of user `ownerId`. */
export async function fetchParsedUrl(s: ImapSession, url: string, u: ImapUrl, ownerId: number): Promise<Buffer> {
  const box = s.ctx.store.mailbox(ownerId, u.mailbox);
  if (!box) throw new BadUrl(url, 'no such mailbox');
  if (u.uidValidity !== undefined && u.uidValidity !== box.uidValidity) throw new BadUrl(url, 'UIDVALIDITY has changed');
  const meta = s.ctx.store.message(box.id, u.uid);
  if (!meta) throw new BadUrl(url, 'no such message');
  let data = await s.ctx.store.readMessage(meta);
  if (u.section) {
    const range = sectionRange((await messageSummary(s.ctx.store, meta)).tree, u.section);
    if (!range) throw new BadUrl(url, 'no such part');
    data = data.subarray(range.start, range.end);
  }
  if (u.partial) {
    const start = Math.min(u.partial.start, data.length);
    data = data.subarray(start, u.partial.length === undefined ? data.length : Math.min(data.length, start + u.partial.length));
  }
  return data;
}
