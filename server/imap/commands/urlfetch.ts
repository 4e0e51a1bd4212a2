import { decodeTransferExact } from '../../mail/mime/transfer';
import { headerValue } from '../../mail/mime/header';
import { type MimeNode, parseMime } from '../../mail/mime/tree';
import { bodyStructure } from '../mime/structure';
import type { CommandCursor } from '../protocol/command-cursor';
import { nstring } from '../protocol/encode';
import { AUTHENTICATED, type CommandSpec, bad, ok } from '../session/command-types';
import type { ImapSession } from '../session/imap-session';
import { BadUrl, type ImapUrl, fetchParsedUrl } from './imap-url';
import { type AuthorizedUrl, authorizeUrl } from './urlauth';

/**
 * URLFETCH (RFC 4467) and its extended form of URLAUTH=BINARY (RFC 5524):
 * `URLFETCH (url [BODY | BINARY] [BODYPARTSTRUCTURE])` answers
 * `* URLFETCH url (BODYPARTSTRUCTURE body) (BINARY data)`, one parenthesised item each,
 * the structure first. BINARY undoes the part's Content-Transfer-Encoding (as FETCH BINARY
 * does: a multipart or message/rfc822 part comes as stored), and the structure sent with it
 * then describes the decoded data. A URL that is not valid for this user gets NIL.
 */

interface FetchRequest {
  url: string;
  /** undefined for the plain form (RFC 4467), which answers with the data alone. */
  want?: { body: boolean; binary: boolean; structure: boolean };
}

function readRequest(args: CommandCursor): FetchRequest {
  if (args.peek() !== 0x28) return { url: args.astring().toString('latin1') };
  args.expect('(');
  const url = args.astring().toString('latin1');
  const want = { body: false, binary: false, structure: false };
  while (!args.maybe(')')) {
    args.sp();
    const param = args.atom().toUpperCase();
    if (param === 'BODY') want.body = true;
    else if (param === 'BINARY') want.binary = true;
    else if (param === 'BODYPARTSTRUCTURE') want.structure = true;
    else throw new BadRequest(`unknown URLFETCH parameter ${param.slice(0, 32)}`);
  }
  if (want.body && want.binary) throw new BadRequest('BODY and BINARY cannot both be asked for');
  // "(url)" asks for nothing extra: the data, as the plain form gives it.
  return { url, want: want.body || want.binary || want.structure ? want : undefined };
}

class BadRequest extends Error {}

/** The MIME node a URL's part numbers name, found as FETCH finds a section (part 1 of a single-part message is its body). */
function partNode(root: MimeNode, path: number[]): MimeNode | undefined {
  let node = root;
  for (let i = 0; i < path.length; i++) {
    const container = i === 0 ? root : node.message ?? (node.children ? node : undefined);
    if (!container) return undefined;
    const inMessage = i === 0 || node.message !== undefined;
    if (container.children) {
      const child = container.children[path[i] - 1];
      if (!child) return undefined;
      node = child;
    } else if (path[i] === 1 && inMessage) {
      node = container;
    } else {
      return undefined;
    }
  }
  return node;
}

/** RFC 2045's identity domains: what Content-Transfer-Encoding decoded data could be sent with. */
function dataDomain(data: Buffer): '7bit' | '8bit' | 'binary' {
  let eightBit = false;
  let lineLength = 0;
  for (let i = 0; i < data.length; i++) {
    const c = data[i];
    if (c === 0) return 'binary';
    if (c === 0x0d) {
      if (data[i + 1] !== 0x0a) return 'binary';
      continue;
    }
    if (c === 0x0a) {
      if (data[i - 1] !== 0x0d) return 'binary';
      lineLength = 0;
      continue;
    }
    if (++lineLength > 998) return 'binary';
    if (c >= 0x80) eightBit = true;
  }
  return eightBit ? '8bit' : '7bit';
}

function countLines(data: Buffer): number {
  let n = 0;
  for (let i = data.indexOf(0x0a); i >= 0; i = data.indexOf(0x0a, i + 1)) n++;
  return n;
}

interface PartData {
  structure: string;
  /** Undefined when the Content-Transfer-Encoding is unknown (BINARY is then NIL). */
  data?: Buffer;
}

function withPartial(data: Buffer, u: ImapUrl): Buffer {
  if (!u.partial) return data;
  const start = Math.min(u.partial.start, data.length);
  return data.subarray(start, u.partial.length === undefined ? data.length : Math.min(data.length, start + u.partial.length));
}

