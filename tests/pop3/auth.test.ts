import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestEngine } from '../helpers/engine';
import { ALICE, cmd, cmd1, connect, startPopEngine } from './pop3-fixture';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('default TLS policy: passwords only over TLS', () => {
  let te: TestEngine;
  before(async () => {
    te = await startPopEngine({ authFailureDelayMs: 150, authMaxFailures: 3, popAuthCramMd5: true });
  });
  after(() => te.stop());

  test('CAPA before TLS offers STLS but no password methods', async () => {
    const { client: c, greeting } = await connect(te.ports.pop3);
    assert.match(greeting, /^\+OK Pillarbox POP3 server ready$/);
    const capa = await cmd(c, 'CAPA', true);
    assert.ok(capa.includes('STLS') && capa.includes('TOP') && capa.includes('UIDL') && capa.includes('PIPELINING'));
    assert.ok(capa.includes('RESP-CODES') && capa.includes('AUTH-RESP-CODE') && capa.includes('IMPLEMENTATION Pillarbox'));
    assert.ok(!capa.includes('USER'));
    assert.ok(capa.includes('SASL CRAM-MD5'));
    c.close();
  });

  test('USER and AUTH PLAIN are refused before STLS', async () => {
    const { client: c } = await connect(te.ports.pop3);
    assert.match(await cmd1(c, 'USER alice'), /^-ERR \[AUTH\] Plaintext authentication disallowed.*STLS/);
    assert.match(await cmd1(c, `AUTH PLAIN ${b64(`\0alice\0${ALICE.password}`)}`), /^-ERR \[AUTH\] Plaintext/);
    c.close();
  });

  test('STLS upgrade, then USER/PASS works', async () => {
    const { client: c } = await connect(te.ports.pop3);
    assert.equal(await cmd1(c, 'STLS'), '+OK Begin TLS negotiation');
    await c.startTls();
    const capa = await cmd(c, 'CAPA', true);
    assert.ok(capa.includes('USER') && !capa.includes('STLS'));
    assert.ok(capa.includes('SASL PLAIN LOGIN CRAM-MD5'));
    assert.equal(await cmd1(c, 'STLS'), '-ERR Already using TLS');
    assert.equal(await cmd1(c, 'USER alice'), '+OK');
    assert.match(await cmd1(c, `PASS ${ALICE.password}`), /^\+OK Logged in/);
    const conn = te.engine.ctx.connections.list('pop3').find((x) => x.user === 'alice');
    assert.ok(conn?.secure);
    assert.match(await cmd1(c, 'QUIT'), /^\+OK/);
    await c.waitClose();
  });

  test('wrong password: -ERR [AUTH] after a delay; closed after authMaxFailures', async () => {
    const { client: c } = await connect(te.ports.pop3s, true);
    const started = Date.now();
    await cmd1(c, 'USER alice');
    assert.equal(await cmd1(c, 'PASS wrong-password'), '-ERR [AUTH] Authentication failed');
    assert.ok(Date.now() - started >= 140, 'the failure answer is delayed');
    await cmd1(c, 'USER alice');
    assert.equal(await cmd1(c, 'PASS wrong-again'), '-ERR [AUTH] Authentication failed');
    await cmd1(c, 'USER nobody');
    assert.match(await cmd1(c, 'PASS whatever'), /^-ERR \[AUTH\] Authentication failed; too many failures/);
    await c.waitClose();
    te.engine.ctx.authThrottle.reset();
  });

  test('AUTH PLAIN with an initial response, and LOGIN with challenges, over pop3s', async () => {
    const { client: c } = await connect(te.ports.pop3s, true);
    assert.match(await cmd1(c, `AUTH PLAIN ${b64(`\0alice\0${ALICE.password}`)}`), /^\+OK Logged in/);
    await cmd1(c, 'QUIT');
    await c.waitClose();

    const { client: d } = await connect(te.ports.pop3s, true);
    assert.equal(await cmd1(d, 'AUTH LOGIN'), `+ ${b64('Username:')}`);
    assert.equal(await cmd1(d, b64('alice')), `+ ${b64('Password:')}`);
    assert.match(await cmd1(d, b64(ALICE.password)), /^\+OK Logged in/);
    await cmd1(d, 'QUIT');
    await d.waitClose();
  });

  test('AUTH PLAIN without initial response, and "*" cancels', async () => {
    const { client: c } = await connect(te.ports.pop3s, true);
    assert.equal(await cmd1(c, 'AUTH PLAIN'), '+ ');
    assert.equal(await cmd1(c, '*'), '-ERR Authentication cancelled');
    assert.equal(await cmd1(c, 'AUTH PLAIN'), '+ ');
    assert.match(await cmd1(c, b64(`\0alice\0${ALICE.password}`)), /^\+OK Logged in/);
    await cmd1(c, 'QUIT');
    await c.waitClose();
  });

  test('CRAM-MD5 works without TLS (the password is not sent)', async () => {
    const { client: c } = await connect(te.ports.pop3);
    const challengeLine = await cmd1(c, 'AUTH CRAM-MD5');
    assert.match(challengeLine, /^\+ /);
    const challenge = Buffer.from(challengeLine.slice(2), 'base64').toString();
    const digest = crypto.createHmac('md5', ALICE.password).update(challenge).digest('hex');
    assert.match(await cmd1(c, b64(`alice ${digest}`)), /^\+OK Logged in/);
    await cmd1(c, 'QUIT');
    await c.waitClose();
  });

  test('a disabled mechanism is refused', async () => {
    te.engine.ctx.settings.update({ popAuthLogin: false });
    try {
      const { client: c } = await connect(te.ports.pop3s, true);
      assert.match(await cmd1(c, 'AUTH LOGIN'), /^-ERR \[AUTH\] Unsupported/);
      assert.match(await cmd1(c, 'AUTH GSSAPI'), /^-ERR \[AUTH\] Unsupported/);
      assert.ok((await cmd(c, 'CAPA', true)).includes('SASL PLAIN CRAM-MD5'));
      c.close();
    } finally {
      te.engine.ctx.settings.update({ popAuthLogin: true });
    }
  });

  test('a user without POP access gets -ERR [AUTH]', async () => {
    const ctx = te.engine.ctx;
    await ctx.accounts.create({ shortName: 'imaponly', password: 'imaponly-password-1', protocols: 'imap' });
    const { client: c } = await connect(te.ports.pop3s, true);
    await cmd1(c, 'USER imaponly');
    assert.match(await cmd1(c, 'PASS imaponly-password-1'), /^-ERR \[AUTH\] POP access is not enabled/);
    c.close();
  });
});

