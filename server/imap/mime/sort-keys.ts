import { parseAddressList } from '../../mail/mime/address';
import { decodeHeaderValue } from '../../mail/mime/encoded-words';
import { READER } from '../../mail/mime/searchable';
import { type HeaderField, headerValue } from '../../mail/mime/header';
import { MONTHS } from '../protocol/imap-date';

/**
 * What SORT (RFC 5256, RFC 5957) and THREAD compare, worked out from a message's header.
 * Strings are compared after upper-casing (i;ascii-casemap extended to Unicode letters).
 */
export interface SortKeys {
  baseSubject: string;
  /** Sent date in ms since the epoch, or undefined when there is no usable Date header. */
  sent?: number;
  from: string;
  to: string;
  cc: string;
  displayFrom: string;
  displayTo: string;
  messageId?: string;
  /** References, then In-Reply-To when References has none (RFC 5256 section 2.2 step 1). */
  references: string[];
  /** True when the subject had a reply/forward marker (RFC 5256 section 2.1 step 6). */
  isReply: boolean;
}

const TRAILER = /(?:\s|\(fwd\))+$/i;
const BLOB = /^\[[^[\]]*\]\s*/;
const REFWD = /^(?:\[[^[\]]*\]\s*)*(?:re|fwd?)\s*(?:\[[^[\]]*\]\s*)?:\s*/i;

/** RFC 5256 section 2.1: the subject without Re:, Fwd:, [list] tags, (fwd) and [fwd: ...] wrappers. */
export function baseSubject(raw: string): { subject: string; isReply: boolean } {
  let s = decodeHeaderValue(raw, READER).replace(/[\t\r\n]+/g, ' ').replace(/ {2,}/g, ' ');
  let isReply = false;
  for (;;) {
    const trimmed = s.replace(TRAILER, '');
    if (trimmed !== s) isReply = true;
    s = trimmed;
    for (;;) {
      const before = s;
      s = s.replace(/^\s+/, '');
      const refwd = REFWD.exec(s);
      if (refwd) {
        s = s.slice(refwd[0].length);
        isReply = true;
      } else {
        const blob = BLOB.exec(s);
        if (blob && s.length > blob[0].length) s = s.slice(blob[0].length);
      }
      if (s === before) break;
    }
    const fwd = /^\[fwd:\s*(.*)\]$/i.exec(s);
    if (!fwd) break;
    s = fwd[1];
    isReply = true;
  }
  return { subject: s.toUpperCase(), isReply };
}

const ZONES: Record<string, number> = { UT: 0, GMT: 0, Z: 0, EST: -300, EDT: -240, CST: -360, CDT: -300, MST: -420, MDT: -360, PST: -480, PDT: -420 };

/** An RFC 5322 date-time in ms since the epoch (UTC), or undefined. */
export function parseHeaderDate(value: string): number | undefined {
  const m = /(\d{1,2})\s+([A-Za-z]{3})[a-z]*\s+(\d{2,4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([+-]\d{4}|[A-Za-z]+)?/.exec(value);
  if (!m) return undefined;
  const month = MONTHS.findIndex((x) => x.toLowerCase() === m[2].toLowerCase());
  if (month < 0) return undefined;
  let year = Number(m[3]);
  if (m[3].length === 2) year += year < 50 ? 2000 : 1900;
  let offset = 0;
  const zone = m[7];
  if (zone && /^[+-]\d{4}$/.test(zone)) offset = (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3)));
  else if (zone) offset = ZONES[zone.toUpperCase()] ?? 0;
  return Date.UTC(year, month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)) - offset * 60_000;
}

/** The local part of the first address (a group's name for a group), upper-cased. */
function firstMailbox(value: string | undefined): string {
  if (!value) return '';
  const a = parseAddressList(value)[0];
  return (a?.mailbox ?? '').toUpperCase();
}

/** RFC 5957: the first address's display name, or its addr-spec when it has none (a group's name for a group, as Dovecot does). */
function displayName(value: string | undefined): string {
  if (!value) return '';
  const a = parseAddressList(value)[0];
  if (!a) return '';
  if (a.name) return decodeHeaderValue(a.name, READER).trim().toUpperCase();
  const spec = a.host ? `${a.mailbox ?? ''}@${a.host}` : a.mailbox ?? '';
  return spec.toUpperCase();
}

function messageIds(value: string | undefined): string[] {
  return value ? [...value.matchAll(/<([^<>\s]+)>/g)].map((m) => m[1]) : [];
}

export function sortKeys(fields: HeaderField[]): SortKeys {
  const subject = baseSubject(headerValue(fields, 'subject') ?? '');
  const date = headerValue(fields, 'date');
  const refs = messageIds(headerValue(fields, 'references'));
  const inReplyTo = messageIds(headerValue(fields, 'in-reply-to'));
  return {
    baseSubject: subject.subject,
    isReply: subject.isReply,
    sent: date === undefined ? undefined : parseHeaderDate(date),
    from: firstMailbox(headerValue(fields, 'from')),
    to: firstMailbox(headerValue(fields, 'to')),
    cc: firstMailbox(headerValue(fields, 'cc')),
    displayFrom: displayName(headerValue(fields, 'from')),
    displayTo: displayName(headerValue(fields, 'to')),
    messageId: messageIds(headerValue(fields, 'message-id'))[0],
    references: refs.length ? refs : inReplyTo.slice(0, 1),
  };
}
