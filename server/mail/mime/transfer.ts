/** Content-Transfer-Encoding (RFC 2045 section 6): base64 and quoted-printable undone. */

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

export interface Base64Options {
  /** What "=" padding does: end the data (the default), or nothing (BINARY: a body of several separately padded chunks decodes to all of them). */
  afterPadding?: 'end' | 'continue';
  /** Also read "-" and "_" as base64url's 62 and 63 (the junk filter: junk mixes the alphabets), rather than skipping them; padding then ends the data. */
  urlSafe?: boolean;
}

/** Base64 data; characters outside the alphabet (line breaks, blanks, debris) are skipped. */
export function decodeBase64(bytes: Buffer, options: Base64Options = {}): Buffer {
  const text = bytes.toString('latin1');
  // Node's own decoder skips what is not base64, reads both alphabets and stops at padding.
  if (options.urlSafe) return Buffer.from(text, 'base64');
  return Buffer.from(text.replace(options.afterPadding === 'continue' ? /[^A-Za-z0-9+/]/g : /[^A-Za-z0-9+/=]/g, ''), 'base64');
}

/**
 * Quoted-printable, leniently: =XX escapes (either case), "=" before a line break (even with
 * blanks between) is a soft break, a malformed "=" stays as it is. `header` is the Q encoding
 * of encoded words (RFC 2047 section 4.2), where "_" is a space.
 */
export function decodeQuotedPrintable(input: Buffer, header = false): Buffer {
  const out = Buffer.allocUnsafe(input.length);
  let o = 0;
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c !== 0x3d) {
      out[o++] = header && c === 0x5f ? 0x20 : c;
      continue;
    }
    const a = input[i + 1];
    if (a === 0x0d && input[i + 2] === 0x0a) {
      i += 2;
      continue;
    }
    if (a === 0x0a) {
      i += 1;
      continue;
    }
    const hi = hexValue(a);
    const lo = hexValue(input[i + 2]);
    if (hi >= 0 && lo >= 0) {
      out[o++] = hi * 16 + lo;
      i += 2;
      continue;
    }
    let j = i + 1;
    while (isBlank(input[j])) j++;
    if (input[j] === 0x0a || (input[j] === 0x0d && input[j + 1] === 0x0a)) {
      i = input[j] === 0x0a ? j : j + 1;
      continue;
    }
    out[o++] = c;
  }
  return out.subarray(0, o);
}

/**
 * Quoted-printable exactly as RFC 2045 section 6.7 says, for BINARY (RFC 3516): trailing
 * blanks on a line are transport padding and go, "=" at a line's end is a soft break, lines
 * end in CRLF, an "=" that is not an escape stays as it is.
 */
export function decodeQuotedPrintableLines(bytes: Buffer): Buffer {
  const out = Buffer.alloc(bytes.length + 2);
  let n = 0;
  let pos = 0;
  while (pos < bytes.length) {
    let lf = bytes.indexOf(0x0a, pos);
    const hasBreak = lf >= 0;
    if (!hasBreak) lf = bytes.length;
    let end = lf;
    if (hasBreak && end > pos && bytes[end - 1] === 0x0d) end--;
    while (end > pos && isBlank(bytes[end - 1])) end--;
    let soft = false;
    if (end > pos && bytes[end - 1] === 0x3d) {
      soft = true;
      end--;
    }
    for (let i = pos; i < end; i++) {
      const c = bytes[i];
      if (c === 0x3d && i + 2 < end && hexValue(bytes[i + 1]) >= 0 && hexValue(bytes[i + 2]) >= 0) {
        out[n++] = hexValue(bytes[i + 1]) * 16 + hexValue(bytes[i + 2]);
        i += 2;
      } else {
        out[n++] = c;
      }
    }
    if (hasBreak && !soft) {
      out[n++] = 0x0d;
      out[n++] = 0x0a;
    }
    pos = lf + 1;
  }
  return out.subarray(0, n);
}

/** A body with its transfer encoding undone, for reading: an unknown encoding leaves the bytes as they are. */
export function decodeTransfer(bytes: Buffer, encoding: string | undefined): Buffer {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case 'base64':
      return decodeBase64(bytes);
    case 'quoted-printable':
      return decodeQuotedPrintable(bytes);
    default:
      return bytes;
  }
}

/** A body with its transfer encoding undone byte-exactly (BINARY); undefined for an encoding we do not know (RFC 3516 UNKNOWN-CTE). */
export function decodeTransferExact(bytes: Buffer, encoding: string | undefined): Buffer | undefined {
  switch ((encoding ?? '7bit').trim().toLowerCase()) {
    case '7bit':
    case '8bit':
    case 'binary':
      return bytes;
    case 'base64':
      return decodeBase64(bytes, { afterPadding: 'continue' });
    case 'quoted-printable':
      return decodeQuotedPrintableLines(bytes);
    default:
      return undefined;
  }
}
