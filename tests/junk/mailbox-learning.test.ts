import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ImapFlow } from 'imapflow';
import type { TestEngine } from '../helpers/engine';
import { gqlOk, login } from '../graphql/client';
import { ALICE, putMessage, startImapEngine, userId } from '../imap/helpers';

/** A message of its own words, so that each one is a different message to the filter. */
function message(n: number): string {
  return (
    `From: Sender ${n} <sender${n}@example.org>\r\nTo: alice@mail.example.test\r\nSubject: offer number ${n}\r\n` +
    `Message-ID: <m${n}@example.org>\r\n\r\nCheap watches ${n} and word${n} and more${n % 97} text${n % 13}.\r\n`
  );
}

describe('the junk filter learns from users\u2019 filing into and out of Junk (imapflow)', () => {
  let t: TestEngine;
  let imap: ImapFlow;
  let token: string;

  before(async () => {
    t = await startImapEngine();
    imap = new ImapFlow({ host: '127.0.0.1', port: t.ports.imaps, secure: true, auth: { user: ALICE.shortName, pass: ALICE.password }, tls: { rejectUnauthorized: false }, logger: false });
    await imap.connect();
    token = await login(t.ports.http);
  });
  after(async () => {
    await imap.logout();
    await t.stop();
  });

  const learnt = async () => {
    await t.engine.ctx.junkLearning.idle();
    const s = t.engine.ctx.junkFilter.stats();
    return { spam: s.spamLearnt, ham: s.hamLearnt };
  };

  it('a move into Junk is learnt as junk, a move back out as not junk, a move to Trash as nothing; junkStatistics shows it', async () => {
    const uid = await putMessage(t, message(1));
    assert.deepEqual(await learnt(), { spam: 0, ham: 0 }, 'a delivery is no lesson');
    await imap.mailboxOpen('INBOX');
    const moved = await imap.messageMove(String(uid), 'Junk', { uid: true });
    assert.ok(moved);
    assert.deepEqual(await learnt(), { spam: 1, ham: 0 });
    await imap.mailboxOpen('Junk');
    await imap.messageMove('1:*', 'INBOX', { uid: true });
    assert.deepEqual(await learnt(), { spam: 0, ham: 1 }, 'moved back: the same message, now not junk');
    // Junk → Trash says nothing about the message.
    const second = await putMessage(t, message(2), { mailbox: 'Junk' });
    await imap.mailboxOpen('Junk');
    await imap.messageMove(String(second), 'Trash', { uid: true });
    assert.deepEqual(await learnt(), { spam: 0, ham: 1 });
    const stats = (
      await gqlOk<{ junkStatistics: { spamLearnt: number; hamLearnt: number; mailboxLearning: Record<string, number> } }>(
        t.ports.http,
        '{ junkStatistics { spamLearnt hamLearnt mailboxLearning { waiting learntAsJunk learntAsNotJunk alreadyKnown dropped } } }',
        { token },
      )
    ).junkStatistics;
    assert.deepEqual(stats.mailboxLearning, { waiting: 0, learntAsJunk: 1, learntAsNotJunk: 1, alreadyKnown: 0, dropped: 0 });
    assert.equal(stats.hamLearnt, 1);
  });

  it('a copy and an APPEND into Junk count; the same message twice counts once', async () => {
    const before = await learnt();
    const uid = await putMessage(t, message(3));
    await imap.mailboxOpen('INBOX');
    await imap.messageCopy(String(uid), 'Junk', { uid: true });
    await imap.messageCopy(String(uid), 'Junk', { uid: true });
    await imap.append('Junk', message(4));
    assert.deepEqual(await learnt(), { spam: before.spam + 2, ham: before.ham });
    assert.equal(t.engine.ctx.junkLearning.stats().alreadyKnown, 1);
  });

  it('the $Junk and $NotJunk keywords count the same (RFC 9051 2.3.2)', async () => {
    const before = await learnt();
    const a = await putMessage(t, message(5));
    const b = await putMessage(t, message(6));
    await imap.mailboxOpen('INBOX');
    await imap.messageFlagsAdd(String(a), ['$Junk'], { uid: true });
    await imap.messageFlagsAdd(String(b), ['$NotJunk'], { uid: true });
    assert.deepEqual(await learnt(), { spam: before.spam + 1, ham: before.ham + 1 });
    // Another flag on a message learnt already changes nothing.
    await imap.messageFlagsAdd(String(a), ['\\Seen'], { uid: true });
    assert.deepEqual(await learnt(), { spam: before.spam + 1, ham: before.ham + 1 });
  });

  it('learns nothing while junkLearnFromMailboxes is off', async () => {
    const before = await learnt();
    t.engine.ctx.settings.update({ junkLearnFromMailboxes: false });
    try {
      const uid = await putMessage(t, message(7));
      await imap.mailboxOpen('INBOX');
      await imap.messageMove(String(uid), 'Junk', { uid: true });
      assert.deepEqual(await learnt(), before);
    } finally {
      t.engine.ctx.settings.update({ junkLearnFromMailboxes: true });
    }
  });

  it('10,000 messages moved into Junk are learnt in the background while another session keeps its answers quick', async () => {
    const before = await learnt();
    const id = userId(t, ALICE.shortName);
    const store = t.engine.ctx.store;
    // Ten folders of 1,000: each MOVE is 1,000 messages (a SELECT of 10,000 is issue 16's to measure).
    for (let f = 0; f < 10; f++) {
      store.createMailbox(id, `Bulk${f}`);
      for (let i = 0; i < 1000; i += 500) {
        await store.append(Array.from({ length: 500 }, (_, k) => ({ userId: id, mailbox: `Bulk${f}`, source: { parts: [Buffer.from(message(1000 + f * 1000 + i + k))] } })));
      }
    }
    const other = new ImapFlow({ host: '127.0.0.1', port: t.ports.imaps, secure: true, auth: { user: ALICE.shortName, pass: ALICE.password }, tls: { rejectUnauthorized: false }, logger: false });
    await other.connect();
    try {
      await other.mailboxOpen('INBOX');
      for (let f = 0; f < 10; f++) {
        await imap.mailboxOpen(`Bulk${f}`);
        await imap.messageMove('1:*', 'Junk', { uid: true });
      }
      // The moves have answered; learning goes on. The other session is answered meanwhile (the
      // engine's watchdog fails this test if learning holds the event loop for 100 ms).
      const latencies: number[] = [];
      while (t.engine.ctx.junkLearning.stats().waiting > 0) {
        const started = performance.now();
        await other.noop();
        latencies.push(performance.now() - started);
      }
      assert.ok(latencies.length > 0, 'learning was still going on after the MOVEs answered');
      const after = await learnt();
      assert.equal(after.spam, before.spam + 10_000);
      process.stderr.write(`10,000 lessons: ${latencies.length} NOOPs answered meanwhile, slowest ${Math.max(...latencies).toFixed(1)} ms\n`);
    } finally {
      await other.logout();
    }
  });
});
