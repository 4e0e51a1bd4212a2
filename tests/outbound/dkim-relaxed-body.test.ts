import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dkimBody } from 'mailauth/lib/dkim/body';
import { relaxedBodyHash } from '../../server/outbound/dkim-relaxed-body';

/** mailauth's relaxed body hash of the same bytes, fed as one chunk (as its signer gets a message in memory). */
function mailauthHash(body: Buffer): string {
  const hasher = dkimBody('relaxed', 'sha256', false);
  hasher.update(body);
  return hasher.digest('base64');
}

/** A deterministic pseudo-random generator, so a failure names a body that can be made again. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('relaxed body hash', () => {
  it('gives mailauth\u2019s hash for the bodies that differ in canonicalization', () => {
    const bodies = [
      '',
      '\r\n',
      '\r\n\r\n\r\n',
      'one line\r\n',
      'no line end',
      'trailing space without line end ',
      'two  spaces\ttab\r\n \t \r\nlast\r\n\r\n\r\n',
      'trailing space \r\ntrailing tab\t\r\n  leading\r\n',
      '\tonly a tab line\r\n\t\r\n',
      'end with spaces   ',
      'end with tab\t',
      'word\r\n   \r\n',
      '8-bit \xe9t\xe9  caf\xe9\r\n',
      '.leading dot\r\n..two\r\n',
    ];
    for (const text of bodies) {
      const body = Buffer.from(text, 'latin1');
      assert.equal(relaxedBodyHash(body), mailauthHash(body), JSON.stringify(text));
    }
  });

  it('gives mailauth\u2019s hash for 3,000 random bodies of spaces, tabs, letters and CRLFs', () => {
    const pieces = ['a', 'b', ' ', ' ', '\t', '\r\n', '\r\n', 'xyz', '\xff'];
    for (let seed = 1; seed <= 3000; seed++) {
      const next = random(seed);
      let text = '';
      const length = Math.floor(next() * 40);
      for (let i = 0; i < length; i++) text += pieces[Math.floor(next() * pieces.length)];
      const body = Buffer.from(text, 'latin1');
      assert.equal(relaxedBodyHash(body), mailauthHash(body), `seed ${seed}: ${JSON.stringify(text)}`);
    }
  });
});
