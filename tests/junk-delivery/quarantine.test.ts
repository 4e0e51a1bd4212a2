import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { ImapFlow } from 'imapflow';
import { JunkFilter } from '../../server/junk/filter';
import { startEngine, type TestEngine } from '../helpers/engine';
import { smtpSend } from '../helpers/smtp';
import { errorCode, gql, gqlOk, login } from '../graphql/client';
import { ham, spam } from '../junk/fixtures';

interface Held {
  id: string;
  kind: string;
  sender: string;
  recipients: string[];
  subject: string;
  virus: string;
  junkScore: number | null;
}

/** junkAction QUARANTINE: junk is held in the quarantine beside infected mail, released to the INBOX unscreened, or deleted. */
describe('junk quarantine', () => {
  let t: TestEngine;
  let token: string;
  const inbox = async (user = 'alice') => {
    const box = t.engine.ctx.store.mailbox(t.engine.ctx.directory.userByName(user)!.id, 'INBOX')!;
    return Promise.all(t.engine.ctx.store.messages(box.id).map(async (m) => (await t.engine.ctx.store.readMessage(m)).toString()));
  };
  const send = async (raw: Buffer) => {
    const r = await smtpSend(t.ports.smtp, 'deals@promo.example.biz', ['alice@example.test'], raw.toString('latin1'));
    await t.engine.ctx.queue.idle();
    return r;
  };
  const held = async (kind?: string) =>
    (await gqlOk<{ quarantine: { totalCount: number; nodes: Held[] } }>(t.ports.http, `{ quarantine(first: 50${kind ? `, kind: ${kind}` : ''}) { totalCount nodes { id kind sender recipients subject virus junkScore } } }`, { token })).quarantine;
  const junkCounts = () => Object.fromEntries(t.engine.ctx.counters.sinceStart().filter((c) => c.counter === 'junk').map((c) => [c.label, c.value]));

  before(async () => {
    t = await startEngine({
      users: [
        { shortName: 'alice', password: 'alice-password-1' },
        { shortName: 'keeper', password: 'keeper-password-1' },
      ],
    });
    const trainer = JunkFilter.open(t.dataDir);
    trainer.learnMany(Array.from({ length: 240 }, (_, i) => spam(i)), 'spam');
    trainer.learnMany(Array.from({ length: 240 }, (_, i) => ham(i)), 'ham');
    trainer.close();
    token = await login(t.ports.http);
    // Set through the API, as an administrator would: the enum value is QUARANTINE.
    const set = await gqlOk<{ updateSettings: { junkAction: string } }>(t.ports.http, 'mutation { updateSettings(input: {junkScanEnabled: true, junkAction: QUARANTINE, junkNotify: "keeper"}) { junkAction } }', { token });
    assert.equal(set.updateSettings.junkAction, 'QUARANTINE');
  });
  after(() => t.stop());

  it('holds junk in the quarantine (kind JUNK, with its score) instead of delivering it, and tells junkNotify', async () => {
    const before = (await inbox()).length;
    await send(ham(2000));
    await send(spam(2000));
    const delivered = await inbox();
    assert.equal(delivered.length, before + 1, 'the good message only');
    assert.match(delivered.at(-1)!, /X-Spam-Flag: NO/);
    const junk = await held('JUNK');
    assert.equal(junk.totalCount, 1);
    const [m] = junk.nodes;
    assert.deepEqual([m.kind, m.sender, m.recipients, m.virus], ['JUNK', 'deals@promo.example.biz', ['alice@example.test'], '']);
    assert.match(m.subject, /FREE offer 2000/);
    assert.ok(m.junkScore !== null && m.junkScore >= 5, `a junk score (${m.junkScore})`);
    assert.equal((await held('VIRUS')).totalCount, 0);
    assert.equal((await held()).totalCount, 1);
    // The copy carries the verdict's headers, as the recipient would have had it.
    const file = t.engine.ctx.virus.quarantine.get(m.id)!.file;
    assert.match(fs.readFileSync(file, 'latin1'), /^X-Spam-Flag: YES\r\n/m);
    assert.equal(junkCounts().quarantine, 1);
    const notice = (await inbox('keeper')).at(-1)!;
    assert.match(notice, /Subject: Junk mail quarantined/);
    assert.ok(notice.includes(`It is kept in quarantine as ${m.id}.`));
  });

  it('releases junk to the INBOX without screening it again (seen over IMAP)', async () => {
    const [m] = (await held('JUNK')).nodes;
    const released = await gqlOk<{ releaseQuarantinedMessages: { done: string[]; queueIds: string[] } }>(t.ports.http, `mutation { releaseQuarantinedMessages(input: {ids: ["${m.id}"]}) { done queueIds } }`, { token });
    assert.deepEqual(released.releaseQuarantinedMessages.done, [m.id]);
    await t.engine.ctx.queue.idle();
    assert.equal((await held('JUNK')).totalCount, 0);
    assert.equal(junkCounts().quarantine, 1, 'not screened (and quarantined) again');
    const imap = new ImapFlow({ host: '127.0.0.1', port: t.ports.imaps, secure: true, auth: { user: 'alice', pass: 'alice-password-1' }, tls: { rejectUnauthorized: false }, logger: false });
    await imap.connect();
    try {
      const lock = await imap.getMailboxLock('INBOX');
      try {
        const found = await imap.search({ subject: 'FREE offer 2000' }, { uid: true });
        assert.ok(found && found.length === 1, 'the released message is in the INBOX');
        const msg = await imap.fetchOne(String(found[0]), { source: true }, { uid: true });
        assert.ok(msg);
        const source = msg.source!.toString('latin1');
        assert.match(source, /^Return-Path: <deals@promo\.example\.biz>\r\n/);
        assert.equal(source.match(/^X-Spam-Flag:/gm)?.length, 1, 'the verdict of the first screening, once');
      } finally {
        lock.release();
      }
    } finally {
      await imap.logout();
    }
  });

  it('deletes held junk for good; a MONITOR cannot', async () => {
    await send(spam(2001));
    const [m] = (await held('JUNK')).nodes;
    const file = t.engine.ctx.virus.quarantine.get(m.id)!.file;
    await gqlOk(t.ports.http, 'mutation { createAdmin(input: {username: "dash", password: "dashboard-pw-1", role: MONITOR}) { username } }', { token });
    const monitor = await login(t.ports.http, 'dash', 'dashboard-pw-1');
    assert.equal(errorCode(await gql(t.ports.http, `mutation { deleteQuarantinedMessages(input: {ids: ["${m.id}"]}) { done } }`, { token: monitor })), 'FORBIDDEN');
    const deleted = await gqlOk<{ deleteQuarantinedMessages: { done: string[] } }>(t.ports.http, `mutation { deleteQuarantinedMessages(input: {ids: ["${m.id}"]}) { done } }`, { token });
    assert.deepEqual(deleted.deleteQuarantinedMessages.done, [m.id]);
    assert.equal((await held()).totalCount, 0);
    assert.equal(fs.existsSync(file), false);
    assert.equal((await inbox()).filter((x) => x.includes('FREE offer 2001')).length, 0);
  });
});
