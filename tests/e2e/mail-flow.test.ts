import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ADMIN_PASSWORD, startEngine, type TestEngine } from '../helpers/engine';

const exec = promisify(execFile);

/**
 * The "done when", as a new user would do it: a user created over GraphQL, mail
 * sent with swaks, read back with curl over IMAP and Python's poplib, plain+STARTTLS and
 * implicit TLS, identical to what was sent apart from the trace headers.
 */
describe('mail flow end to end', () => {
  let t: TestEngine;
  const original = [
    'From: Bob <bob@example.org>',
    'To: Alice <alice@example.test>',
    'Subject: end to end',
    'Message-ID: <e2e.1@example.org>',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    'Grüße aus dem Test.',
    '.leading dot stays',
    '',
  ].join('\r\n');

  before(async () => {
    t = await startEngine();
  });
  after(() => t.stop());

  async function graphql(query: string, token?: string): Promise<Record<string, unknown>> {
    const res = await fetch(`http://127.0.0.1:${t.ports.http}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query }),
    });
    const body = (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    return body.data!;
  }

  it('creates alice over GraphQL, takes mail from swaks and serves it identical by IMAP and POP3', async () => {
    const login = (await graphql(`mutation { login(username: "admin", password: "${ADMIN_PASSWORD}") { token } }`)).login as { token: string };
    await graphql('mutation { createUser(input: {shortName: "alice", password: "correct horse battery", fullName: "Alice Liddell"}) { id } }', login.token);

    const r = await swaksData(t.ports.smtp, original);
    assert.match(r, /250 2\.0\.0 Ok: queued as/);
    await t.engine.ctx.queue.idle();

    // Trace fields this server adds on top: Return-Path, the SPF/DKIM/DMARC results, Received.
    const strip = (m: string) =>
      m.replace(/^Return-Path: [^\r\n]*\r\n((Received-SPF|Authentication-Results): [^\r\n]*(\r\n[ \t][^\r\n]*)*\r\n)*Received: [^\r\n]*(\r\n\t[^\r\n]*)*\r\n/, '');
    const imap = await exec('curl', ['-sSk', '--ssl-reqd', `imap://127.0.0.1:${t.ports.imap}/INBOX;UID=1`, '-u', 'alice:correct horse battery'], { encoding: 'latin1' });
    const imaps = await exec('curl', ['-sSk', `imaps://127.0.0.1:${t.ports.imaps}/INBOX;UID=1`, '-u', 'alice:correct horse battery'], { encoding: 'latin1' });
    const latin1 = Buffer.from(original, 'utf8').toString('latin1');
    assert.equal(strip(imap.stdout), latin1);
    assert.equal(imaps.stdout, imap.stdout);

    const py = `
import poplib, ssl, sys
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
for mode in ('stls', 'ssl'):
    p = poplib.POP3('127.0.0.1', ${t.ports.pop3}) if mode == 'stls' else poplib.POP3_SSL('127.0.0.1', ${t.ports.pop3s}, context=ctx)
    if mode == 'stls': p.stls(context=ctx)
    p.user('alice'); p.pass_('correct horse battery')
    sys.stdout.buffer.write(b'\\r\\n'.join(p.retr(1)[1]) + b'\\r\\n' + b'=====\\n')
    p.quit()
`;
    const pop = await exec('python3', ['-c', py], { encoding: 'latin1' });
    const [viaStls, viaSsl] = pop.stdout.split('=====\n');
    assert.equal(strip(viaStls), latin1);
    assert.equal(viaSsl, viaStls);
  });
});

async function swaksData(port: number, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('swaks', ['--server', `127.0.0.1:${port}`, '--from', 'bob@example.org', '--to', 'alice@example.test', '--tls', '--data', '-'], (err, stdout, stderr) =>
      err ? reject(new Error(stdout + stderr)) : resolve(stdout + stderr),
    );
    // swaks ends DATA with CRLF . CRLF after the text, adding the final line end itself.
    child.stdin!.end(message.replace(/\r\n$/, ''));
  });
}
