import assert from 'node:assert/strict';
import { once } from 'node:events';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import type { CertificateInfo } from '../../server/certs/cert-store';
import { type TestEngine, startEngine } from '../helpers/engine';
import { chainFor } from '../helpers/test-ca';
import { nodeTlsLeaf, sClient } from '../helpers/tls-probe';

/** Each listener, and how a client gets TLS on it. */
const LISTENERS = [
  { service: 'smtp', starttls: 'smtp' },
  { service: 'submission', starttls: 'smtp' },
  { service: 'smtps' },
  { service: 'imap', starttls: 'imap' },
  { service: 'imaps' },
  { service: 'pop3', starttls: 'pop3' },
  { service: 'pop3s' },
  { service: 'sieve', starttls: 'sieve' },
] as const;

/** Reads from a socket until the text seen so far matches. */
async function readUntil(socket: tls.TLSSocket, pattern: RegExp): Promise<string> {
  let text = '';
  while (!pattern.test(text)) {
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    text += chunk.toString();
  }
  return text;
}

describe('certificates on the listeners', () => {
  let t: TestEngine;
  let store: TestEngine['engine']['ctx']['tls']['store'];
  const made: Record<string, CertificateInfo> = {};

  before(async () => {
    t = await startEngine({ settings: { smtpEarlyTalkerWaitMs: 0 } });
    store = t.engine.ctx.tls.store;
    // One certificate per listener, so each shows it serves its own.
    // RSA like the domain's certificate below: see the mixed-key-type test for why.
    for (const { service } of LISTENERS) made[service] = await store.createSelfSigned({ name: service, commonName: `${service}.example.test`, keyType: 'rsa-2048' });
    const { intermediate, leaf } = chainFor(['example.test', 'mail.example.test']);
    made.domain = store.importPem({ name: 'domain', certificate: leaf.certPem, chain: intermediate.certPem, privateKey: leaf.keyPem }).certificate;
  });
  after(() => t.stop());

  it('every listener serves the default certificate until it is given one', async () => {
    const def = store.get(store.defaultId);
    for (const { service, ...how } of LISTENERS) {
      const seen = await sClient(t.ports[service], how);
      assert.equal(seen.fingerprints[0], def.fingerprintSha256, service);
    }
  });

  it('each listener serves the certificate chosen for it, at once, implicit TLS and STARTTLS alike', async () => {
    for (const { service } of LISTENERS) store.update(made[service].id, { services: [service] });
    for (const { service, ...how } of LISTENERS) {
      const seen = await sClient(t.ports[service], how);
      assert.equal(seen.fingerprints[0], made[service].fingerprintSha256, `${service} serves its own certificate`);
    }
  });

  it('SNI picks the domain\u2019s certificate (and its chain) on every listener; other names get the service\u2019s', async () => {
    store.update(made.domain.id, { domains: ['example.test'] });
    for (const { service, ...how } of LISTENERS) {
      const seen = await sClient(t.ports[service], { ...how, servername: 'mail.example.test' });
      assert.deepEqual(seen.subjects, ['CN=example.test', 'CN=Test Intermediate CA'], `${service}: the domain's leaf and chain`);
      const other = await sClient(t.ports[service], { ...how, servername: 'mail.other.test' });
      assert.equal(other.fingerprints[0], made[service].fingerprintSha256, `${service}: another name gets the service's certificate`);
    }
  });

  it('SNI picks an ECDSA domain certificate beside RSA service certificates, and an RSA one beside ECDSA, on every listener (one certificate per connection)', async () => {
    const ecdsa = await store.createSelfSigned({ name: 'ecdsa domain', commonName: 'other.test', keyType: 'ecdsa-p256' });
    const ecdsaService = await store.createSelfSigned({ name: 'ecdsa service', commonName: 'mail.example.test', keyType: 'ecdsa-p256' });
    const services = LISTENERS.map((l) => l.service);
    try {
      store.update(ecdsa.id, { domains: ['other.test'] });
      for (const { service, ...how } of LISTENERS) {
        const seen = await sClient(t.ports[service], { ...how, servername: 'mail.other.test' });
        assert.equal(seen.fingerprints[0], ecdsa.fingerprintSha256, `${service}: the ECDSA domain certificate beside an RSA service one`);
      }
      store.update(ecdsaService.id, { services });
      for (const { service, ...how } of LISTENERS) {
        const rsa = await sClient(t.ports[service], { ...how, servername: 'mail.example.test' });
        assert.equal(rsa.fingerprints[0], made.domain.fingerprintSha256, `${service}: the RSA domain certificate beside an ECDSA service one`);
        const plain = await sClient(t.ports[service], how);
        assert.equal(plain.fingerprints[0], ecdsaService.fingerprintSha256, `${service}: no name, the service's ECDSA certificate`);
      }
    } finally {
      for (const service of services) store.update(made[service].id, { services: [service] });
      store.update(ecdsa.id, { domains: [] });
      store.delete(ecdsa.id);
      store.delete(ecdsaService.id);
    }
  });

  it('a renewal is seen by new connections while an IMAPS session opened before it stays up', async () => {
    const before = made.imaps.fingerprintSha256;
    const session = tls.connect({ port: t.ports.imaps, host: '127.0.0.1', rejectUnauthorized: false });
    await readUntil(session, /^\* OK/m);
    assert.equal(session.getPeerX509Certificate()?.fingerprint256, before);

    const renewed = await store.renewSelfSigned(made.imaps.id);
    assert.notEqual(renewed.fingerprintSha256, before);
    assert.equal((await nodeTlsLeaf(t.ports.imaps)).fingerprint256, renewed.fingerprintSha256, 'a new connection gets the renewed certificate');
    // and a move to another certificate too
    store.update(made.imaps.id, { services: [] });
    assert.equal((await nodeTlsLeaf(t.ports.imaps)).fingerprint256, store.get(store.defaultId).fingerprintSha256);

    session.write('a1 NOOP\r\n');
    assert.match(await readUntil(session, /^a1 /m), /^a1 OK/m, 'the session opened before the changes still answers');
    session.write('a2 LOGOUT\r\n');
    await once(session, 'close');
  });

  it('deleting a certificate in use needs a replacement, which the listeners serve at once', async () => {
    assert.throws(() => store.delete(made.pop3s.id), /in use/);
    store.delete(made.pop3s.id, made.imap.id);
    assert.equal((await nodeTlsLeaf(t.ports.pop3s)).fingerprint256, made.imap.fingerprintSha256);
  });

  describe('the engine\u2019s HTTPS listener', () => {
    it('serves the API with the certificate chosen for https, a domain\u2019s by SNI, at once', async () => {
      const https = await store.createSelfSigned({ name: 'https', commonName: 'https.example.test', keyType: 'rsa-2048' });
      store.update(https.id, { services: ['https'] });
      assert.equal((await sClient(t.ports.https)).fingerprints[0], https.fingerprintSha256);
      assert.deepEqual((await sClient(t.ports.https, { servername: 'mail.example.test' })).subjects, ['CN=example.test', 'CN=Test Intermediate CA']);
      const body = await new Promise<string>((resolve, reject) => {
        const socket = tls.connect({ port: t.ports.https, host: '127.0.0.1', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => {
          assert.equal(socket.getPeerX509Certificate()?.fingerprint256, https.fingerprintSha256);
          assert.equal(socket.alpnProtocol, 'http/1.1');
          socket.end('GET /healthz HTTP/1.1\r\nHost: https.example.test\r\nConnection: close\r\n\r\n');
        });
        let text = '';
        socket.on('data', (d: Buffer) => (text += d.toString()));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
      assert.match(body, /^HTTP\/1\.1 200/);
      assert.match(body, /"status":"ok"/);
    });

    it('serves an RSA domain certificate by SNI beside an ECDSA service certificate, and the reverse (one certificate per connection)', async () => {
      const ecdsa = await store.createSelfSigned({ name: 'https ecdsa', commonName: 'https.example.test', keyType: 'ecdsa-p256' });
      const ecdsaDomain = await store.createSelfSigned({ name: 'ecdsa domain', commonName: 'other.test', keyType: 'ecdsa-p256' });
      store.update(ecdsa.id, { services: ['https'] });
      store.update(ecdsaDomain.id, { domains: ['other.test'] });
      // RSA for example.test (the imported chain) while the service's is ECDSA.
      assert.equal((await sClient(t.ports.https, { servername: 'mail.example.test' })).fingerprints[0], made.domain.fingerprintSha256);
      assert.equal((await sClient(t.ports.https, { servername: 'mail.other.test' })).fingerprints[0], ecdsaDomain.fingerprintSha256);
      assert.equal((await sClient(t.ports.https)).fingerprints[0], ecdsa.fingerprintSha256);
    });

    it('closes a connection that does not start with a TLS ClientHello, and keeps serving', async () => {
      const net = await import('node:net');
      const socket = net.connect(t.ports.https, '127.0.0.1');
      socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      await once(socket, 'close');
      assert.ok((await nodeTlsLeaf(t.ports.https)).fingerprint256);
    });
  });
});
