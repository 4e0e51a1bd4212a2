import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestEngine } from '../helpers/engine';
import { loggedIn, putMessage, run, simpleMessage, startImapEngine } from './helpers';

let t: TestEngine;

before(async () => {
  t = await startImapEngine();
  for (let i = 1; i <= 3; i++) await putMessage(t, simpleMessage(`cs ${i}`), { mailbox: 'Archive' });
});
after(() => t.stop());

const modseqOf = (lines: string[], seq: number): number => Number(new RegExp(`^\\* ${seq} FETCH \\(.*MODSEQ \\((\\d+)\\)`).exec(lines.find((l) => l.startsWith(`* ${seq} FETCH`)) ?? '')?.[1]);

test('CONDSTORE: SELECT (CONDSTORE), FETCH MODSEQ and CHANGEDSINCE, STORE UNCHANGEDSINCE, SEARCH MODSEQ', async () => {
  const c = await loggedIn(t);
  const sel = await run(c, 'a1', 'SELECT Archive (CONDSTORE)');
  const highest = Number(/^\* OK \[HIGHESTMODSEQ (\d+)\]/.exec(sel.find((l) => l.includes('HIGHESTMODSEQ'))!)![1]);
  const stored = await run(c, 'a2', 'STORE 2 +FLAGS (\\Flagged)');
  const m2 = modseqOf(stored, 2);
  assert.ok(m2 > highest, stored.join('\n'));
  const since = await run(c, 'a3', `FETCH 1:* (FLAGS) (CHANGEDSINCE ${highest})`);
  assert.deepEqual(since.filter((l) => l.startsWith('*')), [`* 2 FETCH (FLAGS (\\Flagged \\Recent) MODSEQ (${m2}))`]);
  // UNCHANGEDSINCE below message 2's MODSEQ: 2 is left alone and reported as MODIFIED.
  const cond = await run(c, 'a4', `STORE 1:3 (UNCHANGEDSINCE ${m2 - 1}) +FLAGS.SILENT (\\Seen)`);
  assert.match(cond.pop()!, /^a4 OK \[MODIFIED 2\]/);
  assert.equal(cond.filter((l) => /^\* \d FETCH \(MODSEQ/.test(l)).length, 2, cond.join('\n'));
  const search = await run(c, 'a5', `SEARCH MODSEQ ${m2 + 1}`);
  assert.match(search[0], /^\* SEARCH 1 3 \(MODSEQ \d+\)$/);
  const es = await run(c, 'a6', `SEARCH RETURN (MIN) MODSEQ "/flags/\\\\flagged" all ${m2}`);
  assert.match(es[0], new RegExp(`^\\* ESEARCH \\(TAG "a6"\\) MIN 1 MODSEQ \\d+$`));
  assert.match((await run(c, 'a7', 'STATUS Archive (HIGHESTMODSEQ)'))[0], /HIGHESTMODSEQ \d+/);
  c.close();
});

test('CONDSTORE is switched on by ENABLE or by the first command that uses it', async () => {
  const c = await loggedIn(t);
  assert.ok((await run(c, 'a1', 'ENABLE CONDSTORE X-UNKNOWN')).includes('* ENABLED CONDSTORE'));
  assert.ok((await run(c, 'a2', 'EXAMINE Archive')).some((l) => l.startsWith('* OK [HIGHESTMODSEQ ')));
  c.close();
  const d = await loggedIn(t);
  assert.ok(!(await run(d, 'b1', 'EXAMINE Archive')).some((l) => l.includes('HIGHESTMODSEQ')));
  const f = await run(d, 'b2', 'FETCH 1 (MODSEQ)');
  assert.ok(f.some((l) => l.startsWith('* OK [HIGHESTMODSEQ ')), f.join('\n'));
  assert.ok(f.some((l) => /^\* 1 FETCH \(MODSEQ \(\d+\)\)$/.test(l)), f.join('\n'));
  assert.match((await run(d, 'b3', 'FETCH 1 (FLAGS) (BOGUS 1)')).pop()!, /^b3 BAD/);
  d.close();
});

test('QRESYNC: SELECT (QRESYNC ...) reports VANISHED (EARLIER) and changed flags; expunges arrive as VANISHED', async () => {
  for (let i = 1; i <= 4; i++) await putMessage(t, simpleMessage(`qr ${i}`), { mailbox: 'Trash' });
  const c = await loggedIn(t);
  assert.match((await run(c, 'a0', 'SELECT Trash (QRESYNC (1 1))')).pop()!, /^a0 BAD/);
  assert.ok((await run(c, 'a1', 'ENABLE QRESYNC')).includes('* ENABLED QRESYNC'));
  const sel = await run(c, 'a2', 'SELECT Trash');
  const uidValidity = Number(/UIDVALIDITY (\d+)/.exec(sel.join('\n'))![1]);
  const modseq = Number(/HIGHESTMODSEQ (\d+)/.exec(sel.join('\n'))![1]);
  const f = await run(c, 'a3', 'UID FETCH 1:* (UID)');
  const uids = f.filter((l) => l.startsWith('*')).map((l) => Number(/UID (\d+)/.exec(l)![1]));
  await run(c, 'a4', `UID STORE ${uids[0]} +FLAGS (\\Deleted)`);
  await run(c, 'a5', `UID STORE ${uids[1]} +FLAGS (\\Flagged)`);
  const ex = await run(c, 'a6', 'EXPUNGE');
  assert.ok(ex.includes(`* VANISHED ${uids[0]}`), ex.join('\n'));
  assert.ok(!ex.some((l) => / EXPUNGE$/.test(l)), ex.join('\n'));
  // A later session catches up in one round trip.
  const d = await loggedIn(t);
  await run(d, 'b1', 'ENABLE QRESYNC');
  const resync = await run(d, 'b2', `EXAMINE Trash (QRESYNC (${uidValidity} ${modseq} 1:*))`);
  assert.ok(resync.includes(`* VANISHED (EARLIER) ${uids[0]}`), resync.join('\n'));
  assert.ok(resync.some((l) => new RegExp(`^\\* 1 FETCH \\(UID ${uids[1]} FLAGS \\(\\\\Flagged\\) MODSEQ \\(\\d+\\)\\)$`).test(l)), resync.join('\n'));
  const later = await run(d, 'b3', `UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${modseq} VANISHED)`);
  assert.equal(later[0], `* VANISHED (EARLIER) ${uids[0]}`);
  assert.match((await run(d, 'b4', `FETCH 1:* (FLAGS) (CHANGEDSINCE ${modseq} VANISHED)`)).pop()!, /^b4 BAD/);
  c.close();
  d.close();
});
