import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { watchCertificateExpiry } from '../../server/jobs/certificate-expiry';
import { type TestEngine, startEngine } from '../helpers/engine';

const DAY = 86_400_000;

describe('certificate expiry watch', () => {
  let t: TestEngine;
  before(async () => {
    t = await startEngine();
  });
  after(() => t.stop());

  it('tells the postmaster once per threshold (30, 7, 1 days, expired), and not about the engine\u2019s own certificate until it ends', async () => {
    const store = t.engine.ctx.tls.store;
    const short = await store.createSelfSigned({ name: 'Short', commonName: 'mail.example.test', days: 20, keyType: 'ecdsa-p256' });
    store.update(short.id, { services: ['imaps'] });
    const now = Date.now();
    assert.deepEqual(await watchCertificateExpiry(t.engine.ctx, now), ['Short: 30']);
    assert.deepEqual(await watchCertificateExpiry(t.engine.ctx, now), [], 'once per threshold');
    assert.deepEqual(await watchCertificateExpiry(t.engine.ctx, now + 14 * DAY), ['Short: 7']);
    assert.deepEqual(await watchCertificateExpiry(t.engine.ctx, now + 19.5 * DAY), ['Short: 1']);
    assert.deepEqual(await watchCertificateExpiry(t.engine.ctx, now + 21 * DAY), ['Short: 0']);
    assert.deepEqual(await watchCertificateExpiry(t.engine.ctx, now + 22 * DAY), []);
    // The engine's own certificate renews itself: reported only once it has ended.
    assert.deepEqual(await watchCertificateExpiry(t.engine.ctx, now + 380 * DAY), []);
    assert.deepEqual(await watchCertificateExpiry(t.engine.ctx, now + 400 * DAY), ['Engine certificate: 0']);
    // A renewed certificate is a new one: it is watched afresh.
    await store.renewSelfSigned(short.id);
    assert.deepEqual(await watchCertificateExpiry(t.engine.ctx, now + 14 * DAY), ['Short: 7']);
    await t.engine.ctx.queue.idle();
    assert.deepEqual(t.engine.ctx.queue.entries(), [], 'the notices were delivered');
  });
});
