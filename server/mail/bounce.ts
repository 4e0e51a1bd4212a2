import { addressesIn } from './header-fields';
import { blankLineEnd, headerValue, parseHeaderFields } from './mime/header';
import { decodeTransfer } from './mime/transfer';
import { type MimeNode, parseMime } from './mime/tree';

/** Hard: the address does not work (5.x.x); soft: it did not work this time (4.x.x, delays). */
export type BounceKind = 'hard' | 'soft';

export interface BouncedRecipient {
  /** The address that failed, in lower case. */
  address: string;
  kind: BounceKind;
  /** The enhanced status code when the report gives one (5.1.1), else "". */
  status: string;
}

/** The most of a bounce that is read: a report's text beyond this is not looked at. */
const MAX_SCAN = 64 * 1024;

/**
 * What a bounce says failed, read as Mailman's bounce detectors do: an RFC 3464 delivery
 * status report first, then the plain-text formats of the MTAs that do not send one (Postfix
 * without DSN, qmail, Exim, Sendmail, Exchange). Undefined when the message is no bounce that
 * can be read (an auto-reply, a person writing to the address).
 */
export function readBounce(raw: Buffer): BouncedRecipient[] | undefined {
  const root = parseMime(raw, { countLines: false, contentFieldsOnly: true, maxParts: 50, maxDepth: 8 });
  const report = findPart(root, (n) => n.type === 'message' && (n.subtype === 'delivery-status' || n.subtype === 'global-delivery-status'));
  if (report) {
    const found = readDeliveryStatus(raw.subarray(report.bs, report.be), headerValue(report.fields, 'content-transfer-encoding'));
    if (found.length) return found;
  }
  const text = findPart(root, (n) => n.type === 'text' && n.subtype === 'plain') ?? (root.children ? undefined : root);
  if (!text) return undefined;
  const body = decodeTransfer(raw.subarray(text.bs, Math.min(text.be, text.bs + MAX_SCAN)), headerValue(text.fields, 'content-transfer-encoding')).toString('latin1');
  const found = readPlainBounce(body);
  return found.length ? found : undefined;
}

function findPart(node: MimeNode, wanted: (n: MimeNode) => boolean): MimeNode | undefined {
  if (wanted(node)) return node;
  for (const child of node.children ?? []) {
    const found = findPart(child, wanted);
    if (found) return found;
  }
  return undefined;
}

/**
 * The per-recipient blocks of a message/delivery-status body (RFC 3464 section 2): the first
 * block is about the message, each later one about a recipient. Action failed is a bounce
 * (hard with a 5.x.x status, soft with 4.x.x); delayed is soft; delivered, relayed and
 * expanded are no bounce.
 */
function readDeliveryStatus(encoded: Buffer, encoding: string | undefined): BouncedRecipient[] {
  const body = decodeTransfer(encoded.subarray(0, MAX_SCAN), encoding);
  const found: BouncedRecipient[] = [];
  let pos = 0;
  let first = true;
  while (pos < body.length) {
    const end = blankLineEnd(body, pos);
    const blockEnd = end < 0 ? body.length : end;
    const fields = parseHeaderFields(body, pos, blockEnd);
    pos = end < 0 ? body.length : end;
    // Blank lines before a block (or a second blank line) give an empty block: skip it.
    if (!fields.length) continue;
    if (first && !fields.some((f) => f.name === 'final-recipient' || f.name === 'original-recipient')) {
      first = false;
      continue;
    }
    first = false;
    const action = headerValue(fields, 'action')?.trim().toLowerCase();
    if (action !== 'failed' && action !== 'delayed') continue;
    const recipient = typedAddress(headerValue(fields, 'final-recipient')) ?? typedAddress(headerValue(fields, 'original-recipient'));
    if (!recipient) continue;
    const status = /\b([245])\.\d{1,3}\.\d{1,3}\b/.exec(headerValue(fields, 'status') ?? '')?.[0] ?? '';
    found.push({ address: recipient, kind: action === 'failed' && !status.startsWith('4') ? 'hard' : 'soft', status });
  }
  return found;
}

