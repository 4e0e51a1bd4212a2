import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { MessageStructureObject } from 'imapflow';
import { startEngine, type TestEngine } from '../helpers/engine';
import { gqlOk, login } from '../graphql/client';
import { header, inImapInbox, inbox, mail, newestPart, qpBody } from './helpers';

const LIST = 'news@example.test';
const DIGEST = /^news@example\.test Digest, Vol (\d+), Issue (\d+)$/;

/**
 * Issue 11's digests: posts gather for members in a digest mode and go out as one issue, MIME
 * (RFC 2046 multipart/digest, every post whole) or plain text (RFC 1153), on the schedule (the
 * list-digests job), at once when they reach the size, or when an owner says so; volumes turn
 * with the volume frequency; a member switches by mail.
 */
describe('list digests: MIME and plain, by schedule and by size, with volumes and issues', () => {
  let t: TestEngine;
  let token: string;

  before(async () => {
    t = await startEngine({
      users: ['alice', 'bob', 'carol', 'dave'].map((n) => ({ shortName: n, password: `${n}-password-1`, fullName: n[0].toUpperCase() + n.slice(1) })),
      settings: { listsEnabled: true, inboundAuthChecks: false },
    });
    token = await login(t.ports.http);
    await gqlOk(t.ports.http, `mutation { createList(input: { name: "news", domain: "example.test", owners: ["alice"], digestSizeKb: 0, nonMemberAction: ACCEPT }) { id } }`, { token });
    await gqlOk(
      t.ports.http,
      `mutation { addListMembers(input: { list: "${LIST}", members: [{ address: "bob@example.test", digest: MIME }, { address: "carol@example.test", digest: PLAIN }, { address: "dave@example.test" }], welcome: false }) { added } }`,
      { token },
    );
  });
  after(() => t?.stop());

  const digests = async (user: string) => (await inbox(t, user)).filter((m) => DIGEST.test(header(m, 'Subject') ?? ''));
  const runJob = async () =>
    (await gqlOk<{ runJob: { run: { output: string } } }>(t.ports.http, 'mutation { runJob(input: {name: "list-digests"}) { run { output } } }', { token })).runJob.run.output;
  const listState = async () =>
    (await gqlOk<{ list: { digestVolume: number; digestIssue: number } }>(t.ports.http, `{ list(address: "${LIST}") { digestVolume digestIssue } }`, { token })).list;

  it('posts reach the regular member at once and wait for the digest members', async () => {
    await mail(t, 'dave@example.test', LIST, 'First', 'The first post.');
    const body = ['This is a MIME message.', '--XX', 'Content-Type: text/plain', '', 'See the attachment.', '--XX', 'Content-Type: application/octet-stream; name=a.bin', 'Content-Transfer-Encoding: base64', '', 'AAECAw==', '--XX--', ''].join('\r\n');
    await mail(t, 'dave@example.test', LIST, 'Zweite Nachricht', body, ['MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="XX"']);
    assert.equal((await inbox(t, 'dave')).filter((m) => /^\[news\] /.test(header(m, 'Subject') ?? '')).length, 2);
    assert.equal((await inbox(t, 'bob')).length, 0);
    assert.equal((await inbox(t, 'carol')).length, 0);
    assert.deepEqual(await listState(), { digestVolume: 1, digestIssue: 1 });
  });

  it('the job sends issue 1: a MIME digest with both posts whole, read over IMAP', async () => {
    assert.equal(await runJob(), '1 digest issue(s) sent');
    await t.engine.ctx.queue.idle();
    const [digest] = await digests('bob');
    assert.ok(digest, 'bob has a digest');
    assert.deepEqual(DIGEST.exec(header(digest, 'Subject')!)!.slice(1), ['1', '1']);
    assert.equal(header(digest, 'List-Id'), '<news.example.test>');
    assert.equal(header(digest, 'Auto-Submitted'), 'auto-generated');
    await inImapInbox(t, 'bob', async (imap) => {
      const message = await imap.fetchOne('*', { bodyStructure: true });
      assert.ok(message);
      const s = message.bodyStructure as MessageStructureObject;
      assert.equal(s.type, 'multipart/mixed');
      const types = (s.childNodes ?? []).map((c) => c.type);
      assert.deepEqual(types, ['text/plain', 'multipart/digest', 'text/plain']);
      const posts = s.childNodes![1].childNodes ?? [];
      assert.deepEqual(posts.map((p) => p.type), ['message/rfc822', 'message/rfc822'], 'each post is a message/rfc822 part');
      assert.equal(posts[0].envelope?.subject, '[news] First');
      assert.deepEqual((posts[1].childNodes?.[0]?.childNodes ?? []).map((c) => c.type), ['text/plain', 'application/octet-stream'], 'the attachment kept whole');
      const text = await newestPart(imap, '1');
      assert.match(text, /Today\u2019s Topics:/);
      assert.match(text, /1\. \[news\] First \(dave@example\.test\)/);
      assert.match(text, /2\. \[news\] Zweite Nachricht/);
    });
  });

  it('and a plain RFC 1153 digest for the plain member', async () => {
    const [digest] = await digests('carol');
    assert.ok(digest);
    const body = qpBody(digest);
    assert.match(body, /Send news@example\.test mailing list submissions to\r\n\tnews@example\.test/);
    assert.match(body, /Today\u2019s Topics:\r\n\r\n {3}1\. \[news\] First \(dave@example\.test\)\r\n {3}2\. \[news\] Zweite Nachricht/);
    assert.ok(body.includes(`\r\n${'-'.repeat(70)}\r\n`), 'the 70-dash line after the topics');
    assert.match(body, /Message: 1\r\nDate: .+\r\nFrom: dave@example\.test\r\nSubject: \[news\] First\r\n\r\nThe first post\.\r\n\r\n-{30}\r\n/);
    assert.match(body, /End of news@example\.test Digest, Vol 1, Issue 1\r\n\*{30,}/);
    assert.deepEqual(await listState(), { digestVolume: 1, digestIssue: 2 });
  });

  it('nothing waiting: no issue; the size sends an issue at once', async () => {
    assert.equal(await runJob(), '0 digest issue(s) sent');
    await gqlOk(t.ports.http, `mutation { updateList(input: { list: "${LIST}", digestSizeKb: 2 }) { id } }`, { token });
    await mail(t, 'dave@example.test', LIST, 'Small', 'x');
    assert.equal((await digests('bob')).length, 1, 'below the size: waits');
    await mail(t, 'dave@example.test', LIST, 'Large', 'y'.repeat(3000));
    await t.engine.ctx.queue.idle();
    const issues = (await digests('bob')).map((m) => DIGEST.exec(header(m, 'Subject')!)!.slice(1).join('/'));
    assert.deepEqual(issues, ['1/1', '1/2']);
    assert.match((await digests('carol')).at(-1)!, /Small/);
  });

  it('a new month starts a new volume; an owner can send the issue now', async () => {
    t.engine.ctx.db.prepare(`UPDATE lists SET digest_last_sent = ? WHERE name = 'news'`).run(Date.UTC(2020, 0, 15));
    await mail(t, 'dave@example.test', LIST, 'Next month', 'z');
    const sent = await gqlOk<{ sendListDigest: { digestVolume: number; digestIssue: number } }>(t.ports.http, `mutation { sendListDigest(input: { list: "${LIST}" }) { digestVolume digestIssue } }`, { token });
    assert.deepEqual(sent.sendListDigest, { digestVolume: 2, digestIssue: 2 });
    await t.engine.ctx.queue.idle();
    assert.equal(header((await digests('bob')).at(-1)!, 'Subject'), 'news@example.test Digest, Vol 2, Issue 1');
  });

  it('a member switches to single posts by mail', async () => {
    await mail(t, 'carol@example.test', 'news-request@example.test', 'set', 'set digest off');
    assert.match(qpBody((await inbox(t, 'carol')).at(-1)!), /carol@example\.test now receives every post as it comes \(no digests\)\./);
    await mail(t, 'dave@example.test', LIST, 'After the switch', 'w');
    assert.equal((await inbox(t, 'carol')).filter((m) => header(m, 'Subject') === '[news] After the switch').length, 1);
  });
});
