import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startEngine, type TestEngine } from '../helpers/engine';
import { gqlOk, login } from '../graphql/client';
import { inbox, message, queueAndAttempt } from './helpers';

/**
 * "Relay all SMTP mail through this host" with authentication: the relay host is a
 * second Pillarbox's submission port, which wants STARTTLS and a login.
 */
describe('relay host with authentication', () => {
  let a: TestEngine;
  let b: TestEngine;
  let token: string;

  before(async () => {
    b = await startEngine({
      hostname: 'smtp.provider.test',
      // A provider's smart host takes any sender address from its customers.
      settings: { smtpRestrictSenderAddresses: false },
      users: [
        { shortName: 'bob', password: 'bob-password-1' },
        { shortName: 'customer', password: 'customer-password-1' },
      ],
    });
    a = await startEngine({ users: [{ shortName: 'alice', password: 'alice-password-1' }] });
    a.engine.ctx.settings.update({ relayHost: `127.0.0.1:${b.ports.submission}`, relayHostUsername: 'customer' });
    token = await login(a.ports.http);
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
  });

  const setPassword = (password: string) =>
    gqlOk<{ setRelayHostPassword: { username: string; passwordSet: boolean } }>(a.ports.http, 'mutation ($p: String!) { setRelayHostPassword(input: {password: $p}) { relayHost username passwordSet } }', { token, variables: { p: password } });

  it('logs in over STARTTLS and delivers; the password is stored sealed and never shown', async () => {
    const set = await setPassword('customer-password-1');
    assert.deepEqual(set.setRelayHostPassword, { relayHost: `127.0.0.1:${b.ports.submission}`, username: 'customer', passwordSet: true });
    const file = path.join(a.dataDir, 'secrets', 'relay-host-password');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.ok(!fs.readFileSync(file, 'utf8').includes('customer-password-1'));
    assert.equal(await queueAndAttempt(a, 'alice@example.test', ['bob@smtp.provider.test'], message('via the smart host', 'Hi.\r\n', 'alice@example.test', 'bob@smtp.provider.test')), undefined);
    await b.engine.ctx.queue.idle();
    const got = (await inbox(b, 'bob')).find((m) => m.includes('Subject: via the smart host'));
    assert.ok(got, 'delivered through the relay host');
    assert.match(got, /with ESMTPSA id /, 'authenticated over TLS at the relay host');
  });

  it('a wrong password defers the mail with 4.7.8 (it is kept for when the password is fixed)', async () => {
    await setPassword('not-the-password');
    const entry = await queueAndAttempt(a, 'alice@example.test', ['bob@smtp.provider.test'], message('wrong password'));
    assert.ok(entry, 'still queued');
    assert.match(entry.lastError ?? '', /^4\.7\.8 authentication to 127\.0\.0\.1\[127\.0\.0\.1\]:\d+ as customer failed: 535 /);
    await setPassword('customer-password-1');
    a.engine.ctx.queue.retry(entry.id);
    await a.engine.ctx.queue.idle();
    await b.engine.ctx.queue.idle();
    assert.ok((await inbox(b, 'bob')).some((m) => m.includes('Subject: wrong password')));
  });

  it('without a password the relay host refuses the sender with 530, a permanent answer: the mail is bounced', async () => {
    await setPassword('');
    assert.equal(await queueAndAttempt(a, 'alice@example.test', ['bob@smtp.provider.test'], message('no password')), undefined);
    await a.engine.ctx.queue.idle();
    const dsn = (await inbox(a, 'alice')).find((m) => m.includes('Subject: no password') && m.includes('multipart/report'));
    assert.ok(dsn, 'bounce');
    assert.match(dsn, /said: 530 5\.7\.0 [^\r]*authentication required \(in reply to MAIL FROM command\)/i);
  });
});
