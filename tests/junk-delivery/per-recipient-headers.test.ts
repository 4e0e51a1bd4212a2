import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { ImapFlow } from 'imapflow';
import { JunkFilter } from '../../server/junk/filter';
import { startEngine, type TestEngine } from '../helpers/engine';
import { smtpSend } from '../helpers/smtp';
import { ham, message, spam } from '../junk/fixtures';

const USERS = ['alice', 'carol', 'dave', 'erin'];
const password = (name: string) => `${name}-password-1`;

/** Scores 3.4 with the table trained below: junk at Least (3), not at Moderate (5, the server's) or Most (8). */
const borderline = message(
  { From: '"Best Deals" <deals1@promo-1.example.biz>', To: 'alice@example.test', Subject: 'Re: release notes', 'Message-ID': '<borderline@promo-1.example.biz>', 'Content-Type': 'text/plain; charset=utf-8' },
  'Make money fast with our exclusive offer, click here now!\nCheap pills, no prescription needed, order today and save 80%\n',
);

/** Sieve sees each copy's own verdict, by spamtest and by the X-Spam-Flag header; the implicit keep keeps the junk stage's folder. */
const SCRIPT = [
  'require ["spamtest", "relational", "comparator-i;ascii-numeric", "imap4flags"];',
  'if spamtest :value "ge" :comparator "i;ascii-numeric" "6" { addflag "sieve-spamtest"; }',
  'if header :is "X-Spam-Flag" "YES" { addflag "sieve-flag"; }',
  '',
].join('\n');

/**
 * Per-recipient X-Spam-* headers and subject tag: one message, one SMTP transaction, four local
 * users with different junk settings; each copy, read over IMAP, carries its user's verdict.
 */
describe('per-recipient junk headers', () => {
  let t: TestEngine;
  const id = (name: string) => t.engine.ctx.directory.userByName(name)!.id;
  const send = async (raw: Buffer, from: string) => {
    await smtpSend(t.ports.smtp, from, USERS.map((u) => `${u}@example.test`), raw.toString('latin1'));
    await t.engine.ctx.queue.idle();
  };
  /** The newest message of a user's mailbox over IMAP: its source and flags. */
  const newest = async (user: string, mailbox: string) => {
    const imap = new ImapFlow({ host: '127.0.0.1', port: t.ports.imaps, secure: true, auth: { user, pass: password(user) }, tls: { rejectUnauthorized: false }, logger: false });
    await imap.connect();
    try {
      const box = await imap.mailboxOpen(mailbox);
      assert.ok(box.exists > 0, `${user}'s ${mailbox} is empty`);
      const m = await imap.fetchOne('*', { source: true, flags: true });
      assert.ok(m && m.source && m.flags);
      return { source: m.source.toString('latin1'), flags: [...m.flags] };
    } finally {
      await imap.logout();
    }
  };
  const inode = (user: string, mailbox: string) => fs.statSync(t.engine.ctx.store.messages(t.engine.ctx.store.mailbox(id(user), mailbox)!.id).at(-1)!.file).ino;

  before(async () => {
    t = await startEngine({ users: USERS.map((shortName) => ({ shortName, password: password(shortName) })) });
    const trainer = JunkFilter.open(t.dataDir);
    trainer.learnMany(Array.from({ length: 240 }, (_, i) => spam(i)), 'spam');
    trainer.learnMany(Array.from({ length: 240 }, (_, i) => ham(i)), 'ham');
    trainer.close();
    t.engine.ctx.settings.update({ junkScanEnabled: true, junkTagSubject: true, junkSubjectTag: '[JUNK]' });
    t.engine.ctx.userJunk.setPermissiveness(id('alice'), 'least');
    t.engine.ctx.userJunk.setPermissiveness(id('carol'), 'most');
    t.engine.ctx.userJunk.setSenders(id('carol'), 'allow', ['promo-0.example.biz']);
    for (const u of ['alice', 'carol']) await t.engine.ctx.sieve.put(id(u), 'junk', SCRIPT, { activate: true });
  });
  after(() => t.stop());

  it('a message junk only at Alice\u2019s level: her copy says so, tagged and in Junk; the others carry the server\u2019s verdict or their own', async () => {
    await send(borderline, 'deals1@promo-1.example.biz');
    const alice = await newest('alice', 'Junk');
    assert.match(alice.source, /^X-Spam-Flag: YES\r\n/m);
    assert.match(alice.source, /^X-Spam-Status: Yes, score=3\.4 required=3\.0 /m);
    assert.match(alice.source, /^X-Spam-Level: \*\*\*\r\n/m);
    assert.match(alice.source, /^Subject: \[JUNK\] Re: release notes\r\n/m);
    for (const f of ['$Junk', 'sieve-spamtest', 'sieve-flag']) assert.ok(alice.flags.includes(f), `alice's copy has ${f}: ${alice.flags.join(' ')}`);

    const carol = await newest('carol', 'INBOX');
    assert.match(carol.source, /^X-Spam-Status: No, score=3\.4 required=8\.0 /m);
    assert.match(carol.source, /^X-Spam-Flag: NO\r\n/m);
    assert.match(carol.source, /^Subject: Re: release notes\r\n/m);
    assert.deepEqual(carol.flags.filter((f) => !f.startsWith('\\')), [], 'neither spamtest nor the header is junk to Carol\u2019s script');

    for (const u of ['dave', 'erin']) {
      const copy = await newest(u, 'INBOX');
      assert.match(copy.source, /^X-Spam-Status: No, score=3\.4 required=5\.0 /m, u);
      assert.match(copy.source, /^Subject: Re: release notes\r\n/m, u);
    }
    // Recipients whose copies read the same share one file (the body is not written per recipient).
    assert.equal(inode('dave', 'INBOX'), inode('erin', 'INBOX'));
    assert.notEqual(inode('alice', 'Junk'), inode('dave', 'INBOX'));
    assert.notEqual(inode('carol', 'INBOX'), inode('dave', 'INBOX'));
    assert.equal(t.engine.ctx.store.messages(t.engine.ctx.store.mailbox(id('alice'), 'INBOX')!.id).length, 0, 'nothing in Alice\u2019s INBOX');
  });

  it('junk for the server: tagged for those it is junk to, untagged with a welcome-list verdict for Carol who allows the sender', async () => {
    await send(spam(3000), 'deals3000@promo-0.example.biz');
    const carol = await newest('carol', 'INBOX');
    assert.match(carol.source, /^X-Spam-Flag: NO\r\n/m);
    assert.match(carol.source, /^X-Spam-Status: No, score=-90\.0 required=8\.0 tests=BAYES_99,BAYES_999,USER_IN_WELCOMELIST\r\n/m);
    assert.match(carol.source, /^Subject: FREE offer 3000 - act now!!\r\n/m);
    assert.ok(!carol.flags.includes('sieve-spamtest') && !carol.flags.includes('sieve-flag'), carol.flags.join(' '));

    const alice = await newest('alice', 'INBOX');
    assert.match(alice.source, /^X-Spam-Status: Yes, score=10\.0 required=3\.0 /m);
    assert.match(alice.source, /^Subject: \[JUNK\] FREE offer 3000/m);
    for (const u of ['dave', 'erin']) {
      const copy = await newest(u, 'INBOX');
      assert.match(copy.source, /^X-Spam-Status: Yes, score=10\.0 required=5\.0 /m, u);
      assert.match(copy.source, /^Subject: \[JUNK\] FREE offer 3000/m, u);
    }
    assert.equal(inode('dave', 'INBOX'), inode('erin', 'INBOX'));
  });
});
