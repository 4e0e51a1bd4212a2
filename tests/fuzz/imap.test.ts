/**
 * Fuzz targets for what an IMAP client reaches: the command reader (lines and literals off the
 * socket), the argument grammars (search keys, fetch items, status items, sequence sets, mailbox
 * names, LIST patterns, dates, IMAP URLs), the string encoder they must agree with, and whole
 * sessions against a real listener.
 */
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { parseReturn } from '../../server/imap/commands/esearch';
import { parseFetchItems } from '../../server/imap/commands/fetch';
import { BadUrl, parseImapUrl } from '../../server/imap/commands/imap-url';
import { listPatternMatcher } from '../../server/imap/commands/list';
import { parseStatusItems } from '../../server/imap/commands/mailbox';
import { readMailboxName } from '../../server/imap/commands/names';
import { parseSearch } from '../../server/imap/commands/search';
import { CommandCursor, ParseError } from '../../server/imap/protocol/command-cursor';
import { type CommandReadResult, type CommandReaderLimits, type RawCommand, readCommand } from '../../server/imap/protocol/command-reader';
import { nstring } from '../../server/imap/protocol/encode';
import { formatInternalDate, headerDateDay, parseDateTime, parseSearchDate } from '../../server/imap/protocol/imap-date';
import { InputReader } from '../../server/imap/protocol/input-reader';
import { MailboxNameError, decodeMailboxName, encodeMailboxName } from '../../server/mail/mutf7';
import { formatSet, parseSequenceSet, resolveSet } from '../../server/imap/protocol/sequence-set';
import { atom, chunked, latin1, nastyChar, nested, numberText, quoted, rawBytes, repeated, sentence, word } from './arbitraries';
import { bytesCodec, check, fc, fuzz, jsonCodec, latin1Codec } from './driver';
import { FuzzEngine, USER, VIAS, converse, tailAgainMs, viaName } from './session';

// ---- grammar pieces ------------------------------------------------------------------------------

const seqSet = fc.oneof(
  fc.constantFrom('1', '*', '1:*', '*:1', '1,2,3', '2:4,6', '0', '1:', ':1', ',', '1,,2', '4294967295', '4294967296', '1:2:3', '$', '1.5'),
  fc.array(fc.oneof(fc.integer({ min: 1, max: 30 }).map(String), fc.tuple(fc.integer({ min: 1, max: 30 }), fc.oneof(fc.integer({ min: 1, max: 30 }).map(String), fc.constant('*'))).map(([a, b]) => `${a}:${b}`)), { minLength: 1, maxLength: 5 }).map((a) => a.join(',')),
);
/** A literal announcement and its bytes, with the count right or wrong, synchronising or not. */
const literal = fc
  .tuple(fc.oneof(fc.string({ maxLength: 12 }), rawBytes(12)), fc.integer({ min: -3, max: 3 }), fc.boolean(), fc.boolean())
  .map(([s, off, plus, tilde]) => `${tilde ? '~' : ''}{${Math.max(0, s.length + (off === 0 || off === 1 ? 0 : off))}${plus ? '+' : ''}}\r\n${s}`);
