import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type TestEngine, startEngine } from '../helpers/engine';
import { chainFor } from '../helpers/test-ca';
import { sClient } from '../helpers/tls-probe';

// Issue 17, defect 8, with the client that found it: testssl.sh must show no finding above
// LOW on SMTPS, SMTP STARTTLS, IMAPS and the engine's HTTPS, with RSA and ECDSA service and
// domain certificates. The checks are
// testssl's protocols, cipher categories, forward secrecy, server preferences,
// renegotiation and vulnerabilities (its certificate checks judge the test's self-signed
// certificate, which no test certificate can pass).
const TESTSSL = ['/usr/bin/testssl', '/usr/bin/testssl.sh'].find((f) => fs.existsSync(f));
const SEVERE = new Set(['MEDIUM', 'HIGH', 'CRITICAL']);
/** Findings about trusting the certificate itself: a self-signed one fails them by definition. */
const CERTIFICATE_TRUST = /^cert_(trust|chain_of_trust|revocation|caIssuers|expirationStatus)/;

interface Finding {
  id: string;
  severity: string;
  finding: string;
}

function testssl(target: string, extra: string[], out: string): Promise<Finding[]> {
  const args = ['--quiet', '--color', '0', '--warnings', 'off', '--openssl-timeout', '10', '-p', '-s', '-f', '-P', '-R', '-U', '--jsonfile', out, ...extra, target];
  return new Promise((resolve, reject) => {
    execFile(TESTSSL as string, args, { timeout: 600_000, maxBuffer: 16 * 1024 * 1024 }, (err) => {
      // testssl's exit code counts findings; the JSON file is the answer.
      if (!fs.existsSync(out)) return reject(err ?? new Error(`testssl wrote no ${out}`));
      resolve(JSON.parse(fs.readFileSync(out, 'utf8')) as Finding[]);
    });
  });
}

describe('testssl.sh finds nothing above LOW', { skip: TESTSSL ? undefined : 'testssl.sh is not installed' }, () => {
  let t: TestEngine;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-testssl-'));

  before(async () => {
    t = await startEngine({ settings: { smtpEarlyTalkerWaitMs: 0 } });
  });
  after(async () => {
    await t.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  /** Runs testssl on each target at once; the findings above LOW, apart from the certificate's trust. */
  async function severeFindings(targets: [string, string, string[]][]): Promise<string[]> {
    const results = await Promise.all(targets.map(([name, target, extra]) => testssl(target, extra, path.join(work, `${name}.json`))));
    const severe: string[] = [];
    targets.forEach(([name], i) => {
      assert.ok(results[i].some((f) => f.id === 'secure_client_renego'), `${name}: renegotiation was checked`);
      for (const f of results[i]) if (SEVERE.has(f.severity) && !CERTIFICATE_TRUST.test(f.id)) severe.push(`${name}: ${f.severity} ${f.id}: ${f.finding}`);
    });
    return severe;
  }

  it('on SMTPS, SMTP STARTTLS, IMAPS and HTTPS', async () => {
    const targets: [string, string, string[]][] = [
      ['smtps', `127.0.0.1:${t.ports.smtps}`, []],
      ['smtp-starttls', `127.0.0.1:${t.ports.smtp}`, ['-t', 'smtp']],
      ['imaps', `127.0.0.1:${t.ports.imaps}`, []],
      // The engine's own HTTPS listener (ClientHello read by the engine).
      ['https', `127.0.0.1:${t.ports.https}`, ['-h']],
    ];
    assert.deepEqual(await severeFindings(targets), []);
  });

  it('with ECDSA service certificates, and RSA and ECDSA domain certificates picked by SNI', async () => {
    const store = t.engine.ctx.tls.store;
    const ecdsa = await store.createSelfSigned({ name: 'ecdsa services', commonName: 'mail.example.test', keyType: 'ecdsa-p256' });
    store.update(ecdsa.id, { services: ['smtps', 'https'] });
    const { intermediate, leaf } = chainFor(['example.test', 'mail.example.test']);
    const rsaDomain = store.importPem({ name: 'rsa domain', certificate: leaf.certPem, chain: intermediate.certPem, privateKey: leaf.keyPem }).certificate;
    store.update(rsaDomain.id, { domains: ['example.test'] });
    const ecdsaDomain = await store.createSelfSigned({ name: 'ecdsa domain', commonName: 'mail.other.test', keyType: 'ecdsa-p384' });
    store.update(ecdsaDomain.id, { domains: ['other.test'] });
    // A host name as the target is sent by SNI; --ip says where it is.
    const at = ['--ip', '127.0.0.1'];
    const severe = await severeFindings([
      ['smtps-ecdsa', `127.0.0.1:${t.ports.smtps}`, []],
      ['https-ecdsa', `127.0.0.1:${t.ports.https}`, ['-h']],
      ['imaps-rsa-domain', `mail.example.test:${t.ports.imaps}`, at],
      ['smtp-starttls-ecdsa-domain', `mail.other.test:${t.ports.smtp}`, ['-t', 'smtp', ...at]],
    ]);
    assert.deepEqual(severe, []);
    // The certificates meant for each were the ones served (openssl s_client, with the same names).
    assert.equal((await sClient(t.ports.smtps)).fingerprints[0], ecdsa.fingerprintSha256);
    assert.equal((await sClient(t.ports.imaps, { servername: 'mail.example.test' })).fingerprints[0], rsaDomain.fingerprintSha256);
    assert.equal((await sClient(t.ports.smtp, { starttls: 'smtp', servername: 'mail.other.test' })).fingerprints[0], ecdsaDomain.fingerprintSha256);
  });
});
