import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { JunkFilter, MIN_LEARNT_PER_CLASS } from '../../server/junk/filter';
import { TokenStore } from '../../server/junk/token-store';
import { UserJunkTables } from '../../server/junk/user-tables';
import { type TestEngine, startEngine } from '../helpers/engine';
import { smtpSend } from '../helpers/smtp';
import { ham, spam } from './fixtures';

const USERS = 8;
/** Tokens besides the fixtures' few dozen: a table of 8 MB, as one trained on 500 messages of each class is. */
const FILLER_TOKENS = 300_000;

/**
 * Writes a user table trained on the fixtures, padded to a realistic size, into `files`: the
 * first half with a snapshot of the current generation (the quick load), the others without
 * (the table is rebuilt from the tokens, and the snapshot written by the loader).
 */
function writeTables(files: string[]): void {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-junk-template-'));
  try {
    const template = path.join(scratch, 'template.db');
    const trainer = new JunkFilter(new TokenStore(template));
    trainer.learnMany(Array.from({ length: MIN_LEARNT_PER_CLASS }, (_, i) => spam(i)), 'spam');
    trainer.learnMany(Array.from({ length: MIN_LEARNT_PER_CLASS }, (_, i) => ham(i)), 'ham');
    trainer.store.apply([{ hash: 'filler', tokens: Array.from({ length: FILLER_TOKENS }, (_, i) => `filler${i}`), to: 'ham' }]);
    const copy = (from: number, to: number): void => {
      trainer.store.db.pragma('wal_checkpoint(TRUNCATE)');
      for (const f of files.slice(from, to)) fs.copyFileSync(template, f);
    };
    copy(files.length / 2, files.length);
    assert.ok(trainer.saveSnapshot());
    copy(0, files.length / 2);
    trainer.close();
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

const probes = (): Buffer[] => Array.from({ length: 12 }, (_, i) => (i % 2 ? spam(9000 + i) : ham(9000 + i)));

describe('user token tables load in a worker thread', () => {
  it('scores exactly as the synchronous load does, from a snapshot and from the tokens', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-junk-load-'));
    const tables = new UserJunkTables(dir);
    try {
      fs.mkdirSync(path.join(dir, 'db'));
      const files = [1, 2].map((id) => path.join(dir, 'db', `junk-user-${id}.db`));
      writeTables(files);
      // The synchronous load's answers, on copies, before the loader writes any snapshot.
      const expected = files.map((f) => {
        const copy = `${f}.sync`;
        fs.copyFileSync(f, copy);
        const filter = new JunkFilter(new TokenStore(copy));
        try {
          return probes().map((raw) => filter.classify(raw));
        } finally {
          filter.close();
        }
      });
      for (const [k, raw] of probes().entries()) {
        const got = await tables.scoreFor([1, 2], (filter) => filter.classify(raw));
        assert.deepEqual(got.get(1), expected[0][k], `message ${k}, user 1 (snapshot)`);
        assert.deepEqual(got.get(2), expected[1][k], `message ${k}, user 2 (rebuilt)`);
      }
      assert.equal(tables.loader.loaded, 2, 'each table read once, by the worker thread');
      // The loader stored the rebuilt table's snapshot: the next open loads it whole.
      const reopened = new TokenStore(files[1]);
      assert.equal(reopened.loadTable().fromSnapshot, true);
      reopened.close();
    } finally {
      tables.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('in delivery', () => {
    let t: TestEngine;
    const names = Array.from({ length: USERS }, (_, i) => `user${i}`);
    const id = (name: string) => t.engine.ctx.directory.userByName(name)!.id;
    const copies = (name: string, mailbox: string) => t.engine.ctx.store.messages(t.engine.ctx.store.mailbox(id(name), mailbox)!.id);

    before(async () => {
      t = await startEngine({ users: names.map((shortName) => ({ shortName, password: `${shortName}-password-1` })) });
      writeTables(names.map((n) => path.join(t.dataDir, 'db', `junk-user-${id(n)}.db`)));
      t.engine.ctx.settings.update({ junkScanEnabled: true, junkTokenTables: 'per-user' });
    });
    // stop() fails the test had the engine held its event loop for 100 ms of CPU (tests/helpers/engine.ts).
    after(() => t.stop());

    it('a message to users whose tables are not open is scored by each table, loaded off the event loop', async () => {
      assert.equal(t.engine.ctx.junkTables.openCount(), 0);
      const recipients = names.map((n) => `${n}@example.test`);
      await smtpSend(t.ports.smtp, 'deals@promo.example.biz', recipients, spam(9101).toString('latin1'));
      await smtpSend(t.ports.smtp, 'bob@example.org', recipients, ham(9102).toString('latin1'));
      await t.engine.ctx.queue.idle();
      // The global table (empty here) was read by it too, at the first message.
      assert.equal(t.engine.ctx.junkTables.loader.loaded, USERS + 1, 'every table was read by the worker thread, once');
      const statuses = new Set<string>();
      for (const name of names) {
        // The global table knows nothing and abstains; each user's own table calls the offer junk.
        assert.equal(copies(name, 'Junk').length, 1, `${name}: the offer in Junk`);
        assert.equal(copies(name, 'INBOX').length, 1, `${name}: the release notes in INBOX`);
        const stored = (await t.engine.ctx.store.readMessage(copies(name, 'Junk')[0])).toString('latin1');
        statuses.add(/^X-Spam-Status: .*\r\n\t.*$/m.exec(stored)?.[0] ?? 'none');
      }
      // Tables loaded from a snapshot and rebuilt from the tokens give one verdict.
      assert.equal(statuses.size, 1, [...statuses].join('\n'));
      assert.match([...statuses][0], /^X-Spam-Status: Yes/);
    });
  });
});
