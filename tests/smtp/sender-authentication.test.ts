import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { dkimSign } from 'mailauth/lib/dkim/sign';
import { startEngine, type TestEngine } from '../helpers/engine';
import { simpleMessage, smtpSend, swaks } from '../helpers/smtp';
import { DNSMASQ, DnsServer, txtRecord } from '../outbound/peers';

/**
 * SPF, DKIM and DMARC checks of mail from other servers, against DNS records served by
 * dnsmasq through PILLARBOX_DNS, recorded in an Authentication-Results header.
 */
describe('sender authentication of inbound mail (SPF, DKIM, DMARC)', { skip: DNSMASQ ? false : 'dnsmasq is not installed' }, () => {
  let t: TestEngine;
  let dns: DnsServer;
  const key = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicKey = key.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  const privateKey = key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;

  before(async () => {
    dns = await DnsServer.start([
      txtRecord('good.test', 'v=spf1 ip4:127.0.0.1 -all'),
      txtRecord('_dmarc.good.test', 'v=DMARC1; p=reject'),
      txtRecord('bad.test', 'v=spf1 ip4:192.0.2.1 -all'),
      txtRecord('_dmarc.bad.test', 'v=DMARC1; p=reject'),
      txtRecord('lax.test', 'v=spf1 ip4:192.0.2.1 -all'),
      txtRecord('_dmarc.lax.test', 'v=DMARC1; p=none'),
      txtRecord('signed.test', 'v=spf1 ip4:192.0.2.1 -all'),
      txtRecord('_dmarc.signed.test', 'v=DMARC1; p=reject'),
      txtRecord('sel._domainkey.signed.test', `v=DKIM1; k=rsa; p=${publicKey}`),
    ]);
    t = await startEngine({ dns: dns.address, users: [{ shortName: 'alice', password: 'alice-password-1' }] });
  });
  after(async () => {
    await t?.stop();
    await dns?.stop();
  });

  /** Sends over port 25 from 127.0.0.1 and returns the stored copy. */
  async function receive(from: string, message: string): Promise<string> {
    const r = await smtpSend(t.ports.smtp, from, ['alice@example.test'], message);
    assert.match(r.data ?? '', /^250 /, JSON.stringify(r));
    await t.engine.ctx.queue.idle();
    const { store, directory } = t.engine.ctx;
    const box = store.mailbox(directory.userByName('alice')!.id, 'INBOX')!;
    const subject = /^Subject: (.*)$/m.exec(message)![1].trim();
    for (const m of store.messages(box.id).reverse()) {
      const text = (await store.readMessage(m)).toString('latin1');
      if (text.includes(`Subject: ${subject}\r\n`)) return text;
    }
    throw new Error('not stored');
  }

  const results = (stored: string) => /^Authentication-Results: ([^]*?)\r\n(?![ \t])/m.exec(stored)?.[1].replace(/\r\n[ \t]+/g, ' ') ?? '';

  it('SPF pass and DMARC pass, the engine\u2019s host name as authserv-id, above the Received line', async () => {
    const stored = await receive('a@good.test', simpleMessage('spf pass', 'Hi.\r\n', 'A <a@good.test>'));
    assert.match(stored, /^Return-Path: <a@good\.test>\r\nReceived-SPF: pass /);
    const ar = results(stored);
    assert.match(ar, /^mail\.example\.test; /);
    assert.match(ar, /dkim=none/);
    assert.match(ar, /spf=pass [^;]*smtp\.mailfrom=a@good\.test/);
    assert.match(ar, /dmarc=pass [^;]*header\.from=good\.test/);
    assert.ok(stored.indexOf('Authentication-Results:') < stored.indexOf('Received: from'));
  });

  it('SPF fail and DMARC fail (p=reject): recorded by default, refused with 550 5.7.1 when dmarcRejectFailures is on', async () => {
    const stored = await receive('a@bad.test', simpleMessage('spf fail', 'Hi.\r\n', 'a@bad.test'));
    assert.match(results(stored), /spf=fail/);
    assert.match(results(stored), /dmarc=fail \(p=REJECT[^;]*header\.from=bad\.test/);
    t.engine.ctx.settings.update({ dmarcRejectFailures: true });
    try {
      const r = await smtpSend(t.ports.smtp, 'a@bad.test', ['alice@example.test'], simpleMessage('refused', 'Hi.\r\n', 'a@bad.test'));
      assert.match(r.data ?? '', /^550 5\.7\.1 Message rejected: it fails DMARC and bad\.test asks for rejection/);
      // p=none only records the failure, even with the setting on.
      assert.match(results(await receive('a@lax.test', simpleMessage('lax fail', 'Hi.\r\n', 'a@lax.test'))), /dmarc=fail/);
    } finally {
      t.engine.ctx.settings.update({ dmarcRejectFailures: false });
    }
  });

  it('DKIM pass (a valid signature of the From domain) makes DMARC pass although SPF fails', async () => {
    const message = simpleMessage('dkim signed', 'Signed body.\r\n', 'a@signed.test');
    const signer = { signingDomain: 'signed.test', selector: 'sel', privateKey, canonicalization: 'relaxed/relaxed' };
    const signed = await dkimSign(message, { ...signer, signatureData: [signer] });
    const ar = results(await receive('bounce@signed.test', signed.signatures + message));
    assert.match(ar, /dkim=pass [^;]*header\.i=@signed\.test header\.s=sel/);
    assert.match(ar, /spf=fail/);
    assert.match(ar, /dmarc=pass/);
    const tampered = (signed.signatures + message).replace('Signed body.', 'Changed body.').replace('Subject: dkim signed', 'Subject: dkim tampered');
    assert.match(results(await receive('bounce@signed.test', tampered)), /dkim=(fail|neutral)[^;]*;[^]*dmarc=fail/);
  });

  it('drops Authentication-Results that claim to be ours, keeps other servers\u2019', async () => {
    const forged = ['Authentication-Results: mail.example.test; dkim=pass header.d=good.test', 'Authentication-Results: mx.other.test; spf=pass', ''].join('\r\n');
    const stored = await receive('a@lax.test', forged + simpleMessage('forged results', 'Hi.\r\n', 'a@lax.test'));
    assert.equal(stored.match(/^Authentication-Results: mail\.example\.test;/gm)?.length, 1, 'only the one this server added');
    assert.match(stored, /^Authentication-Results: mx\.other\.test; spf=pass\r$/m);
  });

  it('does not check authenticated submissions, nor anything when inboundAuthChecks is off', async () => {
    const r = await swaks(['--server', `127.0.0.1:${t.ports.submission}`, '--tls', '--auth', 'PLAIN', '--auth-user', 'alice', '--auth-password', 'alice-password-1', '--from', 'alice@example.test', '--to', 'alice@example.test', '--header', 'Subject: own mail']);
    assert.equal(r.code, 0, r.output);
    await t.engine.ctx.queue.idle();
    const { store, directory } = t.engine.ctx;
    const box = store.mailbox(directory.userByName('alice')!.id, 'INBOX')!;
    const texts = await Promise.all(store.messages(box.id).map(async (m) => (await store.readMessage(m)).toString('latin1')));
    const own = texts.find((m) => m.includes('Subject: own mail'))!;
    assert.ok(!own.includes('Authentication-Results:'));
    t.engine.ctx.settings.update({ inboundAuthChecks: false });
    try {
      assert.ok(!(await receive('a@good.test', simpleMessage('unchecked', 'Hi.\r\n', 'a@good.test'))).includes('Authentication-Results:'));
    } finally {
      t.engine.ctx.settings.update({ inboundAuthChecks: true });
    }
  });
});
