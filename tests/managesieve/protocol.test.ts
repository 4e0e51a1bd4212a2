import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type TestEngine, startEngine } from '../helpers/engine';
import { LineClient } from '../helpers/line-client';

let t: TestEngine;
const plain = (user: string, pass: string) => Buffer.from(`\0${user}\0${pass}`).toString('base64');
const DONE = /^(OK|NO|BYE)\b/;

before(async () => {
  t = await startEngine({
    users: [
      { shortName: 'alice', password: 'alice-password' },
      { shortName: 'bob', password: 'bob-password' },
    ],
  });
});
after(() => t.stop());

async function connect(port = t.ports.sieve): Promise<{ c: LineClient; greeting: string[] }> {
  const c = await LineClient.connect(port);
  await c.waitFor(DONE);
  return { c, greeting: [...c.lines] };
}

/** Sends a command and returns the lines of its response, the status line last. */
async function run(c: LineClient, command: string): Promise<string[]> {
  const start = c.lines.length;
  await c.command(command, DONE);
  return c.lines.slice(start);
}

async function loggedIn(user = 'alice', pass = `${user}-password`): Promise<LineClient> {
  const { c } = await connect();
  const start = c.lines.length;
  c.send('STARTTLS\r\n');
  await c.waitFor(/^OK/);
  await c.startTls();
  await c.waitFor(/^OK/);
  assert.ok(c.lines.slice(start).some((l) => l.startsWith('"SASL" "PLAIN LOGIN"')));
  const r = await run(c, `AUTHENTICATE "PLAIN" "${plain(user, pass)}"`);
  assert.match(r.at(-1) as string, /^OK/);
  return c;
}

