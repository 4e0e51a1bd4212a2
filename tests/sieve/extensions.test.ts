import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkIncludes, compileSieve, runSieve, type VacationAction } from '../../server/sieve/index';
import { compileRegex } from '../../server/sieve/regex';
import { compileWildcard, matchWildcard } from '../../server/sieve/wildcard';
import { actions, compileError, compileOk, crlf, run, SIMPLE } from './helpers';

test('fileinto, with :create (mailbox) and :copy (copy)', async () => {
  assert.deepEqual(await actions('require "fileinto"; fileinto "Work";'), ['fileinto Work']);
  assert.deepEqual(await actions('require ["fileinto","mailbox","copy"]; fileinto :create :copy "New";'), ['fileinto New :copy :create', 'keep (implicit)']);
  compileError('require "fileinto"; fileinto :create "New";');
});

test('reject and ereject (RFC 5429)', async () => {
  assert.deepEqual(await actions('require "reject"; reject text:\nNo thanks.\n.\n;'), ['reject No thanks.\r\n']);
  assert.deepEqual(await actions('require "ereject"; ereject "Not here";'), ['ereject Not here']);
});

test('envelope: from, to, the original recipient, address parts', async () => {
  const s = (k: string): string => `require ["envelope","subaddress"]; if envelope ${k} { discard; }`;
  const env = { from: 'Bounce+123@Lists.Example.org', to: 'me@example.com', orig: 'alias+x@example.com' };
  const go = async (k: string): Promise<string> => (await runSieve(compileOk(s(k)), { raw: Buffer.from(SIMPLE), envelope: env })).actions[0].action;
  assert.equal(await go(':is "from" "bounce+123@lists.example.org"'), 'discard');
  assert.equal(await go(':domain "from" "lists.example.org"'), 'discard');
  assert.equal(await go(':user "from" "bounce"'), 'discard');
  assert.equal(await go(':detail "from" "123"'), 'discard');
  assert.equal(await go(':is "to" "alias+x@example.com"'), 'discard');
  assert.equal(await go(':is "to" "me@example.com"'), 'keep');
  const nul = await runSieve(compileOk(s(':is "from" ""')), { raw: Buffer.from(SIMPLE), envelope: { from: '', to: 'me@example.com' } });
  assert.equal(nul.actions[0].action, 'discard');
  compileError('require "envelope"; if envelope "cc" "x" { keep; }');
});

test('encoded-character (RFC 5228 2.4.2.4)', async () => {
  assert.deepEqual(await actions('require ["encoded-character","fileinto"]; fileinto "${hex:48 65 6c 6C 6f}-${unicode:263a}";'), ['fileinto Hello-\u263a']);
  assert.deepEqual(await actions('require ["encoded-character","fileinto"]; fileinto "${hex:4}${hex:}${foo:41}";'), ['fileinto \u0004${hex:}${foo:41}']);
  assert.deepEqual(await actions('require "fileinto"; fileinto "${hex:41}";'), ['fileinto ${hex:41}']);
  assert.match(compileError('require ["encoded-character","fileinto"]; fileinto "${unicode:D800}";').message, /invalid unicode/);
});

test('imap4flags: setflag, addflag, removeflag, hasflag, :flags, implicit keep', async () => {
  assert.deepEqual(await actions('require "imap4flags"; addflag ["\\\\Seen", "a b"]; removeflag "A";'), ['keep (implicit) [\\Seen b]']);
  assert.deepEqual(await actions('require ["imap4flags","fileinto"]; setflag "x"; fileinto "Box"; fileinto :flags "only" "Other";'), ['fileinto Box [x]', 'fileinto Other [only]']);
  assert.deepEqual(await actions('require "imap4flags"; addflag "X"; if hasflag :contains "x" { discard; }'), ['discard']);
  assert.deepEqual(await actions('require ["imap4flags","variables"]; addflag "v" ["a", "b"]; if hasflag "v" "b" { discard; } keep;'), ['discard', 'keep']);
  assert.deepEqual(await actions('require ["imap4flags","relational","comparator-i;ascii-numeric"]; addflag "a b c"; if hasflag :count "eq" :comparator "i;ascii-numeric" "3" { discard; }'), ['discard']);
});

test('body (RFC 5173): :text decodes, :raw does not, :content picks parts', async () => {
  const mime = crlf(
    'Content-Type: multipart/mixed; boundary=b',
    '',
    '--b',
    'Content-Type: text/plain; charset=iso-8859-1',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    'caf=E9',
    '--b',
    'Content-Type: application/octet-stream',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from('binary secret').toString('base64'),
    '--b--',
    '',
  );
  assert.deepEqual(await actions('require "body"; if body :contains "café" { discard; }', mime), ['discard']);
  assert.deepEqual(await actions('require "body"; if body :text :contains "secret" { discard; }', mime), ['keep (implicit)']);
  assert.deepEqual(await actions('require "body"; if body :content "application" :contains "secret" { discard; }', mime), ['discard']);
  assert.deepEqual(await actions('require "body"; if body :raw :contains "caf=E9" { discard; }', mime), ['discard']);
});