const flag = fc.oneof(fc.constantFrom('\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft', '\\Recent', '\\*', '$Junk', '$Forwarded', '\\', '\\Bogus'), atom);
const flagList = fc.array(flag, { maxLength: 4 }).map((f) => `(${f.join(' ')})`);
const mailboxName = fc.oneof(
  fc.constantFrom('INBOX', 'inbox', 'Archive', 'Archive/2024', '"Sent Items"', '&AOk-t&AOk-', '&-', '&', '&ZZZ-', '"&AP8"', 'a/b/c/d', '"a\\"b"', 'Other Users/bob', '""', '/', '%', '*'),
  atom,
  quoted,
  literal,
);
const sectionSpec = fc.oneof(
  fc.constantFrom('', 'HEADER', 'TEXT', 'MIME', '1', '1.2', '1.MIME', '2.HEADER', '0', '1.0', '1..2', 'HEADER.FIELDS (From To)', 'HEADER.FIELDS.NOT (Subject)', 'HEADER.FIELDS ()', 'HEADER.FIELDS', '4294967296'),
  fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 4 }).map((a) => a.join('.')),
);
const fetchAtt = fc.oneof(
  fc.constantFrom('ALL', 'FAST', 'FULL', 'FLAGS', 'UID', 'ENVELOPE', 'BODYSTRUCTURE', 'BODY', 'INTERNALDATE', 'RFC822', 'RFC822.SIZE', 'RFC822.HEADER', 'RFC822.TEXT', 'MODSEQ', 'SAVEDATE', 'EMAILID', 'X-GM-MSGID', 'PREVIEW', 'BINARY.SIZE[1]'),
  fc.tuple(fc.constantFrom('BODY', 'BODY.PEEK', 'BINARY', 'BINARY.PEEK', 'BINARY.SIZE'), sectionSpec, fc.option(fc.tuple(numberText, numberText))).map(([n, s, p]) => `${n}[${s}]${p ? `<${p[0]}.${p[1]}>` : ''}`),
);
const fetchAtts = fc.oneof(fetchAtt, fc.array(fetchAtt, { maxLength: 5 }).map((a) => `(${a.join(' ')})`));
const searchKey: fc.Arbitrary<string> = fc.letrec<{ key: string }>((tie) => ({
  key: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('ALL', 'ANSWERED', 'DELETED', 'DRAFT', 'FLAGGED', 'NEW', 'OLD', 'RECENT', 'SEEN', 'UNANSWERED', 'UNDELETED', 'UNSEEN', '$', 'SAVEDBEFORE 1-Jan-2020'),
    fc.tuple(fc.constantFrom('BCC', 'BODY', 'CC', 'FROM', 'SUBJECT', 'TEXT', 'TO', 'KEYWORD', 'UNKEYWORD'), fc.oneof(atom, quoted, literal)).map(([k, v]) => `${k} ${v}`),
    fc.tuple(fc.constantFrom('BEFORE', 'ON', 'SINCE', 'SENTBEFORE', 'SENTON', 'SENTSINCE'), fc.oneof(fc.constantFrom('1-Feb-1994', '31-Dec-9999', '0-Jan-2000', '32-Jan-2000', '1-Foo-2000', '"1-Feb-1994"', '1-feb-94'), atom)).map(([k, v]) => `${k} ${v}`),
    fc.tuple(fc.constantFrom('LARGER', 'SMALLER', 'MODSEQ', 'OLDER', 'YOUNGER'), numberText).map(([k, v]) => `${k} ${v}`),
    fc.tuple(fc.constantFrom('HEADER'), fc.oneof(atom, quoted), fc.oneof(atom, quoted)).map(([k, a, b]) => `${k} ${a} ${b}`),
    seqSet,
    seqSet.map((s) => `UID ${s}`),
    tie('key').map((k) => `NOT ${k}`),
    fc.tuple(tie('key'), tie('key')).map(([a, b]) => `OR ${a} ${b}`),
    fc.array(tie('key'), { maxLength: 3 }).map((ks) => `(${ks.join(' ')})`),
  ),
})).key;

