import crypto from 'node:crypto';
import { rfc5322Date } from './date';

/** Plain printable ASCII: a header value that needs no encoding. */
const PLAIN_HEADER = /^[\x20-\x7e]*$/;

/**
 * RFC 2047 encoded words (UTF-8, base64) for a header value that is not plain ASCII, cut so
 * that no encoded word is over 75 characters and no character is split between two.
 */
export function encodeHeaderText(value: string): string {
  if (PLAIN_HEADER.test(value)) return value;
  const words: string[] = [];
  let chunk = '';
  for (const ch of value) {
    // 45 bytes of UTF-8 make 60 characters of base64: with "=?UTF-8?B?" and "?=", 72.
    if (Buffer.byteLength(chunk + ch) > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join('\r\n ');
}

/** A display name as a phrase: plain when it is a run of atoms, quoted or encoded otherwise. */
export function encodePhrase(name: string): string {
  if (!PLAIN_HEADER.test(name)) return encodeHeaderText(name);
  if (/^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]*$/.test(name)) return name;
  return `"${name.replace(/(["\\])/g, '\\$1')}"`;
}

/** `Name <address>`, or the bare address when there is no name. */
export function formatMailbox(address: string, name = ''): string {
  return name ? `${encodePhrase(name)} <${address}>` : address;
}

/** Quoted-printable (RFC 2045 6.7) of UTF-8 text, CRLF line ends, lines of at most 76 characters. */
export function encodeQuotedPrintable(text: string): string {
  return encodeQuotedPrintableBytes(Buffer.from(text, 'utf8'));
}

/** Quoted-printable of bytes of any ASCII-compatible charset; LF or CRLF line ends become CRLF. */
export function encodeQuotedPrintableBytes(bytes: Buffer): string {
  const out: string[] = [];
  const lines: Buffer[] = [];
  for (let start = 0; ; ) {
    const lf = bytes.indexOf(0x0a, start);
    const end = lf < 0 ? bytes.length : lf;
    lines.push(bytes.subarray(start, end > start && bytes[end - 1] === 0x0d ? end - 1 : end));
    if (lf < 0) break;
    start = lf + 1;
  }
  for (const line of lines) {
    let encoded = '';
    for (const byte of line) {
      const safe = (byte >= 33 && byte <= 126 && byte !== 61) || byte === 32;
      encoded += safe ? String.fromCharCode(byte) : `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    }
    // A line starting with a dot or "From " survives every transport when encoded.
    encoded = encoded.replace(/ $/, '=20').replace(/^\./, '=2E').replace(/^From /, '=46rom ');
    while (encoded.length > 76) {
      let cut = 75;
      if (encoded[cut - 1] === '=') cut -= 1;
      else if (encoded[cut - 2] === '=') cut -= 2;
      out.push(encoded.slice(0, cut) + '=');
      encoded = encoded.slice(cut);
    }
    out.push(encoded);
  }
  return out.join('\r\n');
}

export interface TextMessage {
  from: string;
  to: string;
  subject: string;
  body: string;
  /** More header fields, name and value (values already encoded where needed). */
  headers?: [string, string][];
  date?: Date;
  /** The right-hand side of the Message-ID made for it. */
  hostname: string;
}

/** Base64 (RFC 2045 6.8) of UTF-8 text with CRLF line ends, in lines of 76 characters. */
function encodeBase64Text(text: string): string {
  return encodeBase64Lines(Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'utf8'));
}

/** Base64 of bytes in lines of 76 characters (CRLF between them). */
export function encodeBase64Lines(bytes: Buffer): string {
  return bytes.toString('base64').replace(/.{76}(?=.)/g, '$&\r\n');
}

/**
 * Quoted-printable for text that is mostly ASCII (readable as it is), base64 for text that is
 * mostly not (Japanese, Korean or Russian in quoted-printable would be three times its size).
 */
export function bodyEncoding(text: string): 'quoted-printable' | 'base64' {
  const bytes = Buffer.from(text, 'utf8');
  let high = 0;
  for (const byte of bytes) if (byte > 0x7e) high++;
  return high * 3 > bytes.length ? 'base64' : 'quoted-printable';
}

/** UTF-8 text encoded as `bodyEncoding` chooses, CRLF line ends. */
export function encodeTextBody(text: string, encoding = bodyEncoding(text)): string {
  return encoding === 'base64' ? encodeBase64Text(text) : encodeQuotedPrintable(text);
}

/** A complete one-part text/plain message in UTF-8 (quoted-printable or base64), CRLF line ends. */
export function composeTextMessage(m: TextMessage): Buffer {
  const encoding = bodyEncoding(m.body);
  const lines = [
    `From: ${m.from}`,
    `To: ${m.to}`,
    `Subject: ${encodeHeaderText(m.subject)}`,
    `Date: ${rfc5322Date(m.date ?? new Date())}`,
    `Message-ID: <${crypto.randomBytes(12).toString('hex')}@${m.hostname}>`,
    ...(m.headers ?? []).map(([name, value]) => `${name}: ${value}`),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Transfer-Encoding: ${encoding}`,
  ];
  const body = encodeTextBody(m.body, encoding);
  return Buffer.from(lines.join('\r\n') + '\r\n\r\n' + body + (body.endsWith('\r\n') ? '' : '\r\n'), 'utf8');
}
