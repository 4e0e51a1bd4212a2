import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestEngine } from '../helpers/engine';
import type { LineClient } from '../helpers/line-client';
import { ALICE, cmd, cmd1, connect, deliver, inboxFlags, inboxUids, makeMessage, readFile, startPopEngine, waitResponse } from './pop3-fixture';

// Plain-text logins so the raw tests need no TLS; the TLS policy has its own tests.
let te: TestEngine;
before(async () => {
  te = await startPopEngine({ allowPlaintextAuthWithoutTls: true });
});
after(() => te.stop());

async function login(): Promise<LineClient> {
  const { client } = await connect(te.ports.pop3);
  assert.equal(await cmd1(client, `USER ${ALICE.shortName}`), '+OK');
  assert.match(await cmd1(client, `PASS ${ALICE.password}`), /^\+OK/);
  return client;
}

async function quit(client: LineClient): Promise<string> {
  const reply = await cmd1(client, 'QUIT');
  await client.waitClose();
  return reply;
}

test('STAT, LIST, UIDL, RETR with byte-stuffing, TOP, and exact sizes', async () => {
  const first = await deliver(te, makeMessage('dots', ['.starts with a dot', 'middle', '.', '..two dots', 'last']));
  const second = await deliver(te, makeMessage('second', ['line 1', 'line 2', 'line 3']));
  const c = await login();
  const size1 = readFile(first.file).length;
  const size2 = readFile(second.file).length;
  assert.equal(await cmd1(c, 'STAT'), `+OK 2 ${size1 + size2}`);
  assert.deepEqual(await cmd(c, 'LIST', true), ['+OK', `1 ${size1}`, `2 ${size2}`, '.']);
  assert.equal(await cmd1(c, 'LIST 2'), `+OK 2 ${size2}`);
  assert.equal(await cmd1(c, 'LIST 3'), '-ERR no such message');
  const uidl = await cmd(c, 'UIDL', true);
  assert.deepEqual(uidl, ['+OK', `1 ${first.uidValidity}.${first.uid}`, `2 ${second.uidValidity}.${second.uid}`, '.']);
  assert.equal(await cmd1(c, 'UIDL 1'), `+OK 1 ${first.uidValidity}.${first.uid}`);

  const retr = await cmd(c, 'RETR 1', true);
  assert.equal(retr[0], `+OK ${size1} octets`);
  const body = retr.slice(1, -1);
  assert.ok(body.includes('...two dots') && body.includes('..starts with a dot') && body.includes('..'));
  const unstuffed = body.map((l) => (l.startsWith('.') ? l.slice(1) : l)).join('\r\n') + '\r\n';
  assert.equal(unstuffed, readFile(first.file).toString('latin1'));

  const top = await cmd(c, 'TOP 2 1', true);
  assert.deepEqual(top.slice(-4), ['Message-ID: <second@example.test>', '', 'line 1', '.']);
  const top0 = await cmd(c, 'TOP 2 0', true);
  assert.deepEqual(top0.slice(-2), ['', '.']);
  assert.equal(await cmd1(c, 'TOP 2'), '-ERR usage: TOP msg lines');
  assert.match(await quit(c), /^\+OK/);
  // RETR marks the message \Seen at QUIT (as Dovecot does); TOP does not.
  assert.ok(inboxFlags(te, first.uid).includes('\\Seen'));
  assert.ok(!inboxFlags(te, second.uid).includes('\\Seen'));
  await te.engine.ctx.store.expunge(first.mailboxId, [first.uid, second.uid]);
});

test('DELE marks, RSET unmarks, QUIT deletes; message numbers stay fixed', async () => {
  const a = await deliver(te, makeMessage('a', ['a']));
  const b = await deliver(te, makeMessage('b', ['b']));
  const c = await login();
  assert.equal(await cmd1(c, 'DELE 1'), '+OK message 1 deleted');
  assert.equal(await cmd1(c, 'DELE 1'), '-ERR message 1 already deleted');
  assert.equal(await cmd1(c, 'RETR 1'), '-ERR message 1 already deleted');
  assert.match(await cmd1(c, 'STAT'), /^\+OK 1 /);
  assert.deepEqual((await cmd(c, 'LIST', true)).map((l) => l.split(' ')[0]), ['+OK', '2', '.']);
  assert.match(await cmd1(c, 'RSET'), /^\+OK maildrop has 2 messages/);
  assert.match(await cmd1(c, 'STAT'), /^\+OK 2 /);
  assert.equal(await cmd1(c, 'DELE 2'), '+OK message 2 deleted');
  assert.equal(await cmd1(c, 'NOOP'), '+OK');
  // Nothing is removed before QUIT.
  assert.deepEqual(inboxUids(te), [a.uid, b.uid]);
  assert.equal(await quit(c), '+OK Pillarbox POP3 server signing off (1 messages left)');
  assert.deepEqual(inboxUids(te), [a.uid]);
  await te.engine.ctx.store.expunge(a.mailboxId, [a.uid]);
});

