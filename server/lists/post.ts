import { encodeHeaderText, encodePhrase } from '../mail/compose';
import { listAddresses } from './addresses';
import type { IncomingMessage } from './incoming';
import { type Decoration, decorate } from './decorate';
import type { MailingList } from './types';

/** Fields the list sets itself: a poster's copies of them are dropped (RFC 2369 headers belong to the list that sent the copy). */
const REPLACED = new Set([
  'list-id',
  'list-post',
  'list-help',
  'list-subscribe',
  'list-unsubscribe',
  'list-unsubscribe-post',
  'list-owner',
  'list-archive',
  'precedence',
  'return-path',
  'sender',
  'errors-to',
]);

export interface PostOptions {
  /** The engine's public host name, for the https links. */
  hostname: string;
  /** A member's one-click unsubscribe token (personalised copies only). */
  unsubscribeToken?: string;
  /** The list's header and footer for this copy (members' copies only: archives and digests keep the post as it came). */
  decoration?: Decoration;
}

/** The subject prefix of a list: its setting, "[Name] " when unset. */
export function subjectPrefix(list: MailingList): string {
  return list.subjectPrefix || `[${list.name}] `;
}

/**
 * The subject with the list's prefix in front, unless the prefix is in it already (a reply,
 * "Re: [dev] plans", keeps its one prefix). Compared on the decoded text, without case.
 */
export function prefixedSubject(list: MailingList, rawSubject: string | undefined, decoded: string): string {
  const prefix = subjectPrefix(list);
  const raw = rawSubject ?? '';
  if (!prefix.trim()) return raw;
  if (decoded.toLowerCase().includes(prefix.trim().toLowerCase())) return raw;
  return `${encodeHeaderText(prefix)}${raw ? (/^[\x20-\x7e]*$/.test(prefix) ? '' : ' ') + raw : ''}`;
}

/** RFC 2369 / 2919 / 8058 fields of a list's posts, with X-BeenThere and Precedence. */
export function listHeaderFields(list: MailingList, opts: PostOptions): [string, string][] {
  const a = listAddresses(list.name, list.domain);
  const listId = `${list.name.toLowerCase()}.${list.domain}`;
  const unsubscribe = [`<mailto:${a.leave}>`];
  const fields: [string, string][] = [['List-Id', list.description ? `${encodePhrase(list.description)} <${listId}>` : `<${listId}>`]];
  if (opts.unsubscribeToken) {
    unsubscribe.push(`<https://${opts.hostname}/lists/unsubscribe/${opts.unsubscribeToken}>`);
  }
  fields.push(
    ['List-Unsubscribe', unsubscribe.join(', ')],
    ...(opts.unsubscribeToken ? [['List-Unsubscribe-Post', 'List-Unsubscribe=One-Click'] as [string, string]] : []),
    ['List-Post', `<mailto:${a.post}>`],
    ['List-Help', `<mailto:${a.request}?subject=help>`],
    ['List-Subscribe', `<mailto:${a.join}>`],
    ['List-Owner', `<mailto:${a.owner}>`],
    ...(list.archive ? [['List-Archive', `<https://${opts.hostname}/lists/archives/${encodeURIComponent(list.address)}/>`] as [string, string]] : []),
    ['X-BeenThere', a.post],
    ['Precedence', 'list'],
  );
  return fields;
}

/**
 * The copy the members get: the list's fields on top, the poster's copies of them removed, the
 * subject prefixed, Reply-To set by the list's policy; the body untouched (byte for byte, so a
 * body signature and the MIME structure survive).
 */
export function buildPost(list: MailingList, msg: IncomingMessage, opts: PostOptions): Buffer {
  const kept: Buffer[] = [];
  let subjectSeen = false;
  const decorated = opts.decoration && decorate(msg, opts.decoration);
  for (const f of msg.fields) {
    if (REPLACED.has(f.name) || decorated?.drop.has(f.name)) continue;
    if (f.name === 'reply-to' && list.replyTo === 'list') continue;
    if (f.name === 'subject') {
      if (subjectSeen) continue;
      subjectSeen = true;
      const rawValue = f.raw.toString('latin1').slice(f.raw.indexOf(':') + 1).replace(/\r?\n$/, '').trim();
      kept.push(Buffer.from(`Subject: ${prefixedSubject(list, rawValue, msg.subject)}\r\n`, 'latin1'));
      continue;
    }
    const raw = f.raw;
    kept.push(raw[raw.length - 1] === 0x0a ? raw : Buffer.concat([raw, Buffer.from('\r\n')]));
  }
  if (!subjectSeen) kept.push(Buffer.from(`Subject: ${prefixedSubject(list, '', '')}\r\n`, 'latin1'));
  if (decorated) kept.push(Buffer.from(decorated.add.map((l) => `${l}\r\n`).join(''), 'latin1'));
  const added = listHeaderFields(list, opts);
  if (list.replyTo === 'list') added.push(['Reply-To', listAddresses(list.name, list.domain).post]);
  added.push(['Sender', listAddresses(list.name, list.domain).bounces]);
  const top = Buffer.from(added.map(([n, v]) => `${n}: ${v}\r\n`).join(''), 'utf8');
  const separator = msg.bodyStart > msg.headerEnd ? msg.raw.subarray(msg.headerEnd, msg.bodyStart) : Buffer.from('\r\n');
  return Buffer.concat([top, ...kept, separator, decorated ? decorated.body : msg.raw.subarray(msg.bodyStart)]);
}
