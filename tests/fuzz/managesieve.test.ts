/**
 * Fuzz targets for what a ManageSieve client reaches: the command reader (atoms, quoted strings,
 * literals, line ends) and whole sessions against a real listener (AUTHENTICATE, PUTSCRIPT with
 * fuzzed scripts, the rest of RFC 5804).
 */
import { type ReadEvent, type ReaderLimits, CommandReader } from '../../server/managesieve/command-reader';
import { atom, chunked, latin1, nastyChar, numberText, quoted, rawBytes, repeated, sentence } from './arbitraries';
import { check, fc, fuzz, jsonCodec } from './driver';
import { FuzzEngine, USER, VIAS, converse, lines, tailAgainMs, viaName } from './session';
import { sieveScript } from './sieve-arbitraries';

const LIMITS: ReaderLimits = { maxLine: 200, maxLiteral: 300 };

const literal = fc
  .tuple(fc.oneof(fc.string({ maxLength: 40 }), rawBytes(40)), fc.integer({ min: -2, max: 2 }), fc.boolean(), fc.constantFrom('\r\n', '\n', '', ' \r\n'))
  .map(([s, off, plus, eol]) => `{${Math.max(0, s.length + (off === 1 ? 0 : off))}${plus ? '+' : ''}}${eol}${s}`);
const msLine = fc.oneof(
  { weight: 3, arbitrary: sentence(fc.oneof(fc.constantFrom('PUTSCRIPT', 'CHECKSCRIPT', 'GETSCRIPT', 'SETACTIVE', 'HAVESPACE', 'LISTSCRIPTS', 'AUTHENTICATE', '"PLAIN"', 'NOOP', 'CAPABILITY', 'LOGOUT'), atom, quoted, literal, numberText)) },
  { weight: 1, arbitrary: fc.constantFrom('{99999999+}\r\n', '{4294967296+}\r\n', '{12}\r\n', '"unterminated', '"a\\x"', '"\r\n"', '\r', '\r\r\n', '{1+}\r\n{1+}\r\n{1+}\r\n') },
  { weight: 1, arbitrary: repeated(fc.constantFrom('a', '"', '{', ' ', '\\'), 2000) },
  { weight: 1, arbitrary: fc.array(nastyChar, { maxLength: 10 }).map((a) => a.join('')) },
);
const msInput = fc.array(fc.tuple(msLine, fc.constantFrom('\r\n', '\n', '')).map(([l, e]) => l + e), { minLength: 1, maxLength: 8 }).map((a) => latin1(a.join('')));

/** Events and what the reader holds, for bytes pushed in the given chunks. */
function feed(chunks: Buffer[]): { events: ReadEvent[]; maxHeld: number } {
  const r = new CommandReader(() => LIMITS);
  const events: ReadEvent[] = [];
  let maxHeld = 0;
  for (const c of chunks) {
    events.push(...r.push(c));
    const internals = r as unknown as { buffer: Buffer; waitingBytes: number };
    maxHeld = Math.max(maxHeld, internals.buffer.length + internals.waitingBytes);
    if (events.some((e) => e.kind === 'fatal')) break;
  }
  return { events, maxHeld };
}

fuzz({
  name: 'managesieve-command-reader',
  arbitrary: fc.oneof(
    { weight: 4, arbitrary: chunked(msInput) },
    // A refused literal whose bytes keep coming: up to 2,000 reads, a thousand times the cost of a
    // command line to generate and replay, so one input in five.
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min: 301, max: 10_000_000 }), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 2000 }))
        .map(([n, size, count]) => [latin1(`PUTSCRIPT "x" {${n}+}\r\n`), ...Array.from({ length: count }, () => Buffer.alloc(size, 0x61))]),
    },
  ).map((cs) => cs.map((c) => c.toString('latin1'))),
  codec: jsonCodec<string[]>(),
  seeds: [['PUTSCRIPT "a" {1000000+}\r\n', 'x'.repeat(5000), 'x'.repeat(5000)]],
  run(chunkTexts) {
    const chunks = chunkTexts.map(latin1);
    const split = feed(chunks);
    // Memory: a line, or a literal within the limit, plus the chunk that just came.
    const bound = LIMITS.maxLine + LIMITS.maxLiteral + 64 + Math.max(0, ...chunks.map((c) => c.length));
    check(split.maxHeld <= bound, () => `the reader held ${split.maxHeld} bytes (bound ${bound})`);
    for (const e of split.events) {
      if (e.kind !== 'command') continue;
      check(e.args.length > 0, 'a command without arguments');
      for (const a of e.args) if (a.kind === 'string') check(Buffer.byteLength(a.value) <= LIMITS.maxLiteral * 3 + LIMITS.maxLine, 'a string over the limits');
    }
    // Where the bytes fall in chunks must not change the commands (as long as no limit is hit).
    const whole = feed([Buffer.concat(chunks)]);
    if (!split.events.some((e) => e.kind === 'fatal') && !whole.events.some((e) => e.kind === 'fatal')) {
      check(JSON.stringify(split.events) === JSON.stringify(whole.events), () => `chunked: ${JSON.stringify(split.events).slice(0, 500)}\nwhole: ${JSON.stringify(whole.events).slice(0, 500)}`);
    }
  },
});

