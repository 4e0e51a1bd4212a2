import iconv from 'iconv-lite';
import { TextDecoder } from 'node:util';

/**
 * How a reader wants text in a named charset. IMAP SEARCH and Sieve read mail as a person
 * would (mislabelled "us-ascii" is mostly UTF-8); the junk filter keeps every byte of
 * mislabelled junk as one character, since those bytes are evidence too.
 */
export interface CharsetOptions {
  /** Read us-ascii, ascii, iso-8859-1, latin1 and an absent charset byte for byte, rather than as UTF-8 (ASCII) and windows-1252 (WHATWG's iso-8859-1). */
  latin1ForAscii?: boolean;
  /** Use iconv-lite for charsets Node has no decoder for, rather than keeping their bytes as latin1. */
  iconv?: boolean;
  /** Drop a UTF-8 byte-order mark, as TextDecoder does. */
  stripBom?: boolean;
}

/**
 * Node's own decoders (ICU, WHATWG labels) by charset name, or null where it has none;
 * ICU's are native, and iconv-lite spends tens of milliseconds building tables the first
 * time it meets a CJK charset.
 */
const decoders = new Map<string, TextDecoder | null>();

function nativeDecoder(label: string): TextDecoder | null {
  let d = decoders.get(label);
  if (d === undefined) {
    try {
      d = new TextDecoder(label);
    } catch {
      d = null;
    }
    decoders.set(label, d);
  }
  return d;
}

/** A charset label as found in a parameter or an encoded word: quotes and an RFC 2231 language ("*en") removed, lower case. */
export function charsetLabel(charset: string | undefined): string {
  return (charset ?? '').trim().toLowerCase().replace(/^"|"$/g, '').split('*')[0];
}

/** Bytes → text in the named charset; an unknown charset keeps its bytes as latin1, so none is lost. */
export function decodeCharset(bytes: Buffer, charset: string | undefined, options: CharsetOptions = {}): string {
  const label = charsetLabel(charset);
  if (options.latin1ForAscii && (label === '' || label === 'us-ascii' || label === 'ascii' || label === 'iso-8859-1' || label === 'latin1')) return bytes.toString('latin1');
  if (label === '' || label === 'utf-8' || label === 'utf8' || label === 'us-ascii' || label === 'ascii') {
    const bom = options.stripBom && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
    return bytes.toString('utf8', bom);
  }
  const native = nativeDecoder(label);
  if (native) return native.decode(bytes);
  if (options.iconv && iconv.encodingExists(label)) return iconv.decode(bytes, label);
  return bytes.toString('latin1');
}