test('relational (RFC 5231) and i;ascii-numeric (RFC 4790)', async () => {
  const m = crlf('X-N: 10', 'X-N: 9', 'X-T: abc', '', '');
  const numeric = 'require ["relational","comparator-i;ascii-numeric"];';
  assert.deepEqual(await actions(`${numeric} if header :value "gt" :comparator "i;ascii-numeric" "x-n" "9" { discard; }`, m), ['discard']);
  assert.deepEqual(await actions(`${numeric} if header :value "lt" :comparator "i;ascii-numeric" "x-n" "9" { discard; }`, m), ['keep (implicit)']);
  assert.deepEqual(await actions(`${numeric} if header :value "gt" :comparator "i;ascii-numeric" "x-t" "999999" { discard; }`, m), ['discard']);
  assert.deepEqual(await actions(`${numeric} if header :count "eq" :comparator "i;ascii-numeric" "x-n" "2" { discard; }`, m), ['discard']);
  assert.deepEqual(await actions('require "relational"; if header :value "lt" "x-n" "9" { discard; }', m), ['discard']);
  assert.match(compileError('require "comparator-i;ascii-numeric"; if header :contains :comparator "i;ascii-numeric" "a" "1" { keep; }').message, /does not support :contains/);
  assert.match(compileError('require "relational"; if header :value "bigger" "a" "1" { keep; }').message, /invalid relational/);
});

test('subaddress (RFC 5233): :user and :detail with "+"', async () => {
  const m = crlf('From: ken+sieve+x@example.org', 'To: ken@example.org', '', '');
  assert.deepEqual(await actions('require "subaddress"; if address :user "from" "ken" { discard; }', m), ['discard']);
  assert.deepEqual(await actions('require "subaddress"; if address :detail "from" "sieve+x" { discard; }', m), ['discard']);
  assert.deepEqual(await actions('require "subaddress"; if address :detail :matches "to" "*" { discard; }', m), ['keep (implicit)']);
});

test('vacation (RFC 5230/6131): resolved fields, reply rules, memory', async () => {
  const r = await run('require ["vacation","vacation-seconds"]; vacation :seconds 60 :subject "Away" :from "me@example.com" :addresses "alias@example.com" :handle "h" "Gone";');
  const v = r.actions[0] as VacationAction;
  assert.deepEqual(
    { to: v.to, from: v.from, subject: v.subject, reason: v.reason, seconds: v.seconds, handle: v.handle, send: v.send, mime: v.mime },
    { to: 'joe@example.org', from: 'me@example.com', subject: 'Away', reason: 'Gone', seconds: 60, handle: 'h', send: true, mime: false },
  );
  const d = (await run('require "vacation"; vacation :days 2 "x";')).actions[0] as VacationAction;
  assert.equal(d.seconds, 2 * 86400);
  assert.equal(d.subject, 'Auto: hi there');
  const def = (await run('require "vacation"; vacation "x";')).actions[0] as VacationAction;
  assert.equal(def.seconds, 7 * 86400);
  assert.notEqual(def.handle, d.handle === def.handle ? '' : def.handle + 'x');

  const skip = async (msg: string, from = 'joe@example.org'): Promise<string | undefined> => {
    const res = await runSieve(compileOk('require "vacation"; vacation "x";'), { raw: Buffer.from(msg), envelope: { from, to: 'me@example.com' } }, { userAddresses: ['me@example.com'] });
    return (res.actions[0] as VacationAction).skipped;
  };
  assert.equal(await skip(SIMPLE), undefined);
  assert.match((await skip(SIMPLE, '')) ?? '', /return path/);
  assert.match((await skip(SIMPLE, 'MAILER-DAEMON@example.org')) ?? '', /daemon/);
  assert.match((await skip(SIMPLE, 'owner-list@example.org')) ?? '', /list/);
  assert.match((await skip(SIMPLE.replace('Subject:', 'Auto-Submitted: auto-replied\r\nSubject:'))) ?? '', /auto-submitted/);
  assert.match((await skip(SIMPLE.replace('Subject:', 'Precedence: bulk\r\nSubject:'))) ?? '', /Precedence/);
  assert.match((await skip(SIMPLE.replace('Subject:', 'List-Id: <x.example.org>\r\nSubject:'))) ?? '', /mailing list/);
  assert.match((await skip(SIMPLE.replace('To: Me <me@example.com>', 'To: other@example.com'))) ?? '', /not among the recipients/);

  const asked: unknown[] = [];
  const memory = { shouldReply: (handle: string, sender: string, period: number): boolean => (asked.push([handle, sender, period]), asked.length === 1) };
  const script = compileOk('require "vacation"; vacation :handle "hh" :days 3 "x";');
  const first = await runSieve(script, { raw: Buffer.from(SIMPLE), envelope: { from: 'joe@example.org', to: 'me@example.com' } }, { vacationMemory: memory, userAddresses: ['me@example.com'] });
  const second = await runSieve(script, { raw: Buffer.from(SIMPLE), envelope: { from: 'joe@example.org', to: 'me@example.com' } }, { vacationMemory: memory, userAddresses: ['me@example.com'] });
  assert.equal((first.actions[0] as VacationAction).send, true);
  assert.equal((second.actions[0] as VacationAction).send, false);
  assert.deepEqual(asked[0], ['hh', 'joe@example.org', 3 * 86400]);
  compileError('require "vacation"; vacation :from "bad address" "x";');
  compileError('require "vacation"; vacation :seconds 5 "x";');
});

