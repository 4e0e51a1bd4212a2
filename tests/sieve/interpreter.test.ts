import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSieve, SieveMessage } from '../../server/sieve/index';
import { actions, compileOk, run, SIMPLE } from './helpers';

test('implicit keep: kept when nothing cancels it', async () => {
  assert.deepEqual(await actions(''), ['keep (implicit)']);
  assert.deepEqual(await actions('if false { discard; }'), ['keep (implicit)']);
});

test('implicit keep is cancelled by fileinto, redirect, discard, keep and reject, not with :copy', async () => {
  assert.deepEqual(await actions('require "fileinto"; fileinto "A";'), ['fileinto A']);
  assert.deepEqual(await actions('redirect "a@example.net";'), ['redirect a@example.net']);
  assert.deepEqual(await actions('discard;'), ['discard']);
  assert.deepEqual(await actions('keep;'), ['keep']);
  assert.deepEqual(await actions('require "reject"; reject "no";'), ['reject no']);
  assert.deepEqual(await actions('require ["fileinto","copy"]; fileinto :copy "A";'), ['fileinto A :copy', 'keep (implicit)']);
  assert.deepEqual(await actions('require "copy"; redirect :copy "a@example.net";'), ['redirect a@example.net :copy', 'keep (implicit)']);
});

test('discard only cancels the implicit keep; other actions stay', async () => {
  assert.deepEqual(await actions('require "fileinto"; fileinto "A"; discard; keep;'), ['fileinto A', 'discard', 'keep']);
});

test('duplicates are delivered once (RFC 5228 2.10.3)', async () => {
  assert.deepEqual(await actions('keep; keep;'), ['keep']);
  assert.deepEqual(await actions('require "fileinto"; fileinto "INBOX"; keep;'), ['fileinto INBOX']);
  assert.deepEqual(await actions('require "fileinto"; fileinto "A"; fileinto "A";'), ['fileinto A']);
  assert.deepEqual(await actions('redirect "a@example.net"; redirect "a@EXAMPLE.NET";'), ['redirect a@example.net']);
  assert.deepEqual(await actions('require ["fileinto","copy"]; fileinto :copy "INBOX";'), ['fileinto INBOX :copy']);
});

test('stop ends the script; actions so far stand', async () => {
  assert.deepEqual(await actions('redirect "a@example.net"; stop; discard;'), ['redirect a@example.net']);
  assert.deepEqual(await actions('if true { stop; } discard;'), ['keep (implicit)']);
});

test('if / elsif / else take the first true branch', async () => {
  const s = 'if header :is "subject" "x" { redirect "1@e.net"; } elsif header :contains "subject" "hi" { redirect "2@e.net"; } else { redirect "3@e.net"; }';
  assert.deepEqual(await actions(s), ['redirect 2@e.net']);
});

test('run-time errors carry line and column, and leave only the implicit keep', async () => {
  const r = await run('require "reject";\nkeep;\n  reject "no";');
  assert.deepEqual(r.actions, [{ action: 'keep', implicit: true }]);
  assert.equal(r.errors.length, 1);
  assert.deepEqual([r.errors[0].line, r.errors[0].column], [3, 3]);
  assert.match(r.errors[0].message, /conflicts with keep/);
});

test('reject conflicts (RFC 5429): with keep, fileinto, redirect, vacation, another reject', async () => {
  for (const s of [
    'require "reject"; reject "a"; keep;',
    'require ["reject","fileinto"]; fileinto "A"; reject "a";',
    'require ["reject","copy"]; redirect :copy "a@e.net"; reject "a";',
    'require ["reject","vacation"]; vacation "v"; reject "a";',
    'require ["reject","vacation"]; reject "a"; vacation "v";',
    'require "reject"; reject "a"; reject "b";',
    'require ["reject","ereject"]; ereject "a"; reject "b";',
  ]) {
    const r = await run(s);
    assert.equal(r.errors.length, 1, s);
    assert.deepEqual(r.actions, [{ action: 'keep', implicit: true }], s);
  }
  assert.deepEqual(await actions('require "reject"; discard; reject "a";'), ['discard', 'reject a']);
});

