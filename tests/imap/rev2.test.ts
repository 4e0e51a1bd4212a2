import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ImapFlow } from 'imapflow';
import type { TestEngine } from '../helpers/engine';
import type { LineClient } from '../helpers/line-client';
import { ALICE, BOB, loggedIn, putMessage, run, simpleMessage, startImapEngine, userId } from './helpers';

/**
 * IMAP4rev1 and IMAP4rev2 (RFC 9051) sessions side by side, and URLFETCH's extended
 * form (URLAUTH=BINARY, RFC 5524), over real sockets.
 */

let t: TestEngine;

const PARTS = [
  'From: a@example.org',
  'Subject: parts',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="b"',
  '',
  '--b',
  'Content-Type: text/plain; charset=us-ascii',
  'Content-Transfer-Encoding: base64',
  '',
  'aGVs',
  'bG8gd29y',
  'bGQ=',
  '',
  '--b',
  'Content-Type: application/octet-stream',
  'Content-Transfer-Encoding: base64',
  '',
  'AAEC',
  '--b',
  'Content-Type: text/plain',
  'Content-Transfer-Encoding: x-strange',
  '',
  '??',
  '--b--',
  '',
].join('\r\n');

/** UTF-8 as the test's latin1 line reader shows it. */
const utf8 = (s: string) => Buffer.from(s, 'utf8').toString('latin1');

before(async () => {
  t = await startImapEngine({}, [ALICE, BOB]);
  await putMessage(t, simpleMessage('one'));
  await putMessage(t, simpleMessage('two'), { flags: ['\\Deleted'] });
  await putMessage(t, PARTS, { mailbox: 'Archive' });
});
after(() => t.stop());

async function rev2Session(): Promise<LineClient> {
  const c = await loggedIn(t);
  const enabled = await run(c, 'e1', 'ENABLE IMAP4rev2');
  assert.ok(enabled.includes('* ENABLED IMAP4rev2'), enabled.join('\n'));
  return c;
}

test('both revisions are offered; LITERAL- is not listed beside LITERAL+', async () => {
  const c = await loggedIn(t);
  const [caps] = (await run(c, 'c1', 'CAPABILITY')).filter((l) => l.startsWith('* CAPABILITY'));
  const list = caps.split(' ');
  for (const cap of ['IMAP4rev1', 'IMAP4rev2', 'LITERAL+', 'URLAUTH', 'URLAUTH=BINARY', 'STATUS=SIZE']) assert.ok(list.includes(cap), `${cap} in ${caps}`);
  assert.ok(!list.includes('LITERAL-'));
  // Enabling twice reports it once.
  await run(c, 'c2', 'ENABLE IMAP4rev2');
  assert.deepEqual((await run(c, 'c3', 'ENABLE IMAP4rev2')).filter((l) => l.startsWith('* ENABLED')), ['* ENABLED']);
  c.socket.destroy();
});

test('IMAP4rev1 session: RECENT, UNSEEN, \\Recent and the SEARCH response', async () => {
  // A rev2 session's SELECT claims no \Recent, so a rev1 session opened after it still gets them.
  const rev2 = await rev2Session();
  await run(rev2, 'r1', 'SELECT INBOX');
  const c = await loggedIn(t);
  const select = await run(c, 's1', 'SELECT INBOX');
  assert.ok(select.includes('* 2 RECENT'), select.join('\n'));
  assert.ok(select.some((l) => l.startsWith('* OK [UNSEEN 1]')));
  assert.ok(!select.some((l) => l.startsWith('* LIST')));
  const fetch = await run(c, 's2', 'FETCH 1 FLAGS');
  assert.ok(fetch.includes('* 1 FETCH (FLAGS (\\Recent))'), fetch.join('\n'));
  assert.ok((await run(c, 's3', 'SEARCH ALL')).includes('* SEARCH 1 2'));
  const status = await run(c, 's4', 'STATUS Archive (MESSAGES RECENT DELETED)');
  assert.ok(status.some((l) => /^\* STATUS "Archive" \(MESSAGES 1 RECENT 1 DELETED 0\)$/.test(l)), status.join('\n'));
  c.socket.destroy();
  rev2.socket.destroy();
});

