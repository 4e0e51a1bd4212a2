import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { startEngine, type TestEngine } from '../helpers/engine';
import { swaks } from '../helpers/smtp';

/**
 * Authenticated senders use only their own addresses (smtpRestrictSenderAddresses):
 * MAIL FROM is refused with 553 5.7.1, a foreign From header with 550 5.7.1 after DATA.
 */
describe('sender address restrictions on submission', () => {
  let t: TestEngine;

  before(async () => {
    t = await startEngine({
      // Nothing leaves: these tests are about what is accepted.
      settings: { holdOutbound: true },
      users: [
        { shortName: 'alice', password: 'alice-password-1', names: ['alice.smith', 'al@vhost.test'] },
        { shortName: 'bob', password: 'bob-password-12' },
      ],
    });
    const { directory } = t.engine.ctx;
    directory.addDomain('vdomain.test', 'virtual-domain');
    directory.addDomain('vhost.test', 'virtual-host');
    directory.createAlias('sales', ['alice']);
    directory.createAlias('info@vhost.test', ['sales']);
    directory.createAlias('bobs', ['bob']);
  });
  after(() => t.stop());

  function send(mailFrom: string, extra: string[] = [], port = t.ports.submission) {
    return swaks([
      '--server', `127.0.0.1:${port}`, '--tls',
      '--auth', 'PLAIN', '--auth-user', 'alice', '--auth-password', 'alice-password-1',
      '--from', mailFrom, '--to', 'friend@remote.test', ...extra,
    ]);
  }

  it('accepts the user\u2019s own addresses: short and additional names at local and virtual domains, full-address names, aliases', async () => {
    for (const from of ['alice@example.test', 'alice@mail.example.test', 'alice.smith@example.test', 'alice@vdomain.test', 'al@vhost.test', 'sales@example.test', 'info@vhost.test', 'alice+lists@example.test', 'ALICE@Example.Test']) {
      const r = await send(from);
      assert.equal(r.code, 0, `${from}: ${r.output}`);
      assert.match(r.output, /250 2\.0\.0 Ok: queued as/, from);
    }
  });

  it('refuses other addresses at MAIL FROM with 553 5.7.1', async () => {
    for (const from of ['bob@example.test', 'bobs@example.test', 'alice@vhost.test', 'alice@remote.test', 'nobody@example.test']) {
      const r = await send(from);
      assert.notEqual(r.code, 0, from);
      assert.match(r.output, new RegExp(`553 5\\.7\\.1 <${from.replace(/[.+]/g, '\\$&')}>: Sender address rejected: not owned by user alice`), from);
    }
  });

  it('refuses a foreign From header with 550 5.7.1 after DATA, also among several From addresses', async () => {
    const one = await send('alice@example.test', ['--header', 'From: Bob <bob@example.test>']);
    assert.match(one.output, /550 5\.7\.1 <bob@example\.test>: From header address not owned by user alice/);
    const several = await send('alice@example.test', ['--header', 'From: "Alice, the first" <alice@example.test>, ceo@remote.test (the boss)']);
    assert.match(several.output, /550 5\.7\.1 <ceo@remote\.test>: /);
    const group = await send('alice@example.test', ['--header', 'From: Team: alice@example.test, sales@example.test;']);
    assert.match(group.output, /250 2\.0\.0 Ok: queued as/, group.output);
  });

  it('applies on port 25 to authenticated sessions too, not to mail from other servers', async () => {
    t.engine.ctx.settings.update({ smtpAuthPlain: true });
    try {
      const authed = await send('bob@example.test', [], t.ports.smtp);
      assert.match(authed.output, /553 5\.7\.1 /);
      const inbound = await swaks(['--server', `127.0.0.1:${t.ports.smtp}`, '--from', 'bob@example.test', '--to', 'alice@example.test']);
      assert.equal(inbound.code, 0, inbound.output);
    } finally {
      t.engine.ctx.settings.update({ smtpAuthPlain: false });
    }
  });

  it('nodemailer gets the 553 for a foreign envelope sender and the 550 for a foreign From', async () => {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: t.ports.submission,
      requireTLS: true,
      tls: { rejectUnauthorized: false },
      auth: { user: 'alice', pass: 'alice-password-1' },
    });
    try {
      const ok = await transport.sendMail({ from: 'Alice <alice@example.test>', to: 'friend@remote.test', subject: 'mine', text: 'hi' });
      assert.match(ok.response, /^250 /);
      await assert.rejects(transport.sendMail({ from: 'bob@example.test', to: 'friend@remote.test', subject: 'forged', text: 'hi' }), (err: { responseCode?: number; response?: string }) => {
        assert.equal(err.responseCode, 553);
        return true;
      });
      await assert.rejects(
        transport.sendMail({ envelope: { from: 'alice@example.test', to: 'friend@remote.test' }, from: 'bob@example.test', to: 'friend@remote.test', subject: 'forged header', text: 'hi' }),
        (err: { responseCode?: number; response?: string }) => {
          assert.equal(err.responseCode, 550);
          assert.match(err.response ?? '', /5\.7\.1 <bob@example\.test>/);
          return true;
        },
      );
    } finally {
      transport.close();
    }
  });

  it('with smtpRestrictSenderAddresses off, any address goes', async () => {
    t.engine.ctx.settings.update({ smtpRestrictSenderAddresses: false });
    try {
      const r = await send('bob@example.test', ['--header', 'From: someone@remote.test']);
      assert.equal(r.code, 0, r.output);
    } finally {
      t.engine.ctx.settings.update({ smtpRestrictSenderAddresses: true });
    }
  });
});
