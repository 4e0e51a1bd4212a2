import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type TestEngine, startEngine } from '../helpers/engine';
import { gqlOk, login, userLogin } from '../graphql/client';

/**
 * Parses an XML document with Python's ElementTree (a real XML parser, not a regular
 * expression) and gives back its elements as "path=text" lines, namespaces dropped.
 */
function xmlLines(body: string): string[] {
  const script = `
import sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.buffer.read())
def tag(e): return e.tag.split('}')[-1]
def walk(e, path):
    p = path + '/' + tag(e)
    attrs = ''.join('[%s=%s]' % kv for kv in sorted(e.attrib.items()))
    print(p + attrs + '=' + (e.text or '').strip())
    for c in e: walk(c, p)
walk(root, '')
`;
  return execFileSync('python3', ['-c', script], { input: body }).toString().trim().split('\n');
}

describe('mail client autoconfiguration (Thunderbird, Outlook)', () => {
  let t: TestEngine;

  before(async () => {
    t = await startEngine({ users: [{ shortName: 'alice', password: 'alice-password-1', fullName: 'Alice Example' }, { shortName: 'bob', password: 'bob-password-1' }] });
    t.engine.ctx.directory.addDomain('virtual.test', 'virtual-domain');
  });
  after(() => t.stop());

  /** A GET with the Host header a client sends for `host` (fetch cannot set Host). */
  const get = (path: string, host: string) =>
    new Promise<{ status: number; type?: string; body: string }>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: t.ports.http, path, headers: { host } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }));
      });
      req.on('error', reject);
    });
  const autodiscover = async (address: string, path = '/autodiscover/autodiscover.xml') => {
    const request = `<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
  <Request>
    <EMailAddress>${address}</EMailAddress>
    <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>
  </Request>
</Autodiscover>`;
    const res = await fetch(`http://127.0.0.1:${t.ports.http}${path}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: request });
    return { status: res.status, body: await res.text() };
  };

  it('answers Thunderbird at autoconfig.DOMAIN and at DOMAIN/.well-known, with the servers the settings offer', async () => {
    const p = t.ports;
    const first = await get('/mail/config-v1.1.xml?emailaddress=alice%40virtual.test', 'autoconfig.virtual.test');
    assert.equal(first.status, 200);
    assert.match(first.type ?? '', /^application\/xml/);
    const lines = xmlLines(first.body);
    assert.deepEqual(lines.slice(0, 4), ['/clientConfig[version=1.1]=', '/clientConfig/emailProvider[id=virtual.test]=', '/clientConfig/emailProvider/domain=virtual.test', '/clientConfig/emailProvider/displayName=virtual.test mail']);
    const servers = (kind: string) =>
      lines
        .filter((l) => l.startsWith(`/clientConfig/emailProvider/${kind}`) && /\/(hostname|port|socketType|username|authentication)=/.test(l))
        .map((l) => l.replace(/^.*\//, ''));
    assert.deepEqual(servers('incomingServer'), [
      ...['hostname=mail.example.test', `port=${p.imaps}`, 'socketType=SSL', 'username=%EMAILADDRESS%', 'authentication=password-cleartext'],
      ...['hostname=mail.example.test', `port=${p.imap}`, 'socketType=STARTTLS', 'username=%EMAILADDRESS%', 'authentication=password-cleartext'],
      ...['hostname=mail.example.test', `port=${p.pop3s}`, 'socketType=SSL', 'username=%EMAILADDRESS%', 'authentication=password-cleartext'],
      ...['hostname=mail.example.test', `port=${p.pop3}`, 'socketType=STARTTLS', 'username=%EMAILADDRESS%', 'authentication=password-cleartext'],
    ]);
    assert.deepEqual(servers('outgoingServer'), [
      ...['hostname=mail.example.test', `port=${p.smtps}`, 'socketType=SSL', 'username=%EMAILADDRESS%', 'authentication=password-cleartext'],
      ...['hostname=mail.example.test', `port=${p.submission}`, 'socketType=STARTTLS', 'username=%EMAILADDRESS%', 'authentication=password-cleartext'],
    ]);
    assert.ok(lines.some((l) => l === '/clientConfig/emailProvider/incomingServer[type=imap]='));
    assert.ok(lines.some((l) => l === '/clientConfig/emailProvider/outgoingServer[type=smtp]='));
    // The second place Thunderbird asks, by the domain's own name, gives the same answer.
    assert.equal((await get('/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=alice%40virtual.test', 'virtual.test')).body, first.body);
    assert.equal((await get('/.well-known/autoconfig/mail/config-v1.1.xml', 'virtual.test')).body, first.body);
    // Not ours: nothing to say.
    assert.equal((await get('/mail/config-v1.1.xml', 'autoconfig.elsewhere.test')).status, 404);
  });

  it('follows the settings: a protocol that is off, 465 off, no TLS without clear-text passwords', async () => {
    const servers = async () =>
      xmlLines((await get('/mail/config-v1.1.xml', 'autoconfig.example.test')).body).flatMap((l) => {
        const port = /\/port=(\d+)$/.exec(l)?.[1];
        return port ? [Number(port)] : [];
      });
    const p = t.ports;
    t.engine.ctx.settings.update({ popEnabled: false, smtpSsl: 'off' });
    try {
      assert.deepEqual(await servers(), [p.imaps, p.imap, p.submission]);
      t.engine.ctx.settings.update({ imapPopSsl: 'off' });
      assert.deepEqual(await servers(), [p.submission], 'IMAP without TLS cannot take a password while clear-text passwords are refused');
    } finally {
      t.engine.ctx.settings.update({ popEnabled: true, smtpSsl: 'use', imapPopSsl: 'use' });
    }
  });

  it('names mail.DOMAIN when the domain has its own certificate for it', async () => {
    const store = t.engine.ctx.tls.store;
    const cert = await store.createSelfSigned({ name: 'virtual', commonName: 'mail.virtual.test', keyType: 'ecdsa-p256' });
    store.update(cert.id, { domains: ['virtual.test'] });
    try {
      const lines = xmlLines((await get('/mail/config-v1.1.xml', 'autoconfig.virtual.test')).body);
      const hosts = lines.flatMap((l) => /\/hostname=(.*)$/.exec(l)?.slice(1) ?? []);
      assert.equal(hosts.length, 6);
      assert.deepEqual([...new Set(hosts)], ['mail.virtual.test']);
      // Other domains keep the server's name.
      const other = xmlLines((await get('/mail/config-v1.1.xml', 'autoconfig.example.test')).body);
      assert.ok(other.some((l) => l.endsWith('/hostname=mail.example.test')));
    } finally {
      store.update(cert.id, { domains: [] });
      store.delete(cert.id);
    }
  });

  it('answers Outlook\u2019s POX Autodiscover request with the best server of each kind', async () => {
    const p = t.ports;
    const res = await autodiscover('alice@virtual.test', '/Autodiscover/Autodiscover.xml');
    assert.equal(res.status, 200);
    const lines = xmlLines(res.body);
    assert.ok(lines.includes('/Autodiscover/Response/Account/AccountType=email'));
    assert.ok(lines.includes('/Autodiscover/Response/Account/Action=settings'));
    const protocols = res.body.split('<Protocol>').slice(1).map((block) => xmlLines(`<Protocol>${block.slice(0, block.indexOf('</Protocol>'))}</Protocol>`).map((l) => l.replace(/^\/Protocol\//, '')));
    assert.deepEqual(protocols[0], ['/Protocol=', 'Type=IMAP', 'Server=mail.example.test', `Port=${p.imaps}`, 'LoginName=alice@virtual.test', 'DomainRequired=off', 'SPA=off', 'SSL=on', 'Encryption=SSL', 'AuthRequired=on']);
    assert.deepEqual(protocols[1].slice(1, 4), ['Type=POP3', 'Server=mail.example.test', `Port=${p.pop3s}`]);
    assert.deepEqual(protocols[2].slice(1, 4), ['Type=SMTP', 'Server=mail.example.test', `Port=${p.smtps}`]);
    // An address of no domain of ours, and a request without one, get Autodiscover's error.
    for (const bad of [await autodiscover('someone@elsewhere.test'), await autodiscover('')]) {
      assert.equal(bad.status, 200);
      assert.ok(xmlLines(bad.body).includes('/Autodiscover/Response/Error/ErrorCode=600'), bad.body);
    }
  });

  it('gives an admin a signed Apple configuration profile for one user, which openssl verifies and plistlib reads', async () => {
    const token = await login(t.ports.http);
    const download = async (address: string, auth = token) => {
      const res = await fetch(`http://127.0.0.1:${t.ports.http}/mobileconfig/${encodeURIComponent(address)}`, { headers: auth ? { authorization: `Bearer ${auth}` } : {} });
      return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
    };
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-mobileconfig-'));
    const store = t.engine.ctx.tls.store;
    /** The profile's signature checked by openssl against the certificate meant to sign it; the plist it holds, as JSON. */
    const verified = (profile: Buffer, signerId: string): Record<string, unknown> => {
      fs.writeFileSync(path.join(work, 'p.der'), profile);
      fs.writeFileSync(path.join(work, 'ca.pem'), store.get(signerId).certificatePem);
      execFileSync('openssl', ['cms', '-verify', '-inform', 'DER', '-in', 'p.der', '-CAfile', 'ca.pem', '-purpose', 'any', '-signer', 'signer.pem', '-out', 'p.plist'], { cwd: work, stdio: 'pipe' });
      assert.equal(new crypto.X509Certificate(fs.readFileSync(path.join(work, 'signer.pem'))).fingerprint256, store.get(signerId).fingerprintSha256);
      return JSON.parse(execFileSync('python3', ['-c', 'import sys, json, plistlib; print(json.dumps(plistlib.load(open(sys.argv[1], "rb"))))', path.join(work, 'p.plist')]).toString()) as Record<string, unknown>;
    };
    try {
      const res = await download('alice@example.test');
      assert.equal(res.status, 200);
      assert.equal(res.type, 'application/x-apple-aspen-config');
      const plist = verified(res.body, store.idForService('https'));
      assert.equal(plist.PayloadType, 'Configuration');
      const [mail] = plist.PayloadContent as Record<string, unknown>[];
      assert.deepEqual(
        [mail.PayloadType, mail.EmailAccountType, mail.EmailAddress, mail.EmailAccountName, mail.IncomingMailServerHostName, mail.IncomingMailServerPortNumber, mail.IncomingMailServerUseSSL, mail.OutgoingMailServerPortNumber, mail.OutgoingMailServerUsername],
        ['com.apple.mail.managed', 'EmailTypeIMAP', 'alice@example.test', 'Alice Example', 'mail.example.test', t.ports.imaps, true, t.ports.smtps, 'alice@example.test'],
      );
      assert.ok(!JSON.stringify(plist).includes('alice-password-1'), 'no password in the profile');
      // Signed with an ECDSA certificate just as well; the same identifiers, so a newer profile replaces the old.
      const ecdsa = await store.createSelfSigned({ name: 'https ecdsa', commonName: 'mail.example.test', keyType: 'ecdsa-p384' });
      const previous = store.idForService('https');
      store.update(ecdsa.id, { services: ['https'] });
      try {
        const again = verified((await download('alice@example.test')).body, ecdsa.id);
        assert.equal(again.PayloadUUID, plist.PayloadUUID);
      } finally {
        store.update(previous, { services: ['https'] });
        store.delete(ecdsa.id);
      }
      // A mail user (role USER) downloads their own profile from the link myAccount gives, and no one else's.
      const alice = await userLogin(t.ports.http, 'alice', 'alice-password-1');
      const { myAccount } = await gqlOk<{ myAccount: { mobileconfigUrl: string } }>(t.ports.http, '{ myAccount { mobileconfigUrl } }', { token: alice });
      assert.equal(myAccount.mobileconfigUrl, '/mobileconfig/alice%40example.test.mobileconfig');
      const own = await fetch(`http://127.0.0.1:${t.ports.http}${myAccount.mobileconfigUrl}`, { headers: { authorization: `Bearer ${alice}` } });
      assert.equal(own.status, 200);
      assert.equal((verified(Buffer.from(await own.arrayBuffer()), store.idForService('https')).PayloadContent as Record<string, unknown>[])[0].EmailAddress, 'alice@example.test');
      const bob = await userLogin(t.ports.http, 'bob', 'bob-password-1');
      assert.equal((await download('alice@example.test', bob)).status, 403);
      assert.equal((await download('alice@example.test', '')).status, 401);
      assert.equal((await download('nobody@example.test')).status, 404);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});
