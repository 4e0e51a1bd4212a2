import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JunkFilter } from '../../server/junk/filter';
import { startEngine, type TestEngine } from '../helpers/engine';
import { smtpSend } from '../helpers/smtp';
import { ham, spam } from '../junk/fixtures';

/** Junk screening in delivery: headers on every message, and the seed's four dispositions for junk. */
describe('junk screening in delivery', () => {
  let t: TestEngine;
  const id = (name: string) => t.engine.ctx.directory.userByName(name)!.id;
  const stored = async (name: string, mailbox = 'INBOX') => {
    const box = t.engine.ctx.store.mailbox(id(name), mailbox)!;
    return Promise.all(t.engine.ctx.store.messages(box.id).map(async (m) => (await t.engine.ctx.store.readMessage(m)).toString()));
  };
  const send = async (raw: Buffer, from = 'deals@promo.example.biz') => {
    const r = await smtpSend(t.ports.smtp, from, ['alice@example.test'], raw.toString('latin1'));
    await t.engine.ctx.queue.idle();
    return r;
  };

  before(async () => {
    t = await startEngine({
      users: [
        { shortName: 'alice', password: 'alice-password-1' },
        { shortName: 'quarantine', password: 'quarantine-pw-1' },
      ],
    });
    const trainer = JunkFilter.open(t.dataDir);
    trainer.learnMany(Array.from({ length: 240 }, (_, i) => spam(i)), 'spam');
    trainer.learnMany(Array.from({ length: 240 }, (_, i) => ham(i)), 'ham');
    trainer.close();
    t.engine.ctx.settings.update({ junkScanEnabled: true });
  });
  after(() => t.stop());

  it('marks clean mail X-Spam-Flag: NO and junk YES with SpamAssassin-style headers', async () => {
    await send(ham(1000), 'bob@example.org');
    await send(spam(1000));
    const [clean, junk] = (await stored('alice')).slice(-2);
    assert.match(clean, /^X-Spam-Flag: NO\r\n/m);
    assert.match(junk, /^X-Spam-Flag: YES\r\n/m);
    assert.match(junk, /^X-Spam-Level: \*{5,}/m);
    assert.match(junk, /^X-Spam-Status: Yes, score=\d+\.\d required=5\.0 tests=BAYES_\d+/m);
  });

  it('delivers junk with a subject tag when asked', async () => {
    t.engine.ctx.settings.update({ junkTagSubject: true });
    try {
      await send(spam(1001));
      const last = (await stored('alice')).at(-1)!;
      assert.match(last, /^Subject: \*\*\*JUNK MAIL\*\*\* FREE offer 1001/m);
    } finally {
      t.engine.ctx.settings.update({ junkTagSubject: false });
    }
  });

  it('redirects junk to another address, deletes it, or bounces it', async () => {
    const before = (await stored('alice')).length;
    t.engine.ctx.settings.update({ junkAction: 'redirect', junkRedirectTo: 'quarantine' });
    await send(spam(1002));
    assert.equal((await stored('alice')).length, before, 'not delivered to alice');
    assert.match((await stored('quarantine')).at(-1)!, /FREE offer 1002/);

    t.engine.ctx.settings.update({ junkAction: 'delete', junkNotify: 'quarantine' });
    await send(spam(1003));
    assert.equal((await stored('alice')).length, before, 'deleted');
    assert.match((await stored('quarantine')).at(-1)!, /Subject: Junk mail deleted/);

    t.engine.ctx.settings.update({ junkAction: 'bounce', junkNotify: '' });
    await send(spam(1004), 'alice@example.test');
    const bounce = (await stored('alice')).at(-1)!;
    assert.match(bounce, /Undelivered Mail Returned to Sender/);
    assert.match(bounce, /Status: 5\.7\.1/);
    const junk = Object.fromEntries(t.engine.ctx.counters.sinceStart().filter((c) => c.counter === 'junk').map((c) => [c.label, c.value]));
    assert.deepEqual([junk.redirect, junk.delete, junk.bounce], [1, 1, 1], 'junk counted by action');
    t.engine.ctx.settings.update({ junkAction: 'deliver', junkRedirectTo: '' });
  });

  it('lets Sieve test the verdict with spamtest', async () => {
    const script = 'require ["spamtest", "fileinto", "relational", "comparator-i;ascii-numeric"];\nif spamtest :value "ge" :comparator "i;ascii-numeric" "6" { fileinto "Junk"; }\n';
    await t.engine.ctx.sieve.put(id('alice'), 'junk', script);
    t.engine.ctx.sieve.setActive(id('alice'), 'junk');
    await send(spam(1005));
    assert.match((await stored('alice', 'Junk')).at(-1)!, /FREE offer 1005/);
  });

  it('leaves mail unscored and unmarked while screening is off', async () => {
    t.engine.ctx.settings.update({ junkScanEnabled: false, junkAction: 'bounce' });
    try {
      await send(spam(1006));
      const last = (await stored('alice')).at(-1)!;
      assert.match(last, /FREE offer 1006/);
      assert.doesNotMatch(last, /^X-Spam-/m);
    } finally {
      t.engine.ctx.settings.update({ junkScanEnabled: true, junkAction: 'deliver' });
    }
  });
});