test('variables (RFC 5229): set, modifiers, match variables, string test', async () => {
  const f = (s: string, msg = SIMPLE): Promise<string[]> => actions(`require ["variables","fileinto"]; ${s}`, msg);
  assert.deepEqual(await f('set "a" "x"; set "b" "${a}${A}${missing}"; fileinto "${b}";'), ['fileinto xx']);
  assert.deepEqual(await f('set :upper "a" "abc"; set :lowerfirst "b" "ABC"; set :upperfirst :lower "c" "hELLO"; fileinto "${a}-${b}-${c}";'), ['fileinto ABC-aBC-Hello']);
  assert.deepEqual(await f('set :length "n" "h\u00e9llo"; set :quotewildcard "q" "a*?\\\\"; fileinto "${n} ${q}";'), ['fileinto 5 a\\*\\?\\\\']);
  assert.deepEqual(await f('if header :matches "from" "* <*@*>" { fileinto "${1}|${2}|${3}|${0}"; }'), ['fileinto Joe Sender|joe|example.org|Joe Sender <joe@example.org>']);
  assert.deepEqual(await f('if string :matches "a-b-c" "*-*" { fileinto "${1}/${2}"; }'), ['fileinto a/b-c']);
  assert.deepEqual(await f('fileinto "${1}x${";'), ['fileinto x${']);
  compileError('require "variables"; set :lower :upper "a" "b";');
  compileError('require "variables"; set "a.b" "c";');
});

test('date and currentdate (RFC 5260) with :zone, :originalzone and env.now', async () => {
  const env = { now: new Date('2024-02-29T23:30:00Z'), zone: '+0000' };
  const f = (s: string): Promise<string[]> => actions(`require ["date","variables","fileinto","relational"]; ${s}`, SIMPLE, env);
  assert.deepEqual(await f('if currentdate :matches "date" "*" { fileinto "${1}"; }'), ['fileinto 2024-02-29']);
  assert.deepEqual(await f('if currentdate :zone "+0100" :matches "date" "*" { fileinto "${1}"; }'), ['fileinto 2024-03-01']);
  assert.deepEqual(await f('if currentdate :zone "-0330" :matches "iso8601" "*" { fileinto "${1}"; }'), ['fileinto 2024-02-29T20:00:00-03:30']);
  assert.deepEqual(await f('if date :originalzone :matches "date" "std11" "*" { fileinto "${1}"; }'), ['fileinto Tue, 01 Jul 2003 10:52:37 +0200']);
  assert.deepEqual(await f('if date :matches "date" "time" "*" { fileinto "${1}"; }'), ['fileinto 08:52:37']);
  assert.deepEqual(await f('if date :zone "+0000" :matches "date" "julian" "*" { fileinto "${1}"; }'), ['fileinto 52821']);
  assert.deepEqual(await f('if currentdate :value "ge" "year" "2024" { discard; }'), ['discard']);
  const warned = compileSieve('require "date"; if date :zone "CET" :is "date" "century" "x" { keep; }');
  assert.equal(warned.warnings?.length, 2);
});