test('the greeting lists the capabilities; passwords wait for STARTTLS', async () => {
  const { c, greeting } = await connect();
  assert.ok(greeting.includes('"IMPLEMENTATION" "Pillarbox"'));
  assert.ok(greeting.includes('"VERSION" "1.0"'));
  assert.ok(greeting.includes('"STARTTLS"'));
  assert.ok(greeting.includes('"SASL" ""'), 'no password mechanism before TLS');
  assert.ok(greeting.some((l) => /^"SIEVE" ".*fileinto.*vacation/.test(l)));
  assert.ok(greeting.includes('"MAXREDIRECTS" "5"'));
  const r = await run(c, `AUTHENTICATE "PLAIN" "${plain('alice', 'alice-password')}"`);
  assert.match(r.at(-1) as string, /^NO \(ENCRYPT-NEEDED\)/);
  assert.match((await run(c, 'LISTSCRIPTS')).at(-1) as string, /^NO/);
  assert.match((await run(c, 'NOOP "x1"')).at(-1) as string, /^OK \(TAG "x1"\)/);
  await run(c, 'LOGOUT');
  await c.waitClose();
});

test('AUTHENTICATE PLAIN without an initial response, and a wrong password', async () => {
  const { c } = await connect();
  c.send('STARTTLS\r\n');
  await c.waitFor(/^OK/);
  await c.startTls();
  await c.waitFor(/^OK/);
  c.send('AUTHENTICATE "PLAIN"\r\n');
  assert.equal(await c.waitFor(/^"/), '""');
  assert.match((await run(c, `"${plain('alice', 'nope')}"`)).at(-1) as string, /^NO/);
  c.send('AUTHENTICATE "LOGIN"\r\n');
  await c.waitFor(/^"/);
  c.send(`"${Buffer.from('alice').toString('base64')}"\r\n`);
  await c.waitFor(/^"/);
  const r = await run(c, `{${Buffer.from('alice-password').toString('base64').length}+}\r\n${Buffer.from('alice-password').toString('base64')}`);
  assert.match(r.at(-1) as string, /^OK/);
  assert.match((await run(c, 'CAPABILITY')).join('\n'), /"OWNER" "alice"/);
  c.close();
});

test('scripts: PUTSCRIPT with literals, errors with line and column, LISTSCRIPTS, SETACTIVE, GETSCRIPT, RENAME, DELETE', async () => {
  const c = await loggedIn();
  const script = 'require "fileinto";\r\nfileinto "Lists";\r\n';
  let r = await run(c, `PUTSCRIPT "main" {${Buffer.byteLength(script)}+}\r\n${script}`);
  assert.match(r.at(-1) as string, /^OK/);
  const broken = 'require "fileinto";\r\nif true {\r\n  fileinto;\r\n}\r\n';
  r = await run(c, `PUTSCRIPT "broken" {${broken.length}+}\r\n${broken}`);
  assert.match(r.join('\n'), /^NO .*3:\d+: /m);
  r = await run(c, `CHECKSCRIPT {${broken.length}}\r\n${broken}`);
  assert.match(r.at(-1) as string, /^NO "3:\d+: /);
  r = await run(c, 'CHECKSCRIPT "keep;"');
  assert.match(r.at(-1) as string, /^OK/);
  r = await run(c, 'LISTSCRIPTS');
  assert.deepEqual(r, ['"main"', 'OK "Listscripts completed"']);
  assert.match((await run(c, 'SETACTIVE "nothere"')).at(-1) as string, /^NO \(NONEXISTENT\)/);
  assert.match((await run(c, 'SETACTIVE "main"')).at(-1) as string, /^OK/);
  assert.deepEqual((await run(c, 'LISTSCRIPTS'))[0], '"main" ACTIVE');
  r = await run(c, 'GETSCRIPT "main"');
  assert.deepEqual(r, [`{${script.length}}`, 'require "fileinto";', 'fileinto "Lists";', '', 'OK "Getscript completed"']);
  assert.match((await run(c, 'DELETESCRIPT "main"')).at(-1) as string, /^NO \(ACTIVE\)/);
  await run(c, 'PUTSCRIPT "other" "keep;"');
  assert.match((await run(c, 'RENAMESCRIPT "other" "main"')).at(-1) as string, /^NO \(ALREADYEXISTS\)/);
  assert.match((await run(c, 'RENAMESCRIPT "other" "spare"')).at(-1) as string, /^OK/);
  assert.match((await run(c, 'DELETESCRIPT "other"')).at(-1) as string, /^NO \(NONEXISTENT\)/);
  assert.match((await run(c, 'DELETESCRIPT "spare"')).at(-1) as string, /^OK/);
  assert.match((await run(c, 'SETACTIVE ""')).at(-1) as string, /^OK/);
  assert.match((await run(c, 'DELETESCRIPT "main"')).at(-1) as string, /^OK/);
  assert.match((await run(c, 'UNAUTHENTICATE')).at(-1) as string, /^OK/);
  assert.match((await run(c, 'LISTSCRIPTS')).at(-1) as string, /^NO/);
  c.close();
});

test('per-user limits: HAVESPACE and the number of scripts', async () => {
  t.engine.ctx.settings.update({ sieveMaxScriptsPerUser: 2, sieveMaxStoragePerUserKb: 1 });
  try {
    const c = await loggedIn('bob');
    assert.match((await run(c, 'HAVESPACE "a" 500')).at(-1) as string, /^OK/);
    assert.match((await run(c, 'HAVESPACE "a" 5000')).at(-1) as string, /^NO \(QUOTA\/MAXSIZE\)/);
    assert.match((await run(c, 'HAVESPACE "a" 2000000')).at(-1) as string, /^NO \(QUOTA\/MAXSIZE\)/);
    await run(c, 'PUTSCRIPT "a" "keep;"');
    await run(c, 'PUTSCRIPT "b" "keep;"');
    assert.match((await run(c, 'PUTSCRIPT "c" "keep;"')).at(-1) as string, /^NO \(QUOTA\/MAXSCRIPTS\)/);
    assert.match((await run(c, 'PUTSCRIPT "b" "discard;"')).at(-1) as string, /^OK/, 'replacing counts once');
    c.close();
  } finally {
    t.engine.ctx.settings.update({ sieveMaxScriptsPerUser: 20, sieveMaxStoragePerUserKb: 2048 });
  }
});

test('bad input: syntax errors, unknown commands, a line over the limit', async () => {
  const { c } = await connect();
  assert.match((await run(c, 'FROB')).at(-1) as string, /^NO/);
  assert.match((await run(c, 'NOOP "unterminated')).at(-1) as string, /^NO/);
  assert.match((await run(c, 'NOOP {abc}')).at(-1) as string, /^NO/);
  c.send('NOOP ' + 'x'.repeat(20000));
  assert.match(await c.waitFor(DONE), /^BYE/);
  await c.waitClose();
});

test('the legacy port follows its setting', async () => {
  assert.equal(t.engine.ctx.ports.sieveLegacy, undefined);
  t.engine.ctx.settings.update({ manageSieveLegacyPortEnabled: true, manageSieveLegacyPort: 0 });
  const deadline = Date.now() + 5000;
  while (!t.engine.ctx.ports.sieveLegacy && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  const { c, greeting } = await connect(t.engine.ctx.ports.sieveLegacy);
  assert.ok(greeting.includes('"VERSION" "1.0"'));
  c.close();
  t.engine.ctx.settings.update({ manageSieveLegacyPortEnabled: false });
  while (t.engine.ctx.ports.sieveLegacy && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.equal(t.engine.ctx.ports.sieveLegacy, undefined);
});

test('connections from one address are limited (maxConnectionsPerIp)', async () => {
  // Earlier tests' sessions end asynchronously; the limit of one must count only this test's.
  const registry = t.engine.ctx.connections;
  while (registry.count('sieve') > 0) await new Promise((r) => registry.once('close', r));
  t.engine.ctx.settings.update({ maxConnectionsPerIp: 1 });
  try {
    const { c } = await connect();
    const second = await LineClient.connect(t.ports.sieve);
    assert.match(await second.waitFor(DONE), /^BYE \(TRYLATER\)/);
    second.close();
    c.close();
  } finally {
    t.engine.ctx.settings.update({ maxConnectionsPerIp: 50 });
  }
});
