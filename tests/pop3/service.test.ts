import net from 'node:net';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LogEntry } from '../../server/logs/logger';
import { Pop3Service } from '../../server/pop3/pop3-service';
import type { TestEngine } from '../helpers/engine';
import { ALICE, cmd, cmd1, connect, deliver, inboxUids, makeMessage, startPopEngine } from './pop3-fixture';

let te: TestEngine;
before(async () => {
  te = await startPopEngine({ allowPlaintextAuthWithoutTls: true });
});
after(() => te.stop());

/** Resolves when the pop log writes an entry with this text. */
function logged(text: string): Promise<LogEntry> {
  return new Promise((resolve) => {
    const onEntry = (e: LogEntry) => {
      if (e.service === 'pop' && e.text === text) {
        te.engine.ctx.logs.off('entry', onEntry);
        resolve(e);
      }
    };
    te.engine.ctx.logs.on('entry', onEntry);
  });
}

/** Resolves once the server has no POP3 connection open (clients may see the close first). */
async function allClosed(): Promise<void> {
  const registry = te.engine.ctx.connections;
  while (registry.count('pop3') > 0) await new Promise((resolve) => registry.once('close', resolve));
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => (s.destroy(), resolve(false)));
    s.once('error', () => resolve(true));
  });
}

test('logins are logged at message severity, commands at event severity', async () => {
  const seen = logged('POP login');
  const { client: c } = await connect(te.ports.pop3);
  await cmd1(c, 'USER alice');
  await cmd1(c, `PASS ${ALICE.password}`);
  const entry = await seen;
  assert.equal(entry.severity, 'message');
  assert.equal(entry.user, 'alice');
  assert.equal(te.engine.ctx.connections.list('pop3').find((x) => x.user === 'alice')?.listener, 'pop3');
  await cmd1(c, 'QUIT');
  await c.waitClose();
});

test('popMaxConnections and maxConnectionsPerIp refuse with -ERR [SYS/TEMP]', async () => {
  const ctx = te.engine.ctx;
  await allClosed();
  ctx.settings.update({ popMaxConnections: 1 });
  try {
    // A session that has not logged in gives way to a newcomer (docs/security.md) ...
    const { client: waiting } = await connect(te.ports.pop3);
    const gone = waiting.waitFor(/^-ERR \[SYS\/TEMP\] Too many connections waiting to log in/);
    const { client: first, greeting: welcome } = await connect(te.ports.pop3s, true);
    assert.match(welcome, /^\+OK/);
    await gone;
    // ... one that has logged in does not.
    await cmd1(first, 'USER alice');
    assert.match(await cmd1(first, `PASS ${ALICE.password}`), /^\+OK/);
    const { greeting } = await connect(te.ports.pop3s, true);
    assert.match(greeting, /^-ERR \[SYS\/TEMP\] Too many POP3 connections/);
    first.close();
    await allClosed();
    ctx.settings.update({ popMaxConnections: 200, maxConnectionsPerIp: 1 });
    const { client: again } = await connect(te.ports.pop3);
    const { greeting: perIp } = await connect(te.ports.pop3);
    assert.match(perIp, /^-ERR \[SYS\/TEMP\] Too many connections from your address/);
    again.close();
  } finally {
    ctx.settings.update({ popMaxConnections: 200, maxConnectionsPerIp: 50 });
  }
});