test('IMAP4rev2 session: SELECT has LIST and no RECENT; no \\Recent; SEARCH answers with ESEARCH', async () => {
  const c = await rev2Session();
  const select = await run(c, 's1', 'SELECT inbox');
  assert.ok(!select.some((l) => / RECENT$/.test(l) || l.includes('[UNSEEN')), select.join('\n'));
  assert.ok(select.includes('* 2 EXISTS'));
  // The name as sent differs from the canonical one: OLDNAME says so (RFC 9051 section 6.3.2).
  assert.ok(select.includes('* LIST (\\HasNoChildren) "/" "INBOX" ("OLDNAME" ("inbox"))'), select.join('\n'));
  assert.ok((await run(c, 's1b', 'EXAMINE INBOX')).includes('* LIST (\\HasNoChildren) "/" "INBOX"'));
  assert.ok((await run(c, 's1c', 'SELECT INBOX')).some((l) => l.startsWith('* OK [CLOSED]')));
  const fetch = await run(c, 's2', 'FETCH 1:2 FLAGS');
  assert.ok(fetch.includes('* 1 FETCH (FLAGS ())') && fetch.includes('* 2 FETCH (FLAGS (\\Deleted))'), fetch.join('\n'));
  assert.ok((await run(c, 's3', 'SEARCH ALL')).includes('* ESEARCH (TAG "s3") ALL 1:2'));
  assert.ok((await run(c, 's4', 'UID SEARCH DELETED')).some((l) => /^\* ESEARCH \(TAG "s4"\) UID ALL \d+$/.test(l)));
  assert.ok((await run(c, 's5', 'UID SEARCH SUBJECT nothing-like-this')).includes('* ESEARCH (TAG "s5") UID'));
  assert.ok((await run(c, 's6', 'SEARCH RETURN () ALL')).includes('* ESEARCH (TAG "s6") ALL 1:2'));
  assert.ok((await run(c, 's7', 'SEARCH RETURN (COUNT) DELETED')).includes('* ESEARCH (TAG "s7") COUNT 1'));
  // A new message: EXISTS alone.
  const from = c.lines.length;
  await putMessage(t, simpleMessage('three'));
  await run(c, 's8', 'NOOP');
  const news = c.lines.slice(from);
  assert.ok(news.includes('* 3 EXISTS') && !news.some((l) => l.endsWith(' RECENT')), news.join('\n'));
  const status = await run(c, 's9', 'STATUS Archive (MESSAGES DELETED SIZE)');
  assert.ok(status.some((l) => /^\* STATUS "Archive" \(MESSAGES 1 DELETED 0 SIZE \d+\)$/.test(l)), status.join('\n'));
  assert.ok((await run(c, 's10', 'STATUS Archive (RECENT)')).at(-1)!.startsWith('s10 BAD'));
  assert.ok((await run(c, 's11', 'LIST "" Archive RETURN (STATUS (DELETED))')).some((l) => l.startsWith('* STATUS "Archive" (DELETED 0)')));
  // Kept for IMAP4rev1 clients, and still answered in a rev2 session.
  assert.ok((await run(c, 's12', 'CHECK')).at(-1)!.startsWith('s12 OK'));
  assert.ok((await run(c, 's13', 'LSUB "" INBOX')).at(-1)!.startsWith('s13 OK'));
  c.socket.destroy();
});

test('IMAP4rev2 session: mailbox names are UTF-8 both ways; a rev1 session sees modified UTF-7', async () => {
  const c = await rev2Session();
  c.send('n1 CREATE "Entwürfe/a&b"\r\n');
  await c.waitFor(/^n1 OK/);
  const list = await run(c, 'n2', 'LIST "" "Entw*"');
  assert.ok(list.includes(`* LIST (\\HasChildren) "/" "${utf8('Entwürfe')}"`), list.join('\n'));
  assert.ok(list.includes(`* LIST (\\HasNoChildren) "/" "${utf8('Entwürfe/a&b')}"`), list.join('\n'));
  c.send('n3 SELECT "Entwürfe/a&b"\r\n');
  await c.waitFor(/^n3 OK/);
  assert.ok(c.lines.includes(`* LIST (\\HasNoChildren) "/" "${utf8('Entwürfe/a&b')}"`));
  const rev1 = await loggedIn(t);
  const old = await run(rev1, 'o1', 'LIST "" "Entw*"');
  assert.ok(old.includes('* LIST (\\HasChildren) "/" "Entw&APw-rfe"') && old.includes('* LIST (\\HasNoChildren) "/" "Entw&APw-rfe/a&-b"'), old.join('\n'));
  rev1.socket.destroy();
  // Names must be valid UTF-8 there.
  c.send(Buffer.concat([Buffer.from('n4 CREATE "bad'), Buffer.from([0xc3, 0x28]), Buffer.from('"\r\n')]));
  assert.match(await c.waitFor(/^n4 /), /^n4 NO \[CANNOT\] mailbox name is not valid UTF-8/);
  c.socket.destroy();
});

