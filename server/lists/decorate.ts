import crypto from 'node:crypto';
import iconv from 'iconv-lite';
import { bodyEncoding, encodeBase64Lines, encodeQuotedPrintableBytes, encodeTextBody } from '../mail/compose';
import { headerValue } from '../mail/mime/header';
import { charsetLabel, decodeCharset } from '../mail/mime/charset';
import { decodeTransferExact } from '../mail/mime/transfer';
import { parseMime, type MimeNode } from '../mail/mime/tree';
import type { IncomingMessage } from './incoming';
import type { MailingList } from './types';

/** The header and footer text of one copy, substitutions done ("" = none). */
export interface Decoration {
  header: string;
  footer: string;
}

/** A decorated post: top-level fields to drop, fields to add in their place, and the new body. */
export interface Decorated {
  drop: ReadonlySet<string>;
  add: string[];
  body: Buffer;
}

/** The names Mailman 2.1's msg_header/msg_footer know (docs/lists.md, "Header and footer"). */
export const DECORATION_VARIABLES = ['real_name', 'list_name', '_internal_name', 'host_name', 'description', 'info', 'web_page_url', 'cgiext', 'list_address', 'user_address', 'user_name', 'user_delivered_to'] as const;
export type DecorationVariable = (typeof DECORATION_VARIABLES)[number];

const VARIABLE = /%\(([^)]*)\)s/g;

/** The first substitution in a template that Pillarbox does not know (undefined when all are known). */
export function unknownVariable(template: string): string | undefined {
  for (const m of template.matchAll(VARIABLE)) if (!(DECORATION_VARIABLES as readonly string[]).includes(m[1])) return m[0];
  return undefined;
}

/** A template with its %(name)s substitutions filled in; the text ends with one line end (or is ""). */
export function expandDecoration(template: string, vars: Record<DecorationVariable, string>): string {
  if (!template.trim()) return '';
  const text = template.replace(VARIABLE, (m, name: string) => (name in vars ? vars[name as DecorationVariable] : m));
  return text.replace(/\r?\n/g, '\r\n').replace(/(\r\n)*$/, '') + '\r\n';
}

/** A list's header and footer for one copy; `member` for a personalised copy (the user_* names are "" otherwise). */
export function listDecoration(list: MailingList, hostname: string, member?: { address: string; displayAddress: string; name?: string }): Decoration {
  const vars = decorationVars(list, hostname, member);
  return { header: expandDecoration(list.messageHeader, vars), footer: expandDecoration(list.messageFooter, vars) };
}

/** A digest's header and footer (Mailman's digest_header/digest_footer): the same substitutions, no member's. Line ends are "\n" (digests are composed as text). */
export function digestDecoration(list: MailingList, hostname: string): { header: string; footer: string } {
  const vars = decorationVars(list, hostname);
  const lines = (template: string) => expandDecoration(template, vars).replace(/\r\n/g, '\n');
  return { header: lines(list.digestHeader), footer: lines(list.digestFooter) };
}

function decorationVars(list: MailingList, hostname: string, member?: { address: string; displayAddress: string; name?: string }): Record<DecorationVariable, string> {
  return {
    real_name: list.name,
    list_name: list.name.toLowerCase(),
    _internal_name: list.name.toLowerCase(),
    host_name: list.domain,
    description: list.description,
    info: list.info,
    web_page_url: `https://${hostname}/mailman/`,
    cgiext: '',
    list_address: list.address,
    user_address: member?.displayAddress ?? '',
    user_name: member?.name ?? '',
    user_delivered_to: member?.address ?? '',
  };
}

const TEXT_ENCODINGS = new Set(['7bit', '8bit', 'binary', 'quoted-printable', 'base64']);
/** Top-level fields that describe the body: they move into the wrapped part or are rewritten. */
const isContentField = (name: string) => name.startsWith('content-') || name === 'mime-version';

/**
 * The post with the list's header and footer, as Mailman 2.1's Decorate does it:
 * - a single text/plain body gets them in its own text: in its own charset when they can be
 *   written in it, else the whole text re-encoded to UTF-8; in its own transfer encoding
 *   (quoted-printable and base64 re-encoded, 7bit turned quoted-printable if the text is no
 *   longer ASCII);
 * - a multipart/mixed gets a text/plain part before its first part and after its last;
 * - anything else (multipart/alternative, multipart/signed, text/html, an attachment alone, a
 *   text whose encoding or charset cannot be read) is wrapped whole, bytes untouched, in a
 *   multipart/mixed between the two text parts. A signed part's signature thus stays valid.
 * Undefined when there is nothing to add.
 */
export function decorate(msg: IncomingMessage, d: Decoration): Decorated | undefined {
  if (!d.header && !d.footer) return undefined;
  const root = parseMime(msg.raw, { countLines: false, contentFieldsOnly: true, maxParts: 1000 });
  if (root.type === 'text' && root.subtype === 'plain') {
    const inline = decorateText(msg, root, d);
    if (inline) return inline;
  }
  if (root.type === 'multipart' && root.subtype === 'mixed' && !root.defaulted && root.children?.length) return decorateMixed(msg, root, d);
  return wrap(msg, d);
}

