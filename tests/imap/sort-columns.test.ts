import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestEngine } from '../helpers/engine';
import type { LineClient } from '../helpers/line-client';
import { loggedIn, putMessage, run, startImapEngine, userId } from './helpers';

// Issue 16: SORT over a whole mailbox by DATE, ARRIVAL or SIZE is ordered by SQLite (the sent
// date is a column, migration 27), THREAD and the other SORTs read the keys as raw rows, and
// STATUS UNSEEN / SELECT's first unseen use a partial index. Every answer must stay the one the
// general path gives (a search key other than ALL, e.g. "1:*", takes it) after each way the
// mailbox changes: delivery, APPEND, COPY, MOVE, flag changes, expunge and reconstruct.
let t: TestEngine;

const lit = (text: string) => `{${Buffer.byteLength(text)}+}\r\n${text}`;

function message(n: number, date: string | undefined, subject: string, extra = ''): string {
  return `From: User ${n} <u${n}@example.org>\r\nSubject: ${subject}\r\n${date === undefined ? '' : `Date: ${date}\r\n`}Message-ID: <c${n}@x>\r\n${extra}\r\nbody ${'y'.repeat((n * 7) % 50)}\r\n`;
}

before(async () => {
  t = await startImapEngine();
  await putMessage(t, message(1, 'Fri, 22 Feb 2008 09:00:00 +0000', 'topic'));
  await putMessage(t, message(2, 'Fri, 22 Feb 2008 08:00:00 +0000', 'Re: topic', 'In-Reply-To: <c1@x>\r\n'));
  // No Date header: SORT (DATE) uses INTERNALDATE (RFC 5256).
  await putMessage(t, message(3, undefined, 'other'), { date: new Date(Date.UTC(2008, 1, 22, 8, 30)) });
  // The same sent date as message 1: the sequence number decides.
  await putMessage(t, message(4, 'Fri, 22 Feb 2008 10:00:00 +0100', 'Re: other', 'References: <c3@x>\r\n'));
});
after(() => t.stop());

const line = (lines: string[], prefix: string) => lines.find((l) => l.startsWith(prefix)) ?? '(none)';

/** SORT and THREAD over ALL (the fast paths) and over "1:*" (the general path) must agree. */
async function agree(c: LineClient, step: string): Promise<string> {
  const pairs = [
    ['SORT (DATE) UTF-8', '* SORT'],
    ['UID SORT (REVERSE DATE) UTF-8', '* SORT'],
    ['SORT (ARRIVAL SIZE) UTF-8', '* SORT'],
    ['SORT (REVERSE SIZE DATE) UTF-8', '* SORT'],
    ['UID THREAD REFERENCES UTF-8', '* THREAD'],
    ['THREAD ORDEREDSUBJECT UTF-8', '* THREAD'],
  ];
  for (const [i, [command, prefix]] of pairs.entries()) {
    const fast = line(await run(c, `f${i}`, `${command} ALL`), prefix);
    const general = line(await run(c, `g${i}`, `${command} 1:*`), prefix);
    assert.equal(fast, general, `${step}: ${command}`);
  }
  const unseen = line(await run(c, 'u', 'SEARCH UNSEEN'), '* SEARCH').split(' ').length - 2;
  assert.match(line(await run(c, 'st', 'STATUS Archive (UNSEEN)'), '* STATUS'), /UNSEEN \d+/, step);
  const status = line(await run(c, 'si', 'STATUS INBOX (MESSAGES UNSEEN DELETED)'), '* STATUS');
  const deleted = line(await run(c, 'd', 'SEARCH DELETED'), '* SEARCH').split(' ').length - 2;
  assert.match(status, new RegExp(`UNSEEN ${unseen} DELETED ${deleted}\\)`), `${step}: ${status}`);
  return line(await run(c, 's', 'SORT (DATE) UTF-8 ALL'), '* SORT');
}

test('SORT, THREAD and unseen counts from columns and indexes stay right through every change', async () => {
  const c = await loggedIn(t);
  await run(c, 'a', 'SELECT INBOX');
  // 2 (08:00), 3 (08:30 arrival), 1 (09:00), 4 (09:00 UTC): 1 before 4 by sequence number.
  assert.equal(await agree(c, 'delivered'), '* SORT 2 3 1 4');
  const select = await run(c, 'b', 'SELECT INBOX');
  assert.ok(select.includes('* OK [UNSEEN 1] First unseen message'), select.join('\n'));

  await putMessage(t, message(5, 'Thu, 21 Feb 2008 12:00:00 +0000', 'Re: topic', 'References: <c1@x> <c2@x>\r\n'));
  await run(c, 'n', 'NOOP');
  assert.equal(await agree(c, 'a delivery after the keys were cached'), '* SORT 5 2 3 1 4');

  const appended = await run(c, 'ap', `APPEND INBOX (\\Seen) ${lit(message(6, 'Fri, 22 Feb 2008 08:15:00 +0000', 'new'))}`);
  assert.match(appended.at(-1)!, /OK/);
  await run(c, 'n', 'NOOP');
  assert.equal(await agree(c, 'APPEND'), '* SORT 5 2 6 3 1 4');

  await run(c, 'fl', 'STORE 1:3 +FLAGS.SILENT (\\Seen)');
  await run(c, 'fl2', 'STORE 2 -FLAGS.SILENT (\\Seen)');
  const firstUnseen = await run(c, 'e', 'EXAMINE INBOX');
  assert.ok(firstUnseen.includes('* OK [UNSEEN 2] First unseen message'), firstUnseen.join('\n'));
  await run(c, 'a', 'SELECT INBOX');
  await agree(c, 'flag changes');

  await run(c, 'cp', 'COPY 1:2 Archive');
  await run(c, 'mv', 'MOVE 4 Archive');
  // INBOX is now 1, 2, 3, 5, 6 of the messages above, as sequence numbers 1 to 5.
  assert.equal(await agree(c, 'MOVE out'), '* SORT 4 2 5 3 1');
  await run(c, 'x', 'SELECT Archive');
  // Copies have no keys yet: worked out on this SORT, then read from the columns.
  assert.equal(await agree(c, 'COPY and MOVE in'), '* SORT 2 1 3');
  await run(c, 'a', 'SELECT INBOX');

  await run(c, 'dl', 'STORE 2,5 +FLAGS.SILENT (\\Deleted)');
  await agree(c, '\\Deleted set');
  await run(c, 'ex', 'EXPUNGE');
  assert.equal(await agree(c, 'EXPUNGE'), '* SORT 3 2 1');

  // Rows lost, files kept: reconstruct inserts the rows again from the files, without keys.
  await run(c, 'cl', 'CLOSE');
  const inbox = t.engine.ctx.store.mailbox(userId(t), 'INBOX')!;
  t.engine.ctx.db.prepare('DELETE FROM messages WHERE mailbox_id = ?').run(inbox.id);
  await t.engine.ctx.store.reconstruct(userId(t), 'INBOX');
  const sortDates = t.engine.ctx.db.prepare("SELECT count(*) FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id WHERE b.name = 'INBOX' AND m.sort_date IS NOT NULL").pluck().get();
  assert.equal(sortDates, 0);
  await run(c, 'a', 'SELECT INBOX');
  assert.equal(await agree(c, 'reconstruct'), '* SORT 3 1 2');
  c.close();
});