test('popEnabled and imapPopSsl start and stop listeners live', async () => {
  const ctx = te.engine.ctx;
  const { client: open } = await connect(te.ports.pop3);
  const oldPlain = te.ports.pop3;
  const oldSecure = te.ports.pop3s;

  const stopped = Promise.all([logged('pop3 listener stopped'), logged('pop3s listener stopped')]);
  ctx.settings.update({ popEnabled: false });
  await stopped;
  assert.ok(await refused(oldPlain));
  assert.ok(await refused(oldSecure));
  assert.equal(ctx.ports.pop3, undefined);
  // The open session was not dropped.
  assert.match((await cmd(open, 'CAPA', true))[0], /^\+OK/);

  const plainBack = logged('pop3 listening');
  ctx.settings.update({ popEnabled: true, imapPopSsl: 'off' });
  await plainBack;
  assert.equal(ctx.ports.pop3s, undefined, 'no pop3s listener with imapPopSsl off');
  const { client: c } = await connect(ctx.ports.pop3);
  assert.ok(!(await cmd(c, 'CAPA', true)).includes('STLS'));
  assert.equal(await cmd1(c, 'STLS'), '-ERR STLS is not available');
  assert.ok(!(await cmd(open, 'CAPA', true)).includes('STLS'), 'open sessions follow the new setting');

  const secureBack = logged('pop3s listening');
  ctx.settings.update({ imapPopSsl: 'use' });
  await secureBack;
  const { greeting } = await connect(ctx.ports.pop3s, true).then((x) => (x.client.close(), x));
  assert.match(greeting, /^\+OK/);
  c.close();
  open.close();
});

test('stop(): idle sessions end without deleting; an UPDATE under way finishes first', async () => {
  const ctx = te.engine.ctx;
  const savedPorts = { pop3: ctx.ports.pop3, pop3s: ctx.ports.pop3s };
  const service = new Pop3Service(ctx);
  await service.start();
  const port = ctx.ports.pop3;
  Object.assign(ctx.ports, savedPorts);
  const kept = await deliver(te, makeMessage('kept at stop', ['x']));
  const { client: idle } = await connect(port);
  await cmd1(idle, 'USER alice');
  await cmd1(idle, `PASS ${ALICE.password}`);
  assert.equal(await cmd1(idle, 'DELE 1'), '+OK message 1 deleted');

  // A second maildrop (bob) whose QUIT is held inside the store's expunge.
  await ctx.accounts.create({ shortName: 'bob', password: 'bob-password-1' });
  await deliver(te, makeMessage('deleted at stop', ['y']), 'bob');
  const { client: quitting } = await connect(port);
  await cmd1(quitting, 'USER bob');
  await cmd1(quitting, 'PASS bob-password-1');
  await cmd1(quitting, 'DELE 1');
  const original = ctx.store.expunge.bind(ctx.store);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const entered = new Promise<void>((resolve) => {
    ctx.store.expunge = async (...args: Parameters<typeof original>) => {
      resolve();
      await gate;
      return original(...args);
    };
  });
  try {
    const quitReply = cmd1(quitting, 'QUIT');
    await entered;
    let stopDone = false;
    const stopping = service.stop().then(() => (stopDone = true));
    assert.match((await cmd(idle, 'NOOP'))[0], /^-ERR \[SYS\/TEMP\] server shutting down|^\+OK/);
    await idle.waitClose();
    assert.equal(stopDone, false, 'stop waits for the UPDATE');
    release();
    await stopping;
    assert.match(await quitReply, /^\+OK/);
  } finally {
    ctx.store.expunge = original;
  }
  assert.deepEqual(inboxUids(te, 'bob'), []);
  assert.deepEqual(inboxUids(te), [kept.uid]);
  assert.ok(await refused(port));
  await ctx.store.expunge(kept.mailboxId, [kept.uid]);
});

test('idle sessions are logged out after the idle timeout without applying deletions', async () => {
  const ctx = te.engine.ctx;
  const savedPorts = { pop3: ctx.ports.pop3, pop3s: ctx.ports.pop3s };
  const service = new Pop3Service(ctx);
  service.idleTimeoutMs = 150;
  await service.start();
  const port = ctx.ports.pop3;
  Object.assign(ctx.ports, savedPorts);
  try {
    const m = await deliver(te, makeMessage('idle', ['z']));
    const { client: c } = await connect(port);
    await cmd1(c, 'USER alice');
    await cmd1(c, `PASS ${ALICE.password}`);
    await cmd1(c, 'DELE 1');
    assert.equal(await c.waitFor('-ERR'), '-ERR Disconnected for inactivity');
    await c.waitClose();
    assert.deepEqual(inboxUids(te), [m.uid]);
    await ctx.store.expunge(m.mailboxId, [m.uid]);
  } finally {
    await service.stop();
  }
});
