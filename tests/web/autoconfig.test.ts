import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { type TestEngine, startEngine } from '../helpers/engine';

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
    t = await startEngine({});
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
});
