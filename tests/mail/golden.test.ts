/**
 * The mail-format golden test: IMAP, the junk filter and Sieve must see every corpus message
 * exactly as they did before their decoders were merged into server/mail/. Set
 * PILLARBOX_WRITE_GOLDEN=1 to write the file afresh (only when a change of output is intended).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { GOLDEN_FILE, goldenText } from './golden-corpus';

test('every corpus message parses, decodes and tokenizes as the golden file says', async () => {
  const text = await goldenText();
  if (process.env.PILLARBOX_WRITE_GOLDEN === '1') fs.writeFileSync(GOLDEN_FILE, text);
  const expected = fs.readFileSync(GOLDEN_FILE, 'utf8').split('\n');
  const got = text.split('\n');
  const differing = got.filter((line, i) => line !== expected[i]).slice(0, 20);
  assert.equal(got.length, expected.length, 'the corpus changed size');
  assert.deepEqual(differing, [], 'lines that differ from the golden file');
});