/** One IMAP command line (no tag), from the grammar with mistakes mixed in. */
const commandBody = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('FETCH', 'UID FETCH'), seqSet, fetchAtts, fc.constantFrom('', ' (CHANGEDSINCE 1)', ' (VANISHED)', ' (CHANGEDSINCE x)')).map(([c, s, a, m]) => `${c} ${s} ${a}${m}`) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('SEARCH', 'UID SEARCH', 'SEARCH CHARSET UTF-8', 'SEARCH RETURN (MIN MAX COUNT ALL SAVE)', 'SEARCH RETURN ()', 'UID SEARCH RETURN (PARTIAL 1:10)', 'SEARCH CHARSET KOI8-R'), sentence(searchKey, 4)).map(([c, k]) => `${c} ${k}`) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('STORE', 'UID STORE'), seqSet, fc.constantFrom('FLAGS', '+FLAGS', '-FLAGS.SILENT', 'FLAGS.SILENT', '(UNCHANGEDSINCE 5) +FLAGS', 'BOGUS'), fc.oneof(flagList, flag)).map((a) => a.join(' ')) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('COPY', 'MOVE', 'UID COPY', 'UID MOVE', 'UID EXPUNGE'), seqSet, mailboxName).map((a) => a.join(' ')) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('SELECT', 'EXAMINE', 'CREATE', 'DELETE', 'SUBSCRIBE', 'UNSUBSCRIBE', 'GETQUOTAROOT', 'MYRIGHTS', 'GETACL'), mailboxName, fc.constantFrom('', ' (CONDSTORE)', ' (QRESYNC (1 1))', ' (USE (\\Sent))', ' (')).map(([c, m, o]) => `${c} ${m}${o}`) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('LIST', 'LSUB', 'LIST (SUBSCRIBED)', 'LIST (SPECIAL-USE RECURSIVEMATCH)'), mailboxName, fc.oneof(mailboxName, repeated(fc.constantFrom('*a', '%a', '*', '%'), 40), fc.array(mailboxName, { maxLength: 3 }).map((a) => `(${a.join(' ')})`)), fc.constantFrom('', ' RETURN (CHILDREN)', ' RETURN (STATUS (MESSAGES UNSEEN))', ' RETURN (SUBSCRIBED')).map(([c, r, p, o]) => `${c} ${r} ${p}${o}`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('STATUS'), mailboxName, fc.array(fc.constantFrom('MESSAGES', 'RECENT', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN', 'SIZE', 'HIGHESTMODSEQ', 'DELETED', 'APPENDLIMIT', 'X'), { maxLength: 5 })).map(([c, m, i]) => `${c} ${m} (${i.join(' ')})`) },
  { weight: 1, arbitrary: fc.tuple(mailboxName, fc.option(flagList), fc.option(fc.constantFrom('"17-Jul-1996 02:44:25 -0700"', '"31-Feb-2020 25:00:00 +9999"', '"x"')), literal).map(([m, f, d, l]) => `APPEND ${m}${f ? ' ' + f : ''}${d ? ' ' + d : ''} ${l}`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('RENAME'), mailboxName, mailboxName).map((a) => a.join(' ')) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('SETACL', 'DELETEACL', 'LISTRIGHTS'), mailboxName, fc.oneof(atom, fc.constant('anyone')), fc.constantFrom('lrs', '+w', '-a', 'xyz', '', '\\', ']', '^')).map(([c, m, i, r]) => `${c} ${m} ${i} ${r}`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('SORT', 'UID SORT', 'THREAD REFERENCES', 'THREAD ORDEREDSUBJECT', 'SORT RETURN (MIN)'), fc.array(fc.constantFrom('ARRIVAL', 'CC', 'DATE', 'FROM', 'SIZE', 'SUBJECT', 'TO', 'REVERSE', 'DISPLAYFROM', 'X'), { maxLength: 4 }), fc.constantFrom('UTF-8', 'US-ASCII', 'X'), sentence(searchKey, 2)).map(([c, k, cs, s]) => `${c} (${k.join(' ')}) ${cs} ${s}`) },
  { weight: 1, arbitrary: fc.constantFrom('NOOP', 'CHECK', 'CLOSE', 'UNSELECT', 'EXPUNGE', 'CAPABILITY', 'NAMESPACE', 'ENABLE CONDSTORE', 'ENABLE UTF8=ACCEPT', 'ENABLE IMAP4rev2 QRESYNC', 'ID ("name" "fuzz")', 'ID NIL', 'ID (', 'GETQUOTA ""', 'SETQUOTA "" (STORAGE 10)', 'NOTIFY NONE', 'NOTIFY SET (selected (MessageNew (UID)))', 'NOTIFY SET STATUS (personal (MailboxName))', 'RESETKEY', 'GENURLAUTH "imap://alice@h/INBOX/;UID=1;urlauth=user+alice" INTERNAL', 'URLFETCH "imap://alice@h/INBOX/;UID=1"', 'CANCELUPDATE "1"', 'UID FETCH 1:* (FLAGS) (CHANGEDSINCE 0 VANISHED)') },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('FETCH 1 ', 'SEARCH ', 'STORE 1 FLAGS ', 'LIST "" ', 'ID '), nested('(', ')', fc.oneof(atom, fc.constant('')), 3000)).map(([c, n]) => c + n) },
  { weight: 2, arbitrary: sentence(fc.oneof(atom, quoted, literal, nastyChar, numberText, seqSet)) },
  { weight: 1, arbitrary: rawBytes(60) },
);

// ---- the command reader --------------------------------------------------------------------------

interface ReaderInput {
  chunks: string[];
  /** Small limits (robustness) or generous ones (the round trip). */
  tight: boolean;
  /** For well-formed input: the commands it must come back as. */
  expect?: { lines: string[]; literals: string[] }[];
}

const TIGHT: CommandReaderLimits = { maxLineLength: 64, maxLiteral: () => 40, maxCommandBytes: () => 200, maxNonSyncLiteral: 16 };
const ROOMY: CommandReaderLimits = { maxLineLength: 100_000, maxLiteral: () => 1_000_000, maxCommandBytes: () => 10_000_000 };

