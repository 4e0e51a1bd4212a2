import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type TestEngine, startEngine } from '../helpers/engine';
import { chainFor, issue } from '../helpers/test-ca';
import { sClient } from '../helpers/tls-probe';
import { errorCode, gql, gqlOk, login } from './client';

const FIELDS = 'id name origin status isDefault engineOwned keyAlgorithm keyBits commonName altNames subject issuer notAfter daysLeft fingerprintSha256 certificatePem signingRequestPem tlsa311 services domains chain { subject }';

interface Cert {
  id: string;
  name: string;
  origin: string;
  status: string;
  isDefault: boolean;
  keyAlgorithm: string;
  keyBits: number;
  altNames: string[];
  subject: string;
  fingerprintSha256: string;
  certificatePem: string;
  signingRequestPem: string | null;
  tlsa311: string;
  services: string[];
  domains: string[];
  chain: { subject: string }[];
}

describe('GraphQL certificates', () => {
  let t: TestEngine;
  let token: string;
  let monitor: string;
  const port = () => t.ports.http;

  // RSA keys take seconds to make, in this process, which is the engine's too: make them
  // before the engine starts, so no HTTP keep-alive connection times out in between.
  let ca: ReturnType<typeof issue>;
  let stray: ReturnType<typeof issue>;
  let stranger: ReturnType<typeof issue>;
  let old: ReturnType<typeof issue>;
  let pem: ReturnType<typeof chainFor>;

  before(async () => {
    ca = issue('GraphQL Test CA', { ca: true });
    stray = issue('other.test');
    stranger = issue('Stranger CA', { ca: true });
    old = issue('old.test', { notBefore: new Date(Date.now() - 9e9), notAfter: new Date(Date.now() - 1e9) });
    pem = chainFor(['mail.example.test']);
    t = await startEngine();
    token = await login(port());
    await t.engine.ctx.admins.create('watcher', 'watcher-password-1', 'monitor');
    monitor = await login(port(), 'watcher', 'watcher-password-1');
  });
  after(() => t.stop());

  const list = async (as = token) => (await gqlOk<{ certificates: { nodes: Cert[]; totalCount: number } }>(port(), `{ certificates { totalCount nodes { ${FIELDS} } } }`, { token: as })).certificates;

  it('lists the engine\u2019s certificate as the default; the monitor role may read; no key is ever shown', async () => {
    const all = await list(monitor);
    assert.equal(all.totalCount, 1);
    assert.equal(all.nodes[0].isDefault, true);
    assert.equal(all.nodes[0].status, 'VALID');
    assert.match(all.nodes[0].tlsa311, /^3 1 1 [0-9a-f]{64}$/);
    const r = await gql(port(), 'mutation { createSelfSignedCertificate(input: {name: "x", commonName: "x.test"}) { id } }', { token: monitor });
    assert.equal(errorCode(r), 'FORBIDDEN');
  });

  it('creates a self-signed certificate from the form and serves it on IMAPS once chosen', async () => {
    const made = (
      await gqlOk<{ createSelfSignedCertificate: Cert }>(
        port(),
        `mutation ($i: CreateSelfSignedCertificateInput!) { createSelfSignedCertificate(input: $i) { ${FIELDS} } }`,
        { token, variables: { i: { name: 'IMAP', commonName: 'imap.example.test', altNames: ['mail.example.test'], subject: { organization: 'Example', country: 'GB' }, keyType: 'ECDSA_P384', validityDays: 90 } } },
      )
    ).createSelfSignedCertificate;
    assert.equal(made.origin, 'SELF_SIGNED');
    assert.deepEqual([made.keyAlgorithm, made.keyBits], ['ECDSA', 384]);
    assert.match(made.subject, /O=Example/);
    await gqlOk(port(), 'mutation ($id: ID!) { updateCertificate(input: {id: $id, services: [IMAPS, MANAGESIEVE], domains: ["example.test"]}) { services domains } }', { token, variables: { id: made.id } });
    assert.equal((await sClient(t.ports.imaps)).fingerprints[0], made.fingerprintSha256);
    assert.equal((await sClient(t.ports.sieve, { starttls: 'sieve' })).fingerprints[0], made.fingerprintSha256);
  });

  it('makes a CSR, then takes the CA\u2019s certificate for it', async () => {
    const pending = (
      await gqlOk<{ createCertificateSigningRequest: Cert }>(
        port(),
        `mutation { createCertificateSigningRequest(input: {name: "Bought", commonName: "mail.example.test", keyType: RSA_2048}) { ${FIELDS} } }`,
        { token },
      )
    ).createCertificateSigningRequest;
    assert.equal(pending.status, 'PENDING');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-ca-'));
    fs.writeFileSync(path.join(dir, 'ca.key'), ca.keyPem);
    fs.writeFileSync(path.join(dir, 'ca.crt'), ca.certPem);
    fs.writeFileSync(path.join(dir, 'req.csr'), pending.signingRequestPem ?? '');
    execFileSync('openssl', ['x509', '-req', '-in', 'req.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '20', '-copy_extensions', 'copy', '-out', 'signed.crt'], { cwd: dir, stdio: 'pipe' });
    const signed = fs.readFileSync(path.join(dir, 'signed.crt'), 'utf8');
    const wrong = await gql(port(), 'mutation ($id: ID!, $c: String!) { addSignedCertificate(input: {id: $id, certificate: $c}) { warnings } }', { token, variables: { id: pending.id, c: stray.certPem } });
    assert.equal(errorCode(wrong), 'KEY_MISMATCH');
    const done = await gqlOk<{ addSignedCertificate: { certificate: Cert; warnings: string[] } }>(
      port(),
      `mutation ($id: ID!, $c: String!, $ch: String) { addSignedCertificate(input: {id: $id, certificate: $c, chain: $ch}) { warnings certificate { ${FIELDS} } } }`,
      { token, variables: { id: pending.id, c: signed, ch: ca.certPem } },
    );
    assert.equal(done.addSignedCertificate.certificate.status, 'EXPIRING', '20 days left');
    assert.deepEqual(done.addSignedCertificate.certificate.altNames, ['mail.example.test']);
    assert.deepEqual(done.addSignedCertificate.certificate.chain, [{ subject: 'CN=GraphQL Test CA' }]);
  });

  it('imports PEM and PKCS#12; bad input gets a typed error and changes nothing', async () => {
    const { intermediate, leaf } = pem;
    const before = await list();
    const attempts: [string, Record<string, unknown>][] = [
      ['INVALID_PEM', { name: 'g', certificate: 'garbage', privateKey: leaf.keyPem }],
      ['KEY_MISMATCH', { name: 'g', certificate: leaf.certPem, privateKey: stray.keyPem }],
      ['BROKEN_CHAIN', { name: 'g', certificate: leaf.certPem, chain: stranger.certPem, privateKey: leaf.keyPem }],
      ['EXPIRED', { name: 'g', certificate: old.certPem, privateKey: old.keyPem }],
      ['TOO_LARGE', { name: 'g', certificate: 'x'.repeat(200_000), privateKey: leaf.keyPem }],
      ['NAME_TAKEN', { name: 'IMAP', certificate: leaf.certPem, privateKey: leaf.keyPem }],
    ];
    for (const [code, input] of attempts) {
      const r = await gql(port(), 'mutation ($i: ImportCertificateInput!) { importCertificate(input: $i) { warnings } }', { token, variables: { i: input } });
      assert.equal(errorCode(r), code, JSON.stringify(r.errors));
    }
    assert.deepEqual(await list(), before);

    const ok = await gqlOk<{ importCertificate: { certificate: Cert; warnings: string[] } }>(
      port(),
      `mutation ($i: ImportCertificateInput!) { importCertificate(input: $i) { warnings certificate { ${FIELDS} } } }`,
      { token, variables: { i: { name: 'PEM', certificate: leaf.certPem, chain: intermediate.certPem, privateKey: leaf.keyPem } } },
    );
    assert.equal(ok.importCertificate.certificate.origin, 'IMPORTED');
    assert.match(ok.importCertificate.warnings.join(), /not a well-known CA/);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-p12-'));
    fs.writeFileSync(path.join(dir, 'key.pem'), leaf.keyPem);
    fs.writeFileSync(path.join(dir, 'cert.pem'), leaf.certPem + intermediate.certPem);
    execFileSync('openssl', ['pkcs12', '-export', '-inkey', 'key.pem', '-in', 'cert.pem', '-passout', 'pass:pw', '-out', 'id.p12'], { cwd: dir, stdio: 'pipe' });
    const p12 = fs.readFileSync(path.join(dir, 'id.p12')).toString('base64');
    const wrong = await gql(port(), 'mutation ($d: String!) { importPkcs12Certificate(input: {name: "P12", pkcs12Base64: $d, passphrase: "nope"}) { warnings } }', { token, variables: { d: p12 } });
    assert.equal(errorCode(wrong), 'WRONG_PASSPHRASE');
    const imported = await gqlOk<{ importPkcs12Certificate: { certificate: Cert } }>(port(), 'mutation ($d: String!) { importPkcs12Certificate(input: {name: "P12", pkcs12Base64: $d, passphrase: "pw"}) { certificate { chain { subject } } } }', { token, variables: { d: p12 } });
    assert.deepEqual(imported.importPkcs12Certificate.certificate.chain, [{ subject: 'CN=Test Intermediate CA' }]);
  });

  it('renews a self-signed certificate, refuses to delete one in use, deletes it with a replacement', async () => {
    const imap = (await list()).nodes.find((c) => c.name === 'IMAP') as Cert;
    const renewed = await gqlOk<{ renewSelfSignedCertificate: Cert }>(port(), `mutation ($id: ID!) { renewSelfSignedCertificate(input: {id: $id}) { ${FIELDS} } }`, { token, variables: { id: imap.id } });
    assert.notEqual(renewed.renewSelfSignedCertificate.fingerprintSha256, imap.fingerprintSha256);
    assert.equal((await sClient(t.ports.imaps)).fingerprints[0], renewed.renewSelfSignedCertificate.fingerprintSha256);

    const inUse = await gql(port(), 'mutation ($id: ID!) { deleteCertificate(input: {id: $id}) }', { token, variables: { id: imap.id } });
    assert.equal(errorCode(inUse), 'IN_USE');
    assert.match(inUse.errors?.[0]?.message ?? '', /service imaps, service sieve, domain example\.test/);
    const def = (await list()).nodes.find((c) => c.isDefault) as Cert;
    await gqlOk(port(), 'mutation ($id: ID!, $r: ID!) { deleteCertificate(input: {id: $id, replacementId: $r}) }', { token, variables: { id: imap.id, r: def.id } });
    assert.equal((await sClient(t.ports.imaps)).fingerprints[0], def.fingerprintSha256);
    const gone = await gql(port(), 'query ($id: ID!) { certificate(id: $id) { id } }', { token, variables: { id: imap.id } });
    assert.equal(errorCode(gone), 'NOT_FOUND');
  });
});
