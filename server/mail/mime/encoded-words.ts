import { type CharsetOptions, charsetLabel, decodeCharset } from './charset';
import { decodeQuotedPrintable } from './transfer';

const ADJACENT = /(=\?[^?\s]+\?[bqBQ]\?[^?\s]*\?=)\s+(?==\?)/g;
const ENCODED_WORD = /=\?([^?\s]+)\?([bqBQ])\?([^?\s]*)\?=/g;

/**
 * RFC 2047 encoded words ("=?charset?B?...?=") decoded; white space between two adjacent
 * encoded words disappears. `charsets`, when given, collects each charset seen (lower case).
 */
export function decodeEncodedWords(value: string, options: CharsetOptions = {}, charsets?: Set<string>): string {
  if (!value.includes('=?')) return value;
  return value.replace(ADJACENT, '$1').replace(ENCODED_WORD, (_m, charset: string, enc: string, text: string) => {
    const label = charsetLabel(charset);
    charsets?.add(label);
    const bytes = enc === 'b' || enc === 'B' ? Buffer.from(text, 'base64') : decodeQuotedPrintable(Buffer.from(text, 'latin1'), true);
    return decodeCharset(bytes, label, options);
  });
}

/** A header value (a wire string) as a reader sees it: raw 8-bit bytes taken as UTF-8, encoded words decoded. */
export function decodeHeaderValue(value: string, options: CharsetOptions = {}): string {
  const text = /[\x80-\xff]/.test(value) ? decodeCharset(Buffer.from(value, 'latin1'), 'utf-8', options) : value;
  return decodeEncodedWords(text, options);
}