/** A command as a model: line texts (none ending like a literal announcement) and the literals between them. */
const commandModel = fc
  .tuple(
    fc.array(fc.tuple(fc.string({ maxLength: 20 }).map((s) => s.replace(/[\r\n]/g, '')), rawBytes(30), fc.boolean()), { maxLength: 3 }),
    // No literal announcement at the end, however many there are ("{3}{2}" once its CRLF is gone).
    fc.oneof(commandBody, fc.string({ maxLength: 20 })).map((s) => s.replace(/[\r\n]/g, '').replace(/(?:\{\d*\+?\})+$/, '')),
    fc.constantFrom('\r\n', '\n'),
  )
  .map(([parts, last, eol]) => {
    const lines = parts.map(([text, , plus], i) => `${i === 0 ? 'a ' : ''}${text}{${parts[i][1].length}${plus ? '+' : ''}}`);
    lines.push(parts.length === 0 ? `a ${last}` : last);
    const wire = lines.map((l, i) => l + eol + (i < parts.length ? parts[i][1] : '')).join('');
    return { wire, lines, literals: parts.map((p) => p[1]) };
  });

const readerInput: fc.Arbitrary<ReaderInput> = fc.oneof(
  fc
    .array(commandModel, { minLength: 1, maxLength: 4 })
    .chain((cmds) =>
      chunked(fc.constant(latin1(cmds.map((c) => c.wire).join('')))).map((chunks) => ({
        chunks: chunks.map((c) => c.toString('latin1')),
        tight: false,
        expect: cmds.map((c) => ({ lines: c.lines, literals: c.literals })),
      })),
    ),
  chunked(
    fc
      .array(
        fc.oneof(
          { weight: 3, arbitrary: commandBody.map((b) => `a1 ${b}\r\n`) },
          { weight: 3, arbitrary: literal },
          { weight: 3, arbitrary: fc.constantFrom('{5}\r\n', '{999999999999}\r\n', '{4294967296+}\r\n', '{17+}', 'x {3}\n', '\r\n') },
          // Up to 12 KB, often cut a byte at a time: a tenth of the pieces, most of the bytes.
          { weight: 1, arbitrary: repeated(fc.constantFrom('a', '{1}\r\n', '{0+}\r\n'), 2000) },
          { weight: 3, arbitrary: nastyChar },
        ),
        { maxLength: 10 },
      )
      .map((a) => latin1(a.join(''))),
  ).map((chunks) => ({ chunks: chunks.map((c) => c.toString('latin1')), tight: true })),
);

/**
 * A socket that hands over the given chunks as 'data' events, one event per chunk, then 'end';
 * it stops while paused, as a socket does, and goes on (in a later microtask) when resumed. A
 * PassThrough stream did the same at several times the cost per chunk.
 */
class FeedSocket extends EventEmitter {
  private paused = false;
  private next = 0;
  private scheduled = false;

  constructor(private readonly chunks: Buffer[]) {
    super();
  }

  pause(): this {
    this.paused = true;
    return this;
  }

  resume(): this {
    this.paused = false;
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => this.flow());
    }
    return this;
  }

  isPaused(): boolean {
    return this.paused;
  }

  /** Emits chunks until paused or done. */
  flow(): void {
    this.scheduled = false;
    while (!this.paused && this.next < this.chunks.length) this.emit('data', this.chunks[this.next++]);
    if (!this.paused && this.next === this.chunks.length) {
      this.next++;
      this.emit('end');
      this.emit('close');
    }
  }
}

async function readAll(input: ReaderInput): Promise<CommandReadResult[]> {
  const socket = new FeedSocket(input.chunks.map(latin1));
  const reader = new InputReader();
  reader.attach(socket as unknown as Duplex);
  socket.flow();
  const results: CommandReadResult[] = [];
  const total = input.chunks.reduce((n, c) => n + c.length, 0);
  for (;;) {
    const r = await readCommand(reader, input.tight ? TIGHT : ROOMY, async () => undefined);
    results.push(r);
    if (r.kind === 'closed' || r.kind === 'non-sync-too-big') break;
    check(results.length <= total + 2, 'the reader returns results without consuming input');
  }
  reader.detach();
  return results;
}

