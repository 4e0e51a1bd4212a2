import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { type TestEngine, startEngine } from '../helpers/engine';
import { swaks } from '../helpers/smtp';
import { errorCode, gql, gqlOk, login, userLogin } from '../graphql/client';

const exec = promisify(execFile);

/** Logs in over IMAPS with LOGIN and with AUTHENTICATE PLAIN; prints "imap ok" or the failure. */
const IMAP = `
import imaplib, ssl, sys
port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
results = []
for how in ('LOGIN', 'PLAIN'):
    m = imaplib.IMAP4_SSL('127.0.0.1', port, ssl_context=ctx)
    try:
        if how == 'LOGIN':
            m.login(user, password)
        else:
            m.authenticate('PLAIN', lambda _: ('\\0%s\\0%s' % (user, password)).encode())
        typ, _ = m.select('INBOX')
        results.append(how + ':' + typ)
        m.logout()
    except imaplib.IMAP4.error as e:
        results.append(how + ':NO')
print(' '.join(results))
`;

/** POP3 USER/PASS over TLS with poplib; prints "USER:OK" or "USER:NO". */
const POP = `
import poplib, ssl, sys
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
p = poplib.POP3_SSL('127.0.0.1', int(sys.argv[1]), context=ctx)
try:
    p.user(sys.argv[2]); p.pass_(sys.argv[3]); p.stat(); print('USER:OK')
except poplib.error_proto:
    print('USER:NO')
p.quit()
`;

