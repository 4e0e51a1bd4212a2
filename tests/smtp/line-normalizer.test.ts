import test from 'node:test';
import assert from 'node:assert/strict';
import { LineNormalizer } from '../../server/smtp/line-normalizer';

function normalize(chunks: string[], limit = 0): string {
  const n = new LineNormalizer(limit);
  const out: Buffer[] = [];
  for (const c of chunks) n._transform(Buffer.from(c, 'latin1'), 'latin1', (_e, d) => d && out.push(d as Buffer));
  return Buffer.concat(out).toString('latin1');
}

test('bare LF becomes CRLF, across chunk seams too', () => {
  assert.equal(normalize(['a\nb\r\nc\n']), 'a\r\nb\r\nc\r\n');
  assert.equal(normalize(['a\r', '\nb']), 'a\r\nb');
  assert.equal(normalize(['a', '\nb']), 'a\r\nb');
});

test('an empty chunk between CR and LF does not double the CR (found by tests/fuzz/smtp)', () => {
  assert.equal(normalize(['a\r', '', '\nb\n']), 'a\r\nb\r\n');
});
