import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestEngine } from '../helpers/engine';
import type { LineClient } from '../helpers/line-client';
import { ImapFlow } from 'imapflow';
import { ALICE, BOB, loggedIn, putMessage, run, simpleMessage, startImapEngine, userId } from './helpers';

const CAROL = { shortName: 'carol', password: 'carol-password-1' };
const SHARED = '"Other Users/alice/Shared"';
let t: TestEngine;
let alice: LineClient;
let bob: LineClient;

before(async () => {
  t = await startImapEngine({ mailAdministrators: ['carol'] }, [ALICE, BOB, CAROL]);
  t.engine.ctx.store.createMailbox(userId(t), 'Shared');
  await putMessage(t, simpleMessage('shared one'), { mailbox: 'Shared' });
  await putMessage(t, simpleMessage('private'), { mailbox: 'INBOX' });
  alice = await loggedIn(t, ALICE);
  bob = await loggedIn(t, BOB);
});
after(async () => {
  alice.close();
  bob.close();
  await t.stop();
});

const last = (lines: string[]) => lines[lines.length - 1];
const appendLine = (mailbox: string, flags: string, subject: string) => {
  const msg = simpleMessage(subject);
  return `APPEND ${mailbox} (${flags}) {${Buffer.byteLength(msg)}+}\r\n${msg}`;
};

test('capability, NAMESPACE, the owner has every right', async () => {
  assert.match((await run(alice, 'c1', 'CAPABILITY')).join('\n'), /\bACL\b.*RIGHTS=texk/);
  assert.ok((await run(alice, 'c2', 'NAMESPACE')).includes('* NAMESPACE (("" "/")) (("Other Users/" "/")) (("Shared Folders/" "/"))'));
  assert.ok((await run(alice, 'c3', 'MYRIGHTS INBOX')).includes('* MYRIGHTS "INBOX" lrswipkxtea'));
  assert.ok((await run(alice, 'c4', 'GETACL Shared')).includes('* ACL "Shared" "alice" lrswipkxtea'));
  assert.ok((await run(alice, 'c5', 'LISTRIGHTS Shared bob')).includes('* LISTRIGHTS "Shared" "bob" "" l r s w i p k x t e a'));
  assert.match(last(await run(alice, 'c6', 'SETACL Shared alice lr')), /^c6 NO \[CANNOT\]/);
  assert.match(last(await run(alice, 'c7', 'SETACL Shared bob lrz')), /^c7 NO \[INVALID\]/);
  assert.match(last(await run(alice, 'c8', 'SETACL Shared nobody lr')), /^c8 NO \[INVALID\]/);
  assert.match(last(await run(alice, 'c9', 'SETACL Shared -alice lr')), /^c9 NO \[CANNOT\]/);
  assert.match(last(await run(alice, 'c10', 'SETACL Shared -nobody lr')), /^c10 NO \[INVALID\]/);
  assert.match(last(await run(alice, 'c11', 'SETACL Shared "group:" lr')), /^c11 NO \[INVALID\]/);
});

test('without rights another user\u2019s mailbox does not exist for bob', async () => {
  assert.match(last(await run(bob, 'n1', `SELECT ${SHARED}`)), /^n1 NO \[NONEXISTENT\]/);
  assert.match(last(await run(bob, 'n2', `MYRIGHTS ${SHARED}`)), /^n2 NO \[NONEXISTENT\]/);
  assert.match(last(await run(bob, 'n3', `SETACL ${SHARED} bob lrswipkxtea`)), /^n3 NO \[NONEXISTENT\]/);
  assert.ok(!(await run(bob, 'n4', 'LIST "" "*"')).some((l) => l.includes('Other Users')));
  assert.match(last(await run(bob, 'n5', `APPEND ${SHARED.slice(0, -1)}x" {1+}\r\nx`)), /^n5 NO/);
  assert.match(last(await run(bob, 'n6', 'CREATE "Other Users/alice/Mine"')), /^n6 NO \[NOPERM\]/);
  assert.match(last(await run(bob, 'n7', 'CREATE "Other Users"')), /^n7 NO \[CANNOT\]/);
});

