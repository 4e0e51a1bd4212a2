import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { JunkFilter, messageHash } from '../../server/junk/filter';
import { TokenStore } from '../../server/junk/token-store';
import { decideJunk } from '../../server/junk/decision';
import { DEFAULT_JUNK_SETTINGS, type JunkSettings } from '../../server/junk/settings';
import { encapsulate, tagSubject } from '../../server/junk/rewrite';
import { parseMessage, leafParts } from '../../server/junk/mime';
import { ham, message, spam } from './fixtures';

describe('junk filter: reinforcing good mail it would still judge junk', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'junk-reinforce-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('learns such a message twice, and undoes both lessons when it is forgotten or moved', () => {
    const filter = new JunkFilter(new TokenStore(TokenStore.pathFor(dir)), undefined, 1);
    try {
      filter.learnMany([0, 1, 2, 3, 4, 5, 6, 7].map(spam), 'spam');
      filter.learnMany([0, 1, 2, 3, 4, 5, 6, 7].map(ham), 'ham');
      const tokens = filter.stats().tokens;
      // A good message written like the junk (a newsletter the user asked for), and an ordinary one.
      const hard = spam(40);
      const plain = ham(41);
      filter.learnMany([hard, plain], 'ham');
      assert.deepEqual(filter.store.learntAs(messageHash(hard)), { as: 'ham', weight: 2 });
      assert.deepEqual(filter.store.learntAs(messageHash(plain)), { as: 'ham', weight: 1 });
      // Counted twice: 8 + 2 good messages, one of them twice.
      assert.equal(filter.stats().hamLearnt, 11);
      const subject = filter.classify(spam(42), undefined, true).clues.find((c) => c.token === 's:free');
      assert.ok(subject, 'the junk subject word is still a clue');
      assert.equal(filter.forget(hard), 'forgotten');
      assert.equal(filter.stats().hamLearnt, 9);
      assert.equal(filter.learn(hard, 'spam'), 'learnt');
      assert.equal(filter.learn(hard, 'ham'), 'relearnt');
      assert.equal(filter.forget(hard), 'forgotten');
      assert.equal(filter.forget(plain), 'forgotten');
      assert.deepEqual([filter.stats().spamLearnt, filter.stats().hamLearnt, filter.stats().tokens], [8, 8, tokens]);
    } finally {
      filter.close();
    }
  });
});

