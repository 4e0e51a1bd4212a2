/**
 * Fuzz targets for Sieve: scripts (lexer, parser, compiler) and their runs on messages, the
 * :matches and :regex engines against references, and the address parser of the address test.
 */
import { compileSieve, runSieve } from '../../server/sieve/index';
import { formatAddress, parseAddrSpec, parseAddressList, parseMailbox } from '../../server/sieve/address';
import { RegexSyntaxError, compileRegex } from '../../server/sieve/regex';
import { compileWildcard, matchWildcard } from '../../server/sieve/wildcard';
import { CASES } from '../sieve/corpus/cases';
import { MESSAGES } from '../sieve/corpus/messages';
import { atom, hostileMessage, latin1, message, nastyChar, quoted, rawBytes, repeated, sentence, word } from './arbitraries';
import { check, fc, fuzz, jsonCodec, timeSpent } from './driver';
import { sieveScript } from './sieve-arbitraries';

const textCodec = { encode: (s: string) => Buffer.from(s, 'utf8'), decode: (b: Buffer) => b.toString('utf8') };

// ---- scripts: compile ----------------------------------------------------------------------------

fuzz({
  name: 'sieve-compile',
  arbitrary: sieveScript,
  codec: textCodec,
  seeds: CASES.map((c) => c.script),
  hangMs: 250,
  run(script) {
    const r = compileSieve(script, { limits: { maxScriptSize: 1024 * 1024 } });
    const lineCount = script.split('\n').length;
    for (const e of [...(r.errors ?? []), ...(r.warnings ?? [])]) {
      check(Number.isInteger(e.line) && Number.isInteger(e.column) && e.line >= 0 && e.line <= lineCount + 1 && e.column >= 0, () => `error position ${e.line}:${e.column} outside the script (${lineCount} lines): ${e.message}`);
      check(typeof e.message === 'string' && e.message.length > 0 && e.message.length < 2000, 'an empty or huge error message');
    }
  },
});

// ---- scripts: run on messages --------------------------------------------------------------------

interface RunInput {
  script: string;
  message: string;
}

const RUN_BUDGET_MS = 100;

fuzz({
  name: 'sieve-run',
  arbitrary: fc.record({ script: sieveScript, message: fc.oneof({ weight: 4, arbitrary: message }, { weight: 1, arbitrary: hostileMessage }) }),
  codec: jsonCodec<RunInput>(),
  seeds: CASES.slice(0, 60).map((c) => ({ script: c.script, message: MESSAGES[c.message] ?? c.message })),
  async: true,
  // The run budget plus compiling and parsing the message.
  hangMs: RUN_BUDGET_MS + 400,
  async run({ script, message: raw }) {
    const c = compileSieve(script);
    if (!c.script) return;
    const result = await runSieve(c.script, { raw: latin1(raw), envelope: { from: 'bob@example.org', to: 'alice@example.test' } }, { limits: { maxRunMs: RUN_BUDGET_MS }, now: new Date(0), zone: '+0000', loadInclude: () => 'keep;' });
    check(result.actions.length > 0 || result.errors.length === 0 || result.actions.some((a) => a.action === 'keep'), 'a failed run dropped the implicit keep');
    for (const a of result.actions) check(typeof a.action === 'string', 'an action without a name');
  },
});

// ---- :matches ------------------------------------------------------------------------------------

/** Memoised reference for :matches: "*" any run, "?" one character, "\" quotes the next. */
function referenceWildcard(pattern: string, text: string, caseless: boolean): boolean {
  const fold = (s: string) => (caseless ? s.replace(/[a-z]/g, (c) => c.toUpperCase()) : s);
  const units: (string | symbol)[] = [];
  const STAR = Symbol('*');
  const ANY = Symbol('?');
  const p = [...fold(pattern)];
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '\\') units.push(i + 1 < p.length ? p[++i] : '\\');
    else units.push(p[i] === '*' ? STAR : p[i] === '?' ? ANY : p[i]);
  }
  const t = [...fold(text)];
  const memo = new Map<number, boolean>();
  const go = (k: number, i: number): boolean => {
    const key = k * (t.length + 1) + i;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    let r: boolean;
    if (k === units.length) r = i === t.length;
    else if (units[k] === STAR) r = go(k + 1, i) || (i < t.length && go(k, i + 1));
    else r = i < t.length && (units[k] === ANY || units[k] === t[i]) && go(k + 1, i + 1);
    memo.set(key, r);
    return r;
  };
  return go(0, 0);
}

