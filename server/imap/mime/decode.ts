/** Decoding for SEARCH: RFC 2047 encoded-words, transfer encodings, charsets. Never used for FETCH output. */

export function decodeCharset(bytes: Buffer, charset: string | undefined): string {
  const label = (charset ?? 'utf-8').trim().toLowerCase() || 'utf-8';
  try {
    return new TextDecoder(label === 'us-ascii' ? 'utf-8' : label).decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}

export function decodeQuotedPrintable(bytes: Buffer, headerStyle = false): Buffer {
  const s = bytes.toString('latin1');
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '=' ) {
      if (s[i + 1] === '\r' && s[i + 2] === '\n') {
        i += 2;
        continue;
      }
      if (s[i + 1] === '\n') {
        i += 1;
        continue;
      }
      const hex = s.slice(i + 1, i + 3);
      if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
        out.push(parseInt(hex, 16));
        i += 2;
        continue;
      }
    }
    out.push(headerStyle && c === '_' ? 0x20 : s.charCodeAt(i));
  }
  return Buffer.from(out);
}

export function decodeTransfer(bytes: Buffer, encoding: string | undefined): Buffer {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case 'base64':
      return Buffer.from(bytes.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
    case 'quoted-printable':
      return decodeQuotedPrintable(bytes);
    default:
      return bytes;
  }
}

/** A header value (wire string) as readable text: encoded-words decoded, raw 8-bit taken as UTF-8. */
export function decodeHeaderValue(value: string): string {
  const raw = Buffer.from(value, 'latin1');
  const text = /[\x80-\xff]/.test(value) ? decodeCharset(raw, 'utf-8') : value;
  return text
    .replace(/(=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=)\s+(?==\?)/g, '$1')
    .replace(/=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g, (_m, charset: string, enc: string, data: string) => {
      const bytes = enc.toUpperCase() === 'B' ? Buffer.from(data, 'base64') : decodeQuotedPrintable(Buffer.from(data, 'latin1'), true);
      return decodeCharset(bytes, charset.split('*')[0]);
    });
}
