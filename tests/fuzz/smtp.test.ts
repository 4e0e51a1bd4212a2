/**
 * Fuzz targets for what an SMTP client reaches: smtp-server's command parser (through a real
 * listener), the DATA path (line normalisation, header capture), the From-header address parser,
 * envelope address checks and the trace header built from client-supplied names.
 */
import { isRoutingTrick, parseAddress } from '../../server/directory/address';
import { HeaderCapture } from '../../server/mail/header-capture';
import { addressesIn, headerFields } from '../../server/mail/header-fields';
import { LineNormalizer } from '../../server/smtp/line-normalizer';
import { receivedHeader } from '../../server/smtp/trace-headers';
import { atom, chunked, encodedWord, latin1, nastyChar, numberText, quoted, rawBytes, repeated, sentence, word } from './arbitraries';
import { type Codec, check, fc, fuzz, jsonCodec, latin1Codec } from './driver';
import { FuzzEngine, USER, VIAS, converse, lines, tailAgainMs, viaName } from './session';

// ---- DATA: line normalisation --------------------------------------------------------------------

const dataBytes = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
  fc.array(fc.oneof(fc.constantFrom('\r', '\n', '\r\n', '.', '\r\n.\r\n', '\n.\n', '\r.\r', 'a', ' '), nastyChar), { maxLength: 60 }).map((a) => latin1(a.join(''))),
);

/** Chunks as a stream may hand them over, empty ones included. */
const dataChunks = fc.oneof(chunked(dataBytes), fc.array(dataBytes.map((b) => b.subarray(0, b.length % 3)), { maxLength: 5 }), fc.array(fc.constantFrom('\r', '\n', '', 'x', '\r\n').map(latin1), { maxLength: 12 }));

const chunksCodec: Codec<{ chunks: string[]; limit: number }> = jsonCodec();

/** What the spool must get: every LF without a CR before it becomes CRLF, nothing else changes. */
function normalized(data: Buffer): Buffer {
  return latin1(data.toString('latin1').replace(/(?<!\r)\n/g, '\r\n'));
}

fuzz({
  name: 'smtp-line-normalizer',
  arbitrary: fc.record({ chunks: dataChunks.map((cs) => cs.map((c) => c.toString('latin1'))), limit: fc.oneof(fc.constant(0), fc.nat({ max: 400 })) }),
  codec: chunksCodec,
  seeds: [{ chunks: ['a\r', '', '\nb\n'], limit: 0 }],
  run({ chunks, limit }) {
    const n = new LineNormalizer(limit);
    const out: Buffer[] = [];
    for (const c of chunks) {
      n._transform(latin1(c), 'latin1', (err, data) => {
        if (err) throw err;
        if (data) out.push(data as Buffer);
      });
    }
    const got = Buffer.concat(out);
    const want = normalized(latin1(chunks.join('')));
    if (limit > 0 && n.exceeded) {
      check(got.length <= limit, `wrote ${got.length} bytes past the limit ${limit}`);
      check(want.subarray(0, got.length).equals(got), 'output is not a prefix of the normalised input');
      check(want.length > limit, 'limit reported exceeded for input within it');
    } else {
      check(got.equals(want), () => `normalised ${JSON.stringify(chunks)} to ${JSON.stringify(got.toString('latin1'))}, expected ${JSON.stringify(want.toString('latin1'))}`);
    }
  },
});

// ---- DATA: header capture ------------------------------------------------------------------------

const MAX_HEADER = 256 * 1024;