/** The lazy-capture values RFC 5229 asks for, from a RegExp (fine on small inputs). */
function referenceCaptures(pattern: string, text: string): string[] | null {
  let src = '';
  const p = [...pattern];
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '\\') src += (i + 1 < p.length ? p[++i] : '\\').replace(/[.*+?^${}()|[\]\\/]/gu, '\\$&');
    else if (p[i] === '*') src += '(.*?)';
    else if (p[i] === '?') src += '(.)';
    else src += p[i].replace(/[.*+?^${}()|[\]\\/]/gu, '\\$&');
  }
  const m = new RegExp(`^${src}$`, 'su').exec(text);
  return m ? [...m].map((x) => x ?? '') : null;
}

fuzz({
  name: 'sieve-wildcard',
  arbitrary: fc.oneof(
    fc.record({ pattern: word('ab*?\\', 10), text: word('ab', 12), caseless: fc.boolean() }),
    fc.record({ pattern: fc.string({ maxLength: 10 }), text: fc.string({ maxLength: 12 }), caseless: fc.boolean() }),
    fc.record({ pattern: fc.fullUnicodeString({ maxLength: 6 }).map((s) => s + '*?'), text: fc.fullUnicodeString({ maxLength: 8 }), caseless: fc.boolean() }),
    fc.record({ pattern: repeated(fc.constantFrom('*a', '?', '*', 'a*'), 300), text: repeated(fc.constantFrom('a', 'ab', 'b'), 20000), caseless: fc.boolean() }),
  ),
  codec: jsonCodec<{ pattern: string; text: string; caseless: boolean }>(),
  seeds: [{ pattern: '*a*a*a*a*a*a*a*a*a*a*a*a*b', text: 'a'.repeat(5000), caseless: true }],
  run({ pattern, text, caseless }) {
    const p = compileWildcard(pattern, caseless);
    const got = matchWildcard(p, text, false);
    if (pattern.length > 12 || text.length > 16) return;
    const want = referenceWildcard(pattern, text, caseless);
    check((got !== null) === want, `${JSON.stringify(pattern)} on ${JSON.stringify(text)}${caseless ? ' (caseless)' : ''}: ${got !== null}, expected ${want}`);
    if (!caseless && want) {
      const caps = matchWildcard(p, text, true);
      const ref = referenceCaptures(pattern, text);
      check(JSON.stringify(caps) === JSON.stringify(ref), `captures of ${JSON.stringify(pattern)} on ${JSON.stringify(text)}: ${JSON.stringify(caps)}, expected ${JSON.stringify(ref)}`);
    }
  },
});

// ---- :regex --------------------------------------------------------------------------------------

/** Extended regular expressions both engines read the same way (no brackets with "\", no empty branches). */
const safeRegex: fc.Arbitrary<string> = fc.letrec<{ re: string; piece: string }>((tie) => ({
  re: fc.array(tie('piece'), { minLength: 1, maxLength: 4 }).map((a) => a.join('')),
  piece: fc
    .tuple(
      fc.oneof({ depthSize: 'small', withCrossShrink: true }, fc.constantFrom('a', 'b', '.', '[ab]', '[^a]', 'c'), fc.array(tie('re'), { minLength: 1, maxLength: 3 }).map((alts) => `(${alts.join('|')})`)),
      fc.constantFrom('', '', '*', '+', '?', '{2}', '{1,3}', '{0,2}'),
    )
    .map(([atomText, q]) => atomText + q),
})).re;