test('limits: redirects and actions per run', async () => {
  const five = ['a', 'b', 'c', 'd', 'e'].map((x) => `redirect "${x}@e.net";`).join(' ');
  assert.equal((await actions(five)).length, 5);
  const r = await run(five + '\nredirect "f@e.net";');
  assert.match(r.errors[0].message, /too many redirects/);
  assert.equal(r.errors[0].line, 2);
  const two = await run(five + ' redirect "f@e.net";', SIMPLE, { limits: { maxRedirects: 10 } });
  assert.deepEqual(two.errors, []);
  const many = 'require "fileinto";' + Array.from({ length: 40 }, (_, i) => `fileinto "b${i}";`).join('');
  assert.match((await run(many)).errors[0].message, /too many actions/);
});

test('a parsed message can be shared between runs', async () => {
  const parsed = new SieveMessage(Buffer.from(SIMPLE));
  const script = compileOk('if header :contains "subject" "hi" { discard; }');
  for (const to of ['a@example.com', 'b@example.com']) {
    const r = await runSieve(script, { raw: Buffer.alloc(0), parsed, envelope: { from: 'x@y.z', to } });
    assert.deepEqual(r.actions, [{ action: 'discard' }]);
  }
});

test('header test: missing header, empty key, multiple values, RFC 2047 decoding, folding', async () => {
  const msg = ['Subject: =?UTF-8?Q?caf=C3=A9?=', '  au lait', 'X-A: one', 'X-A: two', 'X-E:', '', 'b', ''].join('\r\n');
  assert.deepEqual(await actions('if header :contains "x-missing" "" { discard; }', msg), ['keep (implicit)']);
  assert.deepEqual(await actions('if header :contains "x-a" "" { discard; }', msg), ['discard']);
  assert.deepEqual(await actions('if header :is "x-a" "two" { discard; }', msg), ['discard']);
  assert.deepEqual(await actions('if header :is "subject" "café  au lait" { discard; }', msg), ['discard']);
  assert.deepEqual(await actions('if header :is "x-e" "" { discard; }', msg), ['discard']);
});

test('match types :is, :contains, :matches with wildcards and escapes', async () => {
  const m = ['Subject: a*b?c [x]', '', ''].join('\r\n');
  assert.deepEqual(await actions('if header :matches "subject" "a\\\\*b\\\\?c *" { discard; }', m), ['discard']);
  assert.deepEqual(await actions('if header :matches "subject" "a?b*" { discard; }', m), ['discard']);
  assert.deepEqual(await actions('if header :matches "subject" "A*" { discard; }', m), ['discard']);
  assert.deepEqual(await actions('if header :matches :comparator "i;octet" "subject" "A*" { discard; }', m), ['keep (implicit)']);
  assert.deepEqual(await actions('if header :contains "subject" "[X]" { discard; }', m), ['discard']);
  assert.deepEqual(await actions('if header :is "subject" "a*b?c [x] " { discard; }', m), ['keep (implicit)']);
});

test('address test: parts, groups, invalid addresses', async () => {
  const m = ['From: "Doe, J" <J.Doe@Example.COM>', 'To: team: a@x.org, b@y.org;, c@z.org', 'Cc: not an address', '', ''].join('\r\n');
  assert.deepEqual(await actions('if address :localpart "from" "j.doe" { discard; }', m), ['discard']);
  assert.deepEqual(await actions('if address :domain "from" "example.com" { discard; }', m), ['discard']);
  assert.deepEqual(await actions('if address :all :is "to" "b@y.org" { discard; }', m), ['discard']);
  assert.deepEqual(await actions('if address :contains "to" "team" { discard; }', m), ['keep (implicit)']);
  assert.deepEqual(await actions('if address :all :is "cc" "not an address" { discard; }', m), ['discard']);
  assert.deepEqual(await actions('if address :domain :contains "cc" "" { discard; }', m), ['keep (implicit)']);
});

test('size and exists', async () => {
  assert.deepEqual(await actions(`if size :over ${SIMPLE.length - 1} { discard; }`), ['discard']);
  assert.deepEqual(await actions(`if size :over ${SIMPLE.length} { discard; }`), ['keep (implicit)']);
  assert.deepEqual(await actions(`if size :under ${SIMPLE.length + 1} { discard; }`), ['discard']);
  assert.deepEqual(await actions('if exists ["From", "subject"] { discard; }'), ['discard']);
  assert.deepEqual(await actions('if exists ["From", "x-nope"] { discard; }'), ['keep (implicit)']);
});
