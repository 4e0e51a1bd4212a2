import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startEngine, type TestEngine } from '../helpers/engine';
import { LineClient } from '../helpers/line-client';
import { reply, simpleMessage, smtpSend, swaks } from '../helpers/smtp';

describe('SMTP inbound', () => {
  let t: TestEngine;
  let alice: number;

  before(async () => {
    t = await startEngine({ users: [{ shortName: 'alice', password: 'alice-password-1', fullName: 'Alice' }] });
    alice = t.engine.ctx.directory.userByName('alice')!.id;
  });
  after(() => t.stop());

  const inbox = () => t.engine.ctx.store.mailbox(alice, 'INBOX')!;
  const stored = async (): Promise<string[]> => {
    const box = inbox();
    return Promise.all(t.engine.ctx.store.messages(box.id).map(async (m) => (await t.engine.ctx.store.readMessage(m)).toString('latin1')));
  };

  it('swaks delivers to a local user, stored with Return-Path, authentication results and Received on top of the original', async () => {
    await t.engine.ctx.queue.idle();
    const before = inbox().messageCount;
    const r = await swaks(['--to', 'alice@example.test', '--from', 'bob@example.org', '--server', `127.0.0.1:${t.ports.smtp}`, '--header', 'Subject: swaks test one']);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /250 2\.0\.0 Ok: queued as [0-9A-Z]+/);
    await t.engine.ctx.queue.idle();
    assert.equal(inbox().messageCount, before + 1);
    const text = (await stored()).find((m) => m.includes('Subject: swaks test one'))!;
    // Between the two: the sender authentication results (SPF, DKIM, DMARC) for mail from other servers.
    assert.match(text, /^Return-Path: <bob@example\.org>\r\nReceived-SPF: [^]*?\r\nAuthentication-Results: mail\.example\.test;[^]*?\r\nReceived: from [^\r\n]+\r\n\tby mail\.example\.test \(Pillarbox\) with ESMTP id [0-9A-Z]+\r\n\tfor <alice@example\.test>; /);
    assert.ok(!/[^\r]\n/.test(text), 'stored with CRLF line ends only');
  });

  it('announces SIZE, PIPELINING, 8BITMIME, SMTPUTF8, ENHANCEDSTATUSCODES and STARTTLS', async () => {
    const c = await LineClient.connect(t.ports.smtp);
    assert.match(await reply(c), /^220 mail\.example\.test ESMTP Pillarbox\r?$/);
    await c.command('EHLO client.example.org', /^250 /);
    const ehlo = c.lines.join('\n');
    for (const ext of ['SIZE 10485760', 'PIPELINING', '8BITMIME', 'SMTPUTF8', 'ENHANCEDSTATUSCODES', 'STARTTLS']) {
      assert.ok(ehlo.includes(`250-${ext}`) || ehlo.includes(`250 ${ext}`), `EHLO lists ${ext}`);
    }
    c.close();
  });

  it('refuses unknown recipients with 550 5.1.1 and relaying with 5.7.1, queueing nothing', async () => {
    const queued = t.engine.ctx.queue.entries().length;
    const r = await smtpSend(
      t.ports.smtp,
      'bob@example.org',
      ['nobody@example.test', 'someone@elsewhere.test', 'alice%elsewhere.test@example.test', 'elsewhere.test!alice@example.test', '"alice@elsewhere.test"@example.test', '@example.test:someone@elsewhere.test'],
      simpleMessage('x'),
    );
    assert.match(r.rcpt[0], /^550 5\.1\.1 /);
    assert.match(r.rcpt[1], /^554 5\.7\.1 .*Relay access denied/);
    assert.match(r.rcpt[2], /^550 5\.7\.1 /, 'percent hack');
    assert.match(r.rcpt[3], /^550 5\.7\.1 /, 'bang path');
    assert.match(r.rcpt[4], /^5\d\d /, 'quoted local part hiding an @');
    assert.match(r.rcpt[5], /^5\d\d /, 'source route to a remote address');
    assert.equal(r.data, undefined);
    assert.equal(t.engine.ctx.queue.entries().length, queued);
  });

  it('refuses a message over the size limit with 552 5.3.4 while it streams, and keeps nothing', async () => {
    t.engine.ctx.settings.update({ maxMessageSizeMb: 1 });
    await t.engine.ctx.queue.idle();
    try {
      const before = inbox().messageCount;
      const big = simpleMessage('too big', 'x'.repeat(998) + '\r\n').replace(/x+\r\n$/, ('y'.repeat(1000) + '\r\n').repeat(1200));
      const r = await smtpSend(t.ports.smtp, 'bob@example.org', ['alice@example.test'], big);
      assert.match(r.data!, /^552 5\.3\.4 /);
      const declared = await LineClient.connect(t.ports.smtp);
      await reply(declared);
      await declared.command('EHLO x.example.org', /^250 /);
      assert.match(await declared.command('MAIL FROM:<bob@example.org> SIZE=5000000', /^\d{3} /), /^552 /);
      declared.close();
      await t.engine.ctx.queue.idle();
      assert.equal(inbox().messageCount, before);
      assert.deepEqual(fs.readdirSync(`${t.dataDir}/spool`), []);
    } finally {
      t.engine.ctx.settings.update({ maxMessageSizeMb: 10 });
    }
  });

  it('answers malformed commands with 500/501 and carries on', async () => {
    const c = await LineClient.connect(t.ports.smtp);
    await reply(c);
    assert.match(await c.command('BOGUS', /^\d{3} /), /^50[02] /);
    assert.match(await c.command('EHLO', /^\d{3} /), /^501 /);
    await c.command('EHLO client.example.org', /^250 /);
    assert.match(await c.command('MAIL FROM:bob', /^\d{3} /), /^501 /);
    assert.match(await c.command('RCPT TO:<alice@example.test>', /^\d{3} /), /^503 /);
    assert.match(await c.command('MAIL FROM:<bob@example.org>', /^\d{3} /), /^250 /);
    assert.match(await c.command('RCPT TO:<not an address>', /^\d{3} /), /^5\d\d /);
    assert.match(await c.command('NOOP', /^\d{3} /), /^250 /);
    c.close();
  });

  it('never splits one DATA into two messages on bare-LF end-of-data (SMTP smuggling)', async () => {
    await t.engine.ctx.queue.idle();
    const before = inbox().messageCount;
    const c = await LineClient.connect(t.ports.smtp);
    await reply(c);
    await c.command('EHLO smuggler.example.org', /^250 /);
    await c.command('MAIL FROM:<bob@example.org>', /^250 /);
    await c.command('RCPT TO:<alice@example.test>', /^250 /);
    await c.command('DATA', /^354 /);
    const smuggled =
      'Subject: outer\r\n\r\nfirst part\n.\nMAIL FROM:<admin@example.test>\nRCPT TO:<alice@example.test>\nDATA\nSubject: smuggled\n\nevil\n.\r\n' +
      'more\r\n';
    c.send(smuggled);
    const final = await c.command('.', /^\d{3} /);
    assert.match(final, /^250 /);
    c.close();
    await t.engine.ctx.queue.idle();
    assert.equal(inbox().messageCount, before + 1, 'exactly one message');
    const text = (await stored()).find((m) => m.includes('Subject: outer'))!;
    assert.ok(text.includes('\r\nfirst part\r\n.\r\nMAIL FROM:<admin@example.test>\r\n'), 'bare LF normalised to CRLF inside the one message');
  });

  it('STARTTLS works and "require" refuses mail before it', async () => {
    const r = await swaks(['--to', 'alice@example.test', '--from', 'bob@example.org', '--server', `127.0.0.1:${t.ports.smtp}`, '--tls']);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /with ESMTPS|queued as/);
    t.engine.ctx.settings.update({ smtpSsl: 'require' });
    try {
      const plain = await smtpSend(t.ports.smtp, 'bob@example.org', ['alice@example.test'], simpleMessage('plain'));
      assert.match(plain.mail, /^530 5\.7\.0 /);
      const tls = await swaks(['--to', 'alice@example.test', '--server', `127.0.0.1:${t.ports.smtp}`, '--tls']);
      assert.equal(tls.code, 0, tls.output);
    } finally {
      t.engine.ctx.settings.update({ smtpSsl: 'use' });
    }
  });

  it('block inbound connections answers 554 at connect; delivery of queued mail goes on', async () => {
    t.engine.ctx.settings.update({ blockInbound: true });
    try {
      const c = await LineClient.connect(t.ports.smtp);
      assert.match(await reply(c), /^554 /);
      c.close();
    } finally {
      t.engine.ctx.settings.update({ blockInbound: false });
    }
  });
});

describe('SMTP robustness', () => {
  it('survives clients that reset the connection mid-transaction', async () => {
    const t = await startEngine({ users: [{ shortName: 'alice', password: 'alice-password-1' }] });
    try {
      for (const cut of ['MAIL FROM:<bob@example.org>', 'DATA', 'half a message']) {
        const c = await LineClient.connect(t.ports.smtp);
        await reply(c);
        await c.command('EHLO reset.example.org', /^250 /);
        await c.command('MAIL FROM:<bob@example.org>', /^250 /);
        if (cut !== 'MAIL FROM:<bob@example.org>') await c.command('RCPT TO:<alice@example.test>', /^250 /);
        if (cut === 'half a message') {
          await c.command('DATA', /^354 /);
          c.send('Subject: cut\r\n\r\npart');
        }
        c.socket.resetAndDestroy();
        await c.waitClose();
      }
      const r = await smtpSend(t.ports.smtp, 'bob@example.org', ['alice@example.test'], simpleMessage('still alive'));
      assert.match(r.data!, /^250 /);
      await t.engine.ctx.queue.idle();
      assert.deepEqual(fs.readdirSync(`${t.dataDir}/spool`), []);
    } finally {
      await t.stop();
    }
  });
});