describe('app passwords with real clients: IMAP, POP3, submission and ManageSieve, until revoked', () => {
  let t: TestEngine;
  let port: number;
  let session: string;
  let appPassword: string;
  let appPasswordId: string;

  before(async () => {
    t = await startEngine({ settings: { smtpAuthPlain: true, smtpAuthLogin: true, smtpAuthCramMd5: true, authLockoutFailures: 0 }, users: [{ shortName: 'carol', password: 'carol-mail-password', fullName: 'Carol' }] });
    port = t.ports.http;
    session = await userLogin(port, 'carol', 'carol-mail-password');
    const made = await gqlOk<{ createMyAppPassword: { password: string; appPassword: { id: string; name: string; lastUsedAt: string | null } } }>(
      port,
      'mutation { createMyAppPassword(input: {name: "Thunderbird"}) { password appPassword { id name lastUsedAt } } }',
      { token: session },
    );
    appPassword = made.createMyAppPassword.password;
    appPasswordId = made.createMyAppPassword.appPassword.id;
    assert.equal(made.createMyAppPassword.appPassword.lastUsedAt, null);
  });
  after(() => t.stop());

  const imap = async (password: string) => (await exec('python3', ['-c', IMAP, String(t.ports.imaps), 'carol@example.test', password])).stdout.trim();
  const popUser = async (password: string) => (await exec('python3', ['-c', POP, String(t.ports.pop3s), 'carol', password])).stdout.trim();
  const popAuth = async (password: string) => {
    try {
      await exec('curl', ['-sk', '--max-time', '10', '--login-options', 'AUTH=PLAIN', `pop3s://127.0.0.1:${t.ports.pop3s}/`, '-u', `carol:${password}`]);
      return 'AUTH:OK';
    } catch {
      return 'AUTH:NO';
    }
  };
  /** Debian's sieve-connect lists the scripts over STARTTLS with PLAIN, the password on descriptor 3. */
  const sieve = (password: string) =>
    new Promise<string>((resolve, reject) => {
      const child = spawn('sieve-connect', ['--server', '127.0.0.1', '--port', String(t.ports.sieve), '--user', 'carol', '--passwordfd', '3', '--notlsverify', '--authmech', 'PLAIN', '--list'], {
        stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
        timeout: 30_000,
      });
      (child.stdio[3] as NodeJS.WritableStream).end(password + '\n');
      child.on('error', reject);
      child.on('close', (code) => resolve(code === 0 ? 'SIEVE:OK' : 'SIEVE:NO'));
    });
  const submit = async (mechanism: string, password: string) => {
    const r = await swaks(['--server', `127.0.0.1:${t.ports.submission}`, '--tls', '--auth', mechanism, '--auth-user', 'carol', '--auth-password', password, '--from', 'carol@example.test', '--to', 'carol@example.test']);
    return /235 /.test(r.output) ? `${mechanism}:OK` : `${mechanism}:NO`;
  };

  it('the app password is shown once, looks like one, and is stored only hashed', () => {
    assert.match(appPassword, /^([A-Za-z0-9]{4}-){5}[A-Za-z0-9]{4}$/);
    const rows = t.engine.ctx.db.prepare('SELECT password_hash FROM app_passwords').all() as { password_hash: string }[];
    assert.equal(rows.length, 1);
    assert.match(rows[0].password_hash, /^\$scrypt\$/);
    assert.ok(!JSON.stringify(rows).includes(appPassword));
  });

  it('works for IMAP LOGIN and AUTHENTICATE PLAIN (imaplib), POP3 USER/PASS (poplib) and AUTH PLAIN (curl), SMTP AUTH PLAIN and LOGIN (swaks), ManageSieve PLAIN (sieve-connect)', async () => {
    assert.equal(await imap(appPassword), 'LOGIN:OK PLAIN:OK');
    assert.equal(await popUser(appPassword), 'USER:OK');
    assert.equal(await popAuth(appPassword), 'AUTH:OK');
    assert.equal(await submit('PLAIN', appPassword), 'PLAIN:OK');
    assert.equal(await submit('LOGIN', appPassword), 'LOGIN:OK');
    assert.equal(await sieve(appPassword), 'SIEVE:OK');
    // The mail password keeps working beside it.
    assert.equal(await imap('carol-mail-password'), 'LOGIN:OK PLAIN:OK');
    const listed = await gqlOk<{ myAppPasswords: { name: string; lastUsedAt: string | null }[] }>(port, '{ myAppPasswords { name lastUsedAt } }', { token: session });
    assert.equal(listed.myAppPasswords[0].name, 'Thunderbird');
    assert.ok(listed.myAppPasswords[0].lastUsedAt && Date.parse(listed.myAppPasswords[0].lastUsedAt) > Date.now() - 120_000);
  });

  it('is refused for CRAM-MD5 (it needs a clear-text-equivalent secret, and app passwords are stored hashed)', async () => {
    assert.equal(await submit('CRAM-MD5', appPassword), 'CRAM-MD5:NO');
  });

  it('opens a USER session that cannot make more app passwords, and never a management session', async () => {
    const viaApp = await userLogin(port, 'carol', appPassword);
    const me = await gqlOk<{ myAccount: { shortName: string; signedInWithAppPassword: boolean } }>(port, '{ myAccount { shortName signedInWithAppPassword } }', { token: viaApp });
    assert.deepEqual(me.myAccount, { shortName: 'carol', signedInWithAppPassword: true });
    assert.equal(errorCode(await gql(port, 'mutation { createMyAppPassword(input: {name: "more"}) { password } }', { token: viaApp })), 'NOT_ALLOWED');
    assert.equal(errorCode(await gql(port, 'mutation { changeMyPassword(input: {currentPassword: "x", newPassword: "yyyyyyyy"}) }', { token: viaApp })), 'NOT_ALLOWED');
    assert.equal(errorCode(await gql(port, `mutation { login(username: "carol", password: "${appPassword}") { token } }`)), 'INVALID_CREDENTIALS');
  });

  it('bad names are refused with a typed error', async () => {
    assert.equal(errorCode(await gql(port, 'mutation { createMyAppPassword(input: {name: ""}) { password } }', { token: session })), 'BAD_USER_INPUT');
    assert.equal(errorCode(await gql(port, 'mutation { createMyAppPassword(input: {name: "thunderbird"}) { password } }', { token: session })), 'NAME_TAKEN');
  });

  it('stops working everywhere once revoked, including sessions opened with it (the auth cache does not outlive it)', async () => {
    const viaApp = await userLogin(port, 'carol', appPassword);
    await gqlOk(port, `mutation { revokeMyAppPassword(input: {id: "${appPasswordId}"}) }`, { token: session });
    assert.equal(await imap(appPassword), 'LOGIN:NO PLAIN:NO');
    assert.equal(await popUser(appPassword), 'USER:NO');
    assert.equal(await popAuth(appPassword), 'AUTH:NO');
    assert.equal(await submit('PLAIN', appPassword), 'PLAIN:NO');
    assert.equal(await submit('LOGIN', appPassword), 'LOGIN:NO');
    assert.equal(await sieve(appPassword), 'SIEVE:NO');
    assert.equal(errorCode(await gql(port, '{ myAccount { id } }', { token: viaApp })), 'UNAUTHENTICATED');
    assert.equal(errorCode(await gql(port, 'mutation ($p: String!) { userLogin(username: "carol", password: $p) { token } }', { variables: { p: appPassword } })), 'INVALID_CREDENTIALS');
    assert.equal(await imap('carol-mail-password'), 'LOGIN:OK PLAIN:OK');
  });

  it('a revoked app password stays refused when another is made at once (ids are never reused, so the auth cache cannot mix them up)', async () => {
    const directory = t.engine.ctx.directory;
    const uid = directory.userByName('carol')!.id;
    const a = await directory.appPasswords.create(uid, 'A');
    assert.ok(await directory.authenticate('carol', a.password));
    directory.appPasswords.revoke(uid, a.appPassword.id);
    const b = await directory.appPasswords.create(uid, 'B');
    assert.notEqual(b.appPassword.id, a.appPassword.id);
    assert.equal(await directory.authenticate('carol', a.password), undefined);
    assert.ok(await directory.authenticate('carol', b.password));
    directory.appPasswords.revoke(uid, b.appPassword.id);
  });

  it('an administrator lists and revokes a user\u2019s app passwords, and a password set by an administrator ends the user\u2019s sessions', async () => {
    const admin = await login(port);
    const { createMyAppPassword } = await gqlOk<{ createMyAppPassword: { password: string; appPassword: { id: string } } }>(port, 'mutation { createMyAppPassword(input: {name: "Laptop"}) { password appPassword { id } } }', { token: session });
    assert.equal(await imap(createMyAppPassword.password), 'LOGIN:OK PLAIN:OK');
    const carol = String(t.engine.ctx.directory.userByName('carol')?.id);
    const listed = await gqlOk<{ userAppPasswords: { name: string }[] }>(port, `{ userAppPasswords(userId: "${carol}") { name } }`, { token: admin });
    assert.deepEqual(listed.userAppPasswords.map((p) => p.name), ['Laptop']);
    assert.equal(errorCode(await gql(port, `{ userAppPasswords(userId: "${carol}") { name } }`, { token: session })), 'FORBIDDEN');
    await gqlOk(port, `mutation { revokeUserAppPassword(input: {userId: "${carol}", id: "${createMyAppPassword.appPassword.id}"}) }`, { token: admin });
    assert.equal(await imap(createMyAppPassword.password), 'LOGIN:NO PLAIN:NO');
    await gqlOk(port, `mutation { setUserPassword(input: {id: "${carol}", password: "carol-new-password"}) { id } }`, { token: admin });
    assert.equal(errorCode(await gql(port, '{ myAccount { id } }', { token: session })), 'UNAUTHENTICATED');
  });
});
