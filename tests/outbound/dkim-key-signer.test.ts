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

  /** What mailauth's own signer makes of the message from the PEM keys. */
  async function mailauthSignatures(text: string): Promise<string> {
    const theirs = await dkimSign(Readable.from([Buffer.from(text, 'latin1')]), {
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
    // mailauth says "nothing signed" (a message without an empty line) as a lone CRLF.
    return theirs.signatures === '\r\n' ? '' : theirs.signatures;
  }
  const keys = () => [
    { selector: 'r1', key: rsa },
    { selector: 'e1', key: ed },
  ];

  it('gives the same RSA and Ed25519 signatures as mailauth signing from the PEM, from a stream and from memory', async () => {
    const theirs = await mailauthSignatures(message);
    const streamed = await signWithKeys(Readable.from([Buffer.from(message)]), 'example.test', keys(), { signTime });
    assert.deepEqual(streamed.errors, []);
    assert.equal(streamed.signatures, theirs);
    const inMemory = await signWithKeys(Buffer.from(message), 'example.test', keys(), { signTime, signHere: true });
    assert.deepEqual(inMemory.errors, []);
    assert.equal(inMemory.signatures, theirs);
    assert.match(theirs, /^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=example\.test;[^]*\r\nDKIM-Signature: v=1; a=ed25519-sha256;[^]*\r\n$/);
  });

  it('signs messages in memory byte for byte as mailauth: folded and repeated fields, whitespace, no body, 8-bit, no empty line', async () => {
    const messages = [
      'From: a@example.test\r\nSubject: folded\r\n\tsecond  line\r\nTo: b@remote.test,\r\n c@remote.test\r\n\r\n\tbody  with\ttabs \r\n\r\n\r\n',
      'From: a@example.test\r\nReceived: x\r\nReceived: y\r\nSubject: two subjects\r\nSubject:again\r\n\r\n',
      'FROM:a@example.test\r\nsubject :  caf\xe9   \r\nDate: Tue, 01 Dec 2026 12:00:00 +0000\r\n\r\nno line end ',
      'From: a@example.test\r\nSubject: no body separator\r\n',
      'From: a@example.test\r\n\r\n',
    ];
    for (const text of messages) {
      const ours = await signWithKeys(Buffer.from(text, 'latin1'), 'example.test', keys(), { signTime });
      assert.equal(ours.signatures, await mailauthSignatures(text), JSON.stringify(text));
    }
  });

  it('reports a key it cannot sign with instead of signing', async () => {
    const dsa = crypto.generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256 }).privateKey;
    const result = await signWithKeys(Readable.from([Buffer.from(message)]), 'example.test', [{ selector: 'd1', key: dsa }]);
    assert.equal(result.signatures, '');
    assert.match(String(result.errors[0]), /unsupported DKIM key type dsa/);
  });
});
