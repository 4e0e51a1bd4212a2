/**
 * Fuzz targets for what a POP3 client reaches: the line splitter and whole sessions (command
 * parsing, USER/PASS/APOP/AUTH, message numbers, TOP line counts) against a real listener.
 */
import { LineSplitter } from '../../server/pop3/line-splitter';
import { atom, chunked, latin1, nastyChar, numberText, rawBytes, repeated, sentence } from './arbitraries';
import { check, fc, fuzz, jsonCodec } from './driver';
import { FuzzEngine, USER, VIAS, converse, lines, tailAgainMs, viaName } from './session';

// ---- the line splitter ---------------------------------------------------------------------------

const lineBytes = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  fc.array(fc.oneof(atom, nastyChar, fc.constantFrom('\r\n', '\n', '\r', 'USER alice', 'RETR 1')), { maxLength: 30 }).map((a) => latin1(a.join(''))),
  repeated(fc.constantFrom('a', 'a\r\n', '\r'), 300).map(latin1),
);

fuzz({
  name: 'pop3-line-splitter',
  arbitrary: fc.record({ chunks: chunked(lineBytes).map((cs) => cs.map((c) => c.toString('latin1'))), max: fc.integer({ min: 1, max: 80 }) }),
  codec: jsonCodec<{ chunks: string[]; max: number }>(),
  run({ chunks, max }) {
    const s = new LineSplitter(() => max);
    const got = chunks.flatMap((c) => s.push(latin1(c)));
    // Reference: split the whole stream at LF, drop one CR before it, refuse what is over the limit.
    const pieces = chunks.join('').split('\n');
    pieces.pop();
    const want = pieces.map((p) => {
      const line = p.endsWith('\r') ? p.slice(0, -1) : p;
      return line.length > max ? { kind: 'too-long' } : { kind: 'line', text: latin1(line).toString('utf8') };
    });
    check(JSON.stringify(got) === JSON.stringify(want), () => `split ${JSON.stringify(chunks)} (max ${max}) into ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
    // What it holds between pushes is at most one line's worth.
    const held = (s as unknown as { size: number }).size;
    check(held <= max + 1, `holds ${held} bytes of a partial line (max ${max})`);
  },
});

// ---- whole sessions ------------------------------------------------------------------------------

const engine = new FuzzEngine();
const PLAIN = Buffer.from(`\0${USER.shortName}\0${USER.password}`).toString('base64');
const MESSAGE = 'From: Bob <bob@example.org>\r\nTo: alice@example.test\r\nSubject: pop fuzz\r\n\r\nline 1\r\n.dot line\r\nline 3\r\n';

const popLine = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom('LIST', 'UIDL', 'DELE', 'RETR', 'TOP', 'list', 'Retr'), fc.array(fc.oneof(numberText, atom, fc.constantFrom('1', '2', '0', '-1', '')), { maxLength: 3 })).map(([c, a]) => [c, ...a].join(' ')) },
  { weight: 2, arbitrary: fc.constantFrom('STAT', 'RSET', 'NOOP', 'CAPA', 'QUIT', 'STLS', 'UIDL', 'LIST', 'TOP 1 0', 'TOP 1 99999999999999', 'RETR 1', 'DELE 1', 'LAST', 'XTND XMIT') },
  { weight: 2, arbitrary: fc.oneof(fc.constantFrom(`USER ${USER.shortName}`, `PASS ${USER.password}`, 'USER', 'PASS', 'PASS  spaces in it ', 'APOP alice 0123456789abcdef0123456789abcdef', 'APOP', `AUTH PLAIN ${PLAIN}`, 'AUTH PLAIN', 'AUTH LOGIN', 'AUTH', 'AUTH CRAM-MD5', '*', PLAIN, '='), atom.map((a) => `USER ${a}`)) },
  { weight: 2, arbitrary: sentence(fc.oneof(atom, nastyChar, numberText)) },
  { weight: 1, arbitrary: repeated(fc.constantFrom('A', ' ', '1'), 20000) },
  { weight: 1, arbitrary: rawBytes(80) },
);

for (const via of VIAS) fuzz({
  name: viaName('pop3-session', via),
  alsoReplays: via === 'memory' ? 'pop3-session' : undefined,
  arbitrary: fc.record({ login: fc.boolean(), steps: fc.array(fc.tuple(popLine, fc.constantFrom('\r\n', '\n')).map(([l, e]) => l + e), { minLength: 1, maxLength: 12 }) }),
  codec: jsonCodec<{ login: boolean; steps: string[] }>(),
  async: true,
  weight: via === 'socket' ? 0.25 : 1,
  hangMs: 4000,
  heapMb: 128,
  seeds: [{ login: true, steps: ['STAT\r\n', 'LIST\r\n', 'UIDL 1\r\n', 'TOP 1 1\r\n', 'RETR 1\r\n', 'RSET\r\n'] }],
  before: async () => {
    await engine.start();
    for (let i = 0; i < 3; i++) await deliver();
  },
  after: () => engine.stop(),
  async run({ login, steps }) {
    const pre = login ? [`USER ${USER.shortName}\r\n`, `PASS ${USER.password}\r\n`] : [];
    // RSET before QUIT keeps the maildrop as it was: a fuzzed DELE is not committed.
    const c = await converse(engine.dial('pop3', via), [...pre, ...steps].map(latin1), latin1('\r\n*\r\nRSET\r\nQUIT\r\n'), 3000, tailAgainMs(via));
    const replies = lines(c.output);
    const tls = replies.findIndex((r) => r.startsWith('+OK Begin TLS'));
    check(tls < 0 || tls === replies.length - 1, () => `answered in the clear after STLS: ${JSON.stringify(replies.slice(tls, tls + 3))}`);
    check(c.closedByServer, () => `the server did not close after QUIT within 3 s: ${JSON.stringify(c.output.slice(-300))}`);
    check(!/internal error/i.test(c.output), () => `internal error: ${JSON.stringify(c.output.slice(-300))}`);
    const errors = engine.takeErrors();
    check(errors.length === 0, () => `the engine logged errors: ${JSON.stringify(errors.slice(0, 3))}`);
  },
});

/** Puts one message into alice's maildrop through SMTP. */
async function deliver(): Promise<void> {
  const steps = ['EHLO fuzz\r\n', 'MAIL FROM:<bob@example.org>\r\n', 'RCPT TO:<alice@example.test>\r\n', 'DATA\r\n', MESSAGE + '.\r\n'];
  await converse(engine.ports.smtp, steps.map(latin1), latin1('QUIT\r\n'), 5000);
  // Local delivery runs after the 250; give it a moment.
  await new Promise((r) => setTimeout(r, 300));
}
