import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestEngine } from '../helpers/engine';
import { esearchResponse } from '../../server/imap/commands/esearch';
import { baseSubject, parseHeaderDate } from '../../server/imap/mime/sort-keys';
import { loggedIn, putMessage, run, startImapEngine } from './helpers';

test('base subject (RFC 5256 section 2.1)', () => {
  assert.equal(baseSubject('[foo] Fwd: [bar] Re: fw: b (fWd)  (fwd)').subject, 'B');
  assert.equal(baseSubject('Re: [FWD: c]').subject, 'C');
  assert.equal(baseSubject('re: [fwd: [fwd: re: [fwd: babylon]]]').subject, 'BABYLON');
  assert.equal(baseSubject('[xyz]').subject, '[XYZ]');
  assert.equal(baseSubject('=?us-ascii?b?UmU6IGM=?=').subject, 'C');
  assert.equal(baseSubject('Ad: Re: x').subject, 'AD: RE: X');
  assert.deepEqual(baseSubject('Re: hello'), { subject: 'HELLO', isReply: true });
  assert.deepEqual(baseSubject('hello'), { subject: 'HELLO', isReply: false });
});

test('header dates are compared in UTC', () => {
  assert.equal(parseHeaderDate('Fri, 22 Feb 2008 02:00:00 +0200'), Date.UTC(2008, 1, 22, 0, 0, 0));
  assert.equal(parseHeaderDate('22 Feb 08 02:00 EST'), Date.UTC(2008, 1, 22, 7, 0, 0));
  assert.equal(parseHeaderDate('garbage'), undefined);
});

test('ESEARCH MODSEQ with PARTIAL or SAVE alone: the highest of the messages returned, none when none are (found by tests/fuzz/imap)', () => {
  // Before, RETURN (PARTIAL …) or RETURN (SAVE) with a MODSEQ search key threw (a reduce over no messages).
  const found = [5, 6, 7];
  const modseqs = [10, 30, 20];
  const none = { min: false, max: false, all: false, count: false, save: false, update: false };
  assert.equal(esearchResponse('a', true, { ...none, partial: { first: 1, last: 2 } }, found, false, modseqs), '* ESEARCH (TAG "a") UID PARTIAL (1:2 5:6) MODSEQ 30\r\n');
  assert.equal(esearchResponse('a', true, { ...none, partial: { first: 3, last: 9 } }, found, false, modseqs), '* ESEARCH (TAG "a") UID PARTIAL (3:9 7) MODSEQ 20\r\n');
  assert.equal(esearchResponse('a', true, { ...none, partial: { first: 6, last: 9 } }, found, false, modseqs), '* ESEARCH (TAG "a") UID PARTIAL (6:9 NIL)\r\n');
  assert.equal(esearchResponse('a', false, { ...none, save: true }, found, false, modseqs), '* ESEARCH (TAG "a")\r\n');
  assert.equal(esearchResponse('a', false, { ...none, min: true, partial: { first: 3, last: 3 } }, found, false, modseqs), '* ESEARCH (TAG "a") MIN 5 PARTIAL (3:3 7) MODSEQ 20\r\n');
});

let t: TestEngine;

function msg(n: number, subject: string, extra = ''): string {
  return `From: User ${n} <u${n}@example.org>\r\nTo: <to${9 - n}@example.org>\r\nSubject: ${subject}\r\nDate: Fri, 22 Feb 2008 0${n}:00:00 +0000\r\nMessage-ID: <m${n}@x>\r\n${extra}\r\nbody ${'x'.repeat(n * 10)}\r\n`;
}

before(async () => {
  t = await startImapEngine();
  await putMessage(t, msg(3, 'Re: topic', 'In-Reply-To: <m1@x>\r\n'), { mailbox: 'Archive' });
  await putMessage(t, msg(1, 'topic'), { mailbox: 'Archive' });
  await putMessage(t, msg(2, 'other'), { mailbox: 'Archive' });
  await putMessage(t, msg(4, 'Re: other', 'References: <m2@x>\r\n'), { mailbox: 'Archive' });
  await putMessage(t, msg(5, 'Re: topic', 'References: <m1@x> <m3@x>\r\n'), { mailbox: 'Archive' });
});
after(() => t.stop());

