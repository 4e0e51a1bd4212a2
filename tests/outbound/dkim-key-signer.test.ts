import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { dkimSign } from 'mailauth/lib/dkim/sign';
import { signWithKeys } from '../../server/outbound/dkim-key-signer';

/**
 * The signer with keys parsed once must produce exactly what mailauth's own signer
 * produces from the PEM (RSA PKCS#1 v1.5 and Ed25519 signatures are deterministic).
 */
describe('DKIM signing with key objects', () => {
  const message = [
    'From: Alice <alice@example.test>',
    'To: bob@remote.test',
    'Subject: key objects',
    'Date: Tue, 01 Dec 2026 12:00:00 +0000',
    'Message-ID: <k1@example.test>',
    '',
    'Body line one.  ',
    '.leading dot',
    '',
    '',
  ].join('\r\n');
  const signTime = new Date('2026-12-01T12:00:00Z');
  const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const ed = crypto.generateKeyPairSync('ed25519').privateKey;
  const pem = (k: crypto.KeyObject) => k.export({ type: 'pkcs8', format: 'pem' }) as string;

  it('gives the same RSA and Ed25519 signatures as mailauth signing from the PEM', async () => {
    const ours = await signWithKeys(Readable.from([Buffer.from(message)]), 'example.test', [
      { selector: 'r1', key: rsa },
      { selector: 'e1', key: ed },
    ], signTime);
    assert.deepEqual(ours.errors, []);
    const theirs = await dkimSign(Readable.from([Buffer.from(message)]), {
      signingDomain: 'example.test',
      selector: 'r1',
      privateKey: pem(rsa),
      canonicalization: 'relaxed/relaxed',
      signTime,
      signatureData: [
        { signingDomain: 'example.test', selector: 'r1', privateKey: pem(rsa), algorithm: 'rsa-sha256', canonicalization: 'relaxed/relaxed' },
        { signingDomain: 'example.test', selector: 'e1', privateKey: pem(ed), algorithm: 'ed25519-sha256', canonicalization: 'relaxed/relaxed' },
      ],
    });
    assert.equal(ours.signatures, theirs.signatures);
    assert.match(ours.signatures, /^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=example\.test;[^]*\r\nDKIM-Signature: v=1; a=ed25519-sha256;[^]*\r\n$/);
  });

  it('reports a key it cannot sign with instead of signing', async () => {
    const dsa = crypto.generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256 }).privateKey;
    const result = await signWithKeys(Readable.from([Buffer.from(message)]), 'example.test', [{ selector: 'd1', key: dsa }]);
    assert.equal(result.signatures, '');
    assert.match(String(result.errors[0]), /unsupported DKIM key type dsa/);
  });
});