/**
 * The structure and the data of the part a URL names, decoded when `binary`. Undefined for
 * URLs that name a header or text section (HEADER, TEXT, MIME): those are no body part.
 */
async function partData(s: ImapSession, url: string, auth: AuthorizedUrl, binary: boolean): Promise<PartData | undefined> {
  const u = auth.parsed;
  if (u.section?.text) return undefined;
  const whole = await fetchParsedUrl(s, url, { ...u, section: undefined, partial: undefined }, auth.ownerId);
  const root = parseMime(whole);
  const node = u.section ? partNode(root, u.section.path) : root;
  if (!node) return undefined;
  const stored = u.section ? whole.subarray(node.bs, node.be) : whole;
  const encoding = headerValue(node.fields, 'content-transfer-encoding');
  const identity = ['7bit', '8bit', 'binary', ''].includes((encoding ?? '').trim().toLowerCase());
  // BINARY of the whole message, of a multipart or of a message/rfc822 part is the data as stored (as FETCH BINARY).
  if (!binary || !u.section || node.children || node.message || identity) return { structure: bodyStructure(node, true), data: withPartial(stored, u) };
  const decoded = decodeTransferExact(stored, encoding);
  if (!decoded) return { structure: bodyStructure(node, true) };
  // The structure of what is sent: its identity encoding, decoded size and lines.
  const domain = dataDomain(decoded);
  const fields = node.fields.filter((f) => f.name !== 'content-transfer-encoding');
  fields.push({ name: 'content-transfer-encoding', raw: Buffer.from(`Content-Transfer-Encoding: ${domain}\r\n`), value: domain });
  const described: MimeNode = { ...node, fields, bs: 0, be: decoded.length, lines: countLines(decoded) };
  return { structure: bodyStructure(described, true), data: withPartial(decoded, u) };
}

function literal(data: Buffer): Buffer {
  // NUL can only travel in a literal8 (RFC 3516 section 4.2).
  return Buffer.concat([Buffer.from(`${data.includes(0) ? '~' : ''}{${data.length}}\r\n`), data]);
}

/** One URLFETCH response line (as bytes): the URL, then its data or its items, or NIL. */
async function fetchOne(s: ImapSession, req: FetchRequest): Promise<Buffer> {
  const head = Buffer.from(`* URLFETCH ${nstring(req.url)} `, 'latin1');
  const nil = Buffer.concat([head, Buffer.from('NIL\r\n')]);
  const auth = authorizeUrl(s, req.url);
  if (!auth) return nil;
  try {
    if (!req.want) return Buffer.concat([head, literal(await fetchParsedUrl(s, req.url, auth.parsed, auth.ownerId)), Buffer.from('\r\n')]);
    const want = req.want;
    const items: Buffer[] = [];
    if (want.structure || want.binary) {
      const part = await partData(s, req.url, auth, want.binary);
      if (!part) return nil;
      if (want.structure) items.push(Buffer.from(`(BODYPARTSTRUCTURE ${part.structure})`, 'latin1'));
      if (want.binary) items.push(Buffer.concat([Buffer.from('(BINARY '), part.data ? literal(part.data) : Buffer.from('NIL'), Buffer.from(')')]));
    }
    if (want.body) items.push(Buffer.concat([Buffer.from('(BODY '), literal(await fetchParsedUrl(s, req.url, auth.parsed, auth.ownerId)), Buffer.from(')')]));
    const joined: Buffer[] = [head];
    items.forEach((item, i) => joined.push(...(i ? [Buffer.from(' '), item] : [item])));
    joined.push(Buffer.from('\r\n'));
    return Buffer.concat(joined);
  } catch (err) {
    if (err instanceof BadUrl) return nil;
    throw err;
  }
}

export const urlfetchCommands: Record<string, CommandSpec> = {
  URLFETCH: {
    states: AUTHENTICATED,
    async run(s, args) {
      const requests: FetchRequest[] = [];
      try {
        do {
          args.sp();
          requests.push(readRequest(args));
        } while (!args.atEnd());
      } catch (err) {
        if (err instanceof BadRequest) return bad(err.message);
        throw err;
      }
      for (const req of requests) await s.write(await fetchOne(s, req));
      return ok('URLFETCH completed');
    },
  },
};
