import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { signWithKeys } from '../../server/outbound/dkim-key-signer';
import { DkimSignPool } from '../../server/outbound/dkim-sign-pool';
import { SpooledMessage } from '../../server/outbound/spooled-message';

/**
 * The signing workers give the main thread's signatures byte for byte (RSA PKCS#1 v1.5 and
 * Ed25519 are deterministic): for a message in memory and for a large one the worker streams
 * from its spool file, with the keys sent once; they start again after close().
 */
describe('DKIM signing workers', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-dkim-pool-'));
  const pool = new DkimSignPool(2);
  after(async () => {
    await pool.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const signTime = new Date('2026-12-07T20:00:00Z');
  const keys = [
    { selector: 'r1', key: crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey },
    { selector: 'e1', key: crypto.generateKeyPairSync('ed25519').privateKey },
  ];
  const message = (n: number, bodyLines: number) =>
    Buffer.from(`From: a@example.test\r\nTo: b@remote.test\r\nSubject: pool ${n}\r\nMessage-ID: <${n}@example.test>\r\n\r\n${'a  line\twith  space \r\n'.repeat(bodyLines)}\r\n\r\n`);

  it('signs messages in memory as the main thread does, many at once', async () => {
    const messages = Array.from({ length: 20 }, (_, i) => message(i, 50));
    const fromPool = await Promise.all(messages.map((m) => pool.sign({ content: m }, 'example.test', keys, signTime)));
    for (const [i, m] of messages.entries()) {
      const here = await signWithKeys(m, 'example.test', keys, { signTime });
      assert.deepEqual(fromPool[i].errors, []);
      assert.equal(fromPool[i].signatures, here.signatures);
      assert.match(here.signatures, /^DKIM-Signature: v=1; a=rsa-sha256;[^]*\r\nDKIM-Signature: v=1; a=ed25519-sha256;[^]*\r\n$/);
    }
  });

  it('streams a large message from its spool file (after the local prefix, bare LFs made CRLF)', async () => {
    const file = path.join(dir, 'large.eml');
    const prefix = 'X-Local-Only: 1\n';
    const content = message(99, 60_000);
    fs.writeFileSync(file, Buffer.concat([Buffer.from(prefix), Buffer.from(content.toString('latin1').replace(/\r\n/g, '\n'), 'latin1')]));
    const spooled = await SpooledMessage.load(file, prefix.length);
    assert.ok('file' in spooled.source(), 'over the in-memory limit');
    const fromPool = await pool.sign(spooled.source(), 'example.test', keys, signTime);
    const here = await signWithKeys(content, 'example.test', keys, { signTime });
    assert.deepEqual(fromPool.errors, []);
    assert.equal(fromPool.signatures, here.signatures);
  });

  it('starts its workers again after close()', async () => {
    await pool.close();
    const m = message(7, 3);
    assert.equal((await pool.sign({ content: m }, 'example.test', keys, signTime)).signatures, (await signWithKeys(m, 'example.test', keys, { signTime })).signatures);
  });
});