describe('junk filter: learning and scoring', () => {
  let dir: string;
  let filter: JunkFilter;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'junk-filter-'));
    // A handful of messages is enough for the tests; the real filter waits for 200 of each.
    filter = new JunkFilter(new TokenStore(TokenStore.pathFor(dir)), undefined, 1);
  });
  after(() => {
    filter.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('abstains until it has learnt both classes', () => {
    const r = filter.classify(spam(0));
    assert.equal(r.trained, false);
    assert.equal(r.probability, 0.5);
  });

  it('learns idempotently, moves a message relearnt as the other class, and forgets it', () => {
    const m = spam(100);
    assert.equal(filter.learn(m, 'spam'), 'learnt');
    assert.equal(filter.learn(m, 'spam'), 'already-learnt');
    assert.deepEqual([filter.stats().spamLearnt, filter.stats().hamLearnt], [1, 0]);
    const tokensAfterOne = filter.stats().tokens;
    assert.equal(filter.learn(m, 'ham'), 'relearnt');
    assert.deepEqual([filter.stats().spamLearnt, filter.stats().hamLearnt], [0, 1]);
    assert.equal(filter.stats().tokens, tokensAfterOne);
    assert.equal(filter.forget(m), 'forgotten');
    assert.equal(filter.forget(m), 'not-learnt');
    assert.deepEqual([filter.stats().spamLearnt, filter.stats().hamLearnt, filter.stats().tokens], [0, 0, 0]);
    assert.ok(filter.stats().lastLearnt instanceof Date);
  });

  it('identifies a message by Message-ID and body, not by headers added on the way', () => {
    const m = ham(1);
    const redelivered = Buffer.concat([Buffer.from('Received: from x by y; Mon, 1 Jan 2024 00:00:00 +0000\r\nX-Spam-Flag: NO\r\n'), m]);
    assert.equal(messageHash(m), messageHash(redelivered));
    assert.notEqual(messageHash(m), messageHash(ham(2)));
  });

  it('tells spam from ham after a small training set', () => {
    const outcomes = filter.learnMany([0, 1, 2, 3, 4, 5, 6, 7].map(spam), 'spam');
    assert.deepEqual(outcomes, Array(8).fill('learnt'));
    filter.learnMany([0, 1, 2, 3, 4, 5, 6, 7].map(ham), 'ham');
    const s = filter.classify(spam(9), undefined, true);
    const h = filter.classify(ham(9));
    assert.ok(s.probability > 0.9, `spam scored ${s.probability}`);
    assert.ok(h.probability < 0.1, `ham scored ${h.probability}`);
    assert.ok(s.clues.length > 0 && s.clues.every((c, i) => i === 0 || Math.abs(c.f - 0.5) <= Math.abs(s.clues[i - 1].f - 0.5)));
  });

  it('notices lessons from another process (pillarbox learn while the engine runs)', () => {
    const before = filter.classify(spam(50)).probability;
    const other = JunkFilter.open(dir);
    other.learnMany([10, 11, 12, 13].map((i) => ham(i + 200)), 'ham');
    other.close();
    assert.equal(filter.stats().hamLearnt, 12);
    assert.ok(typeof before === 'number');
    // The in-memory copy is reloaded: the new ham's tokens now count.
    const r = filter.classify(ham(212), undefined, true);
    assert.ok(r.clues.some((c) => c.token === 's:part'));
  });

  it('holds charsets and countries against mail only outside the accepted lists', () => {
    const ru = message({ From: 'ivan@example.ru', Subject: 'privet', 'Content-Type': 'text/plain; charset=koi8-r' }, 'privet');
    const all = filter.classify(ru);
    assert.deepEqual([all.foreignCharsets, all.foreignCountries], [[], []]);
    const western = filter.classify(ru, { acceptedLanguages: ['western'], acceptedLocales: ['us', 'de'] });
    assert.deepEqual([western.foreignCharsets, western.foreignCountries], [['koi8-r'], ['ru']]);
    const cyrillic = filter.classify(ru, { acceptedLanguages: ['cyrillic'], acceptedLocales: ['ru'] });
    assert.deepEqual([cyrillic.foreignCharsets, cyrillic.foreignCountries], [[], []]);
  });

  describe('decideJunk', () => {
    const settings = (over: Partial<JunkSettings>): JunkSettings => ({ ...DEFAULT_JUNK_SETTINGS, junkScanEnabled: true, ...over });
    const summary = (raw: Buffer, over: Partial<JunkSettings>) => {
      const d = decideJunk(filter, raw, settings(over), 'h');
      return [d.action, d.subjectTag, d.encapsulate, d.redirectTo, d.notify];
    };

    it('gives clean mail SpamAssassin headers and no action', () => {
      const d = decideJunk(filter, ham(30), settings({}), 'mail.example.test');
      assert.match(d.headers.join(''), /^X-Spam-Checker-Version: pillarbox-bayes-1 on mail\.example\.test\r\nX-Spam-Flag: NO\r\n[\s\S]*X-Spam-Status: No, score=-/);
      assert.equal(d.action, 'none');
    });

    it('gives junk the seed\u2019s disposition with what it needs', () => {
      assert.match(decideJunk(filter, spam(32), settings({}), 'h').headers.join(''), /X-Spam-Flag: YES/);
      assert.deepEqual(summary(spam(32), { junkAction: 'bounce', junkNotify: 'postmaster' }), ['bounce', undefined, undefined, undefined, 'postmaster']);
      assert.deepEqual(summary(spam(33), { junkAction: 'delete' }), ['delete', undefined, undefined, undefined, undefined]);
      assert.deepEqual(summary(spam(34), { junkAction: 'deliver', junkTagSubject: true, junkEncapsulate: true }), ['deliver', '***JUNK MAIL***', true, undefined, undefined]);
      assert.deepEqual(summary(spam(35), { junkAction: 'redirect', junkRedirectTo: 'junk@example.test' }), ['redirect', undefined, undefined, 'junk@example.test', undefined]);
      // Nowhere to redirect to: delivered, marked, rather than lost.
      assert.deepEqual(summary(spam(35), { junkAction: 'redirect', junkRedirectTo: '' }), ['deliver', undefined, undefined, undefined, undefined]);
      assert.deepEqual(summary(ham(37), { junkAction: 'bounce', junkNotify: 'postmaster' }), ['none', undefined, undefined, undefined, undefined]);
    });
  });
});

describe('junk rewriting', () => {
  const original = message({ From: 'x@spam.example', To: 'alice@example.test', Subject: 'Buy now', 'Message-ID': '<1@spam.example>', 'Content-Type': 'text/html' }, '<b>offer</b>\n');
  const verdict = { isJunk: true, score: 9.1, required: 5, probability: 0.9999, tests: ['BAYES_99', 'BAYES_999'], tested: true };

  it('tags the subject, or adds one', () => {
    assert.match(tagSubject(original, '[JUNK]').toString(), /^Subject: \[JUNK\] Buy now\r$/m);
    assert.match(tagSubject(Buffer.from('From: a@b\r\n\r\nx'), '[JUNK]').toString(), /^Subject: \[JUNK\]\r\nFrom: a@b/);
  });

  it('encapsulates the original as a message/rfc822 attachment under a report', () => {
    const wrapped = encapsulate(original, verdict, 'mail.example.test', '[JUNK]');
    const root = parseMessage(wrapped);
    assert.equal(root.type, 'multipart/mixed');
    assert.match(wrapped.toString(), /^Subject: \[JUNK\] Buy now\r$/m);
    assert.match(wrapped.toString(), /^Message-ID: <1@spam.example>\r$/m);
    const parts = leafParts(root);
    assert.equal(parts[0].type, 'text/plain');
    assert.match(parts[0].body.toString(), /score was 9\.1; 5\.0 or more/);
    assert.equal(root.children[1].type, 'message/rfc822');
    assert.ok(wrapped.includes(original.subarray(0, original.length - 2)));
  });
});
