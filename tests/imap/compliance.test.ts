import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import zlib from 'node:zlib';
import type { TestEngine } from '../helpers/engine';
import { ALICE, loggedIn, putMessage, run, simpleMessage, startImapEngine, userId } from './helpers';

/** Behaviour Dovecot's imaptest scripts check, so CI covers it without imaptest. */

let t: TestEngine;

before(async () => {
  t = await startImapEngine();
});
after(() => t.stop());

test('a keyword new to the mailbox is announced with FLAGS and PERMANENTFLAGS before the FETCH that shows it', async () => {
  await putMessage(t, simpleMessage('keywords'), { mailbox: 'Archive' });
  const a = await loggedIn(t);
  const b = await loggedIn(t);
  await run(a, 'a1', 'SELECT Archive');
  await run(b, 'b1', 'SELECT Archive');
  const stored = await run(a, 'a2', 'STORE 1 +FLAGS ($Fresh)');
  const flagsAt = stored.findIndex((l) => /^\* FLAGS \(.*\$Fresh\)$/.test(l));
  const fetchAt = stored.findIndex((l) => /^\* 1 FETCH \(FLAGS \(.*\$Fresh/.test(l));
  assert.ok(flagsAt >= 0 && flagsAt < fetchAt, stored.join('\n'));
  assert.ok(stored.some((l) => /^\* OK \[PERMANENTFLAGS \(.*\$Fresh \\\*\)\]/.test(l)), stored.join('\n'));
  // The other session learns of the keyword when it is told of the flag change.
  const seen = await run(b, 'b2', 'NOOP');
  const bFlags = seen.findIndex((l) => /^\* FLAGS \(.*\$Fresh\)$/.test(l));
  assert.ok(bFlags >= 0 && bFlags < seen.findIndex((l) => /FETCH/.test(l)), seen.join('\n'));
  // Known keywords are not announced again.
  assert.ok(!(await run(a, 'a3', 'STORE 1 -FLAGS ($Fresh)')).some((l) => l.startsWith('* FLAGS')));
  a.close();
  b.close();
});

test('subscriptions are by name: CREATE does not subscribe, a missing name may be subscribed and stays after DELETE', async () => {
  const c = await loggedIn(t);
  await run(c, 'a1', 'CREATE sub/one');
  await run(c, 'a2', 'CREATE sub/two/deep');
  await run(c, 'a3', 'CREATE sub/gone');
  assert.match((await run(c, 'a4', 'SUBSCRIBE sub/two/deep')).pop()!, /^a4 OK/);
  assert.match((await run(c, 'a5', 'SUBSCRIBE sub/gone')).pop()!, /^a5 OK/);
  assert.match((await run(c, 'a6', 'SUBSCRIBE sub/never')).pop()!, /^a6 OK/);
  await run(c, 'a7', 'DELETE sub/gone');
  const lsub = await run(c, 'a8', 'LSUB "" sub/%');
  assert.deepEqual(lsub.filter((l) => l.startsWith('*')).sort(), [
    '* LSUB () "/" "sub/gone"',
    '* LSUB () "/" "sub/never"',
    '* LSUB (\\Noselect) "/" "sub/two"',
  ]);
  const ext = await run(c, 'a9', 'LIST (SUBSCRIBED) "" sub/*');
  assert.ok(ext.includes('* LIST (\\NonExistent \\HasNoChildren \\Subscribed) "/" "sub/gone"'), ext.join('\n'));
  assert.ok(ext.includes('* LIST (\\HasNoChildren \\Subscribed) "/" "sub/two/deep"'), ext.join('\n'));
  assert.ok(!ext.some((l) => l.includes('"sub/one"')), ext.join('\n'));
  // New users' folders are subscribed.
  assert.ok((await run(c, 'b1', 'LSUB "" *')).includes('* LSUB (\\Sent) "/" "Sent"'));
  c.close();
});

test('RECURSIVEMATCH gives CHILDINFO only for selected children the patterns do not list themselves', async () => {
  const c = await loggedIn(t);
  await run(c, 'a1', 'CREATE rm/a/a');
  await run(c, 'a2', 'CREATE rm/b/b');
  await run(c, 'a3', 'CREATE rm/b/c');
  for (const n of ['rm/a/a', 'rm/b/b', 'rm/b/c']) await run(c, 'a4', `SUBSCRIBE ${n}`);
  const a = await run(c, 'a5', 'LIST (SUBSCRIBED RECURSIVEMATCH) "" rm*a');
  assert.ok(!a.some((l) => l.endsWith('"rm/a"') || l.includes('"rm/a" (')), a.join('\n'));
  assert.ok(a.some((l) => l.endsWith('"rm/a/a"')), a.join('\n'));
  const b = await run(c, 'a6', 'LIST (SUBSCRIBED RECURSIVEMATCH) "" rm*b');
  assert.ok(b.includes('* LIST (\\HasChildren) "/" "rm/b" ("CHILDINFO" ("SUBSCRIBED"))'), b.join('\n'));
  c.close();
});

test('LIST with a pattern that is not valid modified UTF-7 matches nothing instead of failing', async () => {
  const c = await loggedIn(t);
  const r = await run(c, 'a1', "LIST \"\" !#$$&'+,-.0123456789:;<=>?@^_`|[}%*");
  assert.deepEqual(r, ['a1 OK LIST completed']);
  c.close();
});

test('SEARCH FROM finds an address written with comments inside it', async () => {
  await putMessage(t, 'From: <user-from (comment)@ (comment) domain.org>\r\nSubject: x\r\n\r\nbody\r\n', { mailbox: 'Drafts' });
  const c = await loggedIn(t);
  await run(c, 'a1', 'EXAMINE Drafts');
  assert.ok((await run(c, 'a2', 'SEARCH FROM user-from@domain.org')).includes('* SEARCH 1'));
  assert.ok((await run(c, 'a3', 'SEARCH FROM nobody@domain.org')).includes('* SEARCH'));
  c.close();
});

test('NOTIFY: initial STATUS, then unsolicited STATUS for events in watched mailboxes, without a command', async () => {
  const c = await loggedIn(t);
  const set = await run(c, 'a1', 'NOTIFY SET STATUS (MAILBOXES Junk (MessageNew MessageExpunge)) (SUBTREE Trash (FlagChange))');
  assert.ok(set.some((l) => /^\* STATUS "Junk" \(MESSAGES \d+ UIDNEXT \d+ UIDVALIDITY \d+\)$/.test(l)), set.join('\n'));
  assert.ok(set.some((l) => /^\* STATUS "Trash" \(UIDVALIDITY \d+ HIGHESTMODSEQ \d+\)$/.test(l)), set.join('\n'));
  assert.ok(!set.some((l) => l.includes('"INBOX"')), set.join('\n'));
  const pushed = c.waitFor(/^\* STATUS "Junk" \(MESSAGES 1 /);
  await putMessage(t, simpleMessage('notify me'), { mailbox: 'Junk' });
  await pushed;
  assert.match((await run(c, 'a2', 'NOTIFY SET (PERSONAL (MailboxName))')).pop()!, /^a2 NO \[BADEVENT \(MessageNew MessageExpunge FlagChange\)\]/);
  assert.match((await run(c, 'a3', 'NOTIFY NONE')).pop()!, /^a3 OK/);
  c.close();
});

test('STORE naming a message another session expunged leaves it out and answers OK', async () => {
  await putMessage(t, simpleMessage('store gone 1'), { mailbox: 'Sent' });
  await putMessage(t, simpleMessage('store gone 2'), { mailbox: 'Sent' });
  const a = await loggedIn(t);
  const b = await loggedIn(t);
  await run(a, 'a1', 'SELECT Sent');
  await run(b, 'b1', 'SELECT Sent');
  await run(a, 'a2', 'STORE 1 +FLAGS.SILENT (\\Deleted)');
  await run(a, 'a3', 'EXPUNGE');
  const r = await run(b, 'b2', 'STORE 1:2 +FLAGS (\\Seen)');
  assert.match(r.pop()!, /^b2 OK/);
  assert.ok(r.some((l) => /^\* 2 FETCH \(FLAGS \(\\Seen/.test(l)), r.join('\n'));
  assert.ok(!r.some((l) => /^\* 1 FETCH/.test(l)), r.join('\n'));
  a.close();
  b.close();
});

test('QUOTA: GETQUOTAROOT and GETQUOTA report the user quota in KiB; SETQUOTA is refused', async () => {
  const c = await loggedIn(t);
  // No quota set: no quota root.
  assert.deepEqual((await run(c, 'a1', 'GETQUOTAROOT INBOX')).slice(0, 1), ['* QUOTAROOT "INBOX"']);
  await t.engine.ctx.directory.updateUser(userId(t), { quotaMb: 2 });
  const root = await run(c, 'a2', 'GETQUOTAROOT INBOX');
  assert.equal(root[0], '* QUOTAROOT "INBOX" "User quota"');
  assert.match(root[1], /^\* QUOTA "User quota" \(STORAGE \d+ 2048\)$/);
  assert.match((await run(c, 'a3', 'GETQUOTA "User quota"'))[0], /^\* QUOTA "User quota" \(STORAGE \d+ 2048\)$/);
  assert.match((await run(c, 'a4', 'GETQUOTA "other"')).pop()!, /^a4 NO \[NONEXISTENT\]/);
  assert.match((await run(c, 'a5', 'SETQUOTA "User quota" (STORAGE 9999999)')).pop()!, /^a5 NO/);
  assert.match((await run(c, 'a6', 'GETQUOTAROOT Nope')).pop()!, /^a6 NO \[NONEXISTENT\]/);
  await t.engine.ctx.directory.updateUser(userId(t), { quotaMb: 0 });
  c.close();
});

test('COMPRESS=DEFLATE: after the OK both directions are raw DEFLATE', async () => {
  const socket = tls.connect({ port: t.ports.imaps, host: '127.0.0.1', rejectUnauthorized: false });
  let plain = '';
  const until = (re: RegExp, get: () => string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timeout waiting for ${re}: ${get()}`)), 10000);
      const check = () => {
        if (re.test(get())) {
          clearTimeout(timer);
          resolve();
        } else setTimeout(check, 10);
      };
      check();
    });
  const onPlain = (d: Buffer) => (plain += d.toString('latin1'));
  socket.on('data', onPlain);
  await until(/^\* OK/m, () => plain);
  socket.write(`a LOGIN ${ALICE.shortName} ${ALICE.password}\r\n`);
  await until(/^a OK/m, () => plain);
  assert.match(plain, /COMPRESS=DEFLATE/);
  socket.write('b COMPRESS DEFLATE\r\n');
  await until(/^b OK DEFLATE active\r\n$/m, () => plain);
  socket.off('data', onPlain);
  const inflate = zlib.createInflateRaw();
  const deflate = zlib.createDeflateRaw();
  let text = '';
  socket.pipe(inflate);
  inflate.on('data', (d: Buffer) => (text += d.toString('latin1')));
  deflate.pipe(socket);
  deflate.write('c SELECT INBOX\r\nd COMPRESS DEFLATE\r\n');
  deflate.flush(zlib.constants.Z_SYNC_FLUSH);
  await until(/^d NO \[COMPRESSIONACTIVE\]/m, () => text);
  assert.match(text, /^\* \d+ EXISTS\r\n/m);
  assert.match(text, /^c OK \[READ-WRITE\]/m);
  deflate.write('e LOGOUT\r\n');
  deflate.flush(zlib.constants.Z_SYNC_FLUSH);
  await until(/^e OK/m, () => text);
  socket.destroy();
});

test('a response larger than the socket buffer goes out while the command runs (output is gathered per command)', async () => {
  const big = 'Subject: big\r\n\r\n' + `${'x'.repeat(998)}\r\n`.repeat(2000);
  await putMessage(t, big, { mailbox: 'Drafts' });
  const c = await loggedIn(t);
  await run(c, 'a1', 'EXAMINE Drafts');
  const r = await run(c, 'a2', 'FETCH * BODY.PEEK[]');
  assert.match(r[0], /^\* \d+ FETCH \(BODY\[\] \{2000016\}$/);
  assert.match(r.pop()!, /^a2 OK/);
  c.close();
});

test('UTF8=ACCEPT: after ENABLE, mailbox names are UTF-8 both ways and APPEND takes UTF8 (literal)', async () => {
  const c = await loggedIn(t);
  assert.match((await run(c, 'a0', 'APPEND INBOX UTF8 ({3+}\r\nx\r\n)')).pop()!, /^a0 BAD/);
  await run(c, 'a1', 'CREATE "Entw&APw-rfe 2"');
  assert.ok((await run(c, 'a2', 'ENABLE UTF8=ACCEPT')).includes('* ENABLED UTF8=ACCEPT'));
  const list = await run(c, 'a3', 'LIST "" "Entw*"');
  assert.ok(list.some((l) => Buffer.from(l, 'latin1').toString('utf8') === '* LIST (\\HasNoChildren) "/" "Entwürfe 2"'), list.join('\n'));
  c.send(Buffer.concat([Buffer.from('a4 CREATE "Tom & Jerry '), Buffer.from('ü', 'utf8'), Buffer.from('"\r\n')]));
  await c.waitFor(/^a4 OK/);
  assert.ok(t.engine.ctx.store.mailbox(userId(t), 'Tom & Jerry ü'));
  const msg = 'Subject: caf\u00e9\r\n\r\nhi\r\n';
  const bytes = Buffer.byteLength(msg);
  c.send(Buffer.concat([Buffer.from(`a5 APPEND INBOX UTF8 (~{${bytes}+}\r\n`), Buffer.from(msg, 'utf8'), Buffer.from(')\r\n')]));
  assert.match(await c.waitFor(/^a5 /), /^a5 OK \[APPENDUID/);
  c.close();
});