test('SORT by subject, date, size, address and display name; REVERSE applies to one criterion', async () => {
  const c = await loggedIn(t);
  await run(c, 'a0', 'EXAMINE Archive');
  assert.ok((await run(c, 'a1', 'SORT (SUBJECT DATE) UTF-8 ALL')).includes('* SORT 3 4 2 1 5'));
  assert.ok((await run(c, 'a2', 'SORT (DATE) US-ASCII ALL')).includes('* SORT 2 3 1 4 5'));
  assert.ok((await run(c, 'a3', 'SORT (REVERSE SIZE) UTF-8 ALL')).includes('* SORT 5 4 1 3 2'));
  assert.ok((await run(c, 'a4', 'SORT (TO) UTF-8 ALL')).includes('* SORT 5 4 1 3 2'));
  assert.ok((await run(c, 'a5', 'SORT (DISPLAYFROM) UTF-8 SUBJECT other')).includes('* SORT 3 4'));
  const uid = await run(c, 'a6', 'UID SORT (ARRIVAL) UTF-8 ALL');
  assert.match(uid.find((l) => l.startsWith('* SORT'))!, /^\* SORT \d+ \d+ \d+ \d+ \d+$/);
  assert.match((await run(c, 'a7', 'SORT (SUBJECT) KOI8-R ALL')).pop()!, /^a7 NO \[BADCHARSET/);
  assert.match((await run(c, 'a8', 'SORT (NONSENSE) UTF-8 ALL')).pop()!, /^a8 BAD/);
  c.close();
});

test('THREAD ORDEREDSUBJECT and REFERENCES', async () => {
  const c = await loggedIn(t);
  await run(c, 'a0', 'EXAMINE Archive');
  assert.ok((await run(c, 'a1', 'THREAD ORDEREDSUBJECT UTF-8 ALL')).includes('* THREAD (2 (1)(5))(3 4)'));
  assert.ok((await run(c, 'a2', 'THREAD REFERENCES UTF-8 ALL')).includes('* THREAD (2 1 5)(3 4)'));
  assert.match((await run(c, 'a3', 'THREAD NOPE UTF-8 ALL')).pop()!, /^a3 BAD/);
  c.close();
});

test('ESEARCH and ESORT result options', async () => {
  const c = await loggedIn(t);
  await run(c, 'a0', 'EXAMINE Archive');
  assert.ok((await run(c, 'a1', 'SEARCH RETURN (MIN MAX COUNT) SUBJECT topic')).includes('* ESEARCH (TAG "a1") MIN 1 MAX 5 COUNT 3'));
  assert.ok((await run(c, 'a2', 'SEARCH RETURN () ALL')).includes('* ESEARCH (TAG "a2") ALL 1:5'));
  assert.ok((await run(c, 'a3', 'SEARCH RETURN (ALL COUNT) 1000')).includes('* ESEARCH (TAG "a3") COUNT 0'));
  assert.ok((await run(c, 'a4', 'SEARCH RETURN (MIN) CHARSET UTF-8 SUBJECT other')).includes('* ESEARCH (TAG "a4") MIN 3'));
  const uid = await run(c, 'a5', 'UID SEARCH RETURN (COUNT) ALL');
  assert.ok(uid.includes('* ESEARCH (TAG "a5") UID COUNT 5'), uid.join('\n'));
  // ESORT: MIN and MAX are the first and last in sort order, ALL is in sort order.
  assert.ok((await run(c, 'a6', 'SORT RETURN (MIN MAX ALL) (REVERSE DATE) UTF-8 ALL')).includes('* ESEARCH (TAG "a6") MIN 5 MAX 2 ALL 5,4,1,3,2'));
  assert.match((await run(c, 'a7', 'SEARCH RETURN (BOGUS) ALL')).pop()!, /^a7 BAD/);
  c.close();
});

test('CONTEXT=SEARCH/SORT: PARTIAL, and UPDATE reporting ADDTO and REMOVEFROM until CANCELUPDATE', async () => {
  const c = await loggedIn(t);
  await run(c, 'a0', 'SELECT Archive');
  assert.ok((await run(c, 'a1', 'SEARCH RETURN (PARTIAL 4:2) ALL')).includes('* ESEARCH (TAG "a1") PARTIAL (2:4 2:4)'));
  assert.ok((await run(c, 'a2', 'SEARCH RETURN (PARTIAL 6:9) ALL')).includes('* ESEARCH (TAG "a2") PARTIAL (6:9 NIL)'));
  assert.ok((await run(c, 'a3', 'SORT RETURN (PARTIAL 1:2) (REVERSE DATE) UTF-8 ALL')).includes('* ESEARCH (TAG "a3") PARTIAL (1:2 5,4)'));
  assert.match((await run(c, 'a4', 'SEARCH RETURN (PARTIAL 1:*) ALL')).pop()!, /^a4 BAD/);
  assert.ok((await run(c, 'u1', 'SEARCH RETURN (UPDATE) FLAGGED')).includes('* ESEARCH (TAG "u1")'));
  const added = await run(c, 'a5', 'STORE 2,3 +FLAGS.SILENT (\\Flagged)');
  assert.ok(added.includes('* ESEARCH (TAG "u1") ADDTO (1 2:3)'), added.join('\n'));
  const removed = await run(c, 'a6', 'STORE 2 -FLAGS.SILENT (\\Flagged)');
  assert.ok(removed.includes('* ESEARCH (TAG "u1") REMOVEFROM (1 2)'), removed.join('\n'));
  assert.match((await run(c, 'a7', 'CANCELUPDATE "u1"')).pop()!, /^a7 OK/);
  assert.ok(!(await run(c, 'a8', 'STORE 1:5 -FLAGS.SILENT (\\Flagged)')).some((l) => l.includes('ESEARCH')));
  assert.match((await run(c, 'a9', 'CANCELUPDATE "u1"')).pop()!, /^a9 BAD/);
  c.close();
});

test('SEARCHRES: RETURN (SAVE) keeps the result for "$" in later commands and searches', async () => {
  const c = await loggedIn(t);
  await run(c, 'a0', 'SELECT Archive');
  const saved = await run(c, 'a1', 'SEARCH RETURN (SAVE) SUBJECT topic');
  assert.deepEqual(saved, ['a1 OK SEARCH completed']);
  const f = await run(c, 'a2', 'FETCH $ (UID)');
  assert.deepEqual(f.filter((l) => l.startsWith('*')).map((l) => Number(/^\* (\d+)/.exec(l)![1])), [1, 2, 5]);
  assert.ok((await run(c, 'a3', 'SEARCH $ SUBJECT Re')).includes('* SEARCH 1 5'));
  assert.ok((await run(c, 'a4', 'SEARCH RETURN (SAVE MIN) SUBJECT other')).includes('* ESEARCH (TAG "a4") MIN 3'));
  assert.ok((await run(c, 'a5', 'UID SEARCH UID $')).some((l) => /^\* SEARCH \d+$/.test(l)));
  assert.match((await run(c, 'a6', 'FETCH $,1 (UID)')).pop()!, /^a6 BAD/);
  await run(c, 'a7', 'SEARCH RETURN (SAVE) SUBJECT other');
  await run(c, 'a8', 'STORE $ +FLAGS.SILENT (\\Deleted)');
  const gone = await run(c, 'a9', 'UID EXPUNGE $');
  assert.deepEqual(gone.filter((l) => l.endsWith('EXPUNGE')), ['* 3 EXPUNGE', '* 3 EXPUNGE']);
  c.close();
});
