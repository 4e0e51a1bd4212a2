import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import { CertError } from '../../server/certs/cert-errors';
import { CertStore } from '../../server/certs/cert-store';
import { DAYS, chainFor, issue } from '../helpers/test-ca';

let dir: string;
let store: CertStore;

function fresh(): CertStore {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-certs-'));
  return new CertStore(dir, 'mail.example.test', ['example.test'], () => 'ecdsa-p256', () => ['mail.example.test', 'example.test']);
}

function refused(code: string, message?: RegExp): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof CertError, `a CertError, not ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return true;
  };
}

/** Store files and index, to show that a refused change left everything as it was. */
function snapshot(): string {
  const walk = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name) + ':' + fs.readFileSync(path.join(d, e.name), 'utf8')]));
  return walk(dir).sort().join('\n');
}

describe('certificate store', () => {
  beforeEach(async () => {
    store = fresh();
    // The first certificate is made with a key from the thread pool (or at the first read).
    await store.ready();
  });

  it('starts with the engine\u2019s own self-signed certificate as the default, key owner-only', () => {
    const [own] = store.list();
    assert.equal(own.engineOwned, true);
    assert.equal(own.isDefault, true);
    assert.equal(own.origin, 'self-signed');
    assert.deepEqual(own.altNames, ['mail.example.test', 'example.test']);
    assert.equal(own.keyAlgorithm, 'ECDSA');
    const keyFile = fs.readdirSync(path.join(dir, 'store', own.id)).find((f) => f.startsWith('key.'));
    assert.equal(fs.statSync(path.join(dir, 'store', own.id, keyFile ?? '')).mode & 0o777, 0o600);
    assert.ok(!JSON.stringify(own).includes('PRIVATE KEY'), 'no key in what the API shows');
  });

  it('makes its first certificate with the key made early, or with one made on the spot when read before ready()', async () => {
    const early = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-certs-'));
    CertStore.makeFirstKeyEarly(early, 'ecdsa-p384');
    const s = new CertStore(early, 'mail.example.test', [], () => 'ecdsa-p384');
    assert.equal(fs.existsSync(path.join(early, 'store.json')), false, 'nothing written before ready()');
    await s.ready();
    const [own] = s.list();
    assert.equal(own.keyAlgorithm, 'ECDSA');
    assert.match(execFileSync('openssl', ['x509', '-noout', '-text'], { input: s.pair(own.id).cert }).toString(), /ASN1 OID: secp384r1/);
    // A store in use has no first key to make; a store read at once makes its certificate then.
    CertStore.makeFirstKeyEarly(early, 'ecdsa-p384');
    const read = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-certs-'));
    const t = new CertStore(read, 'mail.example.test', [], () => 'ecdsa-p256');
    assert.equal(t.list()[0].engineOwned, true);
    await t.ready();
    assert.equal(t.list().length, 1, 'ready() after a read makes no second certificate');
    for (const d of [early, read]) fs.rmSync(d, { recursive: true, force: true });
  });

  it('takes over the certificate of an engine from before the store', () => {
    const old = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-certs-'));
    const leaf = issue('mail.example.test');
    fs.writeFileSync(path.join(old, 'default.key'), leaf.keyPem);
    fs.writeFileSync(path.join(old, 'default.crt'), leaf.certPem);
    const s = new CertStore(old, 'mail.example.test', [], () => 'rsa-2048');
    const [only] = s.list();
    assert.equal(only.origin, 'imported');
    assert.equal(only.fingerprintSha256, new crypto.X509Certificate(leaf.certPem).fingerprint256);
    assert.ok(!fs.existsSync(path.join(old, 'default.key')));
  });

  it('creates a self-signed certificate with the form\u2019s fields, key type and validity', async () => {
    const made = await store.createSelfSigned({
      name: 'Mail',
      commonName: 'mail.example.test',
      altNames: ['imap.example.test'],
      subject: { organization: 'Example Ltd', organizationalUnit: 'IT', locality: 'Berlin', state: 'Berlin', country: 'de', email: 'hostmaster@example.test' },
      keyType: 'ecdsa-p384',
      days: 30,
    });
    assert.equal(made.keyAlgorithm, 'ECDSA');
    assert.equal(made.keyBits, 384);
    assert.match(made.subject, /CN=mail\.example\.test.*C=DE.*ST=Berlin.*L=Berlin.*O=Example Ltd.*OU=IT/);
    assert.deepEqual(made.altNames, ['mail.example.test', 'imap.example.test']);
    const days = ((made.notAfter?.getTime() ?? 0) - (made.notBefore?.getTime() ?? 0)) / DAYS;
    assert.ok(days > 29.9 && days < 30.1, `${days}`);
    // openssl agrees it is a well-formed, self-signed certificate.
    const text = execFileSync('openssl', ['x509', '-noout', '-text'], { input: made.certificatePem }).toString();
    assert.match(text, /ASN1 OID: secp384r1/);
    assert.match(text, /DNS:mail\.example\.test, DNS:imap\.example\.test/);
  });

  it('refuses bad form input without changing anything', async () => {
    const before = snapshot();
    await assert.rejects(store.createSelfSigned({ name: 'x', commonName: 'not a name' }), refused('INVALID_INPUT'));
    await assert.rejects(store.createSelfSigned({ name: 'x', commonName: 'a.test', keyType: 'rsa-1024' as never }), refused('INVALID_INPUT', /key type/));
    await assert.rejects(store.createSelfSigned({ name: 'x', commonName: 'a.test', days: 0 }), refused('INVALID_INPUT', /days/));
    await assert.rejects(store.createSelfSigned({ name: 'x', commonName: 'a.test', subject: { country: 'Germany' } }), refused('INVALID_INPUT', /two-letter/));
    await assert.rejects(store.createSelfSigned({ name: 'Engine certificate', commonName: 'a.test' }), refused('NAME_TAKEN'));
    assert.equal(snapshot(), before);
  });

  it('makes a key and a CSR, then takes the certificate a CA signed for it, and no other', async () => {
    const pending = await store.createSigningRequest({ name: 'From CA', commonName: 'mail.example.test', altNames: ['example.test'], subject: { organization: 'Example' }, keyType: 'rsa-2048' });
    assert.equal(pending.pending, true);
    assert.match(pending.signingRequestPem, /^-----BEGIN CERTIFICATE REQUEST-----/);
    const verified = execFileSync('openssl', ['req', '-verify', '-noout', '-text'], { input: pending.signingRequestPem, stdio: ['pipe', 'pipe', 'pipe'] }).toString();
    assert.match(verified, /Subject: CN ?= ?mail\.example\.test, O ?= ?Example/);
    assert.match(verified, /DNS:mail\.example\.test, DNS:example\.test/);
    // The "CA": openssl signs the request as a CA would.
    const ca = issue('Test CA', { ca: true });
    const caDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-ca-'));
    fs.writeFileSync(path.join(caDir, 'ca.key'), ca.keyPem);
    fs.writeFileSync(path.join(caDir, 'ca.crt'), ca.certPem);
    fs.writeFileSync(path.join(caDir, 'req.csr'), pending.signingRequestPem);
    fs.writeFileSync(path.join(caDir, 'ext'), 'subjectAltName=DNS:mail.example.test,DNS:example.test\n');
    execFileSync('openssl', ['x509', '-req', '-in', 'req.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '90', '-extfile', 'ext', '-out', 'signed.crt'], { cwd: caDir, stdio: 'pipe' });
    const signed = fs.readFileSync(path.join(caDir, 'signed.crt'), 'utf8');

    const before = snapshot();
    assert.throws(() => store.completeSigningRequest(pending.id, issue('mail.example.test').certPem), refused('KEY_MISMATCH'));
    assert.equal(snapshot(), before);
    const done = store.completeSigningRequest(pending.id, signed, ca.certPem);
    assert.equal(done.certificate.pending, false);
    assert.equal(done.certificate.origin, 'csr');
    assert.equal(done.certificate.chain[0].subject, 'CN=Test CA');
    assert.match(done.certificate.signingRequestPem, /CERTIFICATE REQUEST/, 'the CSR stays downloadable');
    assert.throws(() => store.completeSigningRequest(pending.id, signed), refused('NOT_PENDING'));
  });

  it('imports PEM with its chain, putting a chain in the wrong order right (and saying so)', () => {
    const { root, intermediate, leaf } = chainFor(['mail.example.test']);
    const { certificate, warnings } = store.importPem({ name: 'Bought', certificate: root.certPem + leaf.certPem, chain: intermediate.certPem, privateKey: leaf.keyPem });
    assert.deepEqual(
      certificate.chain.map((c) => c.subject),
      ['CN=Test Intermediate CA', 'CN=Test Root CA'],
    );
    assert.match(warnings.join('\n'), /not in order/);
    const served = certificate.certificatePem.match(/BEGIN CERTIFICATE/g)?.length;
    assert.equal(served, 3);
    assert.equal(new crypto.X509Certificate(certificate.certificatePem).subject, 'CN=mail.example.test');
  });

  it('imports an encrypted PEM key with its passphrase, and refuses a wrong one', () => {
    const leaf = issue('mail.example.test');
    const encrypted = leaf.key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'right horse' }).toString();
    assert.throws(() => store.importPem({ name: 'A', certificate: leaf.certPem, privateKey: encrypted, passphrase: 'wrong' }), refused('WRONG_PASSPHRASE'));
    assert.throws(() => store.importPem({ name: 'A', certificate: leaf.certPem, privateKey: encrypted }), refused('WRONG_PASSPHRASE', /encrypted/));
    const ok = store.importPem({ name: 'A', certificate: leaf.certPem, privateKey: encrypted, passphrase: 'right horse' });
    assert.equal(ok.certificate.origin, 'imported');
    const keyFile = fs.readdirSync(path.join(dir, 'store', ok.certificate.id)).find((f) => f.startsWith('key.')) ?? '';
    assert.match(fs.readFileSync(path.join(dir, 'store', ok.certificate.id, keyFile), 'utf8'), /^-----BEGIN PRIVATE KEY-----/, 'stored decrypted, in the owner-only file');
  });

  it('refuses garbage, a mismatched key, a broken chain, an expired or future leaf, a weak key, a 1 MB paste: nothing changes', async () => {
    const { intermediate, leaf } = chainFor(['mail.example.test']);
    const stranger = issue('Someone Else CA', { ca: true });
    const expired = issue('mail.example.test', { notBefore: new Date(Date.now() - 100 * DAYS), notAfter: new Date(Date.now() - DAYS) });
    const future = issue('mail.example.test', { notBefore: new Date(Date.now() + DAYS), notAfter: new Date(Date.now() + 100 * DAYS) });
    const weakKey = crypto.generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    const weak = issue('mail.example.test', { key: weakKey });
    const other = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const before = snapshot();
    const attempts: [string, () => unknown][] = [
      ['INVALID_PEM', () => store.importPem({ name: 'x', certificate: 'hello world', privateKey: leaf.keyPem })],
      ['INVALID_PEM', () => store.importPem({ name: 'x', certificate: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', privateKey: leaf.keyPem })],
      ['INVALID_PEM', () => store.importPem({ name: 'x', certificate: leaf.certPem, privateKey: 'not a key' })],
      ['KEY_MISMATCH', () => store.importPem({ name: 'x', certificate: leaf.certPem, privateKey: other })],
      ['BROKEN_CHAIN', () => store.importPem({ name: 'x', certificate: leaf.certPem, chain: intermediate.certPem + stranger.certPem, privateKey: leaf.keyPem })],
      ['EXPIRED', () => store.importPem({ name: 'x', certificate: expired.certPem, privateKey: expired.keyPem })],
      ['NOT_YET_VALID', () => store.importPem({ name: 'x', certificate: future.certPem, privateKey: future.keyPem })],
      ['WEAK_KEY', () => store.importPem({ name: 'x', certificate: weak.certPem, privateKey: weak.keyPem })],
      ['TOO_LARGE', () => store.importPem({ name: 'x', certificate: leaf.certPem + 'A'.repeat(1024 * 1024), privateKey: leaf.keyPem })],
      ['TOO_LARGE', () => store.importPkcs12({ name: 'x', data: Buffer.alloc(1024 * 1024), passphrase: '' })],
      ['INVALID_PKCS12', () => store.importPkcs12({ name: 'x', data: Buffer.from('garbage'), passphrase: '' })],
    ];
    for (const [code, attempt] of attempts) await assert.rejects(async () => attempt(), refused(code));
    assert.equal(snapshot(), before);
  });

  it('warns about names the server does not serve, and imports anyway', () => {
    const leaf = issue('www.elsewhere.test', { names: ['www.elsewhere.test', 'mail.example.test'] });
    const { warnings } = store.importPem({ name: 'Foreign', certificate: leaf.certPem, privateKey: leaf.keyPem });
    assert.match(warnings.join(), /www\.elsewhere\.test, which this server does not serve/);
  });

  for (const legacy of [false, true]) {
    it(`imports PKCS#12 (${legacy ? 'legacy RC2/3DES' : 'OpenSSL 3 default AES'}), RSA and ECDSA, refusing a wrong passphrase`, async () => {
      for (const keyType of ['rsa', 'ec'] as const) {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-p12-'));
        const { intermediate, leaf } = chainFor(['mail.example.test']);
        const key = keyType === 'ec' ? crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey : leaf.key;
        fs.writeFileSync(path.join(tmp, 'key.pem'), key.export({ type: 'pkcs8', format: 'pem' }));
        fs.writeFileSync(path.join(tmp, 'chain.pem'), intermediate.certPem);
        fs.writeFileSync(path.join(tmp, 'ca.key'), intermediate.keyPem);
        if (keyType === 'rsa') fs.writeFileSync(path.join(tmp, 'cert.pem'), leaf.certPem);
        else {
          // node-forge cannot sign for an ECDSA key; openssl issues the leaf.
          execFileSync('openssl', ['req', '-new', '-key', 'key.pem', '-subj', '/CN=mail.example.test', '-out', 'req.csr'], { cwd: tmp, stdio: 'pipe' });
          execFileSync('openssl', ['x509', '-req', '-in', 'req.csr', '-CA', 'chain.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '30', '-out', 'cert.pem'], { cwd: tmp, stdio: 'pipe' });
        }
        execFileSync('openssl', ['pkcs12', '-export', ...(legacy ? ['-legacy'] : []), '-inkey', 'key.pem', '-in', 'cert.pem', '-certfile', 'chain.pem', '-passout', 'pass:s3cret', '-out', 'id.p12'], { cwd: tmp, stdio: 'pipe' });
        const data = fs.readFileSync(path.join(tmp, 'id.p12'));
        await assert.rejects(store.importPkcs12({ name: `p12-${keyType}`, data, passphrase: 'wrong' }), refused('WRONG_PASSPHRASE'));
        const { certificate } = await store.importPkcs12({ name: `p12-${keyType}`, data, passphrase: 's3cret' });
        assert.equal(certificate.keyAlgorithm, keyType === 'ec' ? 'ECDSA' : 'RSA');
        assert.deepEqual(certificate.chain.map((c) => c.subject), ['CN=Test Intermediate CA']);
      }
    });
  }

  it('edits: renames, moves services and domains, makes the default; renews a self-signed one', async () => {
    const a = await store.createSelfSigned({ name: 'A', commonName: 'mail.example.test' });
    const b = await store.createSelfSigned({ name: 'B', commonName: 'mail.other.test' });
    store.update(a.id, { name: 'A renamed', services: ['imaps', 'smtp'], domains: ['example.test'] });
    store.update(b.id, { services: ['imaps', 'pop3s'] });
    assert.deepEqual(store.get(a.id).services, ['smtp']);
    assert.deepEqual(store.get(b.id).services, ['imaps', 'pop3s']);
    assert.equal(store.idForService('imaps'), b.id);
    assert.equal(store.idForService('sieve'), store.defaultId);
    assert.equal(store.idForServerName('imap.example.test'), a.id);
    assert.equal(store.idForServerName('example.test'), a.id);
    assert.equal(store.idForServerName('other.test'), undefined);
    assert.throws(() => store.update(a.id, { name: 'B' }), refused('NAME_TAKEN'));
    assert.throws(() => store.update(a.id, { services: ['gopher' as never] }), refused('INVALID_INPUT'));
    assert.throws(() => store.update(a.id, { domains: ['bad domain'] }), refused('INVALID_INPUT'));
    store.update(a.id, { isDefault: true });
    assert.equal(store.defaultId, a.id);

    const renewed = await store.renewSelfSigned(a.id);
    assert.notEqual(renewed.fingerprintSha256, a.fingerprintSha256);
    assert.equal(renewed.name, 'A renamed');
    assert.deepEqual(renewed.services, ['smtp']);
    const imported = issue('mail.example.test');
    const { certificate } = store.importPem({ name: 'I', certificate: imported.certPem, privateKey: imported.keyPem });
    await assert.rejects(store.renewSelfSigned(certificate.id), refused('NOT_SELF_SIGNED'));
  });

  it('deletes only what no service uses, unless a replacement takes over in the same call', async () => {
    const a = await store.createSelfSigned({ name: 'A', commonName: 'mail.example.test' });
    const b = await store.createSelfSigned({ name: 'B', commonName: 'mail.example.test' });
    store.update(a.id, { services: ['imaps', 'https'], domains: ['example.test'] });
    const before = snapshot();
    assert.throws(() => store.delete(a.id), refused('IN_USE', /service imaps, service https, domain example\.test/));
    assert.throws(() => store.delete(a.id, 'nope'), refused('CERTIFICATE_NOT_FOUND'));
    assert.equal(snapshot(), before);
    store.delete(a.id, b.id);
    assert.deepEqual(store.get(b.id).services, ['imaps', 'https']);
    assert.deepEqual(store.get(b.id).domains, ['example.test']);
    assert.throws(() => store.get(a.id), refused('CERTIFICATE_NOT_FOUND'));
    assert.ok(!fs.existsSync(path.join(dir, 'store', a.id)));
    assert.throws(() => store.delete(store.defaultId), refused('IN_USE', /default/));
  });

  it('keeps its state across a restart', async () => {
    const a = await store.createSelfSigned({ name: 'A', commonName: 'mail.example.test' });
    store.update(a.id, { services: ['submission'] });
    const again = new CertStore(dir, 'mail.example.test', [], () => 'rsa-2048');
    assert.equal(again.idForService('submission'), a.id);
    assert.equal(again.get(a.id).fingerprintSha256, a.fingerprintSha256);
  });
});