test('a dropped connection deletes nothing and frees the maildrop', async () => {
  const m = await deliver(te, makeMessage('kept', ['kept']));
  const c = await login();
  assert.equal(await cmd1(c, 'DELE 1'), '+OK message 1 deleted');
  const closed = new Promise((resolve) => te.engine.ctx.connections.once('close', resolve));
  c.close();
  await closed;
  assert.deepEqual(inboxUids(te), [m.uid]);
  const again = await login();
  assert.match(await cmd1(again, 'STAT'), /^\+OK 1 /);
  await quit(again);
  await te.engine.ctx.store.expunge(m.mailboxId, [m.uid]);
});

test('a second session for the same maildrop gets [IN-USE]', async () => {
  const first = await login();
  const { client: second } = await connect(te.ports.pop3);
  await cmd1(second, 'USER alice');
  assert.match(await cmd1(second, `PASS ${ALICE.password}`), /^-ERR \[IN-USE\]/);
  await quit(first);
  // Once the first session has quit, the maildrop is free again.
  await cmd1(second, 'USER alice');
  assert.match(await cmd1(second, `PASS ${ALICE.password}`), /^\+OK/);
  await quit(second);
});

test('unknown commands, wrong states and bad arguments get -ERR and the session goes on', async () => {
  const { client: c } = await connect(te.ports.pop3);
  assert.equal(await cmd1(c, 'FOO bar'), '-ERR Unknown command');
  assert.equal(await cmd1(c, 'LAST'), '-ERR Unknown command');
  assert.equal(await cmd1(c, 'STAT'), '-ERR Command not valid in this state');
  assert.equal(await cmd1(c, 'PASS nouser'), '-ERR send USER first');
  await cmd1(c, 'USER alice');
  assert.match(await cmd1(c, `PASS ${ALICE.password}`), /^\+OK/);
  assert.equal(await cmd1(c, 'USER alice'), '-ERR Command not valid in this state');
  assert.equal(await cmd1(c, 'RETR x'), '-ERR invalid message number');
  assert.equal(await cmd1(c, 'RETR 0'), '-ERR no such message');
  assert.equal(await cmd1(c, 'DELE 99'), '-ERR no such message');
  assert.equal(await cmd1(c, 'XYZZY'), '-ERR Unknown command');
  assert.match(await cmd1(c, 'STAT'), /^\+OK/);
  await quit(c);
});

test('an over-long line is refused without being buffered, and the session goes on', async () => {
  const { client: c } = await connect(te.ports.pop3);
  const max = te.engine.ctx.settings.get().maxLineLength;
  const start = c.lines.length;
  // Sent in pieces, as a real flood would arrive.
  for (let i = 0; i < 10; i++) c.send('X'.repeat(max));
  c.send('\r\n');
  assert.deepEqual(await waitResponse(c, start, false), ['-ERR line too long']);
  assert.match((await cmd(c, 'CAPA', true))[0], /^\+OK/);
  await quit(c);
});

test('pipelined commands are answered in order', async () => {
  const m = await deliver(te, makeMessage('pipe', ['x']));
  const { client: c } = await connect(te.ports.pop3);
  const start = c.lines.length;
  c.send(`USER alice\r\nPASS ${ALICE.password}\r\nSTAT\r\nLIST\r\nNOOP\r\n`);
  while (c.lines.length < start + 7) await c.waitFor(/[\s\S]*/);
  const got = c.lines.slice(start, start + 7);
  assert.equal(got[0], '+OK');
  assert.match(got[1], /^\+OK Logged in/);
  assert.match(got[2], /^\+OK 1 \d+$/);
  assert.deepEqual([got[3], got[5]], ['+OK', '.']);
  assert.equal(got[6], '+OK');
  await quit(c);
  await te.engine.ctx.store.expunge(m.mailboxId, [m.uid]);
});