fuzz({
  name: 'smtp-header-capture',
  arbitrary: fc
    .oneof(
      { weight: 10, arbitrary: dataChunks },
      // Headers of any length up to past the capture limit: the longest (a quarter of a megabyte to
      // generate, copy and compare) one time in ten, most of them right at the limit.
      {
        weight: 9,
        arbitrary: chunked(fc.tuple(fc.nat({ max: 1000 }), fc.constantFrom('\r\n\r\n', '\r\n', '\n\n', '')).map(([n, end]) => latin1('X: ' + 'h'.repeat(n) + end + 'body'))),
      },
      {
        weight: 1,
        arbitrary: chunked(
          fc.tuple(fc.oneof(fc.integer({ min: MAX_HEADER - 12, max: MAX_HEADER + 10 }), fc.nat({ max: MAX_HEADER + 10 })), fc.constantFrom('\r\n\r\n', '\r\n', '\n\n', '')).map(([n, end]) => latin1('X: ' + 'h'.repeat(n) + end + 'body')),
        ),
      },
    )
    .map((cs) => cs.map((c) => c.toString('latin1'))),
  codec: jsonCodec<string[]>(),
  // A thousand one-byte chunks take about 5 ms, and several times that on a busy machine.
  hangMs: 200,
  run(chunks) {
    const h = new HeaderCapture();
    const out: Buffer[] = [];
    for (const c of chunks) h._transform(latin1(c), 'latin1', (_e, d) => d && out.push(d as Buffer));
    const whole = chunks.join('');
    check(Buffer.concat(out).toString('latin1') === whole, 'content changed on its way through');
    const cap = whole.slice(0, MAX_HEADER);
    const end = cap.indexOf('\r\n\r\n');
    const want = cap.startsWith('\r\n') ? '' : end >= 0 ? cap.slice(0, end + 2) : cap;
    const got = h.header();
    check(got === want, () => `header() gave ${JSON.stringify(got.slice(0, 200))}, expected ${JSON.stringify(want.slice(0, 200))}`);
    // Once the blank line has gone by, nothing more is kept, however the bytes were cut.
    const blank = cap.startsWith('\r\n') ? 2 : end >= 0 ? end + 4 : -1;
    const kept = (h as unknown as { kept: number }).kept;
    const bound = blank < 0 ? MAX_HEADER : Math.min(MAX_HEADER, blank + Math.max(0, ...chunks.map((c) => c.length)));
    check(kept <= bound, () => `kept ${kept} bytes, though the header ends after ${blank}`);
    // Folding and field lookup never throw and never find a name that is not there.
    for (const v of headerFields(got, 'from')) check(!/\r\n(?![ \t])/.test(v), 'an unfolded value still holds a line break');
  },
});

// ---- From header addresses -----------------------------------------------------------------------