test('lr: bob lists and reads alice\u2019s mailbox read-only, cannot change it', async () => {
  assert.match(last(await run(alice, 'r1', 'SETACL Shared bob lr')), /^r1 OK/);
  assert.ok((await run(alice, 'r2', 'GETACL Shared')).includes('* ACL "Shared" "alice" lrswipkxtea "bob" lr'));
  const listed = await run(bob, 'r3', 'LIST "" "*"');
  assert.ok(listed.includes('* LIST (\\Noselect \\HasChildren) "/" "Other Users"'), listed.join('\n'));
  assert.ok(listed.includes('* LIST (\\HasNoChildren) "/" "Other Users/alice/Shared"'), listed.join('\n'));
  assert.ok(!listed.some((l) => l.includes('alice/INBOX')));
  assert.ok((await run(bob, 'r4', `MYRIGHTS ${SHARED}`)).includes('* MYRIGHTS "Other Users/alice/Shared" lr'));
  assert.match(last(await run(bob, 'r5', `GETACL ${SHARED}`)), /^r5 NO \[NOPERM\]/);
  assert.ok((await run(bob, 'r6', `STATUS ${SHARED} (MESSAGES)`)).includes('* STATUS "Other Users/alice/Shared" (MESSAGES 1)'));
  const sel = await run(bob, 'r7', `SELECT ${SHARED}`);
  assert.match(last(sel), /^r7 OK \[READ-ONLY\]/);
  const fetched = await run(bob, 'r8', 'FETCH 1 (BODY[HEADER.FIELDS (SUBJECT)])');
  assert.ok(fetched.some((l) => l.includes('Subject: shared one')));
  assert.match(last(await run(bob, 'r9', 'STORE 1 +FLAGS (\\Flagged)')), /^r9 NO/);
  assert.match(last(await run(bob, 'r10', appendLine(SHARED, '', 'from bob'))), /^r10 NO \[NOPERM\]/);
  assert.match(last(await run(bob, 'r11', `DELETE ${SHARED}`)), /^r11 NO \[NOPERM\]/);
  // COPY out of a readable mailbox into bob's own works.
  assert.match(last(await run(bob, 'r12', 'COPY 1 INBOX')), /^r12 OK \[COPYUID/);
  await run(bob, 'r13', 'CLOSE');
});

test('lrsi: bob appends (flags he may not set dropped) and sets \\Seen, but cannot flag, delete or expunge', async () => {
  assert.match(last(await run(alice, 'i1', 'SETACL Shared bob +si')), /^i1 OK/);
  await run(alice, 'i1a', 'SELECT Shared');
  assert.match(last(await run(bob, 'i2', appendLine(SHARED, '\\Seen \\Flagged', 'from bob'))), /^i2 OK \[APPENDUID/);
  // The owner, with the mailbox open, sees what bob stored in it.
  assert.ok((await run(alice, 'i2a', 'NOOP')).includes('* 2 EXISTS'));
  await run(alice, 'i2b', 'UNSELECT');
  const box = t.engine.ctx.store.mailbox(userId(t), 'Shared')!;
  const appended = t.engine.ctx.store.messages(box.id).at(-1)!;
  assert.deepEqual(appended.flags, ['\\Seen']);
  const selected = await run(bob, 'i3', `SELECT ${SHARED}`);
  assert.match(last(selected), /^i3 OK \[READ-WRITE\]/);
  assert.ok(selected.some((l) => l.startsWith('* OK [PERMANENTFLAGS (\\Seen)]')), selected.join('\n'));
  assert.match(last(await run(bob, 'i4', 'STORE 1 +FLAGS (\\Seen)')), /^i4 OK/);
  assert.match(last(await run(bob, 'i5', 'STORE 1 +FLAGS (\\Flagged \\Deleted)')), /^i5 NO \[NOPERM\]/);
  assert.match(last(await run(bob, 'i6', 'EXPUNGE')), /^i6 NO \[NOPERM\]/);
  assert.match(last(await run(bob, 'i7', 'MOVE 1 INBOX')), /^i7 NO \[NOPERM\]/);
  assert.deepEqual(t.engine.ctx.store.message(box.id, 1)!.flags, ['\\Seen']);
  await run(bob, 'i8', 'UNSELECT');
});

test('lrswitek: bob flags, deletes and expunges, creates below the shared mailbox; -rights and DELETEACL take them away', async () => {
  assert.match(last(await run(alice, 'w1', 'SETACL Shared bob lrswitek')), /^w1 OK/);
  await run(bob, 'w2', `SELECT ${SHARED}`);
  assert.match(last(await run(bob, 'w3', 'STORE 2 +FLAGS (\\Flagged \\Deleted)')), /^w3 OK/);
  const expunged = await run(bob, 'w4', 'EXPUNGE');
  assert.ok(expunged.includes('* 2 EXPUNGE'));
  await run(bob, 'w5', 'UNSELECT');
  assert.match(last(await run(bob, 'w6', 'CREATE "Other Users/alice/Shared/Sub"')), /^w6 OK/);
  assert.ok(t.engine.ctx.store.mailbox(userId(t), 'Shared/Sub'), 'created in alice\u2019s store');
  // The new mailbox starts with its parent's ACL: bob has his rights there, and no 'x' to delete it.
  assert.ok((await run(bob, 'w6a', 'MYRIGHTS "Other Users/alice/Shared/Sub"')).includes('* MYRIGHTS "Other Users/alice/Shared/Sub" lrswikte'));
  assert.match(last(await run(bob, 'w7', 'DELETE "Other Users/alice/Shared/Sub"')), /^w7 NO \[NOPERM\]/);

  assert.match(last(await run(alice, 'w8', 'SETACL Shared bob -wtek')), /^w8 OK/);
  assert.ok((await run(bob, 'w9', `MYRIGHTS ${SHARED}`)).includes('* MYRIGHTS "Other Users/alice/Shared" lrsi'));
  assert.match(last(await run(alice, 'w10', 'DELETEACL Shared bob')), /^w10 OK/);
  assert.match(last(await run(bob, 'w11', `SELECT ${SHARED}`)), /^w11 NO \[NONEXISTENT\]/);
});

test('"anyone" grants every user; the grant goes with the mailbox when it is renamed and disappears when it is deleted', async () => {
  t.engine.ctx.store.createMailbox(userId(t), 'Public');
  assert.match(last(await run(alice, 'p1', 'SETACL Public anyone lr')), /^p1 OK/);
  assert.ok((await run(bob, 'p2', 'LIST "Other Users/" "*"')).includes('* LIST (\\HasNoChildren) "/" "Other Users/alice/Public"'));
  await run(alice, 'p3', 'RENAME Public Notices');
  assert.ok((await run(bob, 'p4', 'MYRIGHTS "Other Users/alice/Notices"')).includes('* MYRIGHTS "Other Users/alice/Notices" lr'));
  await run(alice, 'p5', 'DELETE Notices');
  assert.equal((t.engine.ctx.db.prepare("SELECT COUNT(*) AS n FROM mailbox_acl WHERE identifier = 'anyone'").get() as { n: number }).n, 0);
});

test('the mail administrator sees every user\u2019s folders and can delete them, but not read them', async () => {
  const carol = await loggedIn(t, CAROL);
  try {
    const listed = await run(carol, 'm1', 'LIST "" "Other Users/*"');
    assert.ok(listed.includes('* LIST (\\HasChildren) "/" "Other Users/alice/Shared"'), listed.join('\n'));
    assert.ok(listed.includes('* LIST (\\HasNoChildren) "/" "Other Users/bob/INBOX"'), listed.join('\n'));
    assert.ok((await run(carol, 'm2', 'MYRIGHTS "Other Users/alice/INBOX"')).includes('* MYRIGHTS "Other Users/alice/INBOX" lx'));
    assert.match(last(await run(carol, 'm3', 'SELECT "Other Users/alice/INBOX"')), /^m3 NO \[NOPERM\]/);
    assert.match(last(await run(carol, 'm4', 'EXAMINE "Other Users/alice/INBOX"')), /^m4 NO \[NOPERM\]/);
    assert.match(last(await run(carol, 'm5', 'STATUS "Other Users/alice/INBOX" (MESSAGES)')), /^m5 NO \[NOPERM\]/);
    assert.match(last(await run(carol, 'm6', 'GETACL "Other Users/alice/INBOX"')), /^m6 NO \[NOPERM\]/);
    assert.match(last(await run(carol, 'm7', 'DELETE "Other Users/alice/Shared/Sub"')), /^m7 OK/);
    assert.equal(t.engine.ctx.store.mailbox(userId(t), 'Shared/Sub'), undefined);
  } finally {
    carol.close();
  }
  // Not an administrator any more: nothing of others to see.
  t.engine.ctx.settings.update({ mailAdministrators: [] });
  const again = await loggedIn(t, CAROL);
  try {
    assert.ok(!(await run(again, 'm8', 'LIST "" "*"')).some((l) => l.includes('Other Users')));
  } finally {
    again.close();
  }
});

test('imapflow as bob: the other-users namespace and a shared mailbox open read-only', async () => {
  assert.match(last(await run(alice, 'f1', 'SETACL Shared bob lr')), /^f1 OK/);
  const c = new ImapFlow({ host: '127.0.0.1', port: t.ports.imaps, secure: true, auth: { user: BOB.shortName, pass: BOB.password }, tls: { rejectUnauthorized: false }, logger: false });
  await c.connect();
  try {
    const boxes = await c.list();
    const shared = boxes.find((b) => b.path === 'Other Users/alice/Shared');
    assert.ok(shared, boxes.map((b) => b.path).join(', '));
    assert.equal(shared.delimiter, '/');
    const box = await c.mailboxOpen('Other Users/alice/Shared');
    assert.equal(box.readOnly, true);
    const msg = await c.fetchOne('1', { envelope: true });
    assert.ok(msg && msg.envelope?.subject === 'shared one');
  } finally {
    await c.logout();
  }
});