test('index (RFC 5260 6): :index and :last on header, address and date', async () => {
  const m = crlf('Received: a; Tue, 1 Jul 2003 10:00:00 +0000', 'Received: b; Tue, 1 Jul 2003 09:00:00 +0000', 'To: a@x.org', 'To: b@x.org', '', '');
  const f = (s: string): Promise<string[]> => actions(`require ["date","index","variables","fileinto"]; ${s}`, m, { zone: '+0000' });
  assert.deepEqual(await f('if header :index 2 :matches "received" "*" { fileinto "${1}"; }'), ['fileinto b; Tue, 1 Jul 2003 09:00:00 +0000']);
  assert.deepEqual(await f('if date :index 1 :last :matches "received" "hour" "*" { fileinto "${1}"; }'), ['fileinto 09']);
  assert.deepEqual(await f('if address :index 1 :last :is "to" "b@x.org" { discard; }'), ['discard']);
  compileError('require ["date","index"]; if header :last "a" "b" { keep; }');
});

test('mailbox (RFC 5490): mailboxexists asks the caller', async () => {
  const asked: string[] = [];
  const env = { mailboxExists: (n: string): boolean => (asked.push(n), n === 'Work') };
  assert.deepEqual(await actions('require ["mailbox","fileinto"]; if mailboxexists "Work" { fileinto "Work"; }', SIMPLE, env), ['fileinto Work']);
  assert.deepEqual(await actions('require "mailbox"; if mailboxexists ["Work", "Nope"] { discard; }', SIMPLE, env), ['keep (implicit)']);
  assert.deepEqual(asked, ['Work', 'Work', 'Nope']);
});

test('include (RFC 6609): personal and global, :once, :optional, return, global variables', async () => {
  const scripts: Record<string, string> = {
    'personal:a': 'require ["include","variables","fileinto"]; global "g"; fileinto "a-${g}"; return; discard;',
    'global:b': 'require "copy"; redirect :copy "b@e.net";',
  };
  const env = { loadInclude: (n: string, scope: string): string | undefined => scripts[`${scope}:${n}`] };
  const main = 'require ["include","variables"]; global "g"; set "g" "G"; include "a"; include :global :once "b"; include :global :once "b"; include :optional "zzz";';
  assert.deepEqual(await actions(main, SIMPLE, env), ['fileinto a-G', 'redirect b@e.net :copy']);
  const missing = await run('require "include"; include "nope";', SIMPLE, env);
  assert.match(missing.errors[0].message, /does not exist/);
  assert.deepEqual(await checkIncludes(compileOk('require "include";\n include "nope";'), env), [{ line: 2, column: 2, message: 'the included personal script "nope" does not exist' }]);
  const loop = { loadInclude: (): string => 'require "include"; include "self";' };
  assert.match((await checkIncludes(compileOk('require "include"; include "self";'), loop))[0].message, /circular/);
  assert.match((await run('require "include"; include "self";', SIMPLE, loop)).errors[0].message, /includes itself/);
});

test('spamtest, spamtestplus and virustest (RFC 3685/5235) use the caller\'s verdicts', async () => {
  const s = 'require ["spamtestplus","virustest","relational","comparator-i;ascii-numeric","fileinto"];' +
    'if spamtest :value "ge" :comparator "i;ascii-numeric" "8" { fileinto "Junk"; }' +
    'if spamtest :percent :value "ge" :comparator "i;ascii-numeric" "50" { fileinto "Half"; }' +
    'if virustest :value "ge" :comparator "i;ascii-numeric" "4" { fileinto "Virus"; }' +
    'if spamtest "0" { fileinto "Untested"; }';
  assert.deepEqual(await actions(s, SIMPLE, { spamScore: 9, virusScore: 5 }), ['fileinto Junk', 'fileinto Half', 'fileinto Virus']);
  assert.deepEqual(await actions(s, SIMPLE, { spamPercent: 60 }), ['fileinto Half']);
  assert.deepEqual(await actions(s, SIMPLE, {}), ['fileinto Untested']);
});

test('regex: POSIX classes and escapes; match variables from groups', async () => {
  assert.equal(compileRegex('^[[:alpha:]]+[[:digit:]]{2}$', false).test('abc12'), true);
  assert.equal(compileRegex('[\\d]', false).test('\\'), true);
  assert.equal(compileRegex('\\<word\\>', false).test('a word here'), true);
  assert.equal(compileRegex('a{', false).test('a{'), true);
  assert.equal(compileRegex('ABC', true).test('xabcx'), true);
  assert.throws(() => compileRegex('(a', false));
  assert.ok(matchWildcard(compileWildcard('a\\*?', false), 'a*b', false));
  assert.deepEqual(await actions('require ["regex","variables","fileinto"]; if header :regex "subject" "^(h.)\\\\s+(.*)$" { fileinto "${2}-${1}"; }'), ['fileinto there-hi']);
  assert.match(compileError('require "regex"; if header :regex "subject" "[[:nope:]]" { keep; }').message, /character class/);
});
