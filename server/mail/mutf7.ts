/**
 * Modified UTF-7 for mailbox names (RFC 3501 section 5.1.3): printable ASCII stands
 * for itself except "&", which is "&-"; everything else is UTF-16 in a modified
 * base64 ("," instead of "/") between "&" and "-".
 */
export function encodeMailboxName(name: string): string {
  let out = '';
  let pending = '';
  const flush = () => {
    if (!pending) return;
    const utf16 = Buffer.alloc(pending.length * 2);
    for (let i = 0; i < pending.length; i++) utf16.writeUInt16BE(pending.charCodeAt(i), i * 2);
    out += '&' + utf16.toString('base64').replace(/=+$/, '').replace(/\//g, ',') + '-';
    pending = '';
  };
  for (const ch of name) {
    const c = ch.charCodeAt(0);
    if (ch.length === 1 && c >= 0x20 && c <= 0x7e) {
      flush();
      out += ch === '&' ? '&-' : ch;
    } else {
      pending += ch;
    }
  }
  flush();
  return out;
}

export class MailboxNameError extends Error {}

/** Decodes a wire mailbox name; rejects malformed modified UTF-7. */
export function decodeMailboxName(wire: string): string {
  let out = '';
  let i = 0;
  while (i < wire.length) {
    const ch = wire[i];
    if (ch !== '&') {
      const c = ch.charCodeAt(0);
      // 8-bit input is raw UTF-8 from a client that did not encode; accept it as is.
      if (c < 0x20 || c === 0x7f) throw new MailboxNameError('control characters in mailbox name');
      out += ch;
      i++;
      continue;
    }
    const end = wire.indexOf('-', i + 1);
    if (end < 0) throw new MailboxNameError('unterminated modified UTF-7 sequence');
    const b64 = wire.slice(i + 1, end);
    if (b64 === '') {
      out += '&';
    } else {
      if (!/^[A-Za-z0-9+,]+$/.test(b64)) throw new MailboxNameError('invalid modified UTF-7 sequence');
      const bytes = Buffer.from(b64.replace(/,/g, '/'), 'base64');
      if (bytes.length % 2 !== 0 || bytes.length === 0) throw new MailboxNameError('invalid modified UTF-7 sequence');
      let decoded = '';
      for (let j = 0; j < bytes.length; j += 2) decoded += String.fromCharCode(bytes.readUInt16BE(j));
      out += decoded;
    }
    i = end + 1;
  }
  return out;
}