fuzz({
  name: 'imap-command-reader',
  arbitrary: readerInput,
  codec: jsonCodec<ReaderInput>(),
  async: true,
  weight: 0.5,
  // 4,096 one-byte chunks (a promise each) take 50 ms, and up to 200 ms on a busy machine in CI.
  hangMs: 400,
  async run(input) {
    const limits = input.tight ? TIGHT : ROOMY;
    const results = await readAll(input);
    for (const r of results) {
      if (r.kind !== 'command') continue;
      check(r.command.lines.length === r.command.literals.length + 1, 'lines and literals do not alternate');
      for (const l of r.command.lines) check(!l.includes(0x0a) && l.length <= limits.maxLineLength + 1, 'a line holds LF or is over the limit');
      const bytes = r.command.lines.reduce((n, l) => n + l.length + 2, 0) + r.command.literals.reduce((n, l) => n + l.length, 0);
      check(bytes <= limits.maxCommandBytes('') + limits.maxLineLength + 2, `a command of ${bytes} bytes passed the limit`);
      for (const lit of r.command.literals) check(lit.length <= limits.maxLiteral(''), 'a literal over the limit was read');
    }
    if (input.expect) {
      const got = results.filter((r): r is Extract<CommandReadResult, { kind: 'command' }> => r.kind === 'command').map((r) => ({ lines: r.command.lines.map((l) => l.toString('latin1')), literals: r.command.literals.map((l) => l.toString('latin1')) }));
      check(JSON.stringify(got) === JSON.stringify(input.expect), () => `read ${JSON.stringify(got)}, sent ${JSON.stringify(input.expect)}`);
      check(results[results.length - 1].kind === 'closed', 'did not end at the end of input');
    }
  },
});

// ---- argument grammars ---------------------------------------------------------------------------

/** A command's arguments as the reader hands them over: lines, literals between them. */
interface ArgsInput {
  grammar: string;
  lines: string[];
  literals: string[];
}
const GRAMMARS = ['search', 'fetch', 'status', 'return', 'mailbox', 'string', 'flags', 'list'] as const;

function rawCommand(text: string): RawCommand {
  // Cut at literal announcements as the reader would, taking the announced count of bytes.
  const lines: Buffer[] = [];
  const literals: Buffer[] = [];
  let rest = text;
  for (;;) {
    const m = /\{(\d{1,6})\+?\}\r\n/.exec(rest);
    if (!m) {
      lines.push(latin1(rest));
      break;
    }
    lines.push(latin1(rest.slice(0, m.index + m[0].length - 2)));
    const start = m.index + m[0].length;
    const n = Number(m[1]);
    literals.push(latin1(rest.slice(start, start + n).padEnd(n, 'x')));
    rest = rest.slice(start + n);
  }
  return { lines, literals };
}

const argsInput: fc.Arbitrary<ArgsInput> = fc
  .tuple(
    fc.constantFrom(...GRAMMARS),
    fc.oneof(
      sentence(searchKey, 4),
      fetchAtts,
      fc.array(fc.constantFrom('MESSAGES', 'UNSEEN', 'SIZE', 'X', '(', ')'), { maxLength: 5 }).map((a) => `(${a.join(' ')})`),
      fc.constantFrom('RETURN (MIN MAX)', 'RETURN (PARTIAL 1:5)', 'RETURN (PARTIAL -1:-5)', 'RETURN (PARTIAL 0:4294967296)', 'RETURN (', 'RETURN (SAVE COUNT ALL)', 'CHARSET UTF-8 ALL'),
      mailboxName,
      flagList,
      sentence(fc.oneof(atom, quoted, literal, nastyChar, numberText, seqSet, flagList)),
      nested('(', ')', fc.oneof(atom, quoted, fc.constant('')), 5000),
      nested('NOT ', '', fc.constant('ALL'), 5000),
      nested('OR ALL ', '', fc.constant('ALL'), 5000),
      rawBytes(50),
    ),
  )
  .map(([grammar, text]) => {
    const raw = rawCommand(text);
    return { grammar, lines: raw.lines.map((l) => l.toString('latin1')), literals: raw.literals.map((l) => l.toString('latin1')) };
  });

fuzz({
  name: 'imap-arguments',
  arbitrary: argsInput,
  codec: jsonCodec<ArgsInput>(),
  seeds: [
    { grammar: 'search', lines: ['CHARSET UTF-8 OR (FROM "alice" SINCE 1-Feb-1994) NOT UID 1:* TEXT {3}', ''], literals: ['abc'] },
    { grammar: 'fetch', lines: ['(UID FLAGS BODY.PEEK[HEADER.FIELDS (From To)]<0.100> BINARY[1.2] MODSEQ)'], literals: [] },
  ],
  run({ grammar, lines, literals }) {
    const c = new CommandCursor({ lines: lines.map(latin1), literals: literals.map(latin1) });
    c.utf8Names = lines.length % 2 === 0;
    try {
      switch (grammar) {
        case 'search':
          parseSearch(c);
          break;
        case 'fetch':
          parseFetchItems(c);
          break;
        case 'status':
          parseStatusItems(c, true);
          break;
        case 'return':
          parseReturn(c);
          break;
        case 'mailbox':
          readMailboxName(c);
          break;
        case 'string':
          c.nstring();
          break;
        case 'flags':
          c.flagList(true);
          break;
        case 'list':
          c.list(() => c.astring());
          break;
      }
      c.end();
    } catch (err) {
      if (!(err instanceof ParseError) && !(err instanceof MailboxNameError)) throw err;
    }
  },
});