/** "rfc822; alice@example.org" (or utf-8; …): the address, in lower case. */
function typedAddress(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const semicolon = value.indexOf(';');
  const address = (semicolon >= 0 ? value.slice(semicolon + 1) : value).trim().replace(/^<|>$/g, '');
  return /^[^\s@<>]+@[^\s@<>]+$/.test(address) ? address.toLowerCase() : undefined;
}

/** A plain-text bounce format: the line that tells it, and how its failed addresses are listed. */
interface PlainFormat {
  marker: RegExp;
  /** Where the list of addresses begins (after the marker when absent). */
  start?: RegExp;
  /** Where it ends (a blank line after the first address when absent). */
  end?: RegExp;
  address: RegExp;
}

const ANGLE = /<([^\s<>@]+@[^\s<>@]+)>/;
const PLAIN_FORMATS: PlainFormat[] = [
  // Postfix without DSN: "<alice@example.org>: host mx… said: 550 5.1.1 …"
  { marker: /^This is the mail system at host /m, start: /^(?:I'm sorry to have to inform you|For further assistance|If you do so)/m, address: /^<([^\s<>@]+@[^\s<>@]+)>:/ },
  // qmail: "<alice@example.org>:" on a line of its own, then the remote answer.
  { marker: /^Hi\. This is the qmail-send program/m, start: /^Sorry, I wasn't able to deliver/m, end: /^--- Below this line is a copy of the message\./m, address: /^<([^\s<>@]+@[^\s<>@]+)>:\s*$/ },
  // Exim: the failed addresses indented under "permanent error" text.
  { marker: /^This message was created automatically by mail delivery software\./m, start: /could not be delivered to one or more of its\s+recipients|following address\(es\) failed/m, end: /^-{2,}\s*This is a copy of the message/m, address: /^\s{2}([^\s<>@]+@[^\s<>@]+)\s*$/ },
  // Sendmail: "----- The following addresses had permanent fatal errors -----"
  { marker: /^[ \t]*-{3,} The following addresses had (?:permanent fatal errors|transient non-fatal errors) -{3,}$/m, address: ANGLE },
  // Exchange / Office 365: "Delivery has failed to these recipients or groups:"
  { marker: /^Delivery has failed to these recipients or groups:/m, address: /([^\s<>@()]+@[^\s<>@()]+)/ },
];

/**
 * The failed addresses of a plain-text bounce, each hard unless the text around it gives a 4xx
 * answer ("transient", "452 4.2.2"). The formats are those Mailman's detectors know best; a
 * message in none of them is not read as a bounce.
 */
export function readPlainBounce(body: string): BouncedRecipient[] {
  const text = body.replace(/\r\n/g, '\n');
  for (const format of PLAIN_FORMATS) {
    const marker = format.marker.exec(text);
    if (!marker) continue;
    let from = marker.index + marker[0].length;
    if (format.start) {
      const start = format.start.exec(text.slice(from));
      if (start) from += start.index + start[0].length;
    }
    let to = text.length;
    if (format.end) {
      const end = format.end.exec(text.slice(from));
      if (end) to = from + end.index;
    }
    const section = text.slice(from, Math.min(to, from + MAX_SCAN));
    const transient = /transient non-fatal|temporar|\b4\d\d[ -]4\.\d+\.\d+|\b4\.\d{1,3}\.\d{1,3}\b/i.test(section) && !/\b5\d\d[ -]5\.\d+\.\d+|\b5\.\d{1,3}\.\d{1,3}\b|permanent/i.test(section);
    const seen = new Set<string>();
    const found: BouncedRecipient[] = [];
    for (const line of section.split('\n')) {
      const m = format.address.exec(line);
      if (!m || !m[1]) continue;
      const address = m[1].replace(/[.,;:]+$/, '').toLowerCase();
      if (addressesIn(address).length !== 1 || seen.has(address)) continue;
      seen.add(address);
      const status = /\b([45])\.\d{1,3}\.\d{1,3}\b/.exec(line)?.[0] ?? '';
      found.push({ address, kind: transient ? 'soft' : 'hard', status });
    }
    if (found.length) return found;
  }
  return [];
}
