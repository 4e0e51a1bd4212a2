import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestEngine } from '../helpers/engine';
import { LineClient } from '../helpers/line-client';
import { loggedIn, run, startImapEngine } from './helpers';

// Issue 17, defect 6: one address could take every IMAP slot before login and keep it with NOOP.

let t: TestEngine;
const open: LineClient[] = [];

before(async () => {
  t = await startImapEngine();
});
after(async () => {
  for (const c of open) c.close();
  await t.stop();
});

/** A plain IMAP connection from 127.0.0.<host>, with its first line (greeting or BYE). */
async function connect(host: number): Promise<{ c: LineClient; first: string }> {
  const c = await LineClient.connect(t.ports.imap, { localAddress: `127.0.0.${host}` });
  open.push(c);
  return { c, first: await c.waitFor(/^\* (OK|BYE)/) };
}

async function loggedInAlice(): Promise<LineClient> {
  const c = await loggedIn(t);
  open.push(c);
  assert.match(c.lines.at(-1) as string, /^a0 OK/, 'alice is logged in');
  return c;
}

async function closeAll(): Promise<void> {
  for (const c of open.splice(0)) c.close();
  while (t.engine.ctx.connections.count('imap') > 0) await new Promise((r) => setTimeout(r, 20));
}

test('one address cannot take every slot before login: 10 per address, and alice still gets in', async () => {
  assert.equal(t.engine.ctx.settings.get().imapMaxConnections, 32, 'the seed default');
  const attacker = [];
  for (let i = 0; i < 12; i++) attacker.push(await connect(2));
  const greeted = attacker.filter((a) => a.first.startsWith('* OK'));
  const refused = attacker.filter((a) => a.first.startsWith('* BYE'));
  assert.equal(greeted.length, 10);
  assert.equal(refused.length, 2);
  assert.match(refused[0].first, /^\* BYE Too many connections from your address/);
  for (const [i, a] of greeted.entries()) assert.match((await run(a.c, `n${i}`, 'NOOP')).at(-1) as string, /OK/, 'kept alive with NOOP');
  await loggedInAlice();
  await closeAll();
});

test('when the pre-login share is full, a newcomer ends the oldest waiting session of the busiest address', async () => {
  t.engine.ctx.settings.update({ imapMaxConnections: 8, maxUnauthenticatedPerIp: 3 });
  try {
    const a = [await connect(2), await connect(2), await connect(2)];
    const b = await connect(3);
    assert.ok([...a, b].every((x) => x.first.startsWith('* OK')));
    assert.equal(t.engine.ctx.connections.count('imap', undefined, { unauthenticated: true }), 4, 'half of 8: full');
    const bye = a[0].c.waitFor('* BYE');
    const alice = await loggedInAlice();
    assert.match(await bye, /^\* BYE Too many connections waiting to log in/);
    await a[0].c.waitClose();
    assert.ok(!a[1].c.isClosed && !a[2].c.isClosed && !b.c.isClosed);
    // Logged in, alice no longer counts against the pre-login share; another anonymous one fits again.
    assert.ok((await connect(4)).first.startsWith('* OK'));
    assert.match((await run(alice, 'n1', 'NOOP')).at(-1) as string, /^n1 OK/);
  } finally {
    await closeAll();
    t.engine.ctx.settings.update({ imapMaxConnections: 32, maxUnauthenticatedPerIp: 10 });
  }
});

test('the login deadline: NOOP and CAPABILITY do not extend it; a logged-in session is not touched', async () => {
  t.engine.ctx.settings.update({ loginTimeoutSeconds: 2 });
  try {
    const alice = await loggedInAlice();
    const started = Date.now();
    const { c } = await connect(2);
    const bye = c.waitFor('* BYE', 5000);
    let sent = 0;
    const keepAlive = setInterval(() => {
      c.send(`k${sent} ${sent++ % 2 ? 'NOOP' : 'CAPABILITY'}\r\n`);
    }, 300);
    try {
      assert.match(await bye, /^\* BYE No login within 2 seconds/);
    } finally {
      clearInterval(keepAlive);
    }
    assert.ok(Date.now() - started >= 1900, 'not before the deadline');
    const answered = c.lines.filter((l) => /^k\d+ OK/.test(l)).length;
    assert.ok(answered >= 3, `the client was active all along (${answered} answers)`);
    await c.waitClose();
    assert.match((await run(alice, 'n2', 'NOOP')).at(-1) as string, /^n2 OK/);
  } finally {
    await closeAll();
    t.engine.ctx.settings.update({ loginTimeoutSeconds: 60 });
  }
});

// Issue 17, defect 9 (the IMAP part): a {N+} literal of any size was read and discarded before login.
test('LITERAL- before login: non-synchronising literals up to 4096 bytes; a larger one ends the session unread', async () => {
  const caps = async (c: LineClient) => (await run(c, 'c', 'CAPABILITY')).find((l) => l.startsWith('* CAPABILITY'))!.split(' ');
  const c = await LineClient.connect(t.ports.imaps, { tls: true });
  open.push(c);
  await c.waitFor('* OK');
  const before = await caps(c);
  assert.ok(before.includes('LITERAL-') && !before.includes('LITERAL+'), before.join(' '));
  // 4096 bytes is allowed: the command is read and answered.
  const allowed = c.waitFor(/^a1 /);
  c.send(`a1 LOGIN {4096+}\r\n${'x'.repeat(4096)} wrong\r\n`);
  assert.match(await allowed, /^a1 NO \[AUTHENTICATIONFAILED\]/);
  // A synchronising literal over the pre-login limit gets no "+".
  assert.match(await c.command('a2 LOGIN {9000}', /^(a2 |\+)/), /^a2 BAD \[TOOBIG\]/);
  // 4097 bytes is not: BAD, BYE, closed, before the client has sent a byte of it.
  const bad = c.waitFor(/^a3 /);
  const bye = c.waitFor('* BYE');
  c.send('a3 LOGIN {4097+}\r\n');
  assert.match(await bad, /^a3 BAD \[TOOBIG\]/);
  await bye;
  await c.waitClose();

  // After login, LITERAL+ with the usual limits.
  const alice = await loggedInAlice();
  const after = await caps(alice);
  assert.ok(after.includes('LITERAL+') && !after.includes('LITERAL-'), after.join(' '));
  const big = alice.waitFor(/^a4 /);
  alice.send(`a4 SELECT {5000+}\r\n${'y'.repeat(5000)}\r\n`);
  assert.match(await big, /^a4 NO/, 'read and answered: no such mailbox');
  await closeAll();
});
