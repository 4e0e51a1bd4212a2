import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { LineClient } from '../helpers/line-client';
import type { TestEngine } from '../helpers/engine';
import { loggedIn, startImapEngine } from './helpers';

let t: TestEngine;
let stopped = false;

before(async () => {
  t = await startImapEngine({ imapMaxConnections: 3, maxConnectionsPerIp: 2 });
});
after(async () => {
  if (!stopped) await t.stop();
});

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

const settle = () => new Promise((r) => setTimeout(r, 50));

test('connection limits: per address, then in total, refused with BYE', async () => {
  const ctx = t.engine.ctx;
  const a = await loggedIn(t);
  const b = await loggedIn(t);
  const c = await LineClient.connect(t.ports.imaps, { tls: true });
  assert.match(await c.waitFor('* BYE'), /from your address/);
  c.close();
  a.close();
  b.close();
  while (ctx.connections.count('imap') > 0) await settle();
  ctx.settings.update({ maxConnectionsPerIp: 100, imapMaxConnections: 1 });
  const d = await loggedIn(t);
  const e = await LineClient.connect(t.ports.imaps, { tls: true });
  assert.match(await e.waitFor('* BYE'), /Too many connections/);
  e.close();
  d.close();
  while (ctx.connections.count('imap') > 0) await settle();
  ctx.settings.update({ imapMaxConnections: 32, maxConnectionsPerIp: 50 });
});

test('imapEnabled off stops both listeners and ends sessions; on again restarts them on the configured port', async () => {
  const ctx = t.engine.ctx;
  const port = t.ports.imap;
  // Pretend the port was configured explicitly, so a restart must reuse it.
  ctx.options.ports.imap = port;
  const c = await loggedIn(t);
  const bye = c.waitFor('* BYE');
  ctx.settings.update({ imapEnabled: false });
  assert.match(await bye, /switched off/);
  while (ctx.ports.imap !== undefined || ctx.ports.imaps !== undefined) await settle();
  assert.ok(await refused(port));
  ctx.settings.update({ imapEnabled: true });
  while (ctx.ports.imap === undefined || ctx.ports.imaps === undefined) await settle();
  assert.equal(ctx.ports.imap, port);
  t.ports.imaps = ctx.ports.imaps;
  const d = await LineClient.connect(port);
  assert.match(await d.waitFor('* OK'), /STARTTLS/);
  d.close();
  ctx.options.ports.imap = 0;
});

test('imapPopSsl off: no imaps listener, no STARTTLS; require: no LOGIN before TLS even when plaintext is allowed', async () => {
  const ctx = t.engine.ctx;
  const imapsPort = ctx.ports.imaps;
  ctx.settings.update({ imapPopSsl: 'off', allowPlaintextAuthWithoutTls: true });
  // The plain listener may be set up again too (its STARTTLS offer changes): wait for it as well.
  while (ctx.ports.imaps !== undefined || ctx.ports.imap === undefined) await settle();
  assert.ok(await refused(imapsPort));
  const c = await LineClient.connect(ctx.ports.imap);
  const greeting = await c.waitFor('* OK');
  assert.doesNotMatch(greeting, /STARTTLS|LOGINDISABLED/);
  assert.match(greeting, /AUTH=PLAIN/);
  assert.match(await c.command('a1 STARTTLS', /^a1 /), /^a1 NO/);
  assert.match(await c.command('a2 LOGIN alice alice-password-1', /^a2 /), /^a2 OK/);
  c.close();

  ctx.settings.update({ imapPopSsl: 'require' });
  while (ctx.ports.imaps === undefined || ctx.ports.imap === undefined) await settle();
  t.ports.imaps = ctx.ports.imaps;
  const d = await LineClient.connect(ctx.ports.imap);
  const g2 = await d.waitFor('* OK');
  assert.match(g2, /STARTTLS/);
  assert.match(g2, /LOGINDISABLED/);
  assert.match(await d.command('b1 LOGIN alice alice-password-1', /^b1 /), /^b1 NO \[PRIVACYREQUIRED\]/);
  d.close();
  ctx.settings.update({ imapPopSsl: 'use', allowPlaintextAuthWithoutTls: false });
});

test('settings change the offered mechanisms live', async () => {
  const ctx = t.engine.ctx;
  ctx.settings.update({ imapAuthPlain: false, imapAuthCramMd5: true, imapAuthClear: false });
  const c = await LineClient.connect(t.ports.imaps, { tls: true });
  const greeting = await c.waitFor('* OK');
  assert.doesNotMatch(greeting, /AUTH=PLAIN/);
  assert.match(greeting, /AUTH=CRAM-MD5/);
  assert.match(greeting, /LOGINDISABLED/);
  assert.match(await c.command('a1 LOGIN alice alice-password-1', /^a1 /), /^a1 NO/);
  assert.match(await c.command('a2 AUTHENTICATE PLAIN', /^a2 /), /^a2 NO/);
  c.close();
  ctx.settings.update({ imapAuthPlain: true, imapAuthCramMd5: false, imapAuthClear: true });
});

test('stop(): every session is told the server is shutting down', async () => {
  const a = await loggedIn(t);
  const b = await LineClient.connect(t.ports.imaps, { tls: true });
  await b.waitFor('* OK');
  const byes = [a.waitFor('* BYE'), b.waitFor('* BYE')];
  stopped = true;
  await t.stop();
  for (const bye of byes) assert.match(await bye, /Server shutting down/);
});
