import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ImapFlow } from 'imapflow';
import { JunkFilter, MIN_LEARNT_PER_CLASS } from '../../server/junk/filter';
import { type TestEngine, startEngine } from '../helpers/engine';
import { smtpSend } from '../helpers/smtp';
import { gqlOk, login, userLogin } from '../graphql/client';
import { putMessage } from '../imap/helpers';
import { ham, spam } from './fixtures';

interface Table {
  shortName: string | null;
  spamLearnt: number;
  hamLearnt: number;
  inUse: boolean;
}

/**
 * Per-user token tables (junkTokenTables = per-user): Alice teaches her own table, through IMAP,
 * the opposite of what the global table knows (the release notes are junk to her, the offers
 * welcome); her mail is scored by her table once it knows 200 of each, Carol's by the global one.
 */
describe('per-user junk token tables', () => {
  let t: TestEngine;
  let imap: ImapFlow;
  let admin: string;
  const id = (name: string) => t.engine.ctx.directory.userByName(name)!.id;
  const count = (name: string, mailbox: string) => t.engine.ctx.store.messages(t.engine.ctx.store.mailbox(id(name), mailbox)!.id).length;
  const statistics = async () =>
    (await gqlOk<{ junkStatistics: { spamLearnt: number; hamLearnt: number; tokenTables: string; userTables: Table[] } }>(t.ports.http, '{ junkStatistics { spamLearnt hamLearnt tokenTables userTables { shortName spamLearnt hamLearnt inUse } } }', { token: admin })).junkStatistics;
  /** Files messages into Alice's `from` mailbox, then moves them into `to` with one IMAP MOVE. */
  const teach = async (messages: Buffer[], from: string, to: string) => {
    const uids: number[] = [];
    for (const m of messages) uids.push(await putMessage(t, m, { user: 'alice', mailbox: from }));
    await imap.mailboxOpen(from);
    await imap.messageMove(uids.join(','), to, { uid: true });
    await t.engine.ctx.junkLearning.idle();
  };
  const deliver = async (raw: Buffer, from: string) => {
    await smtpSend(t.ports.smtp, from, ['alice@example.test', 'carol@example.test'], raw.toString('latin1'));
    await t.engine.ctx.queue.idle();
  };

  before(async () => {
    t = await startEngine({ users: [{ shortName: 'alice', password: 'alice-password-1' }, { shortName: 'carol', password: 'carol-password-1' }, { shortName: 'junkmail', password: 'junkmail-password-1' }] });
    const trainer = JunkFilter.open(t.dataDir);
    trainer.learnMany(Array.from({ length: 240 }, (_, i) => spam(i)), 'spam');
    trainer.learnMany(Array.from({ length: 240 }, (_, i) => ham(i)), 'ham');
    trainer.close();
    t.engine.ctx.settings.update({ junkScanEnabled: true, junkTokenTables: 'per-user' });
    imap = new ImapFlow({ host: '127.0.0.1', port: t.ports.imaps, secure: true, auth: { user: 'alice', pass: 'alice-password-1' }, tls: { rejectUnauthorized: false }, logger: false });
    await imap.connect();
    admin = await login(t.ports.http);
  });
  after(async () => {
    await imap.logout();
    await t.stop();
  });

  it('learning from Alice\u2019s Junk folder feeds her table only; until it knows enough, the global table scores her mail', async () => {
    await teach(Array.from({ length: MIN_LEARNT_PER_CLASS }, (_, i) => ham(5000 + i)), 'INBOX', 'Junk');
    const stats = await statistics();
    assert.equal(stats.tokenTables, 'PER_USER');
    assert.deepEqual([stats.spamLearnt, stats.hamLearnt], [240, 240], 'the global table learnt nothing from Alice');
    assert.deepEqual(stats.userTables, [{ shortName: 'alice', spamLearnt: MIN_LEARNT_PER_CLASS, hamLearnt: 0, inUse: false }]);
    // Only junk so far in her table: it abstains, so the global verdict (not junk) stands.
    const before = count('alice', 'INBOX');
    await deliver(ham(7000), 'bob@example.org');
    assert.equal(count('alice', 'INBOX'), before + 1);
  });

  it('once it knows 200 of each, Alice\u2019s table decides her copy and the global one Carol\u2019s', async () => {
    await teach(Array.from({ length: MIN_LEARNT_PER_CLASS }, (_, i) => spam(5000 + i)), 'Junk', 'INBOX');
    assert.deepEqual((await statistics()).userTables, [{ shortName: 'alice', spamLearnt: MIN_LEARNT_PER_CLASS, hamLearnt: MIN_LEARNT_PER_CLASS, inUse: true }]);
    const before = { aliceJunk: count('alice', 'Junk'), aliceInbox: count('alice', 'INBOX'), carolInbox: count('carol', 'INBOX') };
    await deliver(ham(7001), 'bob@example.org');
    assert.equal(count('alice', 'Junk'), before.aliceJunk + 1, 'junk to Alice');
    assert.equal(count('carol', 'INBOX'), before.carolInbox + 1, 'not junk to Carol');
    t.engine.ctx.settings.update({ junkAction: 'delete' });
    try {
      await deliver(spam(7002), 'deals@promo.example.biz');
      assert.equal(count('alice', 'INBOX'), before.aliceInbox + 1, 'the offer is welcome to Alice');
      assert.equal(count('carol', 'INBOX'), before.carolInbox + 1, 'and deleted as junk for Carol');
    } finally {
      t.engine.ctx.settings.update({ junkAction: 'deliver' });
    }
    // Alice sees her own table.
    const token = await userLogin(t.ports.http, 'alice', 'alice-password-1');
    const mine = await gqlOk<{ myJunkSettings: { ownTable: { spamLearnt: number; hamLearnt: number; inUse: boolean } } }>(t.ports.http, '{ myJunkSettings { ownTable { spamLearnt hamLearnt inUse } } }', { token });
    assert.deepEqual(mine.myJunkSettings.ownTable, { spamLearnt: MIN_LEARNT_PER_CLASS, hamLearnt: MIN_LEARNT_PER_CLASS, inUse: true });
  });

  it('a message Carol redirects to junkmail is learnt into the global table and into Carol\u2019s', async () => {
    // A redirect keeps the junk's own From; Resent-From and the envelope name Carol.
    const redirected = Buffer.from(`Resent-From: Carol <carol@example.test>\r\nResent-To: junkmail@example.test\r\nFrom: "Cruises" <win@cruise.example.biz>\r\nTo: carol@example.test\r\nSubject: You won\r\nMessage-ID: <fwd1@cruise.example.biz>\r\n\r\nWin a cruise today, click now.\r\n`);
    await smtpSend(t.ports.smtp, 'carol@example.test', ['junkmail@example.test'], redirected.toString('latin1'));
    await t.engine.ctx.queue.idle();
    await gqlOk(t.ports.http, 'mutation { runJob(input: {name: "junk-training"}) { run { outcome } } }', { token: admin });
    const stats = await statistics();
    assert.equal(stats.spamLearnt, 241);
    assert.deepEqual(stats.userTables.find((u) => u.shortName === 'carol'), { shortName: 'carol', spamLearnt: 1, hamLearnt: 0, inUse: false });
  });

  it('a deleted user\u2019s table goes with the user', async () => {
    await t.engine.ctx.accounts.delete(id('carol'));
    assert.deepEqual((await statistics()).userTables.map((u) => u.shortName), ['alice']);
  });
});
