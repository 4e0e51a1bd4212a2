/**
 * Sieve scripts as users (and attackers) write them: the grammar of RFC 5228 and the extensions
 * the engine supports, with broken pieces, deep nesting and hostile match keys mixed in.
 */
import { atom, nastyChar, repeated, sentence, word } from './arbitraries';
import { fc } from './driver';

const sieveQuoted = fc.oneof(
  fc.string({ maxLength: 16 }).map((s) => '"' + s.replace(/["\\]/g, (c) => '\\' + c) + '"'),
  fc.constantFrom('"${1}"', '"${subject}"', '"${a}${b}"', '"${"', '"\\\\"', '"a\\"b"', '"${unicode:00e9}"', '"${hex:41 42}"', '"${0}${9}"'),
);
const multiline = fc.tuple(fc.array(fc.string({ maxLength: 20 }).map((s) => s.replace(/\r?\n/g, ' ')), { maxLength: 3 }), fc.boolean()).map(([ls, dot]) => `text:\r\n${ls.map((l) => (l.startsWith('.') ? '.' + l : l)).join('\r\n')}${ls.length ? '\r\n' : ''}${dot ? '.\r\n' : ''}`);
const str = fc.oneof({ weight: 5, arbitrary: sieveQuoted }, { weight: 1, arbitrary: multiline });
const strList = fc.oneof(str, fc.array(str, { maxLength: 4 }).map((a) => `[${a.join(', ')}]`));

/** Keys that have made matchers slow elsewhere: many stars, nested quantifiers. */
export const hostileKey = fc.oneof(
  repeated(fc.constantFrom('*a', '?', '*', 'a*'), 200).map((k) => `"${k}b"`),
  fc.constantFrom('"^(a+)+$"', '"(a|aa)*b"', '"(a*)*$"', '"((a+)+)+b"', '"(.*)*x"', '"a{1,1000}{1,1000}"', '"(a{0,1000}){0,1000}"', '"[[:alpha:]]*[[:alpha:]]*[[:alpha:]]*!"', '"(\\\\1)"', '"\\\\w+\\\\s*\\\\W"', '"x{1001}"', '"(((((((((((a)))))))))))"'),
);
const header = fc.oneof(fc.constantFrom('"subject"', '"from"', '"to"', '"X-Spam-Flag"', '["to", "cc"]', '"received"', '"date"', '""', '"x:y"'), sieveQuoted);
const matchType = fc.constantFrom('', ':is', ':contains', ':matches', ':regex', ':value "gt"', ':count "ge"', ':value "xx"', ':count');
const comparator = fc.constantFrom('', ':comparator "i;ascii-casemap"', ':comparator "i;octet"', ':comparator "i;ascii-numeric"', ':comparator "i;unicode-casemap"', ':comparator "x"');
const addressPart = fc.constantFrom('', ':localpart', ':domain', ':all', ':user', ':detail');
const keys = fc.oneof({ weight: 4, arbitrary: strList }, { weight: 1, arbitrary: hostileKey });

const test_: fc.Arbitrary<string> = fc.letrec<{ test: string }>((tie) => ({
  test: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.tuple(matchType, comparator, header, keys).map(([m, c, h, k]) => `header ${m} ${c} ${h} ${k}`),
    fc.tuple(addressPart, matchType, header, keys).map(([p, m, h, k]) => `address ${p} ${m} ${h} ${k}`),
    fc.tuple(addressPart, matchType, fc.constantFrom('"from"', '"to"', '"x"'), keys).map(([p, m, h, k]) => `envelope ${p} ${m} ${h} ${k}`),
    fc.tuple(fc.constantFrom(':over', ':under', ':at'), fc.constantFrom('0', '1', '10K', '1M', '4G', '99999999999999999999', 'K', '-1')).map(([o, n]) => `size ${o} ${n}`),
    strList.map((s) => `exists ${s}`),
    fc.tuple(fc.constantFrom('', ':raw', ':text', ':content "text"', ':content ""'), matchType, keys).map(([t, m, k]) => `body ${t} ${m} ${k}`),
    fc.tuple(matchType, fc.constantFrom('"date"', '"received"'), fc.constantFrom('"year"', '"date"', '"time"', '"weekday"', '"zone"', '"julian"', '"iso8601"', '"x"'), keys).map(([m, h, p, k]) => `date ${m} ${h} ${p} ${k}`),
    fc.tuple(matchType, fc.constantFrom('"date"', '"year"', '"hour"'), keys).map(([m, p, k]) => `currentdate ${m} ${p} ${k}`),
    fc.tuple(matchType, strList, keys).map(([m, s, k]) => `string ${m} ${s} ${k}`),
    fc.tuple(fc.constantFrom('spamtest', 'virustest', 'spamtest :percent'), fc.constantFrom(':value "ge"', ':count "eq"', ''), fc.constantFrom('"5"', '"0"', '"x"')).map(([t, m, k]) => `${t} ${m} :comparator "i;ascii-numeric" ${k}`),
    fc.tuple(fc.constantFrom('mailboxexists', 'environment :is "name"', 'ihave', 'valid_notify_method', 'duplicate', 'hasflag'), strList).map(([t, s]) => `${t} ${s}`),
    fc.constantFrom('true', 'false', 'allof()', 'anyof()', 'not', 'exists', 'header', 'size :over'),
    tie('test').map((t) => `not ${t}`),
    fc.tuple(fc.constantFrom('allof', 'anyof'), fc.array(tie('test'), { maxLength: 3 })).map(([k, ts]) => `${k}(${ts.join(', ')})`),
  ),
})).test;

const action = fc.oneof(
  fc.constantFrom('keep;', 'discard;', 'stop;', 'keep', 'return;', 'addheader "X-A" "b";', 'deleteheader "subject";', 'removeflag "\\\\Seen";'),
  fc.tuple(fc.constantFrom('fileinto', 'fileinto :create', 'fileinto :copy', 'fileinto :flags "\\\\Seen"', 'redirect', 'redirect :copy', 'reject', 'ereject', 'addflag', 'setflag', 'include', 'include :global :optional', 'notify'), strList).map(([c, s]) => `${c} ${s};`),
  fc.tuple(fc.constantFrom('set', 'set :lower', 'set :upperfirst :quotewildcard', 'set :length', 'set :encodeurl'), sieveQuoted, sieveQuoted).map(([c, a, b]) => `${c} ${a} ${b};`),
  fc.tuple(fc.constantFrom('', ':days 1', ':days 0', ':seconds 1', ':subject "s"', ':from "a@b"', ':addresses ["a@b"]', ':mime', ':handle "h"', ':days 99999999999'), str).map(([o, r]) => `vacation ${o} ${r};`),
);

const requireList = fc.array(fc.constantFrom('"fileinto"', '"reject"', '"envelope"', '"regex"', '"variables"', '"body"', '"date"', '"relational"', '"comparator-i;ascii-numeric"', '"vacation"', '"vacation-seconds"', '"imap4flags"', '"copy"', '"include"', '"mailbox"', '"spamtest"', '"spamtestplus"', '"virustest"', '"editheader"', '"subaddress"', '"encoded-character"', '"environment"', '"ihave"', '"duplicate"', '"enotify"', '"mime"', '"foreverypart"', '"index"', '"x-unknown"'), { maxLength: 6 });

const block: fc.Arbitrary<string> = fc.letrec<{ block: string; command: string }>((tie) => ({
  block: fc.array(tie('command'), { maxLength: 4 }).map((cs) => cs.join('\n')),
  command: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    action,
    fc.tuple(test_, tie('block'), fc.option(fc.tuple(test_, tie('block'))), fc.option(tie('block'))).map(([t, b, ei, e]) => `if ${t} {\n${b}\n}${ei ? ` elsif ${ei[0]} {\n${ei[1]}\n}` : ''}${e !== null ? ` else {\n${e}\n}` : ''}`),
    tie('block').map((b) => `foreverypart {\n${b}\n}`),
  ),
})).block;

/** A whole script: requires, then commands; sometimes broken, sometimes nested very deep. */
export const sieveScript: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(requireList, block, fc.constantFrom('', '# comment\n', '/* c */', '/* unterminated')).map(([r, b, c]) => `${r.length ? `require [${r.join(', ')}];\n` : ''}${c}${b}`) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3000 }).map((n) => 'if true {'.repeat(n) + 'keep;' + '}'.repeat(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3000 }).map((n) => `if ${'not '.repeat(n)}true { keep; }`) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3000 }).map((n) => `if ${'allof('.repeat(n)}true${')'.repeat(n)} { keep; }`) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3000 }).map((n) => `require "variables"; ${'set "a" "${a}${a}";'.repeat(Math.min(n, 40))} if string :matches "${'${a}'}" "${'*'.repeat(20)}x" { keep; }`) },
  { weight: 2, arbitrary: sentence(fc.oneof(atom, nastyChar, sieveQuoted, word('{}[]();,:#', 3), fc.constantFrom('text:', 'if', 'require', ':matches', '"', '/*', '*/', '\\'))) },
);
