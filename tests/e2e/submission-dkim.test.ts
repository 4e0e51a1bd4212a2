import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import dns from 'node:dns';
import { promisify } from 'node:util';
import { dkimVerify } from 'mailauth/lib/dkim/verify';
import { dkimRecord } from '../../server/outbound/dkim-keys';
import { startEngine, type TestEngine } from '../helpers/engine';
import { swaks } from '../helpers/smtp';
import { DnsServer, loopbackNet, missingPeers, txtRecord } from '../outbound/peers';

const exec = promisify(execFile);
const skip = missingPeers();

/** Python's smtplib: STARTTLS on submission or implicit TLS on smtps, then AUTH and one message. */
const SMTPLIB = `
import smtplib, ssl, sys
port, mode, subject = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
msg = "From: Alice <alice@example.test>\\r\\nTo: friend@remote.test\\r\\nSubject: %s\\r\\nMessage-ID: <%s@example.test>\\r\\n\\r\\nSent with smtplib.\\r\\n" % (subject, subject.replace(" ", "."))
if mode == "starttls":
    s = smtplib.SMTP("127.0.0.1", port, timeout=30)
    s.starttls(context=ctx)
else:
    s = smtplib.SMTP_SSL("127.0.0.1", port, context=ctx, timeout=30)
s.login("alice", "alice-password-1")
s.sendmail("alice@example.test", ["friend@remote.test"], msg)
s.quit()
`;

/**
 * The submission "done when": swaks and Python's smtplib submit over 587
 * (STARTTLS) and 465 (implicit TLS) with authentication; the mail reaches a second
 * Pillarbox found by its MX record in dnsmasq on another loopback address, DKIM-signed;
 * the peer's own inbound checks and mailauth both verify the signature.
 */
describe('authenticated submission to a remote Pillarbox, DKIM-signed and verified', { skip }, () => {
  const ip = loopbackNet();
  let server: DnsServer;
  let a: TestEngine;
  let b: TestEngine;
  const base = [`--mx-host=remote.test,mx.remote.test,10`, `--host-record=mx.remote.test,${ip(3)}`];

  before(async () => {
    server = await DnsServer.start(base);
    b = await startEngine({
      hostname: 'mx.remote.test',
      dns: server.address,
      env: { PILLARBOX_BIND: ip(3), PILLARBOX_SMTP_PORT: '25' },
      users: [{ shortName: 'friend', password: 'friend-password-1' }],
    });
    a = await startEngine({ dns: server.address, users: [{ shortName: 'alice', password: 'alice-password-1' }] });
    // The sending domain's records: its DKIM key (made by the engine), SPF and DMARC.
    const key = dkimRecord(await a.engine.ctx.dkim.activeKey('example.test', 'rsa'));
    server = await server.restart([
      ...base,
      txtRecord(key.name, key.value),
      txtRecord('example.test', 'v=spf1 ip4:127.0.0.0/8 -all'),
      txtRecord('_dmarc.example.test', 'v=DMARC1; p=reject'),
    ]);
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    await server?.stop();
  });

  /** Waits for the peer to store the message with this subject and returns it. */
  async function arrived(subject: string): Promise<string> {
    const { store, directory } = b.engine.ctx;
    const deadline = Date.now() + 30_000;
    for (;;) {
      await a.engine.ctx.queue.idle();
      await b.engine.ctx.queue.idle();
      const box = store.mailbox(directory.userByName('friend')!.id, 'INBOX');
      for (const m of box ? store.messages(box.id) : []) {
        const text = (await store.readMessage(m)).toString('latin1');
        if (text.includes(`Subject: ${subject}\r\n`)) return text;
      }
      if (Date.now() > deadline) throw new Error(`"${subject}" did not arrive`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async function checkSigned(subject: string): Promise<void> {
    const stored = await arrived(subject);
    const results = /^Authentication-Results: mx\.remote\.test;([^]*?)\r\n(?![ \t])/m.exec(stored)?.[1].replace(/\r\n[ \t]+/g, ' ') ?? '';
    assert.match(results, /dkim=pass [^;]*header\.i=@example\.test/, `${subject}: ${results}`);
    assert.match(results, /dmarc=pass/, results);
    assert.match(stored, /^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=example\.test;/m);
    const resolver = new dns.promises.Resolver();
    resolver.setServers([server.address]);
    const verified = await dkimVerify(Buffer.from(stored, 'latin1'), { resolver: (name: string, type: string) => resolver.resolve(name, type) as Promise<string[][]> });
    assert.deepEqual(verified.results.map((r) => [r.signingDomain, r.status.result]), [['example.test', 'pass']], subject);
  }

  it('swaks over 587 with STARTTLS', async () => {
    const r = await swaks(['--server', `127.0.0.1:${a.ports.submission}`, '--tls', '--auth', 'LOGIN', '--auth-user', 'alice', '--auth-password', 'alice-password-1', '--from', 'alice@example.test', '--to', 'friend@remote.test', '--header', 'Subject: swaks 587']);
    assert.equal(r.code, 0, r.output);
    await checkSigned('swaks 587');
  });

  it('swaks over 465 with implicit TLS', async () => {
    const r = await swaks(['--server', `127.0.0.1:${a.ports.smtps}`, '--tlsc', '--auth', 'PLAIN', '--auth-user', 'alice', '--auth-password', 'alice-password-1', '--from', 'alice@example.test', '--to', 'friend@remote.test', '--header', 'Subject: swaks 465']);
    assert.equal(r.code, 0, r.output);
    await checkSigned('swaks 465');
  });

  it('Python smtplib over 587 (starttls) and 465 (SMTP_SSL)', async () => {
    await exec('python3', ['-c', SMTPLIB, String(a.ports.submission), 'starttls', 'smtplib 587'], { timeout: 60_000 });
    await exec('python3', ['-c', SMTPLIB, String(a.ports.smtps), 'ssl', 'smtplib 465'], { timeout: 60_000 });
    await checkSigned('smtplib 587');
    await checkSigned('smtplib 465');
  });
});