// ---- whole sessions ------------------------------------------------------------------------------

const engine = new FuzzEngine();
const PLAIN = Buffer.from(`\0${USER.shortName}\0${USER.password}`).toString('base64');
const sieveString = (s: string) => `{${Buffer.byteLength(s)}+}\r\n${s}`;

const sessionLine = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('PUTSCRIPT', 'CHECKSCRIPT'), fc.oneof(fc.constant('"fuzz"'), quoted), sieveScript).map(([c, n, s]) => `${c} ${c === 'PUTSCRIPT' ? n + ' ' : ''}${sieveString(s)}`) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('SETACTIVE', 'GETSCRIPT', 'DELETESCRIPT', 'RENAMESCRIPT', 'HAVESPACE', 'NOOP'), fc.array(fc.oneof(quoted, literal, numberText, fc.constant('"fuzz"')), { maxLength: 3 })).map(([c, a]) => [c, ...a].join(' ')) },
  { weight: 1, arbitrary: fc.constantFrom(`AUTHENTICATE "PLAIN" "${PLAIN}"`, 'AUTHENTICATE "PLAIN"', 'AUTHENTICATE "LOGIN"', 'AUTHENTICATE "X"', `"${PLAIN}"`, '"*"', 'UNAUTHENTICATE', 'STARTTLS', 'CAPABILITY', 'LISTSCRIPTS', 'LOGOUT ') },
  { weight: 2, arbitrary: msLine },
);

for (const via of VIAS) fuzz({
  name: viaName('managesieve-session', via),
  alsoReplays: via === 'memory' ? 'managesieve-session' : undefined,
  arbitrary: fc.record({ login: fc.boolean(), steps: fc.array(fc.tuple(sessionLine, fc.constantFrom('\r\n', '\n')).map(([l, e]) => l + e), { minLength: 1, maxLength: 8 }) }),
  codec: jsonCodec<{ login: boolean; steps: string[] }>(),
  async: true,
  weight: via === 'socket' ? 0.25 : 1,
  hangMs: 4000,
  heapMb: 128,
  seeds: [{ login: true, steps: ['PUTSCRIPT "s" {37+}\r\nrequire "fileinto"; fileinto "Junk";\r\n', 'SETACTIVE "s"\r\n', 'GETSCRIPT "s"\r\n', 'LISTSCRIPTS\r\n', 'DELETESCRIPT "s"\r\n'] }],
  before: async () => void (await engine.start()),
  after: () => engine.stop(),
  async run({ login, steps }) {
    const pre = login ? [`AUTHENTICATE "PLAIN" "${PLAIN}"\r\n`] : [];
    // A literal announced bigger than what is sent swallows LOGOUT: the server rightly waits for its bytes.
    const swallowed = [...steps.join('').matchAll(/\{(\d+)\+?\}/g)].some((m) => Number(m[1]) > 1000);
    const c = await converse(engine.dial('sieve', via), [...pre, ...steps].map(latin1), latin1('\r\n"*"\r\nLOGOUT\r\n'), swallowed ? (via === 'socket' ? 600 : 60) : 3000, tailAgainMs(via));
    const replies = lines(c.output);
    const tls = replies.findIndex((r) => r.startsWith('OK "Begin TLS'));
    check(tls < 0 || tls === replies.length - 1, () => `answered in the clear after STARTTLS: ${JSON.stringify(replies.slice(tls, tls + 3))}`);
    check(c.closedByServer || swallowed, () => `the server did not close after LOGOUT within 3 s: ${JSON.stringify(c.output.slice(-300))}`);
    check(!/internal error/i.test(c.output), () => `internal error: ${JSON.stringify(c.output.slice(-300))}`);
    const errors = engine.takeErrors();
    check(errors.length === 0, () => `the engine logged errors: ${JSON.stringify(errors.slice(0, 3))}`);
  },
});
