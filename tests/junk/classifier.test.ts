import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chi2Q, DEFAULT_PARAMETERS, fisherCombine, pack, scoreTokens, tokenProbability, unpack } from '../../server/junk/classifier';
import { bayesPoints, bayesTests, verdictFor } from '../../server/junk/verdict';
import { spamHeaders } from '../../server/junk/spam-headers';

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) < eps, `${a} ≉ ${b}`);

describe('junk classifier math', () => {
  it("computes Robinson's f(w) with the prior s·x", () => {
    const p = DEFAULT_PARAMETERS;
    close(tokenProbability({ spam: 0, ham: 0 }, 100, 100, p), 0.5);
    close(tokenProbability({ spam: 1, ham: 0 }, 100, 100, p), (p.s * 0.5 + 1) / (p.s + 1));
    close(tokenProbability({ spam: 10, ham: 10 }, 100, 100, p), 0.5);
    // Ratios, not raw counts: 10 of 100 spam against 10 of 1000 ham is spammy, and the
    // sightings count as if both classes had 550 messages (10·5.5 + 10·0.55 = 60.5).
    const f = tokenProbability({ spam: 10, ham: 10 }, 100, 1000, p);
    close(f, (p.s * 0.5 + 60.5 * (0.1 / 0.11)) / (p.s + 60.5));
    // A sighting in the smaller class weighs more than one in the larger.
    const once = (spam: number, ham: number) => Math.abs(tokenProbability({ spam, ham }, 100, 300, p) - 0.5);
    assert.ok(once(1, 0) > once(0, 1));
  });

  it('computes the chi-square upper tail exactly for small degrees of freedom', () => {
    close(chi2Q(3, 2), Math.exp(-1.5));
    close(chi2Q(6, 4), Math.exp(-3) * (1 + 3));
    close(chi2Q(0, 10), 1);
    // 2n = 300 with a huge statistic: no underflow to NaN.
    assert.ok(chi2Q(3000, 300) >= 0 && chi2Q(3000, 300) < 1e-100);
    // Σ_{i<150} e^-150 150^i / i!, computed independently with lgamma.
    close(chi2Q(300, 300), 0.48914177025061334, 1e-9);
  });

  it("combines with Fisher's method both ways", () => {
    assert.equal(fisherCombine([]).probability, 0.5);
    assert.ok(fisherCombine([0.99, 0.98, 0.99]).probability > 0.95);
    assert.ok(fisherCombine([0.01, 0.02, 0.01]).probability < 0.05);
    close(fisherCombine([0.01, 0.99]).probability, 0.5, 1e-9);
  });

  it('packs counts and keeps only the most telling tokens', () => {
    assert.deepEqual(unpack(pack(123456, 7890)), { spam: 123456, ham: 7890 });
    const table = new Map<string, number>();
    for (let i = 0; i < 300; i++) table.set(`s${i}`, pack(50, 0));
    table.set('neutral', pack(10, 10));
    const r = scoreTokens([...table.keys(), 'unknown'], table, 100, 100, { ...DEFAULT_PARAMETERS, maxTokens: 20 }, true);
    assert.equal(r.clues.length, 20);
    assert.ok(!r.clues.some((c) => c.token === 'neutral'));
    assert.ok(r.probability > 0.99);
  });

  it('maps probabilities to SpamAssassin-style points, tests and headers', () => {
    assert.equal(bayesPoints(0.5), 0);
    assert.equal(bayesPoints(0.98), 5);
    assert.equal(bayesPoints(0.95), 3);
    assert.equal(bayesPoints(0.999), 8);
    assert.deepEqual(bayesTests(0.001), ['BAYES_00']);
    assert.deepEqual(bayesTests(0.9995), ['BAYES_99', 'BAYES_999']);
    const bayes = { probability: 0.9995, clues: [], foreignCharsets: ['koi8-r'], foreignCountries: [], trained: true };
    const v = verdictFor(bayes, 'moderate');
    assert.ok(v.isJunk);
    assert.deepEqual(v.tests, ['BAYES_99', 'BAYES_999', 'CHARSET_FARAWAY']);
    const h = spamHeaders(v, 'mail.example.test').join('');
    assert.match(h, /^X-Spam-Flag: YES\r\n/m);
    assert.match(h, new RegExp(`^X-Spam-Level: \\*{${Math.floor(v.score)}}\\r\\n`, 'm'));
    assert.match(h, /^X-Spam-Status: Yes, score=\d+\.\d required=5\.0 tests=BAYES_99,BAYES_999,CHARSET_FARAWAY\r\n\tbayes=0\.9995 version=/m);
    const clean = verdictFor({ ...bayes, probability: 0.01, foreignCharsets: [] }, 'least');
    assert.equal(clean.isJunk, false);
    assert.match(spamHeaders(clean, 'h').join(''), /X-Spam-Flag: NO\r\nX-Spam-Level: \r\nX-Spam-Status: No, score=-\d\.\d required=3\.0 tests=BAYES_05/);
    // Untrained: no Bayes test, score 0.
    assert.deepEqual(verdictFor({ ...bayes, trained: false, foreignCharsets: [] }, 'most'), { isJunk: false, score: 0, required: 8, probability: 0.9995, tests: [], tested: false });
  });
});
