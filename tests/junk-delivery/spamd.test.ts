import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkWithSpamd, parseSpamdReply } from '../../server/junk/spamd-client';
import { startEngine, type TestEngine } from '../helpers/engine';
import { smtpSend } from '../helpers/smtp';
import { GTUBE, SPAMD, TestSpamd } from '../helpers/spamd';

const message = (subject: string, body: string) =>
  [`From: Bob <bob@example.org>`, 'To: alice@example.test', `Subject: ${subject}`, 'Date: Tue, 01 Dec 2026 10:00:00 +0000', `Message-ID: <${subject.replace(/\W/g, '')}@example.org>`, '', body, ''].join('\r\n');

describe('SpamAssassin spamd as a second opinion', { skip: SPAMD ? undefined : 'spamd is not installed (apt-get install spamd)' }, () => {
  let spamd: TestSpamd;
  let t: TestEngine;
  const stored = async () => {
    const box = t.engine.ctx.store.mailbox(t.engine.ctx.directory.userByName('alice')!.id, 'INBOX')!;
    return Promise.all(t.engine.ctx.store.messages(box.id).map(async (m) => (await t.engine.ctx.store.readMessage(m)).toString()));
  };
  const send = async (raw: string) => {
    const r = await smtpSend(t.ports.smtp, 'bob@example.org', ['alice@example.test'], raw);
    assert.match(r.data ?? '', /^250 /);
    await t.engine.ctx.queue.idle();
    return (await stored()).at(-1) as string;
  };

  before(async () => {
    spamd = await new TestSpamd().start();
    t = await startEngine({ users: [{ shortName: 'alice', password: 'alice-password-1' }] });
    // The Bayes filter is untrained here (it abstains): what marks junk is spamd alone.
    t.engine.ctx.settings.update({ junkScanEnabled: true, junkSpamdEnabled: true, junkSpamdAddress: spamd.address });
  });
  after(async () => {
    await t?.stop();
    await spamd?.remove();
  });

  it('speaks SPAMC/1.5: GTUBE is spam with its rules listed, a plain note is not', async () => {
    const junk = await checkWithSpamd(spamd.address, Buffer.from(message('gtube', GTUBE)));
    assert.equal(junk.isSpam, true);
    assert.ok(junk.score >= 1000);
    assert.ok(junk.symbols.includes('GTUBE'));
    const clean = await checkWithSpamd(spamd.address, Buffer.from(message('lunch', 'Lunch tomorrow at noon?')));
    assert.equal(clean.isSpam, false);
    assert.throws(() => parseSpamdReply('SPAMD/1.1 76 Bad header line\r\n\r\n'), /refused the message: 76/);
  });

  it('adds spamd\u2019s score and rules to X-Spam-Status; Sieve spamtest sees it', async () => {
    const junk = await send(message('buy now', GTUBE));
    assert.match(junk, /^X-Spam-Flag: YES\r$/m);
    assert.match(junk, /^X-Spam-Status: Yes, score=\d{3,}\.\d required=5\.0 tests=[A-Z0-9_,]*GTUBE/m);
    const clean = await send(message('lunch', 'Lunch tomorrow at noon?'));
    assert.match(clean, /^X-Spam-Flag: NO\r$/m);
    const alice = t.engine.ctx.directory.userByName('alice')!.id;
    await t.engine.ctx.sieve.put(alice, 'junk', 'require ["spamtest", "fileinto", "relational", "comparator-i;ascii-numeric"];\nif spamtest :value "ge" :comparator "i;ascii-numeric" "6" { fileinto "Junk"; }\n', { activate: true });
    await send(message('sorted by sieve', GTUBE));
    const junkBox = t.engine.ctx.store.mailbox(alice, 'Junk')!;
    const inJunk = await Promise.all(t.engine.ctx.store.messages(junkBox.id).map(async (m) => (await t.engine.ctx.store.readMessage(m)).toString()));
    assert.ok(inJunk.some((m) => /sorted by sieve/.test(m)), 'spamtest reflects spamd\u2019s verdict');
    await t.engine.ctx.sieve.put(alice, 'junk', 'keep;', { activate: true });
  });

  it('spamd down: mail is still delivered, scored by the Bayes filter alone', async () => {
    await spamd.stop();
    const got = await send(message('while spamd is down', GTUBE));
    assert.match(got, /^X-Spam-Flag: NO\r$/m, 'an untrained filter alone does not call it junk');
    assert.match(got, /while spamd is down/);
  });
});
