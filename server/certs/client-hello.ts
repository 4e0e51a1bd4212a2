/**
 * What a TLS client asks for in its ClientHello (RFC 8446 4.1.2, RFC 5246 7.4.1.2): the server
 * name (RFC 6066) and the application protocols (RFC 7301), read from the bytes before the
 * handshake starts, so the engine can pick one certificate for the connection (a domain's, or
 * an ACME TLS-ALPN-01 challenge's) instead of letting OpenSSL add a second one beside the
 * listener's default.
 */
export interface ClientHello {
  servername?: string;
  alpn: string[];
}

/** A ClientHello may span records; nothing legitimate comes near this. */
export const MAX_CLIENT_HELLO = 64 * 1024;

const HANDSHAKE = 22;
const CLIENT_HELLO = 1;
const EXT_SERVER_NAME = 0;
const EXT_ALPN = 16;

/**
 * Reads the ClientHello at the start of `buf`: `undefined` while more bytes are needed,
 * `'not-tls'` when the bytes are not a TLS handshake (or are malformed, or too long).
 */
export function readClientHello(buf: Buffer): ClientHello | 'not-tls' | undefined {
  // The handshake message, reassembled from as many handshake records as it takes.
  const chunks: Buffer[] = [];
  let have = 0;
  let need = -1;
  let pos = 0;
  for (;;) {
    if (pos + 5 > buf.length) return buf.length > MAX_CLIENT_HELLO ? 'not-tls' : undefined;
    if (buf[pos] !== HANDSHAKE || buf[pos + 1] !== 3) return 'not-tls';
    const len = buf.readUInt16BE(pos + 3);
    if (len === 0) return 'not-tls';
    if (pos + 5 + len > buf.length) return pos + 5 + len > MAX_CLIENT_HELLO ? 'not-tls' : undefined;
    chunks.push(buf.subarray(pos + 5, pos + 5 + len));
    have += len;
    pos += 5 + len;
    if (need < 0 && have >= 4) {
      const head = Buffer.concat(chunks);
      if (head[0] !== CLIENT_HELLO) return 'not-tls';
      need = 4 + head.readUIntBE(1, 3);
      if (need > MAX_CLIENT_HELLO) return 'not-tls';
    }
    if (need >= 0 && have >= need) return parseClientHello(Buffer.concat(chunks).subarray(4, need));
  }
}

function parseClientHello(body: Buffer): ClientHello | 'not-tls' {
  const hello: ClientHello = { alpn: [] };
  try {
    let p = 2 + 32; // version, random
    p += 1 + body[p]; // session id
    p += 2 + body.readUInt16BE(p); // cipher suites
    p += 1 + body[p]; // compression methods
    if (p === body.length) return hello; // no extensions
    const end = p + 2 + body.readUInt16BE(p);
    if (end > body.length) return 'not-tls';
    p += 2;
    while (p + 4 <= end) {
      const type = body.readUInt16BE(p);
      const len = body.readUInt16BE(p + 2);
      const data = body.subarray(p + 4, p + 4 + len);
      if (data.length !== len) return 'not-tls';
      if (type === EXT_SERVER_NAME) hello.servername = serverName(data);
      else if (type === EXT_ALPN) hello.alpn = protocols(data);
      p += 4 + len;
    }
    return hello;
  } catch {
    // A length that runs past the buffer.
    return 'not-tls';
  }
}

function serverName(data: Buffer): string | undefined {
  let p = 2;
  while (p + 3 <= data.length) {
    const type = data[p];
    const len = data.readUInt16BE(p + 1);
    if (type === 0) {
      const name = data.toString('latin1', p + 3, p + 3 + len).toLowerCase();
      return /^[a-z0-9.-]{1,253}$/.test(name) ? name.replace(/\.$/, '') : undefined;
    }
    p += 3 + len;
  }
  return undefined;
}

function protocols(data: Buffer): string[] {
  const out: string[] = [];
  let p = 2;
  while (p < data.length) {
    const len = data[p];
    out.push(data.toString('latin1', p + 1, p + 1 + len));
    p += 1 + len;
  }
  return out;
}

/** How many bytes `readClientHello` needs before it can say more: the end of the record being read. */
export function bytesWanted(buf: Buffer): number {
  let pos = 0;
  while (pos + 5 <= buf.length) {
    const end = pos + 5 + buf.readUInt16BE(pos + 3);
    if (end > buf.length) return end;
    pos = end;
  }
  return pos + 5;
}