test('IMAP4rev2 LIST shows a name that is only a parent as \\NonExistent; DELETE of it is NO [HASCHILDREN]', async () => {
  const c = await rev2Session();
  await run(c, 'p1', 'CREATE Top/Child');
  await run(c, 'p2', 'DELETE Top');
  const list = await run(c, 'p3', 'LIST "" "Top*"');
  assert.ok(list.includes('* LIST (\\NonExistent \\HasChildren) "/" "Top"'), list.join('\n'));
  assert.ok((await run(c, 'p4', 'DELETE Top')).at(-1)!.startsWith('p4 NO [HASCHILDREN]'));
  const rev1 = await loggedIn(t);
  assert.ok((await run(rev1, 'q1', 'LIST "" "Top"')).includes('* LIST (\\Noselect \\HasChildren) "/" "Top"'));
  rev1.socket.destroy();
  c.socket.destroy();
});

test('ENABLE IMAP4rev2 with a mailbox selected drops \\Recent from then on', async () => {
  await putMessage(t, simpleMessage('fresh'), { mailbox: 'Sent' });
  const c = await loggedIn(t);
  assert.ok((await run(c, 'x1', 'SELECT Sent')).includes('* 1 RECENT'));
  await run(c, 'x2', 'ENABLE IMAP4rev2');
  assert.ok((await run(c, 'x3', 'FETCH 1 FLAGS')).includes('* 1 FETCH (FLAGS ())'));
  c.socket.destroy();
});

test('imapflow enables IMAP4rev2 and works in it: UTF-8 names, subscriptions, STATUS DELETED, ESEARCH', async () => {
  const client = new ImapFlow({ host: '127.0.0.1', port: t.ports.imaps, secure: true, auth: { user: BOB.shortName, pass: BOB.password }, tls: { rejectUnauthorized: false }, logger: false });
  await client.connect();
  try {
    assert.ok(client.enabled.has('IMAP4REV2'));
    const name = 'T\u00f5rva \u00f5un';
    await client.mailboxCreate(name);
    await client.mailboxSubscribe(name);
    const folders = await client.list();
    assert.equal(folders.find((f) => f.path === name)?.subscribed, true);
    await client.append(name, Buffer.from('Subject: a\r\n\r\nbody\r\n'), ['\\Deleted']);
    await client.append(name, Buffer.from('Subject: b\r\n\r\nbody\r\n'));
    const status = await client.status(name, { messages: true, deleted: true, size: true });
    assert.equal(status.messages, 2);
    assert.equal(status.deleted, 1);
    const box = await client.mailboxOpen(name);
    assert.equal(box.path, name);
    assert.deepEqual(await client.search({ deleted: true }), [1]);
    const message = await client.fetchOne('2', { flags: true });
    assert.ok(message && message.flags);
    assert.ok(!message.flags.has('\\Recent'));
  } finally {
    await client.logout();
  }
  // The name is stored as Unicode, whatever the wire form.
  assert.ok(t.engine.ctx.store.mailbox(userId(t, 'bob'), 'T\u00f5rva \u00f5un'));
});

// ---- URLAUTH=BINARY -----------------------------------------------------------------

async function signedUrl(c: LineClient, tag: string, rump: string): Promise<string> {
  const lines = await run(c, tag, `GENURLAUTH "${rump}" INTERNAL`);
  const m = /^\* GENURLAUTH "(.*)"$/.exec(lines.find((l) => l.startsWith('* GENURLAUTH'))!);
  return m![1];
}