fuzz({
  name: 'sieve-regex',
  arbitrary: fc.oneof(
    { weight: 3, arbitrary: fc.record({ pattern: fc.tuple(fc.constantFrom('', '^'), safeRegex, fc.constantFrom('', '$')).map(([a, r, z]) => a + r + z), text: word('abc\n', 10), reference: fc.constant(true) }) },
    {
      weight: 2,
      arbitrary: fc.record({
        pattern: fc.oneof(sentence(fc.oneof(atom, nastyChar, quoted, fc.constantFrom('(', ')', '[', ']', '[:alpha:]', '[=a=]', '[.a.]', '{', '}', '{1,', '\\', '\\1', '\\w', '\\<', '|', '*', '+', '?', '^', '$')), 1), rawBytes(20), repeated(fc.constantFrom('(', 'a*', '(a|b)*', '{9,}'), 200)),
        text: fc.oneof(fc.string({ maxLength: 40 }), repeated(fc.constantFrom('a', 'ab', '!'), 20000)),
        reference: fc.constant(false),
      }),
    },
  ),
  codec: jsonCodec<{ pattern: string; text: string; reference: boolean }>(),
  // (Not against the RegExp reference: that one backtracks for minutes on it.)
  seeds: [{ pattern: '^(a+)+$', text: 'a'.repeat(32) + '!', reference: false }],
  // The check inside, which runs the pattern up to seven times, looks at the growth; this catches the runaway.
  hangMs: 1000,
  run({ pattern, text, reference }) {
    let re;
    try {
      re = compileRegex(pattern, false);
    } catch (err) {
      if (err instanceof RegexSyntaxError) return;
      throw err;
    }
    // Captures (exec) cost a copy per thread and group: about 25 µs a character for ten groups, so
    // long texts are matched without them, as :regex does when no match variable is read.
    const run = (t: string) => (text.length > 2000 ? (compiled.test(t) ? [] : null) : compiled.exec(t));
    const compiled = re;
    const t0 = performance.now();
    const got = run(text);
    const ms = performance.now() - t0;
    if (ms > 50) {
      // Slow is allowed (a run's time budget bounds it), superlinear is not: half the text, about
      // half the time (the fastest of three runs each, so a collection or a busy machine does not count).
      const fastest = (t: string): number => {
        let best = Infinity;
        // By the CPU time used where that is less than the time passed (see timeSpent).
        for (let i = 0; i < 3; i++) best = Math.min(best, timeSpent(() => run(t)));
        return best;
      };
      const full = fastest(text);
      const halfMs = fastest(text.slice(0, text.length >> 1));
      check(full < 4 * halfMs + 30, `/${pattern.slice(0, 80)}/ took ${full.toFixed(0)} ms on ${text.length} characters and ${halfMs.toFixed(0)} ms on half of them`);
    }
    // The RegExp reference backtracks: only on short patterns, or it is the one that hangs.
    if (!reference || pattern.length > 30) return;
    const want = new RegExp(pattern, 's').exec(text);
    check((got === null) === (want === null), `/${pattern}/ on ${JSON.stringify(text)}: ${got !== null}, expected ${want !== null}`);
    // Which text matches can differ where a repeated group can match nothing: JavaScript refuses an
    // empty iteration, a Pike VM (like RE2) takes it. Compare the matched text only without those.
    const emptyLoop = /\([^()]*[*?]|\{0/.test(pattern) && /\)[*+?{]/.test(pattern);
    if (got && want && !emptyLoop) check(got[0] === want[0], `/${pattern}/ on ${JSON.stringify(text)} matched ${JSON.stringify(got[0])}, expected ${JSON.stringify(want[0])}`);
  },
});

// ---- addresses (the address test, redirect, vacation :from) -------------------------------------

fuzz({
  name: 'sieve-address',
  arbitrary: fc.oneof(
    fc.record({ local: fc.oneof(atom, fc.string({ maxLength: 10 }).filter((s) => s.length > 0)), domain: word('abcdefghijklmnopqrstuvwxyz0123456789', 10).map((d) => `${d}.test`) }).map((a) => ({ text: '', addr: a as { local: string; domain: string } | undefined })),
    fc
      .oneof(
        sentence(fc.oneof(atom, quoted, nastyChar, fc.constantFrom('@', '<', '>', '(', ')', ',', ':', ';', '"', '\\', 'a@b.c', '<a@b.c>', '@x,@y:'))),
        rawBytes(60),
        repeated(fc.constantFrom('(', '"', 'a.', '<', 'a-'), 20000),
        repeated(fc.constantFrom('a', 'a-', '-'), 20000).map((d) => `x@${d}!`),
      )
      .map((text) => ({ text, addr: undefined as { local: string; domain: string } | undefined })),
  ),
  codec: jsonCodec(),
  run({ text, addr }) {
    if (addr) {
      const back = parseAddrSpec(formatAddress(addr));
      check(back !== undefined && back.local === addr.local && back.domain === addr.domain, () => `${JSON.stringify(addr)} → ${formatAddress(addr)} → ${JSON.stringify(back)}`);
      return;
    }
    parseAddrSpec(text);
    parseMailbox(text);
    for (const e of parseAddressList(text)) check('invalid' in e || (e.local.length > 0 && e.domain.length > 0), 'an address with an empty part');
  },
});

