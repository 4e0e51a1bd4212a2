import test from 'node:test';
import assert from 'node:assert/strict';
import { MAX_PARTS, parseMime } from '../../server/mail/mime/tree';
import { summarize } from '../../server/imap/mime/summary';

const emptyParts = (n: number) => Buffer.from(`Content-Type: multipart/mixed; boundary=x\r\n\r\n${'--x\r\n\r\n'.repeat(n)}--x--\r\n`);

test('a message of very many parts is described with at most MAX_PARTS of them (found by tests/fuzz/mime)', () => {
  const buf = emptyParts(150_000); // 1 MB; 10 MB of these took half a minute and gigabytes before the limit
  const started = performance.now();
  const root = parseMime(buf);
  const s = summarize(buf);
  assert.ok(performance.now() - started < 3000);
  assert.equal(root.children?.length, MAX_PARTS - 1);
  // The last part described holds the rest of the body, up to the end.
  assert.equal(root.children?.at(-1)?.be, buf.length);
  assert.ok(s.bodystructure.length < 2_000_000);
});

test('parts below the limit are all described', () => {
  const root = parseMime(emptyParts(3));
  assert.equal(root.children?.length, 3);
});