// ---- strings: the encoder and the parser agree ---------------------------------------------------

fuzz({
  name: 'imap-string-roundtrip',
  arbitrary: fc.oneof(fc.uint8Array({ maxLength: 80 }).map((a) => Buffer.from(a)), fc.string({ maxLength: 40 }).map((s) => Buffer.from(s)), fc.constantFrom(Buffer.from('"\\'), Buffer.from('{3}\r\n'), Buffer.alloc(1100, 0x61))),
  codec: bytesCodec,
  async: true,
  weight: 0.5,
  async run(value) {
    // Through the wire: "t1 X <nstring>\r\n" read by the command reader, then parsed back.
    const wireText = `t1 X ${nstring(value)}\r\n`;
    const [r] = await readAll({ chunks: [wireText], tight: false });
    check(r.kind === 'command', `the reader did not return a command for ${JSON.stringify(wireText)}`);
    const c = new CommandCursor(r.command);
    c.tag();
    c.sp();
    c.atom();
    c.sp();
    // A literal may not hold NUL (RFC 3501 4.3; only a literal8 may): such bytes are refused, not mangled.
    if (value.includes(0)) {
      let refused = false;
      try {
        c.nstring();
      } catch (err) {
        refused = err instanceof ParseError;
      }
      check(refused, () => `${JSON.stringify(value.toString('latin1'))} holds NUL but was not refused as a literal`);
      return;
    }
    const back = c.nstring();
    c.end();
    check(back !== null && back.equals(value), () => `${JSON.stringify(value.toString('latin1'))} came back as ${JSON.stringify(back?.toString('latin1'))}`);
  },
});

// ---- mailbox names (modified UTF-7) --------------------------------------------------------------

fuzz({
  name: 'imap-mailbox-name',
  arbitrary: fc.oneof(
    fc.fullUnicodeString({ maxLength: 30 }).map((s) => ({ name: s, wire: undefined as string | undefined })),
    fc.string({ maxLength: 30 }).map((s) => ({ name: s, wire: undefined as string | undefined })),
    fc.oneof(word('&-+,ABCabc019/', 20), rawBytes(30), fc.constantFrom('&', '&-', '&AAA-', '&AOk', '&,,,-', '&////-', '&2D3cAA-')).map((w) => ({ name: undefined as string | undefined, wire: w })),
  ),
  codec: jsonCodec(),
  run({ name, wire }) {
    if (name !== undefined) {
      const encoded = encodeMailboxName(name);
      check(/^[\x20-\x7e]*$/.test(encoded), `encoded ${JSON.stringify(name)} to non-ASCII ${JSON.stringify(encoded)}`);
      let decoded: string;
      try {
        decoded = decodeMailboxName(encoded);
      } catch (err) {
        // eslint-disable-next-line no-control-regex -- control characters are the point
        if (err instanceof MailboxNameError && /[\x00-\x1f\x7f]/.test(name)) return;
        throw err;
      }
      check(decoded === name, () => `${JSON.stringify(name)} → ${encoded} → ${JSON.stringify(decoded)}`);
    } else {
      try {
        decodeMailboxName(wire as string);
      } catch (err) {
        if (!(err instanceof MailboxNameError)) throw err;
      }
    }
  },
});

// ---- LIST patterns -------------------------------------------------------------------------------

/** "*" any run, "%" any run without "/": a memoised reference for small inputs. */
function referenceMatch(pattern: string, name: string): boolean {
  const memo = new Map<number, boolean>();
  const go = (p: number, n: number): boolean => {
    const key = p * (name.length + 1) + n;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    let r: boolean;
    if (p === pattern.length) r = n === name.length;
    else if (pattern[p] === '*') r = go(p + 1, n) || (n < name.length && go(p, n + 1));
    else if (pattern[p] === '%') r = go(p + 1, n) || (n < name.length && name[n] !== '/' && go(p, n + 1));
    else r = n < name.length && name[n] === pattern[p] && go(p + 1, n + 1);
    memo.set(key, r);
    return r;
  };
  return go(0, 0);
}

