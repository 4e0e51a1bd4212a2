/**
 * Issue 17 defect 1: :matches and :regex in linear time, every run under a time budget, and the
 * other costs a script or a sender controls bounded.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parseRfc2822Date } from '../../server/sieve/date';
import { compileSieve, runSieve, type SieveEnvironment, type SieveRunResult } from '../../server/sieve/index';
import { extractBodyParts } from '../../server/sieve/mime';
import { compileRegex } from '../../server/sieve/regex';
import { compileWildcard, matchWildcard } from '../../server/sieve/wildcard';

const wild = (pattern: string, text: string, caseless = false): string[] | null => matchWildcard(compileWildcard(pattern, caseless), text, true);
const re = (pattern: string, text: string, caseless = false): (string | undefined)[] | null => compileRegex(pattern, caseless).exec(text);

async function run(script: string, raw: string, env: SieveEnvironment = {}): Promise<SieveRunResult & { ms: number }> {
  const c = compileSieve(script);
  if (c.errors) throw new Error(`does not compile: ${JSON.stringify(c.errors)}`);
  const t0 = performance.now();
  const r = await runSieve(c.script, { raw: Buffer.from(raw), envelope: { from: 'a@example.org', to: 'b@example.com' } }, env);
  return { ...r, ms: performance.now() - t0 };
}

const EVIL_REGEX = 'require "regex"; if header :regex "Subject" "^(a+)+$" { discard; }';
const EVIL_MATCHES = 'if header :matches "Subject" "*a*a*a*a*a*a*a*a*a*a*a*a*b" { discard; }';
const subjectMessage = (subject: string): string => `From: a@example.org\r\nSubject: ${subject}\r\n\r\nHello.\r\n`;

test(':matches: wildcards, captures (shortest first, left to right), escapes', () => {
  assert.deepEqual(wild('*', ''), ['', '']);
  assert.deepEqual(wild('', ''), ['']);
  assert.equal(wild('', 'a'), null);
  assert.equal(wild('?', ''), null);
  assert.deepEqual(wild('?', 'x'), ['x', 'x']);
  assert.deepEqual(wild('a*b*c', 'a1b2b3c'), ['a1b2b3c', '1', '2b3']);
  assert.deepEqual(wild('*-*', 'x-y-z'), ['x-y-z', 'x', 'y-z']);
  assert.deepEqual(wild('**x', 'abx'), ['abx', '', 'ab']);
  assert.deepEqual(wild('*?', 'abc'), ['abc', 'ab', 'c']);
  assert.deepEqual(wild('?*?', 'ab'), ['ab', 'a', '', 'b']);
  assert.deepEqual(wild('*ab', 'abab'), ['abab', 'ab']);
  assert.deepEqual(wild('[*] *', '[list] hello world'), ['[list] hello world', 'list', 'hello world']);
  // "\" quotes the next character; a trailing one stands for itself.
  assert.deepEqual(wild('a\\*', 'a*'), ['a*']);
  assert.equal(wild('a\\*', 'ab'), null);
  assert.deepEqual(wild('a\\?*', 'a?xyz'), ['a?xyz', 'xyz']);
  assert.deepEqual(wild('\\\\*', '\\x'), ['\\x', 'x']);
  assert.deepEqual(wild('ab\\', 'ab\\'), ['ab\\']);
  // Case: i;ascii-casemap folds ASCII letters only.
  assert.deepEqual(wild('HI*', 'hi there', true), ['hi there', ' there']);
  assert.equal(wild('HI*', 'hi there', false), null);
  assert.equal(wild('É*', 'é', true), null);
  // "?" is one character, also outside the BMP; captures never split a surrogate pair.
  assert.deepEqual(wild('?', '😀'), ['😀', '😀']);
  assert.deepEqual(wild('*?', 'a😀'), ['a😀', 'a', '😀']);
  assert.deepEqual(wild('?é*', 'xé😀y'), ['xé😀y', 'x', '😀y']);
  assert.equal(wild('??', '😀'), null);
});

test(':regex: POSIX ERE on a linear engine, with captures', () => {
  assert.deepEqual(re('^\\[([a-z]+)\\] (.*)$', '[list] hi there'), ['[list] hi there', 'list', 'hi there']);
  assert.deepEqual(re('(a|ab)(c|bcd)(d*)', 'abcd'), ['abcd', 'a', 'bcd', '']);
  assert.deepEqual(re('x(y)?z', 'xz'), ['xz', undefined]);
  assert.deepEqual(re('^[[:digit:]]{3}$', '123'), ['123']);
  assert.equal(re('^[[:digit:]]{3}$', '1234'), null);
  assert.deepEqual(re('a{2,}', 'caaat'), ['aaa']);
  assert.deepEqual(re('a{,2}', 'a{,2}'), ['a{,2}'], '"{" that does not start an interval is literal');
  assert.deepEqual(re('[\\d]+', 'a\\d'), ['\\d'], 'a backslash in brackets is literal');
  assert.deepEqual(re('\\d', 'd'), ['d'], '\\d is the letter d, as in glibc');
  assert.deepEqual(re('[]a]+', 'x]a]'), [']a]']);
  assert.deepEqual(re('[^a-c]+', 'abcxyz'), ['xyz']);
  assert.deepEqual(re('\\<word\\>', 'a word here'), ['word']);
  assert.equal(re('\\<word\\>', 'swordfish'), null);
  assert.deepEqual(re('\\bis\\b', 'this is'), ['is']);
  assert.deepEqual(re('\\Bis', 'this'), ['is']);
  assert.deepEqual(re('\\w+\\s\\S', 'foo_1 x'), ['foo_1 x']);
  assert.deepEqual(re('a.c', 'a\nc'), ['a\nc'], '"." matches a newline');
  assert.deepEqual(re('^.$', '😀'), ['😀'], '"." is one character');
  assert.deepEqual(re('abc', 'xABCx', true), ['ABC']);
  assert.deepEqual(re('[a-c]+', 'ABC', true), ['ABC']);
  assert.equal(re('é', 'É', true), null, 'case folding is ASCII only (i;ascii-casemap)');
  assert.deepEqual(re('', 'abc'), ['']);
  assert.deepEqual(re('(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)', 'abcdefghijk')?.slice(0, 10), ['abcdefghijk', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']);
  assert.equal(compileRegex('(a+)+$', false, false).test('aaaa'), true);
});

test(':regex: what cannot run in linear time, or is too large, is a compile error', () => {
  for (const [pattern, message] of [
    ['(a)\\1', /back-references/],
    ['(a', /missing \)/],
    ['a)', /unmatched \)/],
    ['*a', /nothing to repeat/],
    ['a{2,1}', /minimum is larger/],
    ['a{1001}', /larger than 1000/],
    ['(a{1000}){1000}', /too large/],
    ['('.repeat(200) + ')'.repeat(200), /nested deeper/],
    ['[[:nope:]]', /unknown character class/],
    ['[z-a]', /invalid range/],
    ['abc\\', /trailing backslash/],
  ] as const) {
    assert.throws(() => compileRegex(pattern, false), message, pattern);
  }
  const c = compileSieve('require "regex"; if header :regex "subject" "(a)\\\\1" { keep; }');
  assert.match(c.errors?.[0].message ?? '', /invalid regular expression "\(a\)\\1": back-references/);
});

test('the two scripts of issue 17 run in well under 100 ms', async () => {
  const regex = await run(EVIL_REGEX, subjectMessage('a'.repeat(32) + '!'));
  assert.deepEqual(regex.actions, [{ action: 'keep', implicit: true }]);
  assert.ok(regex.ms < 100, `${regex.ms} ms`);
  const matches = await run(EVIL_MATCHES, subjectMessage('a'.repeat(5000)));
  assert.deepEqual(matches.actions, [{ action: 'keep', implicit: true }]);
  assert.ok(matches.ms < 100, `${matches.ms} ms`);
  // Linear, not just faster: 100 times the text is about 100 times the work.
  const long = await run(EVIL_REGEX, subjectMessage('a'.repeat(100_000) + '!'));
  assert.ok(long.ms < 1000, `${long.ms} ms`);
  const longMatches = await run(`require "variables"; ${EVIL_MATCHES.replace('{ discard; }', '{ discard; } if header :matches "Subject" "*a*a*a*a*a*a*a*a*a*a*a*a*" { set "x" "${12}"; }')}`, subjectMessage('a'.repeat(500_000)));
  assert.ok(longMatches.ms < 1000, `${longMatches.ms} ms`);
});

test('the CLI answers the two scripts quickly', () => {
  const cli = path.join(__dirname, '..', '..', 'server', 'cli', 'pillarbox.js');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pb-sieve-evil-'));
  try {
    for (const [script, subject] of [
      [EVIL_REGEX, 'a'.repeat(32) + '!'],
      [EVIL_MATCHES, 'a'.repeat(5000)],
    ]) {
      writeFileSync(path.join(dir, 's.sieve'), script);
      writeFileSync(path.join(dir, 'm.eml'), subjectMessage(subject));
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [cli, 'sieve', 'test', path.join(dir, 's.sieve'), path.join(dir, 'm.eml')], { encoding: 'utf8', timeout: 20_000 });
      const ms = performance.now() - t0;
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, '{"action":"keep","implicit":true}\n');
      // Start-up of node and the CLI included; the run itself is about a millisecond.
      assert.ok(ms < 5000, `${ms} ms`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a run over its time budget ends with the implicit keep and says so', async () => {
  const body = ('a'.repeat(76) + '\r\n').repeat(14_000);
  const script = 'require ["body", "regex", "fileinto"]; fileinto "Before";\n' + 'if body :raw :regex "(a|aa)*b" { discard; }\n'.repeat(200);
  const r = await run(script, `From: a@example.org\r\nSubject: big\r\n\r\n${body}`, { limits: { maxRunMs: 50 } });
  assert.deepEqual(r.actions, [{ action: 'keep', implicit: true }], 'the fileinto before the stop is cancelled, as for any run-time error');
  assert.deepEqual(r.budgetExceeded, { limitMs: 50 });
  assert.match(r.errors[0].message, /ran longer than its 50 ms budget/);
  assert.ok(r.errors[0].line >= 2, 'the error says where the run was');
  assert.ok(r.ms < 1000, `stopped after ${r.ms} ms`);
});

test('includes fanned out without :once are stopped by the budget', async () => {
  // Ten levels of 50 includes each would run 50^10 times.
  const level = (next: string): string => `require "include";\n${`include :personal "${next}";\n`.repeat(50)}`;
  const scripts: Record<string, string> = {};
  for (let i = 0; i < 9; i++) scripts[`s${i}`] = level(`s${i + 1}`);
  scripts.s9 = 'if header :contains "subject" "x" { keep; }';
  const r = await run(level('s0'), subjectMessage('hello'), { loadInclude: (name) => scripts[name], limits: { maxRunMs: 100 } });
  assert.ok(r.budgetExceeded);
  assert.ok(r.ms < 2000, `${r.ms} ms`);
});

test('variables cannot build strings without bound', async () => {
  // Each "set" doubles the value; values are cut at maxVariableSize, and an expansion stops at 1 MB.
  const doubling = 'set "a" "${a}${a}";\n'.repeat(40);
  const refs = '${a}'.repeat(2000);
  const r = await run(
    `require ["variables", "fileinto"]; set "a" "xy"; ${doubling} set :length "n" "\${a}"; if string :contains "${refs}" "zzz" { discard; } fileinto "\${n}";`,
    subjectMessage('hello'),
  );
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.actions, [{ action: 'fileinto', mailbox: '4096', copy: false, create: false }]);
});

test(':contains, :matches and :regex look at the first maxMatchedSize characters of a value', async () => {
  const body = 'x'.repeat(2000) + 'needle';
  const script = 'require ["body", "fileinto"]; if body :raw :contains "needle" { fileinto "Found"; }';
  assert.deepEqual((await run(script, `Subject: s\r\n\r\n${body}`)).actions, [{ action: 'fileinto', mailbox: 'Found', copy: false, create: false }]);
  assert.deepEqual((await run(script, `Subject: s\r\n\r\n${body}`, { limits: { maxMatchedSize: 1000 } })).actions, [{ action: 'keep', implicit: true }]);
});

test('sender-controlled text that made the parsers quadratic is handled in linear time', () => {
  let t0 = performance.now();
  assert.equal(parseRfc2822Date('('.repeat(50_000)), undefined);
  assert.equal(parseRfc2822Date('1 Jan 2020 10:00' + ' '.repeat(50_000) + '!'), undefined);
  assert.ok(performance.now() - t0 < 200, `dates: ${performance.now() - t0} ms`);
  assert.deepEqual(parseRfc2822Date('Tue, 1 Jul 2003 (a comment) 10:52:37 +0200'), { epoch: Date.UTC(2003, 6, 1, 8, 52, 37), offset: 120 });

  let body = 'x\r\n'.repeat(300_000) + ' '.repeat(100_000) + 'x\r\n';
  for (let d = 20; d > 0; d--) body = `--b${d}\r\nContent-Type: multipart/mixed; boundary=b${d + 1}\r\n\r\n${body}\r\n--b${d}--\r\n`;
  t0 = performance.now();
  const parts = extractBodyParts(Buffer.from(`Content-Type: multipart/mixed; boundary=b1\r\n\r\n${body}`));
  assert.equal(parts.length, 21);
  assert.ok(performance.now() - t0 < 2000, `MIME: ${performance.now() - t0} ms`);
});