describe('imapPopSsl require', () => {
  let te: TestEngine;
  before(async () => {
    te = await startPopEngine({ imapPopSsl: 'require', allowPlaintextAuthWithoutTls: true, popAuthApop: true });
  });
  after(() => te.stop());

  test('only CAPA, STLS and QUIT before TLS', async () => {
    const { client: c } = await connect(te.ports.pop3);
    const capa = await cmd(c, 'CAPA', true);
    assert.ok(capa.includes('STLS') && !capa.includes('USER') && !capa.some((l) => l.startsWith('SASL')));
    assert.match(await cmd1(c, 'USER alice'), /^-ERR \[AUTH\] TLS is required/);
    assert.match(await cmd1(c, 'APOP alice 0123456789abcdef0123456789abcdef'), /^-ERR \[AUTH\] TLS is required/);
    assert.match(await cmd1(c, 'AUTH CRAM-MD5'), /^-ERR \[AUTH\] TLS is required/);
    await cmd1(c, 'STLS');
    await c.startTls();
    assert.equal(await cmd1(c, 'USER alice'), '+OK');
    assert.match(await cmd1(c, `PASS ${ALICE.password}`), /^\+OK/);
    assert.match(await cmd1(c, 'QUIT'), /^\+OK/);
  });
});

describe('APOP', () => {
  let te: TestEngine;
  before(async () => {
    // APOP on before alice is created, so her password is stored reversibly.
    te = await startPopEngine({ popAuthApop: true });
  });
  after(() => te.stop());

  test('the greeting carries a timestamp and APOP logs in', async () => {
    const { client: c, greeting } = await connect(te.ports.pop3);
    const stamp = /(<\d+\.\d+\.\d+@mail\.example\.test>)$/.exec(greeting)?.[1];
    assert.ok(stamp, greeting);
    const bad = crypto.createHash('md5').update(stamp + 'wrong').digest('hex');
    assert.equal(await cmd1(c, `APOP alice ${bad}`), '-ERR [AUTH] Authentication failed');
    const digest = crypto.createHash('md5').update(stamp + ALICE.password).digest('hex');
    assert.match(await cmd1(c, `APOP alice ${digest}`), /^\+OK Logged in/);
    await cmd1(c, 'QUIT');
    await c.waitClose();
    const { greeting: other } = await connect(te.ports.pop3).then((x) => (x.client.close(), x));
    assert.notEqual(/<.*>/.exec(other)?.[0], stamp, 'every greeting has its own timestamp');
  });
});
