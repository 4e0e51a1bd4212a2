import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TokenTable } from '../../server/junk/token-table';
import { HASH, hashString } from '../../server/junk/token-hash';
import { tokenize, tokenizeHashed } from '../../server/junk/tokenizer';
import { JunkFilter } from '../../server/junk/filter';
import { TokenStore } from '../../server/junk/token-store';
import { unpack } from '../../server/junk/classifier';
import { ham, message, spam } from './fixtures';

const hashes = (tokens: Iterable<string>): string[] =>
  [...tokens].map((t) => (hashString(t), `${HASH[0]}:${HASH[1]}`)).sort();

describe('junk token table', () => {
  it('counts, clamps at zero, grows and survives its own byte form', () => {
    const t = new TokenTable();
    for (let i = 0; i < 5000; i++) t.add(`token${i}`, i % 7, 1);
    t.add('token3', -100, 0);
    assert.equal(t.size, 5000);
    assert.ok(t.capacity >= 8192);
    assert.deepEqual(unpack(t.get('token10') as number), { spam: 3, ham: 1 });
    assert.deepEqual(unpack(t.get('token3') as number), { spam: 0, ham: 1 });
    assert.equal(t.get('never seen'), undefined);
    const copy = TokenTable.fromBuffer(t.toBuffer()) as TokenTable;
    assert.deepEqual(unpack(copy.get('token4999') as number), { spam: 4999 % 7, ham: 1 });
    assert.equal(copy.size, 5000);
    assert.equal(TokenTable.fromBuffer(Buffer.alloc(100)), undefined);
  });

  it('hashes exactly the tokens the string tokenizer makes', () => {
    const raw = message(
      { From: '"Deals" <x@shop.example.kr>', Subject: '=?koi8-r?B?8NLJ18XU?= cheap watches', 'Content-Type': 'multipart/alternative; boundary=b' },
      ['--b', 'Content-Type: text/plain; charset=iso-8859-1', 'Content-Transfer-Encoding: quoted-printable', '', 'Caf=E9 offer: write to a.b@example.org, www.example.com/x', '--b', 'Content-Type: text/html', '', '<p>Click <a href="http://203.0.113.5/buy">here</a> now xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx</p>', '--b--'].join('\n'),
    );
    for (const m of [raw, spam(3), ham(4)]) {
      const strings = tokenize(m);
      const hashed = tokenizeHashed(m);
      const got: string[] = [];
      for (let k = 0; k < hashed.count; k++) got.push(`${hashed.hashes[2 * k]}:${hashed.hashes[2 * k + 1]}`);
      assert.deepEqual(got.sort(), hashes(strings.tokens));
      assert.deepEqual([...hashed.localeTokens].sort(), [...strings.localeTokens].sort());
    }
  });
});

describe('junk token snapshot', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'junk-snapshot-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is written after learning, loaded by the next process, and ignored once out of date', () => {
    const trainer = new JunkFilter(new TokenStore(TokenStore.pathFor(dir)), undefined, 1);
    trainer.learnMany([0, 1, 2, 3].map(spam), 'spam');
    trainer.learnMany([0, 1, 2, 3].map(ham), 'ham');
    // Reinforcing the good mail needed the table, which then was stored already; either way one is current now.
    trainer.saveSnapshot();
    assert.equal(trainer.saveSnapshot(), false, 'already current');

    const reader = new TokenStore(TokenStore.pathFor(dir));
    const loaded = reader.loadTable();
    assert.equal(loaded.fromSnapshot, true);
    assert.deepEqual(unpack(loaded.table.get('s:free') as number), { spam: 4, ham: 0 });

    trainer.learn(spam(9), 'spam');
    const stale = reader.loadTable();
    assert.equal(stale.fromSnapshot, false);
    assert.deepEqual(unpack(stale.table.get('s:free') as number), { spam: 5, ham: 0 });
    // A snapshot of a generation that has moved on is refused.
    assert.equal(reader.saveSnapshot(loaded.table, loaded.totals.generation), false);
    reader.close();

    // Scoring with and without clues (hashes or strings) agrees.
    const scorer = new JunkFilter(new TokenStore(TokenStore.pathFor(dir)), undefined, 1);
    for (const m of [spam(20), ham(21)]) assert.equal(scorer.classify(m).probability, scorer.classify(m, undefined, true).probability);
    // A one-shot reader (pillarbox classify) keeps the counts it loaded; the engine's default follows other writers.
    scorer.followOtherWriters = false;
    const before = scorer.classify(spam(30), undefined, true).clues.find((c) => c.token === 's:free')?.f;
    const follower = new JunkFilter(new TokenStore(TokenStore.pathFor(dir)), undefined, 1);
    follower.classify(spam(30));
    trainer.learnMany([40, 41, 42, 43, 44, 45].map(ham).map((m) => Buffer.from(m.toString().replace('Subject: Re: release notes', 'Subject: free release notes'))), 'ham');
    assert.equal(scorer.classify(spam(30), undefined, true).clues.find((c) => c.token === 's:free')?.f, before);
    assert.notEqual(follower.classify(spam(30), undefined, true).clues.find((c) => c.token === 's:free')?.f, before);
    follower.close();
    scorer.close();
    trainer.close();
  });
});