fuzz({
  name: 'imap-list-pattern',
  arbitrary: fc.oneof(
    fc.record({ pattern: word('ab/*%.', 12), name: word('ab/.', 16) }),
    fc.record({ pattern: fc.oneof(word('*%a', 30), repeated(fc.constantFrom('*a', '%a', '*%'), 30)), name: repeated(fc.constantFrom('a', 'a/', 'aa'), 400) }),
    fc.record({ pattern: fc.string({ maxLength: 20 }), name: fc.string({ maxLength: 20 }) }),
  ),
  codec: jsonCodec<{ pattern: string; name: string }>(),
  seeds: [{ pattern: '*a*a*a*a*a*a*a*a*b', name: 'a'.repeat(60) }],
  run({ pattern, name }) {
    // INBOX is case-insensitive at the start of a pattern; keep the reference simple.
    if (/^inbox/i.test(pattern) || /^inbox/i.test(name)) return;
    const got = listPatternMatcher(pattern)(name);
    if (pattern.length <= 40 && name.length <= 40) {
      const want = referenceMatch(pattern, name);
      check(got === want, `pattern ${JSON.stringify(pattern)} on ${JSON.stringify(name)}: ${got}, expected ${want}`);
    }
  },
});

// ---- sequence sets -------------------------------------------------------------------------------

fuzz({
  name: 'imap-sequence-set',
  arbitrary: fc.oneof(
    seqSet.map((text) => ({ text, values: undefined as number[] | undefined })),
    word('0123456789*:,', 30).map((text) => ({ text, values: undefined as number[] | undefined })),
    fc.uniqueArray(fc.integer({ min: 1, max: 200 }), { maxLength: 30 }).map((v) => ({ text: '', values: v.sort((a, b) => a - b) })),
  ),
  codec: jsonCodec(),
  run({ text, values }) {
    if (values) {
      if (values.length === 0) return;
      const back = resolveSet(parseSequenceSet(formatSet(values)), Array.from({ length: 200 }, (_, i) => i + 1));
      check(JSON.stringify(back) === JSON.stringify(values), `formatSet/parse of ${JSON.stringify(values)} gave ${JSON.stringify(back)}`);
      return;
    }
    try {
      const set = parseSequenceSet(text);
      const all = Array.from({ length: 50 }, (_, i) => i + 1);
      const got = resolveSet(set, all);
      for (let i = 1; i < got.length; i++) check(got[i] > got[i - 1], 'resolved set not sorted and unique');
      for (const r of set) check(r.from <= r.to && r.from >= 1, `range ${JSON.stringify(r)} out of order or below 1`);
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
    }
  },
});

// ---- dates ---------------------------------------------------------------------------------------

fuzz({
  name: 'imap-dates',
  arbitrary: fc.oneof(
    fc.date({ min: new Date(Date.UTC(1000, 0, 1)), max: new Date(Date.UTC(9999, 11, 31)) }).map((d) => ({ date: Math.floor(d.getTime() / 1000) * 1000, text: '' })),
    fc.oneof(fc.constantFrom('17-Jul-1996 02:44:25 -0700', ' 1-Jan-2000 00:00:00 +0000', '31-Feb-2021 23:59:60 +9959', '1-Feb-1994', 'Tue, 1 Jul 2003 10:52:37 +0200'), sentence(fc.oneof(numberText, atom, nastyChar)), rawBytes(30)).map((text) => ({ date: undefined as number | undefined, text })),
  ),
  codec: jsonCodec(),
  run({ date, text }) {
    if (date !== undefined) {
      const back = parseDateTime(formatInternalDate(new Date(date)));
      check(back.getTime() === date, `INTERNALDATE round trip of ${new Date(date).toISOString()} gave ${back.toISOString()}`);
      return;
    }
    for (const f of [parseDateTime, parseSearchDate]) {
      try {
        const v = f(text);
        check(typeof v === 'number' ? Number.isFinite(v) : Number.isFinite(v.getTime()), `${f.name}(${JSON.stringify(text)}) is not a valid date`);
      } catch (err) {
        if (!(err instanceof ParseError)) throw err;
      }
    }
    headerDateDay(text);
  },
});

// ---- IMAP URLs (URLFETCH, GENURLAUTH, CATENATE) --------------------------------------------------