const localPart = fc.oneof(atom, fc.tuple(atom, atom).map(([a, b]) => `${a}.${b}`));
const domain = fc.array(word('abcdefghijklmnopqrstuvwxyz0123456789-', 8), { minLength: 1, maxLength: 3 }).map((a) => a.join('.'));
const addrSpec = fc.tuple(localPart, domain).map(([l, d]) => `${l}@${d}`);
const comment = fc.oneof(
  fc.string({ maxLength: 10 }).map((s) => `(${s.replace(/[()\\]/g, '')})`),
  fc.constantFrom('(a (nested) comment)', '(with \\) escaped paren)', '(<x@y>, "q")'),
);
const displayName = fc.oneof(
  fc.array(atom, { minLength: 1, maxLength: 3 }).map((a) => a.join(' ')),
  fc.string({ maxLength: 16 }).map((s) => '"' + s.replace(/["\\]/g, (c) => '\\' + c).replace(/[\r\n]/g, '') + '"'),
  encodedWord,
);
/** One mailbox as written, with the address it stands for. */
const mailbox = fc.oneof(
  addrSpec.map((a) => ({ text: a, addr: a })),
  addrSpec.map((a) => ({ text: `<${a}>`, addr: a })),
  fc.tuple(displayName, addrSpec).map(([n, a]) => ({ text: `${n} <${a}>`, addr: a })),
  fc.tuple(addrSpec, comment).map(([a, c]) => ({ text: `${a} ${c}`, addr: a })),
  fc.tuple(displayName, comment, addrSpec).map(([n, c, a]) => ({ text: `${n} ${c} <${a}>`, addr: a })),
);
const addressList = fc
  .array(
    fc.oneof(
      mailbox.map((m) => ({ text: m.text, addrs: [m.addr] })),
      fc.tuple(atom, fc.array(mailbox, { maxLength: 3 })).map(([g, ms]) => ({ text: `${g}: ${ms.map((m) => m.text).join(', ')};`, addrs: ms.map((m) => m.addr) })),
    ),
    { minLength: 1, maxLength: 4 },
  )
  .map((items) => ({ value: items.map((i) => i.text).join(', '), addrs: items.flatMap((i) => i.addrs) }));

fuzz({
  name: 'smtp-from-addresses',
  arbitrary: fc.oneof(
    addressList,
    fc.oneof(rawBytes(80), sentence(fc.oneof(atom, quoted, nastyChar, addrSpec, comment)), repeated(fc.constantFrom('(', '"', '<', '\\', ',', 'a@b'), 20000)).map((value) => ({ value, addrs: undefined as string[] | undefined })),
  ),
  codec: jsonCodec(),
  run({ value, addrs }) {
    const got = addressesIn(value);
    if (addrs) check(JSON.stringify(got) === JSON.stringify(addrs), () => `addressesIn(${JSON.stringify(value)}) = ${JSON.stringify(got)}, expected ${JSON.stringify(addrs)}`);
    for (const a of got) check(a === a.trim() && a.length > 0, `an empty or untrimmed address ${JSON.stringify(a)}`);
    headerFields(`From: ${value}\r\n\tcontinued\r\nfrom:${value}\r\n`, 'from');
  },
});

// ---- envelope addresses --------------------------------------------------------------------------

fuzz({
  name: 'smtp-envelope-address',
  arbitrary: fc.oneof(
    addrSpec,
    fc.tuple(fc.array(fc.oneof(atom, nastyChar, fc.constantFrom('@', '%', '!', ':', '"', '.')), { maxLength: 8 }), domain).map(([l, d]) => `${l.join('')}@${d}`),
    rawBytes(40),
    fc.string({ maxLength: 40 }),
  ),
  codec: latin1Codec,
  run(address) {
    const a = parseAddress(address);
    const trick = isRoutingTrick(address);
    if (!a) {
      check(trick, `${JSON.stringify(address)} does not parse but is not refused as a routing trick`);
      return;
    }
    check(a.local.length > 0 && a.domain.length >= 0 && !a.domain.includes('@'), 'a split with an empty local part or an @ in the domain');
    check(address.toLowerCase().startsWith(a.local.toLowerCase() + '@'), 'the local part is not what came before the last @');
    if (a.local.includes('@') || a.local.includes('%') || a.local.includes('!')) check(trick, `${JSON.stringify(address)} hides a route but is not refused`);
  },
});

// ---- the trace header ----------------------------------------------------------------------------

fuzz({
  name: 'smtp-received-header',
  arbitrary: fc.record({
    helo: fc.oneof(fc.constant(undefined), rawBytes(60), fc.string({ maxLength: 60 }), sentence(fc.oneof(atom, nastyChar))),
    clientAddress: fc.oneof(fc.ipV4(), fc.ipV6()),
    // What smtp-server hands over: it refuses paths with control characters (its ADDRESS_UNSAFE_CHARS).
    // eslint-disable-next-line no-control-regex -- control characters are the point
    recipient: fc.oneof(fc.constant(undefined), addrSpec, fc.tuple(atom, nastyChar, addrSpec).map(([a, n, s]) => (a + n + s).replace(/[\x00-\x1f\x7f-\x9f]/g, ''))),
    secure: fc.boolean(),
    authenticated: fc.boolean(),
    smtputf8: fc.boolean(),
  }),
  codec: jsonCodec<{ helo?: string; clientAddress: string; recipient?: string; secure: boolean; authenticated: boolean; smtputf8: boolean }>(),
  run(info) {
    const h = receivedHeader({ ...info, hostname: 'mail.example.test', id: 'ABC123' });
    check(h.startsWith('Received: from ') && h.endsWith('\r\n'), 'not a Received field');
    // The only line breaks are the CRLF + TAB folds the header itself writes.
    const breaks = h.slice(0, -2).match(/\r\n\t|[\r\n]/g) ?? [];
    check(
      breaks.every((b) => b === '\r\n\t'),
      () => `a client-supplied name breaks the header: ${JSON.stringify(h)}`,
    );
  },
});

// ---- the SMTP session ----------------------------------------------------------------------------

const engine = new FuzzEngine();
const PLAIN = Buffer.from(`\0${USER.shortName}\0${USER.password}`).toString('base64');

const mailPath = fc.oneof(
  fc.constantFrom('<>', '<alice@example.test>', '<bob@example.org>', '<alice%elsewhere.test@example.test>', '<@hop:alice@example.test>', '<"a b"@example.test>', 'alice@example.test', '<alice@example.test', '<alice@[127.0.0.1]>', '<ålice@example.test>'),
  addrSpec.map((a) => `<${a}>`),
  fc.tuple(fc.oneof(atom, quoted, nastyChar), domain).map(([l, d]) => `<${l}@${d}>`),
);
const esmtpParam = fc.oneof(
  fc.constantFrom('SIZE=100', 'SIZE=99999999999999', 'SIZE=-1', 'SIZE=', 'BODY=8BITMIME', 'BODY=BINARYMIME', 'BODY=7BIT', 'SMTPUTF8', 'RET=HDRS', 'ENVID=x', 'NOTIFY=NEVER', 'ORCPT=rfc822;a@b', 'AUTH=<>', 'AUTH=alice@example.test', 'X=Y=Z', '='),
  fc.tuple(atom, fc.oneof(atom, numberText)).map(([k, v]) => `${k}=${v}`),
);
const smtpLine = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('EHLO', 'HELO', 'LHLO', 'ehlo'), fc.oneof(fc.constant(''), domain.map((d) => ' ' + d), fc.constant(' [127.0.0.1]'), rawBytes(20).map((s) => ' ' + s))).map(([c, a]) => c + a) },
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom('MAIL FROM:', 'MAIL FROM: ', 'mail from:', 'MAIL FROM', 'MAIL TO:'), mailPath, fc.array(esmtpParam, { maxLength: 3 })).map(([c, p, ps]) => [c + p, ...ps].join(' ')) },
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom('RCPT TO:', 'RCPT TO: ', 'rcpt to:', 'RCPT FROM:'), fc.oneof(mailPath, fc.constant('<alice@example.test>')), fc.array(esmtpParam, { maxLength: 2 })).map(([c, p, ps]) => [c + p, ...ps].join(' ')) },
  { weight: 2, arbitrary: fc.constantFrom('DATA', 'RSET', 'NOOP', 'HELP', 'VRFY alice', 'EXPN staff', 'STARTTLS', 'BDAT 10', 'BDAT 0 LAST', 'BDAT 99999999999 LAST', 'TURN', 'ETRN x', 'XCLIENT ADDR=1.2.3.4', 'QUIT ') },
  { weight: 2, arbitrary: fc.constantFrom(`AUTH PLAIN ${PLAIN}`, 'AUTH PLAIN', 'AUTH LOGIN', 'AUTH LOGIN YWxpY2U=', 'AUTH CRAM-MD5', 'AUTH XOAUTH2 x', 'AUTH PLAIN =', 'AUTH PLAIN !!!', '*', PLAIN, 'YWxpY2U=') },
  { weight: 3, arbitrary: sentence(fc.oneof(atom, nastyChar, quoted, numberText)) },
  { weight: 1, arbitrary: repeated(fc.constantFrom('a', ' ', '<', 'A'), 20000) },
  { weight: 1, arbitrary: rawBytes(100) },
);
/** A message body sent after DATA, ending (or not) with the terminator. */
const dataBlock = fc
  .tuple(
    fc.array(fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('Subject: x', 'From: <alice@example.test>', '', '.', '..', '.\r', 'x\r.\r', '\n.\n'), rawBytes(30)), { maxLength: 8 }),
    fc.constantFrom('\r\n.\r\n', '\n.\n', '\r\n.\n', '\r.\r', ''),
  )
  .map(([ls, end]) => ls.join('\r\n') + end);