function decorateText(msg: IncomingMessage, root: MimeNode, d: Decoration): Decorated | undefined {
  const cte = (headerValue(root.fields, 'content-transfer-encoding') ?? '7bit').trim().toLowerCase();
  if (!TEXT_ENCODINGS.has(cte)) return undefined;
  const bytes = decodeTransferExact(msg.raw.subarray(root.bs, root.be), cte);
  if (!bytes) return undefined;
  const label = charsetLabel(root.params.find(([k]) => k.toLowerCase() === 'charset')?.[1]) || 'us-ascii';
  const ascii = label === 'us-ascii' || label === 'ascii';
  if (!ascii && !iconv.encodingExists(label)) return undefined;
  const extra = d.header + d.footer;
  let charset = label;
  let body: Buffer;
  const around = (header: Buffer, text: Buffer, footer: Buffer) => Buffer.concat([header, text, text.length && text[text.length - 1] !== 0x0a ? Buffer.from('\r\n') : Buffer.alloc(0), footer]);
  if (isAscii(extra) && (ascii || isAsciiCompatible(label))) {
    body = around(Buffer.from(d.header, 'latin1'), bytes, Buffer.from(d.footer, 'latin1'));
  } else if (!ascii && iconv.decode(iconv.encode(extra, label), label) === extra && isAsciiCompatible(label)) {
    // The decoration can be written in the text's own charset: its bytes stay as they are.
    body = around(iconv.encode(d.header, label), bytes, iconv.encode(d.footer, label));
  } else {
    const text = decodeCharset(bytes, label, { iconv: true });
    body = around(Buffer.from(d.header, 'utf8'), Buffer.from(text, 'utf8'), Buffer.from(d.footer, 'utf8'));
    charset = 'utf-8';
  }
  let encoding = cte;
  if (encoding === '7bit' && body.some((b) => b > 0x7f)) encoding = 'quoted-printable';
  const qp = encoding === 'quoted-printable' ? encodeQuotedPrintableBytes(body) : '';
  const encoded = encoding === 'quoted-printable' ? (qp.endsWith('\r\n') ? qp : qp + '\r\n') : encoding === 'base64' ? encodeBase64Lines(body) + '\r\n' : body;
  const params = root.params.filter(([k]) => k.toLowerCase() !== 'charset').map(([k, v]) => `; ${k}="${v.replace(/["\\]/g, '\\$&')}"`);
  return {
    drop: new Set(['content-type', 'content-transfer-encoding', 'mime-version']),
    add: ['MIME-Version: 1.0', `Content-Type: text/plain; charset="${charset}"${params.join('')}`, `Content-Transfer-Encoding: ${encoding}`],
    body: typeof encoded === 'string' ? Buffer.from(encoded, 'latin1') : encoded,
  };
}

const isAscii = (text: string) => !/[^\t\r\n\x20-\x7e]/.test(text);

/** Charsets whose bytes below 0x80 are ASCII (the header can be put in front byte for byte). */
function isAsciiCompatible(label: string): boolean {
  return /^(utf-?8|iso-?8859-\d+|latin-?\d|windows-125\d|cp125\d|koi8-[ru]|euc-(jp|kr)|gb2312|gbk|gb18030|big5|shift_jis|tis-620)$/.test(label);
}

/** A text/plain part of its own (in a multipart), UTF-8 unless ASCII. */
function textPart(text: string): string {
  if (isAscii(text)) return `Content-Type: text/plain; charset="us-ascii"\r\nContent-Transfer-Encoding: 7bit\r\nContent-Disposition: inline\r\n\r\n${text}`;
  const encoding = bodyEncoding(text);
  return `Content-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: ${encoding}\r\nContent-Disposition: inline\r\n\r\n${encodeTextBody(text, encoding)}`;
}

function decorateMixed(msg: IncomingMessage, root: MimeNode, d: Decoration): Decorated {
  const boundary = root.params.find(([k]) => k.toLowerCase() === 'boundary')?.[1] as string;
  const children = root.children as MimeNode[];
  const first = children[0].hs;
  const last = children[children.length - 1].be;
  const raw = msg.raw;
  const parts: Buffer[] = [raw.subarray(msg.bodyStart, first)];
  if (d.header) parts.push(Buffer.from(`${textPart(d.header)}\r\n--${boundary}\r\n`, 'utf8'));
  parts.push(raw.subarray(first, last));
  if (d.footer) parts.push(Buffer.from(`\r\n--${boundary}\r\n${textPart(d.footer)}`, 'utf8'));
  parts.push(raw.subarray(last));
  return { drop: new Set(), add: [], body: Buffer.concat(parts) };
}

function wrap(msg: IncomingMessage, d: Decoration): Decorated {
  const boundary = `===============${crypto.randomBytes(12).toString('hex')}==`;
  const contentFields = msg.fields.filter((f) => isContentField(f.name) && f.name !== 'mime-version').map((f) => (f.raw[f.raw.length - 1] === 0x0a ? f.raw : Buffer.concat([f.raw, Buffer.from('\r\n')])));
  const parts: Buffer[] = [Buffer.from('This is a multi-part message in MIME format.\r\n', 'latin1')];
  if (d.header) parts.push(Buffer.from(`--${boundary}\r\n${textPart(d.header)}\r\n`, 'utf8'));
  parts.push(Buffer.from(`--${boundary}\r\n`), ...contentFields, Buffer.from('\r\n'), msg.raw.subarray(msg.bodyStart));
  if (d.footer) parts.push(Buffer.from(`\r\n--${boundary}\r\n${textPart(d.footer)}`, 'utf8'));
  parts.push(Buffer.from(`\r\n--${boundary}--\r\n`));
  return {
    drop: new Set(msg.fields.filter((f) => isContentField(f.name)).map((f) => f.name)),
    add: ['MIME-Version: 1.0', `Content-Type: multipart/mixed; boundary="${boundary}"`],
    body: Buffer.concat(parts),
  };
}
