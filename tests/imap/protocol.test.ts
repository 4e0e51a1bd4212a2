import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { LineClient } from '../helpers/line-client';
import type { TestEngine } from '../helpers/engine';
import { ALICE, loggedIn, putMessage, run, simpleMessage, startImapEngine, userId } from './helpers';

let t: TestEngine;

before(async () => {
  t = await startImapEngine({ authMaxFailures: 3, maxLineLength: 1000 }, [
    ALICE,
    { shortName: 'popper', password: 'popper-password-1', protocols: 'pop' } as typeof ALICE,
  ]);
  for (let i = 1; i <= 3; i++) await putMessage(t, simpleMessage(`message ${i}`, `Body number ${i}.\r\n`));
});
after(() => t.stop());

test('before STARTTLS: LOGINDISABLED, no password mechanisms, LOGIN refused; after it, login works', async () => {
  const c = await LineClient.connect(t.ports.imap);
  const greeting = await c.waitFor('* OK');
  assert.match(greeting, /STARTTLS/);
  assert.match(greeting, /LOGINDISABLED/);
  assert.doesNotMatch(greeting, /AUTH=PLAIN/);
  assert.match(await c.command(`a1 LOGIN alice ${ALICE.password}`, /^a1 /), /^a1 NO \[PRIVACYREQUIRED\]/);
  assert.match(await c.command('a2 AUTHENTICATE PLAIN', /^a2 /), /^a2 NO \[PRIVACYREQUIRED\]/);
  await c.command('a3 STARTTLS', /^a3 OK/);
  await c.startTls();
  const caps = await c.command('a4 CAPABILITY', /^\* CAPABILITY/);
  assert.doesNotMatch(caps, /LOGINDISABLED|STARTTLS/);
  assert.match(caps, /AUTH=PLAIN/);
  assert.match(await c.command(`a5 LOGIN alice ${ALICE.password}`, /^a5 /), /^a5 OK \[CAPABILITY /);
  c.close();
});

test('input sent along with STARTTLS is not executed after the handshake', async () => {
  const c = await LineClient.connect(t.ports.imap);
  await c.waitFor('* OK');
  const reply = c.waitFor(/^a1 /);
  c.send('a1 STARTTLS\r\na2 CAPABILITY\r\n');
  assert.match(await reply, /^a1 OK/);
  await c.startTls();
  assert.match(await c.command('a3 NOOP', /^a3 /), /^a3 OK/);
  assert.ok(!c.lines.some((l) => l.startsWith('a2 ')));
  c.close();
});

test('malformed commands get BAD and the session carries on', async () => {
  const c = await LineClient.connect(t.ports.imaps, { tls: true });
  await c.waitFor('* OK');
  assert.match(await c.command('', /BAD/), /^\* BAD/);
  assert.match(await c.command('a1 FROBNICATE', /^a1 /), /^a1 BAD/);
  assert.match(await c.command('a2 LOGIN "unterminated', /^a2 /), /^a2 BAD/);
  assert.match(await c.command('a3 SELECT INBOX', /^a3 /), /^a3 BAD/);
  assert.match(await c.command('a4 CAPABILITY extra', /^a4 /), /^a4 BAD/);
  assert.match(await c.command('(bad-tag NOOP', /BAD/), /^\* BAD/);
  await c.command(`a5 LOGIN alice ${ALICE.password}`, /^a5 OK/);
  await c.command('a6 SELECT INBOX', /^a6 OK/);
  assert.match(await c.command('a7 FETCH 1:99 FLAGS', /^a7 /), /^a7 BAD/);
  assert.match(await c.command('a8 FETCH 1 (FLAGS', /^a8 /), /^a8 BAD/);
  assert.match(await c.command('a9 STORE 1 +FLAGS (\\Recent)', /^a9 /), /^a9 BAD/);
  assert.match(await c.command('b1 SEARCH NONSENSE', /^b1 /), /^b1 BAD/);
  assert.match(await c.command('b2 UID NOOP', /^b2 /), /^b2 BAD/);
  assert.match(await c.command('b3 FETCH 1 BODY[1.MIME', /^b3 /), /^b3 BAD/);
  assert.match(await c.command('b4 NOOP', /^b4 /), /^b4 OK/);
  c.close();
});

test('over-long lines get BAD [TOOBIG] without ending the session', async () => {
  const c = await loggedIn(t);
  assert.match(await c.command('a1 NOOP ' + 'x'.repeat(5000), /^a1 /), /^a1 BAD \[TOOBIG\]/);
  // A far longer line, sent in pieces, is dropped as it arrives.
  const reply = c.waitFor(/^a2 /);
  c.send('a2 NOOP ');
  for (let i = 0; i < 20; i++) c.send('y'.repeat(64 * 1024));
  c.send('\r\n');
  assert.match(await reply, /^a2 BAD \[TOOBIG\]/);
  assert.match(await c.command('a3 NOOP', /^a3 /), /^a3 OK/);
  c.close();
});

test('literals: synchronising with "+" continuation, non-synchronising, and refused sizes', async () => {
  const c = await LineClient.connect(t.ports.imaps, { tls: true });
  await c.waitFor('* OK');
  await c.command('a1 LOGIN {5}', /^\+ /);
  await c.command(`alice {${ALICE.password.length}}`, /^\+ /);
  assert.match(await c.command(ALICE.password, /^a1 /), /^a1 OK/);
  assert.match(await c.command('a2 SELECT {5+}\r\nINBOX', /^a2 /), /^a2 OK \[READ-WRITE\]/);
  // A synchronising literal over the limit is refused before the client sends it.
  assert.match(await c.command('a3 SELECT {200000}', /^a3 /), /^a3 BAD \[TOOBIG\]/);
  assert.match(await c.command('a4 APPEND INBOX {999999999}', /^a4 /), /^a4 NO \[TOOBIG\]/);
  // A non-synchronising one is read past and refused.
  const reply = c.waitFor(/^a5 /);
  c.send(`a5 SELECT {100000+}\r\n${'z'.repeat(100000)}\r\n`);
  assert.match(await reply, /^a5 BAD \[TOOBIG\]/);
  assert.match(await c.command('a6 NOOP', /^a6 /), /^a6 OK/);
  // Endless empty literals do not grow a command without bound either.
  const endless = c.waitFor(/^b6 /);
  c.send('b6 SEARCH TEXT {0+}\r\n' + ' TEXT {0+}\r\n'.repeat(100_000) + ' ALL\r\n');
  assert.match(await endless, /^b6 BAD \[TOOBIG\]/);
  assert.match(await c.command('b7 NOOP', /^b7 /), /^b7 OK/);
  // APPEND with flags, date and a literal holding CRLFs and 8-bit bytes.
  const message = 'Subject: appended\r\n\r\nbinary \xff\xfe bytes\r\n';
  await c.command(`a7 APPEND INBOX (\\Seen $Label) "17-Jul-1996 02:44:25 -0700" {${message.length}}`, /^\+ /);
  const reply7 = c.waitFor(/^a7 /);
  c.socket.write(Buffer.from(message + '\r\n', 'latin1'));
  const appended = await reply7;
  const m = /^a7 OK \[APPENDUID (\d+) (\d+)\]/.exec(appended);
  assert.ok(m, appended);
  const box = t.engine.ctx.store.mailbox(userId(t), 'INBOX')!;
  const meta = t.engine.ctx.store.message(box.id, Number(m[2]))!;
  assert.deepEqual(await t.engine.ctx.store.readMessage(meta), Buffer.from(message, 'latin1'));
  assert.deepEqual(meta.flags.sort(), ['$Label', '\\Seen']);
  assert.equal(meta.internalDate.toISOString(), '1996-07-17T09:44:25.000Z');
  assert.ok(c.lines.some((l) => /^\* \d+ EXISTS$/.test(l)), 'the appending session sees EXISTS');
  c.close();
});

test('authentication failures: NO [AUTHENTICATIONFAILED], closed after the limit; AUTHENTICATE; AUTHORIZATIONFAILED', async () => {
  const c = await LineClient.connect(t.ports.imaps, { tls: true });
  await c.waitFor('* OK');
  assert.match(await c.command('a1 LOGIN alice wrong', /^a1 /), /^a1 NO \[AUTHENTICATIONFAILED\]/);
  assert.match(await c.command('a2 LOGIN nobody wrong', /^a2 /), /^a2 NO \[AUTHENTICATIONFAILED\]/);
  const closed = c.waitClose();
  assert.match(await c.command('a3 LOGIN alice wrong-again', /^a3 /), /^a3 NO \[AUTHENTICATIONFAILED\]/);
  assert.ok(c.lines.some((l) => l.startsWith('* BYE')));
  await closed;

  const d = await LineClient.connect(t.ports.imaps, { tls: true });
  await d.waitFor('* OK');
  await d.command('b1 AUTHENTICATE PLAIN', /^\+ ?$/);
  assert.match(await d.command('*', /^b1 /), /^b1 BAD/);
  const plain = Buffer.from(`\0alice\0${ALICE.password}`).toString('base64');
  assert.match(await d.command(`b2 AUTHENTICATE PLAIN ${plain}`, /^b2 /), /^b2 OK/);
  d.close();

  const e = await LineClient.connect(t.ports.imaps, { tls: true });
  await e.waitFor('* OK');
  await e.command('c1 AUTHENTICATE LOGIN', /^\+ /);
  await e.command(Buffer.from('alice').toString('base64'), /^\+ /);
  assert.match(await e.command(Buffer.from(ALICE.password).toString('base64'), /^c1 /), /^c1 OK/);
  e.close();

  const f = await LineClient.connect(t.ports.imaps, { tls: true });
  await f.waitFor('* OK');
  assert.match(await f.command('d1 LOGIN popper popper-password-1', /^d1 /), /^d1 NO \[AUTHORIZATIONFAILED\]/);
  f.close();
});

test('two sessions see each other\'s flag changes and expunges, EXPUNGE held back during FETCH', async () => {
  const a = await loggedIn(t);
  const b = await loggedIn(t);
  await run(a, 'a1', 'SELECT INBOX');
  await run(b, 'b1', 'SELECT INBOX');
  const first = (await run(a, 'a2', 'UID SEARCH ALL')).find((l) => l.startsWith('* SEARCH'))!.split(' ')[2];
  await run(a, 'a3', 'STORE 1 +FLAGS (\\Flagged)');
  const seen = await run(b, 'b2', 'NOOP');
  assert.ok(seen.some((l) => new RegExp(`^\\* 1 FETCH \\(UID ${first} FLAGS \\(.*\\\\Flagged`).test(l)), seen.join('\n'));
  await run(a, 'a4', 'STORE 1 +FLAGS.SILENT (\\Deleted)');
  const expunged = await run(a, 'a5', 'EXPUNGE');
  assert.ok(expunged.includes('* 1 EXPUNGE'), expunged.join('\n'));
  // b asks for FETCH first: the expunge must wait, and b still gets the message it shows (RFC 2180 4.1.2).
  const during = await run(b, 'b3', 'FETCH 1 (FLAGS ENVELOPE BODY.PEEK[TEXT])');
  assert.ok(!during.some((l) => /^\* \d+ EXPUNGE$/.test(l)), during.join('\n'));
  assert.ok(during.some((l) => /^\* 1 FETCH \(FLAGS \(.*\\Deleted.*\) ENVELOPE \(.* BODY\[TEXT\] \{\d+\}$/.test(l)), during.join('\n'));
  assert.ok(during.some((l) => /^Body number \d\.$/.test(l)), during.join('\n'));
  assert.match(during[during.length - 1], /^b3 OK/);
  assert.equal(t.engine.ctx.store.retained.size, 1);
  const later = await run(b, 'b4', 'NOOP');
  assert.ok(later.includes('* 1 EXPUNGE'), later.join('\n'));
  // Told of the expunge, b lets the file go.
  assert.equal(t.engine.ctx.store.retained.size, 0);
  a.close();
  b.close();
});

test('EXAMINE never sets \\Seen; SELECT with BODY[] does', async () => {
  const uid = await putMessage(t, simpleMessage('unread'));
  const c = await loggedIn(t);
  await run(c, 'a1', 'EXAMINE INBOX');
  const fetched = await run(c, 'a2', `UID FETCH ${uid} (BODY[] FLAGS)`);
  assert.ok(fetched.some((l) => l.includes('Subject: unread')));
  const box = t.engine.ctx.store.mailbox(userId(t), 'INBOX')!;
  assert.ok(!t.engine.ctx.store.message(box.id, uid)!.flags.includes('\\Seen'));
  assert.match((await run(c, 'a3', `UID STORE ${uid} +FLAGS (\\Seen)`)).pop()!, /^a3 NO/);
  await run(c, 'a4', 'SELECT INBOX');
  const peek = await run(c, 'a5', `UID FETCH ${uid} (BODY.PEEK[HEADER])`);
  assert.ok(!peek.some((l) => l.includes('\\Seen')));
  const read = await run(c, 'a6', `UID FETCH ${uid} (BODY[TEXT])`);
  assert.ok(read.some((l) => /FLAGS \(\\Seen/.test(l)), read.join('\n'));
  assert.ok(t.engine.ctx.store.message(box.id, uid)!.flags.includes('\\Seen'));
  c.close();
});

test('IDLE reports a delivery at once and ends with DONE', async () => {
  const c = await loggedIn(t);
  await run(c, 'a1', 'SELECT INBOX');
  await c.command('a2 IDLE', /^\+ /);
  const exists = c.waitFor(/^\* \d+ EXISTS$/, 1000);
  await putMessage(t, simpleMessage('while idling'));
  await exists;
  assert.match(await c.command('DONE', /^a2 /), /^a2 OK/);
  c.close();
});

test('mailbox management: CREATE, LIST, RENAME, DELETE, SUBSCRIBE, STATUS, response codes', async () => {
  const c = await loggedIn(t);
  assert.match((await run(c, 'a1', 'CREATE "Entw&APw-rfe/Sub"')).pop()!, /^a1 OK/);
  assert.ok(t.engine.ctx.store.mailbox(userId(t), 'Entwürfe/Sub'));
  const list = await run(c, 'a2', 'LIST "" "Entw&APw-rfe%"');
  assert.ok(list.includes('* LIST (\\HasChildren) "/" "Entw&APw-rfe"'), list.join('\n'));
  const all = await run(c, 'a3', 'LIST "" "*"');
  assert.ok(all.includes('* LIST (\\HasNoChildren \\Sent) "/" "Sent"'));
  assert.ok(all.includes('* LIST (\\HasNoChildren) "/" "Entw&APw-rfe/Sub"'));
  assert.deepEqual((await run(c, 'a4', 'LIST "" ""')).slice(0, 1), ['* LIST (\\Noselect) "/" ""']);
  assert.match((await run(c, 'a5', 'CREATE INBOX')).pop()!, /^a5 NO \[ALREADYEXISTS\]/);
  assert.match((await run(c, 'a6', 'CREATE Sent')).pop()!, /^a6 NO \[ALREADYEXISTS\]/);
  assert.match((await run(c, 'a7', 'DELETE Nope')).pop()!, /^a7 NO \[NONEXISTENT\]/);
  assert.match((await run(c, 'a8', 'DELETE INBOX')).pop()!, /^a8 NO/);
  assert.match((await run(c, 'a9', 'RENAME "Entw&APw-rfe" Drafts2')).pop()!, /^a9 OK/);
  assert.ok(t.engine.ctx.store.mailbox(userId(t), 'Drafts2/Sub'));
  assert.match((await run(c, 'b1', 'SELECT Nope')).pop()!, /^b1 NO \[NONEXISTENT\]/);
  assert.match((await run(c, 'b2', 'APPEND Nope {1+}\r\nx')).pop()!, /^b2 NO \[TRYCREATE\]/);
  await run(c, 'b3', 'SUBSCRIBE Drafts2/Sub');
  await run(c, 'b3', 'UNSUBSCRIBE Drafts2');
  // A subscription is a name a mailbox could have (LIST and LSUB match patterns against it).
  assert.match((await run(c, 'b3', `SUBSCRIBE {513+}\r\n${'x'.repeat(513)}`)).pop()!, /^b3 NO \[CANNOT\] mailbox names must be 1 to 512 characters/);
  assert.match((await run(c, 'b3', 'SUBSCRIBE "a*b"')).pop()!, /^b3 NO \[CANNOT\]/);
  assert.match((await run(c, 'b3', 'UNSUBSCRIBE "a*b"')).pop()!, /^b3 OK/);
  assert.ok(!t.engine.ctx.store.subscriptions(userId(t)).some((n) => n.length > 512 || n.includes('*')));
  const lsub = await run(c, 'b4', 'LSUB "" "Drafts2/*"');
  assert.ok(lsub.includes('* LSUB () "/" "Drafts2/Sub"'), lsub.join('\n'));
  const lsubPct = await run(c, 'b5', 'LSUB "" "%"');
  assert.ok(lsubPct.includes('* LSUB (\\Noselect) "/" "Drafts2"'), lsubPct.join('\n'));
  const ext = await run(c, 'b6', 'LIST (SUBSCRIBED) "" "*" RETURN (CHILDREN STATUS (MESSAGES))');
  assert.ok(ext.some((l) => l === '* LIST (\\HasNoChildren \\Subscribed) "/" "Drafts2/Sub"'), ext.join('\n'));
  assert.ok(ext.some((l) => l === '* STATUS "Drafts2/Sub" (MESSAGES 0)'), ext.join('\n'));
  const status = await run(c, 'b7', 'STATUS INBOX (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ SIZE)');
  assert.match(status[0], /^\* STATUS "INBOX" \(MESSAGES \d+ RECENT \d+ UIDNEXT \d+ UIDVALIDITY \d+ UNSEEN \d+ HIGHESTMODSEQ \d+ SIZE \d+\)$/);
  assert.match((await run(c, 'b8', 'DELETE Drafts2')).pop()!, /^b8 OK/);
  const orphan = await run(c, 'b9', 'LIST "" "Drafts2*"');
  assert.ok(orphan.includes('* LIST (\\Noselect \\HasChildren) "/" "Drafts2"'), orphan.join('\n'));
  await run(c, 'c1', 'SELECT INBOX');
  assert.match((await run(c, 'c2', 'COPY 1 Nope')).pop()!, /^c2 NO \[TRYCREATE\]/);
  const copied = (await run(c, 'c3', 'COPY 1:2 Trash')).pop()!;
  assert.match(copied, /^c3 OK \[COPYUID \d+ \d+:\d+ 1:2\]/);
  c.close();
});

test('SEARCH keys', async () => {
  const box = 'SearchBox';
  t.engine.ctx.store.createMailbox(userId(t), box);
  await putMessage(t, simpleMessage('alpha report', 'The word zebra appears here.\r\n'), { mailbox: box, flags: ['\\Seen'], date: new Date('2020-01-05T12:00:00Z') });
  await putMessage(t, simpleMessage('beta', 'Nothing to see.\r\n', 'Cc: carol@example.org\r\nX-Tag: special\r\n'), { mailbox: box, flags: ['\\Flagged', 'Work'], date: new Date('2020-02-05T12:00:00Z') });
  await putMessage(t, 'From: =?utf-8?q?J=C3=B6rg?= <jorg@example.org>\r\nSubject: =?utf-8?b?w5xiZXI=?=\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n' + Buffer.from('Grüße aus Köln\r\n').toString('base64') + '\r\n', { mailbox: box, date: new Date('2020-03-05T12:00:00Z') });
  const c = await loggedIn(t);
  await run(c, 'a0', `SELECT ${box}`);
  const search = async (q: string) => (await run(c, 's', `SEARCH ${q}`)).find((l) => l.startsWith('* SEARCH'))!.slice(9).trim();
  assert.equal(await search('ALL'), '1 2 3');
  assert.equal(await search('SEEN'), '1');
  assert.equal(await search('UNSEEN'), '2 3');
  assert.equal(await search('FLAGGED'), '2');
  assert.equal(await search('KEYWORD Work'), '2');
  assert.equal(await search('UNKEYWORD Work'), '1 3');
  assert.equal(await search('SUBJECT ALPHA'), '1');
  assert.equal(await search('FROM sender'), '1 2');
  assert.equal(await search('CC carol'), '2');
  assert.equal(await search('HEADER X-Tag special'), '2');
  assert.equal(await search('HEADER X-Tag ""'), '2');
  assert.equal(await search('BODY zebra'), '1');
  assert.equal(await search('TEXT beta'), '2');
  assert.equal(await search('CHARSET UTF-8 BODY "Köln"'), '3');
  assert.equal(await search('CHARSET UTF-8 FROM "jörg"'), '3');
  assert.equal(await search('CHARSET UTF-8 SUBJECT "über"'), '3');
  assert.equal(await search('SINCE 1-Feb-2020'), '2 3');
  assert.equal(await search('BEFORE 1-Feb-2020'), '1');
  assert.equal(await search('ON 5-Feb-2020'), '2');
  assert.equal(await search('SENTON 7-Feb-1994'), '1 2');
  assert.equal(await search('LARGER 10000'), '');
  assert.equal(await search('SMALLER 10000'), '1 2 3');
  assert.equal(await search('NOT SEEN'), '2 3');
  assert.equal(await search('OR SEEN FLAGGED'), '1 2');
  assert.equal(await search('(SEEN) 1:2'), '1');
  assert.equal(await search('2:*'), '2 3');
  assert.equal(await search('RECENT'), '1 2 3');
  assert.equal(await search('NEW'), '2 3');
  const uids = (await run(c, 'u', 'UID SEARCH UID 2:*')).find((l) => l.startsWith('* SEARCH'))!;
  assert.equal(uids, '* SEARCH 2 3');
  assert.match((await run(c, 'x', 'SEARCH CHARSET KOI8-R ALL')).pop()!, /^x NO \[BADCHARSET/);
  c.close();
});

test('FETCH sections, partials and RFC822 items over the wire', async () => {
  const uid = await putMessage(t, simpleMessage('message 1', 'Body number 1.\r\n'));
  const c = await loggedIn(t);
  await run(c, 'a0', 'EXAMINE INBOX');
  const lines = await run(c, 'a1', `UID FETCH ${uid} (RFC822.SIZE RFC822.HEADER BODY.PEEK[TEXT]<0.4> BODY.PEEK[HEADER.FIELDS (SUBJECT)] BODY.PEEK[1] BODY.PEEK[2])`);
  const text = lines.join('\n');
  assert.match(text, /RFC822\.SIZE \d+ RFC822\.HEADER \{\d+\}/);
  assert.match(text, /BODY\[TEXT\]<0> \{4\}\nBody/);
  assert.match(text, /BODY\[HEADER\.FIELDS \(SUBJECT\)\] \{\d+\}\nSubject: message 1\n\n BODY\[1\] \{\d+\}\nBody number 1\.\n BODY\[2\] NIL\)/);
  c.close();
});

test('FETCH from the structure cached at APPEND matches the file: small and large headers, a large body, after COPY', async () => {
  const c = await loggedIn(t);
  const box = 'CacheBox';
  t.engine.ctx.store.createMailbox(userId(t), box);
  const bigHeader = simpleMessage('big header', 'z'.repeat(70 * 1024) + '\r\n', 'X-Long: ' + 'y'.repeat(9000) + '\r\n');
  const smallHeader = simpleMessage('small header', 'short body\r\n', 'X-Short: yes\r\n');
  for (const [i, m] of [bigHeader, smallHeader].entries()) {
    assert.match((await run(c, `p${i}`, `APPEND ${box} {${Buffer.byteLength(m)}+}\r\n${m}`)).pop()!, /OK/);
  }
  await run(c, 'p2', `SELECT ${box}`);
  await run(c, 'p3', 'COPY 2 Trash');
  const fetchBoth = async (tag: string, mailbox: string, set: string) => {
    await run(c, `${tag}s`, `EXAMINE ${mailbox}`);
    return (await run(c, tag, `FETCH ${set} (BODY.PEEK[HEADER] BODY.PEEK[HEADER.FIELDS (SUBJECT X-SHORT)] BODY.PEEK[HEADER.FIELDS.NOT (X-LONG)]<0.20> BODY.PEEK[TEXT] RFC822.HEADER)`)).join('\n');
  };
  const text = await fetchBoth('f1', box, '1:2');
  const header = (m: string) => m.slice(0, m.indexOf('\r\n\r\n') + 4).replace(/\r\n/g, '\n');
  for (const m of [bigHeader, smallHeader]) {
    assert.ok(text.includes(`BODY[HEADER] {${m.indexOf('\r\n\r\n') + 4}}\n${header(m)}`), 'HEADER');
    assert.ok(text.includes(`RFC822.HEADER {${m.indexOf('\r\n\r\n') + 4}}\n${header(m)}`), 'RFC822.HEADER');
    assert.ok(text.includes(m.slice(m.indexOf('\r\n\r\n') + 4).replace(/\r\n/g, '\n')), 'TEXT');
  }
  assert.match(text, /BODY\[HEADER\.FIELDS \(SUBJECT X-SHORT\)\] \{\d+\}\nSubject: small header\nX-Short: yes\n\n/);
  assert.match(text, /BODY\[HEADER\.FIELDS \(SUBJECT X-SHORT\)\] \{\d+\}\nSubject: big header\n\n/);
  assert.match(text, /BODY\[HEADER\.FIELDS\.NOT \(X-LONG\)\]<0> \{20\}\nFrom: Sender Person /);
  // The copy carries the cached structure along.
  const copied = await fetchBoth('f2', 'Trash', '*');
  assert.ok(copied.includes(`BODY[HEADER] {${smallHeader.indexOf('\r\n\r\n') + 4}}\n${header(smallHeader)}`), copied);
  c.close();
});

test('MOVE reports COPYUID then EXPUNGE; UID EXPUNGE removes only the named \\Deleted messages; quota', async () => {
  const box = 'MoveBox';
  t.engine.ctx.store.createMailbox(userId(t), box);
  const u1 = await putMessage(t, simpleMessage('m1'), { mailbox: box });
  const u2 = await putMessage(t, simpleMessage('m2'), { mailbox: box, flags: ['\\Deleted'] });
  const u3 = await putMessage(t, simpleMessage('m3'), { mailbox: box, flags: ['\\Deleted'] });
  const c = await loggedIn(t);
  await run(c, 'a1', `SELECT ${box}`);
  const moved = await run(c, 'a2', `UID MOVE ${u1} Trash`);
  assert.match(moved[0], /^\* OK \[COPYUID \d+ 1 \d+\]/);
  assert.equal(moved[1], '* 1 EXPUNGE');
  assert.match(moved[2], /^a2 OK/);
  const expunged = await run(c, 'a3', `UID EXPUNGE ${u3}`);
  assert.deepEqual(expunged.slice(0, 1), ['* 2 EXPUNGE']);
  assert.ok(t.engine.ctx.store.message(t.engine.ctx.store.mailbox(userId(t), box)!.id, u2), 'u2 stays');

  const alice = t.engine.ctx.directory.loginUser('alice')!;
  await t.engine.ctx.accounts.update(alice.id, { quotaMb: 1 });
  try {
    const big = 'Subject: big\r\n\r\n' + 'x'.repeat(1024 * 1024) + '\r\n';
    const reply = c.waitFor(/^a4 /);
    c.send(`a4 APPEND INBOX {${big.length}+}\r\n${big}\r\n`);
    assert.match(await reply, /^a4 NO \[OVERQUOTA\]/);
  } finally {
    await t.engine.ctx.accounts.update(alice.id, { quotaMb: 0 });
  }
  c.close();
});

test('random command lines never crash the session or the server', async () => {
  const c = await loggedIn(t);
  await run(c, 'a0', 'SELECT INBOX');
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const verbs = ['FETCH', 'UID FETCH', 'STORE', 'SEARCH', 'UID SEARCH', 'LIST', 'STATUS', 'COPY', 'APPEND', 'SELECT', 'CREATE', 'RENAME', 'ID', 'ENABLE', 'UID EXPUNGE', 'LSUB', 'EXAMINE'];
  const atoms = ['1', '*', '1:*', '2:1', '(', ')', '[', ']', '"', '"x"', 'BODY[', 'BODY[1.', 'BODY[HEADER.FIELDS', '(FLAGS', 'NIL', '\\Seen', '{3}', '<0.5>', 'OR', 'NOT', 'HEADER', 'RETURN', '(STATUS', 'INBOX', '%', '\\', 'UID', 'CHARSET', 'é', '0', '4294967296', 'BODY.PEEK[1.2.3.MIME]<1.2>'];
  for (let i = 0; i < 300; i++) {
    let line = verbs[rand(verbs.length)];
    const n = rand(6);
    for (let j = 0; j < n; j++) line += (rand(4) === 0 ? '' : ' ') + atoms[rand(atoms.length)];
    if (line.endsWith('{3}')) line = line.slice(0, -3);
    const reply = await c.command(`f${i} ${line}`, new RegExp(`^f${i} (OK|NO|BAD)`));
    assert.doesNotMatch(reply, /SERVERBUG/, line);
  }
  assert.match(await c.command('z1 NOOP', /^z1 /), /^z1 OK/);
  const failures = t.engine.ctx.logs.tail.filter((e) => e.service === 'imap' && e.severity === 'error');
  assert.deepEqual(failures, []);
  c.close();
});
