import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { createSelfSigned } from '../../server/certs/self-signed';
import { type TestEngine, startEngine } from '../helpers/engine';

// Issue 17, defect 8: renegotiation, CBC suites and static RSA key exchange were offered.
// (Renegotiation is checked by testssl.sh in testssl.test.ts, the client that found it.)

/** Resolves with the negotiated protocol and cipher, or rejects with the handshake's error. */
function handshake(port: number, options: tls.ConnectionOptions = {}): Promise<{ protocol: string | null; cipher: string; socket: tls.TLSSocket }> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, ...options }, () =>
      resolve({ protocol: socket.getProtocol(), cipher: socket.getCipher().name, socket }),
    );
    socket.once('error', reject);
  });
}

describe('self-signed certificates', () => {
  for (const keyType of ['rsa-2048', 'ecdsa-p256', 'ecdsa-p384'] as const) {
    it(`${keyType}: verifies, names the host and lasts 398 days`, () => {
      const pair = createSelfSigned('mail.example.test', ['example.test'], { keyType });
      const x509 = new crypto.X509Certificate(pair.cert);
      assert.ok(x509.verify(x509.publicKey));
      assert.ok(x509.checkPrivateKey(crypto.createPrivateKey(pair.key)));
      assert.equal(x509.subjectAltName, 'DNS:mail.example.test, DNS:example.test');
      const days = (Date.parse(x509.validTo) - Date.parse(x509.validFrom)) / 86_400_000;
      assert.ok(days > 397 && days < 399, `${days} days`);
      assert.equal(x509.publicKey.asymmetricKeyType, keyType.startsWith('rsa') ? 'rsa' : 'ec');
    });
  }
});

describe('TLS profiles on the listeners', () => {
  let t: TestEngine;
  before(async () => {
    t = await startEngine({ settings: { smtpEarlyTalkerWaitMs: 0 } });
  });
  after(() => t.stop());

  it('intermediate: TLS 1.2 with ECDHE AEAD only; no CBC, no static RSA, no TLS 1.1', async () => {
    const ok = await handshake(t.ports.imaps, { maxVersion: 'TLSv1.2' });
    assert.equal(ok.protocol, 'TLSv1.2');
    assert.match(ok.cipher, /^ECDHE-(RSA|ECDSA)-(AES\d+-GCM|CHACHA20-POLY1305)/);
    ok.socket.destroy();
    await assert.rejects(handshake(t.ports.imaps, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA384' }));
    await assert.rejects(handshake(t.ports.imaps, { maxVersion: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256:AES256-GCM-SHA384' }));
    await assert.rejects(handshake(t.ports.imaps, { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' }));
  });

  it('modern: TLS 1.3 only, at once for new connections on every listener', async () => {
    t.engine.ctx.settings.update({ tlsProfile: 'modern' });
    try {
      for (const port of [t.ports.imaps, t.ports.smtps, t.ports.pop3s]) {
        await assert.rejects(handshake(port, { maxVersion: 'TLSv1.2' }), `TLS 1.2 refused on ${port}`);
        const ok = await handshake(port);
        assert.equal(ok.protocol, 'TLSv1.3');
        ok.socket.destroy();
      }
    } finally {
      t.engine.ctx.settings.update({ tlsProfile: 'intermediate' });
    }
    const back = await handshake(t.ports.imaps, { maxVersion: 'TLSv1.2' });
    assert.equal(back.protocol, 'TLSv1.2');
    back.socket.destroy();
  });

  it('selfSignedKeyType makes the engine\u2019s certificate anew, served at once', async () => {
    const replaced = once(t.engine.ctx.tls, 'change');
    t.engine.ctx.settings.update({ selfSignedKeyType: 'ecdsa-p256' });
    await replaced;
    const ok = await handshake(t.ports.imaps);
    const cert = ok.socket.getPeerX509Certificate();
    ok.socket.destroy();
    assert.equal(cert?.publicKey.asymmetricKeyType, 'ec');
    // No copy of the profile or the certificate for a separate HTTPS front: the engine serves HTTPS itself.
    for (const file of ['tls-profile', 'https.key', 'https.crt']) assert.equal(fs.existsSync(path.join(t.dataDir, 'certs', file)), false, file);
  });

  it('refuses an unknown profile or key type', () => {
    assert.throws(() => t.engine.ctx.settings.update({ tlsProfile: 'old' as never }), /must be intermediate or modern/);
    assert.throws(() => t.engine.ctx.settings.update({ selfSignedKeyType: 'dsa-1024' as never }), /must be one of/);
  });
});
