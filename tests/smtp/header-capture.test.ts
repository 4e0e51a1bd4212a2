import test from 'node:test';
import assert from 'node:assert/strict';
import { HeaderCapture } from '../../server/mail/header-capture';

/** Feeds `text` in pieces of `size` bytes; returns the header and how many bytes were kept. */
function capture(text: string, size: number): { header: string; kept: number } {
  const h = new HeaderCapture();
  const data = Buffer.from(text, 'latin1');
  for (let i = 0; i < data.length; i += size) h._transform(data.subarray(i, i + size), 'latin1', () => undefined);
  return { header: h.header(), kept: (h as unknown as { kept: number }).kept };
}

test('the header capture stops at the blank line however small the pieces are (found by tests/fuzz/smtp)', () => {
  // Before, with pieces of a byte or two, the blank line was never seen and 256 KB of body was kept.
  const body = 'b'.repeat(300_000);
  for (const size of [1, 2, 3, 5, 4096]) {
    const r = capture(`Subject: x\r\n\r\n${body}`, size);
    assert.equal(r.header, 'Subject: x\r\n');
    assert.ok(r.kept <= 14 + size, `kept ${r.kept} bytes in pieces of ${size}`);
    const none = capture(`\r\n${body}`, size);
    assert.equal(none.header, '');
    assert.ok(none.kept <= 2 + size, `kept ${none.kept} bytes of a message without header in pieces of ${size}`);
  }
});
