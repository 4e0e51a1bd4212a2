import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { SpooledMessage } from '../../server/outbound/spooled-message';
import { scanMessage } from '../../server/outbound/message-traits';

async function bytes(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A message read into memory and one streamed from its spool file must look the same to every reader. */
describe('spooled message', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-spooled-'));
  const prefix = 'Return-Path: <a@example.test>\r\n';
  const content = `From: a@example.test\r\nSubject: Grüße\r\n\r\n${'body line\r\n'.repeat(5000)}`;
  const file = path.join(dir, 'm');
  fs.writeFileSync(file, prefix + content);
  const head = Buffer.from('DKIM-Signature: v=1\r\n');

  for (const [name, limit] of [
    ['in memory', 1024 * 1024],
    ['streamed from the file', 10],
  ] as const) {
    it(`${name}: content without the prefix, with a head, header section and traits`, async () => {
      const m = await SpooledMessage.load(file, Buffer.byteLength(prefix), limit);
      assert.equal(m.size, Buffer.byteLength(content));
      assert.deepEqual(await bytes(m.open()), Buffer.from(content));
      assert.deepEqual(await bytes(m.open(head)), Buffer.concat([head, Buffer.from(content)]));
      assert.deepEqual(await bytes(m.open()), Buffer.from(content), 'opened again');
      assert.equal(await m.header(), Buffer.from('From: a@example.test\r\nSubject: Grüße\r\n').toString('latin1'));
      assert.deepEqual(await scanMessage(m), { size: Buffer.byteLength(content), eightBit: true, utf8Header: true });
    });
  }
  it('every reader gets bare CR and bare LF as CRLF, in memory and streamed, so a signature covers what is sent', async () => {
    const odd = path.join(dir, 'odd');
    fs.writeFileSync(odd, prefix + 'Subject: x\r\n\r\na\r.\rb\nc\r');
    for (const limit of [1024 * 1024, 4]) {
      const m = await SpooledMessage.load(odd, Buffer.byteLength(prefix), limit);
      assert.equal((await bytes(m.open())).toString('latin1'), 'Subject: x\r\n\r\na\r\n.\r\nb\r\nc\r\n');
    }
    assert.equal((await SpooledMessage.load(odd, Buffer.byteLength(prefix))).size, 'Subject: x\r\n\r\na\r\n.\r\nb\r\nc\r\n'.length);
  });
  it('cleans up', () => fs.rmSync(dir, { recursive: true, force: true }));
});