const session = fc.record({
  port: fc.constantFrom('smtp', 'smtp', 'submission'),
  steps: fc.array(fc.oneof({ weight: 5, arbitrary: smtpLine.map((l) => l + '\r\n') }, { weight: 1, arbitrary: smtpLine.map((l) => l + '\n') }, { weight: 1, arbitrary: dataBlock }), { minLength: 1, maxLength: 12 }),
});

for (const via of VIAS) fuzz({
  name: viaName('smtp-session', via),
  alsoReplays: via === 'memory' ? 'smtp-session' : undefined,
  arbitrary: session,
  codec: jsonCodec(),
  async: true,
  weight: via === 'socket' ? 0.25 : 1,
  hangMs: 4000,
  heapMb: 128,
  seeds: [
    {
      port: 'smtp',
      steps: ['EHLO client.example.org\r\n', 'MAIL FROM:<bob@example.org>\r\n', 'RCPT TO:<alice@example.test>\r\n', 'DATA\r\n', 'Subject: fuzz seed\r\n\r\nhello\r\n.\r\n'],
    },
    { port: 'submission', steps: ['EHLO c\r\n', `AUTH PLAIN ${PLAIN}\r\n`, 'MAIL FROM:<alice@example.test>\r\n', 'RCPT TO:<someone@example.org>\r\n', 'RSET\r\n'] },
  ],
  before: async () => void (await engine.start()),
  after: () => engine.stop(),
  async run({ port, steps }) {
    const c = await converse(engine.dial(port as 'smtp' | 'submission', via), steps.map(latin1), latin1('\r\n.\r\nQUIT\r\n'), 3000, tailAgainMs(via));
    const replies = lines(c.output);
    // Commands pipelined after STARTTLS are never answered in the clear (no command injection).
    const tls = replies.findIndex((r) => r.startsWith('220 2.0.0 Ready to start TLS'));
    check(tls < 0 || tls === replies.length - 1, () => `answered in the clear after STARTTLS: ${JSON.stringify(replies.slice(tls, tls + 3))}`);
    check(c.closedByServer, () => `the server did not hang up after QUIT within 3 s; it said: ${JSON.stringify(c.output.slice(-300))}`);
    check(replies.length > 0 && replies[0].startsWith('220 '), `no greeting: ${JSON.stringify(c.output.slice(0, 200))}`);
    for (const r of replies) check(/^[2-5]\d\d[ -]/.test(r), () => `a malformed reply ${JSON.stringify(r)}`);
    const bad = replies.find((r) => /^4(21|51)/.test(r) && !/too many|too long|timeout|shutting down|try again later|talk too soon|unrecognized|Too much mail data|Must issue a STARTTLS|unknown/i.test(r));
    check(!bad, () => `a local error reply ${JSON.stringify(bad)}`);
    const errors = engine.takeErrors();
    check(errors.length === 0, () => `the engine logged errors: ${JSON.stringify(errors.slice(0, 3))}`);
  },
});
