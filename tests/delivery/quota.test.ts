import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, type TestEngine } from '../helpers/engine';
import { simpleMessage, smtpSend } from '../helpers/smtp';

describe('quotas and bounces', () => {
  let t: TestEngine;
  const id = (name: string) => t.engine.ctx.directory.userByName(name)!.id;
  const inbox = (name: string) => t.engine.ctx.store.mailbox(id(name), 'INBOX')!;
  const subjects = async (name: string) =>
    Promise.all(
      t.engine.ctx.store.messages(inbox(name).id).map(async (m) => /^Subject: (.*)$/m.exec((await t.engine.ctx.store.readMessage(m)).toString())?.[1]),
    );

  before(async () => {
    t = await startEngine({
      users: [
        { shortName: 'alice', password: 'alice-password-1' },
        { shortName: 'tiny', password: 'tiny-password-1', quotaMb: 1 },
      ],
    });
  });
  after(() => t.stop());

  it('holds a message that does not fit in the queue (4.2.2) and tells the user once', async () => {
    const filler = Buffer.from(simpleMessage('filler', 'z'.repeat(76) + '\r\n').repeat(1).replace(/z+\r\n$/, ('z'.repeat(998) + '\r\n').repeat(900)));
    await t.engine.ctx.store.append([{ userId: id('tiny'), mailbox: 'INBOX', source: { parts: [filler] } }]);
    const big = simpleMessage('does not fit', ('w'.repeat(998) + '\r\n').repeat(200));
    const r = await smtpSend(t.ports.smtp, 'alice@example.test', ['tiny@example.test'], big);
    assert.match(r.data!, /^250 /, 'accepted: the mailbox was not yet full at RCPT');
    await waitFor(() => t.engine.ctx.queue.entries().some((e) => e.state === 'deferred'));
    const entry = t.engine.ctx.queue.entries()[0];
    assert.match(entry.lastError ?? '', /4\.2\.2 mailbox full/);
    assert.ok((await subjects('tiny')).includes('Your mailbox is full'), 'over-quota notice delivered');
  });

  it('refuses at RCPT with 452 4.2.2 once the mailbox is full, or 552 5.2.2 when full mailboxes are disabled', async () => {
    const filler = Buffer.from(('v'.repeat(998) + '\r\n').repeat(200));
    await t.engine.ctx.store.append([{ userId: id('tiny'), mailbox: 'INBOX', source: { parts: [filler] } }]);
    const r = await smtpSend(t.ports.smtp, 'bob@example.org', ['tiny@example.test'], simpleMessage('more'));
    assert.match(r.rcpt[0], /^452 4\.2\.2 /);
    t.engine.ctx.settings.update({ disableMailboxOverQuota: true });
    try {
      const r2 = await smtpSend(t.ports.smtp, 'bob@example.org', ['tiny@example.test'], simpleMessage('more'));
      assert.match(r2.rcpt[0], /^552 5\.2\.2 /);
    } finally {
      t.engine.ctx.settings.update({ disableMailboxOverQuota: false });
    }
  });

  it('delivers the held message once there is room (retry), leaving the queue empty', async () => {
    const box = inbox('tiny');
    const uids = t.engine.ctx.store.messages(box.id).filter((m) => m.size > 100_000).map((m) => m.uid);
    await t.engine.ctx.store.expunge(box.id, uids);
    for (const e of t.engine.ctx.queue.entries()) t.engine.ctx.queue.retry(e.id);
    await t.engine.ctx.queue.idle();
    assert.deepEqual(t.engine.ctx.queue.entries(), []);
    assert.ok((await subjects('tiny')).includes('does not fit'));
  });

  it('returns a permanent local failure to the sender as an RFC 3464 report', async () => {
    t.engine.ctx.settings.update({ disableMailboxOverQuota: true, overQuotaNoticeEnabled: false });
    try {
      const filler = Buffer.from(('u'.repeat(998) + '\r\n').repeat(700));
      await t.engine.ctx.store.append([{ userId: id('tiny'), mailbox: 'INBOX', source: { parts: [filler] } }]);
      const r = await smtpSend(t.ports.smtp, 'alice@example.test', ['tiny@example.test'], simpleMessage('bounce me', ('b'.repeat(998) + '\r\n').repeat(300)));
      assert.match(r.data!, /^250 /);
      await t.engine.ctx.queue.idle();
      const box = inbox('alice');
      const msgs = await Promise.all(t.engine.ctx.store.messages(box.id).map((m) => t.engine.ctx.store.readMessage(m)));
      const dsn = msgs.map((b) => b.toString()).find((m) => m.includes('Undelivered Mail Returned to Sender'));
      assert.ok(dsn, 'alice got the bounce');
      assert.match(dsn!, /^Return-Path: <>\r\n/);
      assert.match(dsn!, /Content-Type: multipart\/report; report-type=delivery-status/);
      assert.match(dsn!, /Final-Recipient: rfc822; tiny@example\.test\r\nAction: failed\r\nStatus: 5\.2\.2/);
      assert.match(dsn!, /Subject: bounce me/);
    } finally {
      t.engine.ctx.settings.update({ disableMailboxOverQuota: false, overQuotaNoticeEnabled: true });
    }
  });
});

async function waitFor(cond: () => boolean, ms = 10000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
