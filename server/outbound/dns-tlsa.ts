import crypto from 'node:crypto';
import dgram from 'node:dgram';

/** RR type TLSA (RFC 6698); Node's resolver has no method for it. */
const TYPE_TLSA = 52;

export class DnsQueryError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The TLSA records at a name, as "usage selector type hex", asked of one DNS server over UDP
 * (one question, recursion desired; a truncated answer is read as far as it goes). Rejects
 * with `ENOTFOUND` for NXDOMAIN, `ESERVFAIL`, `ETIMEOUT` or `EBADRESP`.
 */
export function resolveTlsa(name: string, server: { host: string; port: number }, timeoutMs = 5000): Promise<string[]> {
  const id = crypto.randomInt(0, 0x10000);
  const query = buildQuery(id, name, TYPE_TLSA);
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(server.host.includes(':') ? 'udp6' : 'udp4');
    const done = (err: Error | undefined, records?: string[]) => {
      clearTimeout(timer);
      socket.close();
      if (err) reject(err);
      else resolve(records ?? []);
    };
    const timer = setTimeout(() => done(new DnsQueryError('ETIMEOUT', `no answer from ${server.host} for ${name}`)), timeoutMs);
    socket.on('error', (err) => done(err));
    socket.on('message', (msg) => {
      if (msg.length < 12 || msg.readUInt16BE(0) !== id) return;
      try {
        done(undefined, parseTlsaAnswer(msg, name));
      } catch (err) {
        done(err as Error);
      }
    });
    socket.send(query, server.port, server.host);
  });
}

function buildQuery(id: number, name: string, type: number): Buffer {
  const labels = name.replace(/\.$/, '').split('.');
  const qname = Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'ascii')])), Buffer.from([0])]);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2); // recursion desired
  header.writeUInt16BE(1, 4);
  const question = Buffer.alloc(4);
  question.writeUInt16BE(type, 0);
  question.writeUInt16BE(1, 2); // IN
  return Buffer.concat([header, qname, question]);
}

function parseTlsaAnswer(msg: Buffer, name: string): string[] {
  const rcode = msg.readUInt16BE(2) & 0x0f;
  if (rcode === 3) throw new DnsQueryError('ENOTFOUND', `${name} does not exist`);
  if (rcode !== 0) throw new DnsQueryError('ESERVFAIL', `the DNS server answered rcode ${rcode} for ${name}`);
  const answers = msg.readUInt16BE(6);
  let p = 12;
  for (let q = msg.readUInt16BE(4); q > 0; q--) p = skipName(msg, p) + 4;
  const out: string[] = [];
  for (let i = 0; i < answers; i++) {
    p = skipName(msg, p);
    if (p + 10 > msg.length) break;
    const type = msg.readUInt16BE(p);
    const len = msg.readUInt16BE(p + 8);
    const data = msg.subarray(p + 10, p + 10 + len);
    if (data.length !== len) break;
    if (type === TYPE_TLSA && len >= 3) out.push(`${data[0]} ${data[1]} ${data[2]} ${data.subarray(3).toString('hex')}`);
    p += 10 + len;
  }
  return out;
}

function skipName(msg: Buffer, p: number): number {
  for (let hops = 0; hops < 128; hops++) {
    if (p >= msg.length) throw new DnsQueryError('EBADRESP', 'a DNS name runs past the message');
    const len = msg[p];
    if (len === 0) return p + 1;
    if ((len & 0xc0) === 0xc0) return p + 2;
    p += 1 + len;
  }
  throw new DnsQueryError('EBADRESP', 'a DNS name with too many labels');
}
