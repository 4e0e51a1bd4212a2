import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type TestEngine, startEngine } from '../helpers/engine';
import { chainFor } from '../helpers/test-ca';
import { TESTSSL, severeFindings } from '../helpers/testssl';
import { sClient } from '../helpers/tls-probe';

// Issue 17, defect 8 (continued from testssl.test.ts): nothing above LOW with ECDSA service
// certificates and with RSA and ECDSA domain certificates chosen by SNI.
describe('testssl.sh finds nothing above LOW with chosen certificates', { skip: TESTSSL ? undefined : 'testssl.sh is not installed' }, () => {
  let t: TestEngine;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-testssl-sni-'));

  before(async () => {
    t = await startEngine({ settings: { smtpEarlyTalkerWaitMs: 0 } });
  });
  after(async () => {
    await t.stop();
    fs.rmSync(work, { recursive: true, force: true });
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
    const severe = await severeFindings(work, [
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
