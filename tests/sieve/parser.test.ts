import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileSieve } from '../../server/sieve/index';
import { tokenize } from '../../server/sieve/lexer';
import { parseScript } from '../../server/sieve/parser';
import { actions, compileError } from './helpers';

const LIMITS = { maxBlockDepth: 32, maxTestDepth: 32 };

test('every token carries its line and column', () => {
  const toks = tokenize('require "fileinto";\n  if size :over 10K {\n\tkeep;\n}');
  const at = (v: string): [number, number] => {
    const t = toks.find((x) => x.value === v);
    assert.ok(t, v);
    return [t.line, t.column];
  };
  assert.deepEqual(at('require'), [1, 1]);
  assert.deepEqual(at('fileinto'), [1, 9]);
  assert.deepEqual(at('if'), [2, 3]);
  assert.deepEqual(at('over'), [2, 11]);
  assert.deepEqual(at('keep'), [3, 2]);
  assert.equal(toks.find((t) => t.kind === 'number')?.number, 10 * 1024);
});

test('number quantifiers K, M and G', () => {
  const nums = tokenize('1 2k 3M 4g').filter((t) => t.kind === 'number').map((t) => t.number);
  assert.deepEqual(nums, [1, 2048, 3 * 1024 * 1024, 4 * 1024 * 1024 * 1024]);
});

test('multi-line strings: dot-stuffing, hash comment after text:, CRLF lines', () => {
  const [t] = tokenize('text: # comment\r\nline one\r\n..starts with a dot\r\n.\r\n').filter((x) => x.kind === 'string');
  assert.equal(t.value, 'line one\r\n.starts with a dot\r\n');
  assert.equal(t.multiline, true);
});

test('quoted strings: escapes and line breaks', () => {
  const [t] = tokenize('"a\\"b\\\\c\\d\nnext"').filter((x) => x.kind === 'string');
  assert.equal(t.value, 'a"b\\cd\nnext');
});

test('bracket and hash comments are white space, and keep line counting right', () => {
  const nodes = parseScript('/* one\ntwo */ keep; # x\n\ndiscard;', LIMITS);
  assert.deepEqual(nodes.map((n) => [n.name, n.line, n.column]), [['keep', 2, 8], ['discard', 4, 1]]);
});

test('syntax errors carry line and column', () => {
  assert.deepEqual(compileError('keep;\n  discard\n'), { line: 3, column: 1, message: 'expected ";" or "{" after the "discard" command but found end of script' });
  const e1 = compileError('if true {\n  keep;\n');
  assert.equal(e1.line, 3);
  const e2 = compileError('require "fileinto";\nfileinto "a;\n');
  assert.deepEqual([e2.line, e2.column], [2, 10]);
  assert.match(e2.message, /unterminated string/);
  const e3 = compileError('keep; /* open');
  assert.deepEqual([e3.line, e3.column], [1, 7]);
  const e4 = compileError('keep;\nif header :is "a" ["b", ] { keep; }');
  assert.deepEqual([e4.line, e4.column], [2, 25]);
  const e5 = compileError('keep;\n  @');
  assert.deepEqual([e5.line, e5.column], [2, 3]);
});

test('validation errors point at the offending command, test or argument', () => {
  assert.deepEqual(compileError('keep;\nfileinto "x";'), { line: 2, column: 1, message: 'unknown command "fileinto" (it needs require "fileinto")' });
  const e = compileError('require ["fileinto",\n  "bogus"];');
  assert.deepEqual([e.line, e.column], [2, 3]);
  assert.match(e.message, /unsupported extension "bogus"/);
  const t = compileError('if anyof (true,\n   nonsense) { keep; }');
  assert.deepEqual([t.line, t.column], [2, 4]);
  const tag = compileError('if header :is :contains "a" "b" { keep; }');
  assert.deepEqual([tag.line, tag.column], [1, 15]);
  const late = compileError('keep;\nrequire "fileinto";');
  assert.deepEqual([late.line, late.column], [2, 1]);
  assert.match(late.message, /require must come before/);
});

test('using an extension without require is an error', () => {
  for (const src of [
    'if envelope "from" "x" { keep; }',
    'vacation "x";',
    'if body :contains "x" { keep; }',
    'set "a" "b";',
    'addflag "x";',
    'if header :regex "a" "b" { keep; }',
    'if header :value "gt" "a" "b" { keep; }',
    'if address :user "from" "x" { keep; }',
    'if currentdate :is "year" "2020" { keep; }',
    'include "x";',
    'if spamtest "5" { keep; }',
    'if virustest "5" { keep; }',
    'if mailboxexists "x" { keep; }',
    'reject "x";',
    'ereject "x";',
    'redirect :copy "a@b.c";',
  ]) {
    compileError(src);
  }
});

test('extensionsAllowed restricts what scripts may require', () => {
  const c = compileSieve('require "vacation";', { extensionsAllowed: ['fileinto'] });
  assert.match(c.errors?.[0].message ?? '', /not enabled/);
});

test('limits: script size and nesting depth', () => {
  const big = 'keep;' + ' '.repeat(1024 * 1024);
  assert.match(compileSieve(big).errors?.[0].message ?? '', /larger than/);
  assert.ok(compileSieve('keep;', { limits: { maxScriptSize: 4 } }).errors);
  const deep = 'if true {'.repeat(40) + 'keep;' + '}'.repeat(40);
  assert.match(compileSieve(deep).errors?.[0].message ?? '', /nested deeper/);
  const tests = 'if ' + 'not '.repeat(40) + 'true { keep; }';
  assert.match(compileSieve(tests).errors?.[0].message ?? '', /nested deeper/);
});

test('invalid UTF-8 in a script is an error', () => {
  const c = compileSieve(Buffer.from([0x6b, 0x65, 0x65, 0x70, 0x3b, 0x0a, 0x23, 0xff]));
  assert.equal(c.errors?.[0].line, 2);
});

test('legacy syntax of the seed samples can be turned off', async () => {
  assert.deepEqual(await actions('forward "a@example.net";'), ['redirect a@example.net']);
  assert.ok(compileSieve('forward "a@example.net";', { legacySyntax: false }).errors);
  assert.ok(compileSieve('if header "subject" :contains "x" { keep; }', { legacySyntax: false }).errors);
  assert.ok(compileSieve('if true { keep; } else if true { keep; }', { legacySyntax: false }).errors);
});