test('URLFETCH (url BINARY BODYPARTSTRUCTURE): decoded data and the structure of what is sent', async () => {
  const c = await loggedIn(t);
  const uid = t.engine.ctx.store.messages(t.engine.ctx.store.mailbox(userId(t), 'Archive')!.id)[0].uid;
  const base = `imap://alice@mail.example.test/Archive/;UID=${uid}`;
  const text = await signedUrl(c, 'g1', `${base}/;SECTION=1;URLAUTH=user+alice`);
  const bin = await signedUrl(c, 'g2', `${base}/;SECTION=2;URLAUTH=user+alice`);
  const odd = await signedUrl(c, 'g3', `${base}/;SECTION=3;URLAUTH=user+alice`);

  let lines = await run(c, 'u1', `URLFETCH ("${text}" BINARY BODYPARTSTRUCTURE)`);
  assert.ok(lines.includes(`* URLFETCH "${text}" (BODYPARTSTRUCTURE ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 11 0 NIL NIL NIL NIL)) (BINARY {11}`), lines.join('\n'));
  assert.ok(lines.includes('hello world)'));

  lines = await run(c, 'u2', `URLFETCH ("${text}" BODYPARTSTRUCTURE BODY)`);
  assert.ok(lines.includes(`* URLFETCH "${text}" (BODYPARTSTRUCTURE ("text" "plain" ("charset" "us-ascii") NIL NIL "base64" 22 3 NIL NIL NIL NIL)) (BODY {22}`), lines.join('\n'));

  // NUL travels in a literal8.
  lines = await run(c, 'u3', `URLFETCH ("${bin}" BINARY)`);
  assert.ok(lines.includes(`* URLFETCH "${bin}" (BINARY ~{3}`), lines.join('\n'));

  // An encoding the server cannot undo: the structure as stored and BINARY NIL.
  lines = await run(c, 'u4', `URLFETCH ("${odd}" BODYPARTSTRUCTURE BINARY)`);
  assert.ok(lines.includes(`* URLFETCH "${odd}" (BODYPARTSTRUCTURE ("text" "plain" NIL NIL NIL "x-strange" 2 0 NIL NIL NIL NIL)) (BINARY NIL)`), lines.join('\n'));

  // The plain form, several URLs, and a URL that does not verify.
  lines = await run(c, 'u5', `URLFETCH "${text}" ("${text.slice(0, -4)}0000" BINARY)`);
  assert.ok(lines.includes(`* URLFETCH "${text}" {22}`) && lines.includes(`* URLFETCH "${text.slice(0, -4)}0000" NIL`), lines.join('\n'));

  assert.ok((await run(c, 'u6', `URLFETCH ("${text}" BODY BINARY)`)).at(-1)!.startsWith('u6 BAD'));
  assert.ok((await run(c, 'u7', `URLFETCH ("${text}" SIZE)`)).at(-1)!.startsWith('u7 BAD'));
  c.socket.destroy();
});

test('URLFETCH by another user: authuser URLs are served until RESETKEY', async () => {
  const alice = await loggedIn(t);
  const uid = t.engine.ctx.store.messages(t.engine.ctx.store.mailbox(userId(t), 'INBOX')!.id)[0].uid;
  const url = await signedUrl(alice, 'a1', `imap://alice@mail.example.test/INBOX/;UID=${uid};URLAUTH=authuser`);
  const bob = await loggedIn(t, BOB);
  let lines = await run(bob, 'b1', `URLFETCH ("${url}" BODYPARTSTRUCTURE)`);
  assert.ok(lines.some((l) => l.startsWith(`* URLFETCH "${url}" (BODYPARTSTRUCTURE ("text" "plain"`)), lines.join('\n'));
  await run(alice, 'a2', 'RESETKEY INBOX');
  lines = await run(bob, 'b2', `URLFETCH "${url}"`);
  assert.ok(lines.includes(`* URLFETCH "${url}" NIL`), lines.join('\n'));
  alice.socket.destroy();
  bob.socket.destroy();
});

test('a passing fault of the disk is NO [UNAVAILABLE], and the next try works', async () => {
  const c = await loggedIn(t);
  const uid = t.engine.ctx.store.messages(t.engine.ctx.store.mailbox(userId(t), 'INBOX')!.id)[0].uid;
  const url = await signedUrl(c, 'f1', `imap://alice@mail.example.test/INBOX/;UID=${uid};URLAUTH=user+alice`);
  const store = t.engine.ctx.store;
  const readMessage = store.readMessage.bind(store);
  // The store's file system, not the IMAP session, fails once: too many open files.
  store.readMessage = () => Promise.reject(Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' }));
  try {
    assert.match((await run(c, 'f2', `URLFETCH "${url}"`)).at(-1)!, /^f2 NO \[UNAVAILABLE\]/);
  } finally {
    store.readMessage = readMessage;
  }
  assert.match((await run(c, 'f3', `URLFETCH "${url}"`)).at(-1)!, /^f3 OK/);
  c.socket.destroy();
});