fuzz({
  name: 'imap-url',
  arbitrary: fc.oneof(
    fc
      .tuple(fc.constantFrom('imap://', 'IMAP://', 'imap:', '/', ''), fc.oneof(fc.constant('alice'), atom), fc.constantFrom('@mail.example.test', '@h:143', '@', ';AUTH=*@h', '@[::1]'), fc.constantFrom('/INBOX', '/Archive%2F2024', '/%E9', '/%', '/%zz', ''), fc.constantFrom(';UIDVALIDITY=1', ';UIDVALIDITY=x', ''), fc.constantFrom('/;UID=1', '/;uid=0', '/;UID=99999999999', ''), fc.constantFrom('/;SECTION=1.2', '/;section=HEADER', ';PARTIAL=0.10', ';partial=1', ''), fc.constantFrom(';EXPIRE=2030-01-01T00:00:00Z;URLAUTH=user+alice:internal:' + 'a'.repeat(32), ';URLAUTH=anonymous', ''))
      .map((a) => a.join('')),
    fc.webUrl(),
    rawBytes(60),
  ),
  codec: latin1Codec,
  run(url) {
    try {
      parseImapUrl(url, 'alice');
    } catch (err) {
      if (!(err instanceof BadUrl)) throw err;
    }
  },
});

// ---- whole sessions ------------------------------------------------------------------------------

const engine = new FuzzEngine();
let inboxLow = false;
const MESSAGE = 'From: Bob <bob@example.org>\r\nTo: alice@example.test\r\nSubject: =?utf-8?B?w6k=?= fuzz\r\nDate: Tue, 1 Jul 2003 10:52:37 +0200\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhello\r\n--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\ninner body\r\n--b--\r\n';

for (const via of VIAS) fuzz({
  name: viaName('imap-session', via),
  alsoReplays: via === 'memory' ? 'imap-session' : undefined,
  arbitrary: fc.record({
    /** Stay logged out: what anyone on the network reaches. */
    anonymous: fc.boolean(),
    select: fc.boolean(),
    commands: fc.array(fc.tuple(fc.oneof(fc.constant('t'), word('abc0123456789.', 4), fc.constantFrom('+', '*', '')), commandBody, fc.constantFrom('\r\n', '\n')), { minLength: 1, maxLength: 8 }),
  }),
  codec: jsonCodec<{ anonymous?: boolean; select: boolean; commands: [string, string, string][] }>(),
  async: true,
  weight: via === 'socket' ? 0.25 : 1,
  hangMs: 4000,
  heapMb: 128,
  seeds: [{ select: true, commands: [['t', 'FETCH 1:* (FLAGS BODY.PEEK[1.MIME] BINARY[1] BODYSTRUCTURE ENVELOPE)', '\r\n'], ['t', 'UID SEARCH OR FROM bob TEXT hello', '\r\n']] }],
  before: async () => {
    const t = await engine.start();
    const append = `a APPEND INBOX (\\Seen) {${MESSAGE.length}+}\r\n${MESSAGE}\r\n`;
    await converse(t.ports.imap, [latin1(`l LOGIN ${USER.shortName} ${USER.password}\r\n${append}${append}`)], latin1('z LOGOUT\r\n'), 5000);
  },
  after: () => engine.stop(),
  async run({ anonymous, select, commands }) {
    // Fuzzed EXPUNGEs and MOVEs empty the mailbox; put messages back for FETCH and SEARCH to work on.
    const refill = inboxLow ? `a APPEND INBOX {${MESSAGE.length}+}\r\n${MESSAGE}\r\n` : '';
    const login = anonymous ? [] : [`l LOGIN ${USER.shortName} ${USER.password}\r\n`, refill, select ? 's SELECT INBOX\r\n' : ''];
    const script = [...login, ...commands.map(([tag, body, eol]) => `${tag} ${body}${eol}`)].join('');
    const c = await converse(engine.dial('imap', via), [latin1(script)], latin1('\r\nDONE\r\n*\r\nz LOGOUT\r\n'), 3000, tailAgainMs(via));
    const exists = [...c.output.matchAll(/^\* (\d+) EXISTS/gm)].pop();
    if (!anonymous && select && exists) inboxLow = Number(exists[1]) < 2;
    // Commands pipelined after STARTTLS are never answered in the clear (no command injection).
    const tls = c.output.search(/^\S+ OK Begin TLS/m);
    check(tls < 0 || !/\r\n./.test(c.output.slice(tls).replace(/\r\n$/, '')), () => `answered in the clear after STARTTLS: ${JSON.stringify(c.output.slice(tls, tls + 200))}`);
    check(c.closedByServer, () => `the server did not close after LOGOUT within 3 s; it said: ${JSON.stringify(c.output.slice(-300))}`);
    check(!c.output.includes('[SERVERBUG]'), () => `SERVERBUG: ${JSON.stringify(c.output.slice(Math.max(0, c.output.indexOf('[SERVERBUG]') - 300), c.output.indexOf('[SERVERBUG]') + 40))}`);
    const errors = engine.takeErrors();
    check(errors.length === 0, () => `the engine logged errors: ${JSON.stringify(errors.slice(0, 3))}`);
  },
});

void nastyChar;
