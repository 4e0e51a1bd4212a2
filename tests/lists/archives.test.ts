import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { splitMbox } from '../../server/mail/mbox';
import { startEngine, type TestEngine } from '../helpers/engine';
import { errorCode, gql, gqlOk, login } from '../graphql/client';
import { mail } from './helpers';

const LIST = 'arch@example.test';

interface Post {
  id: number;
  subject: string;
  fromAddress: string;
  threadId: number;
  rawPath: string;
}

/**
 * Issue 11's archives: every post kept as the members got it, by period; browsed by date,
 * thread and author, searched by words; each period downloadable as an mbox file (public
 * archives for anyone, private ones only with a login); off keeps nothing.
 */
describe('list archives: periods, threads, search, mbox downloads, private archives', () => {
  let t: TestEngine;
  let token: string;
  const month = new Date().toISOString().slice(0, 7);

  before(async () => {
    t = await startEngine({
      users: ['alice', 'bob', 'carol'].map((n) => ({ shortName: n, password: `${n}-password-1` })),
      settings: { listsEnabled: true, inboundAuthChecks: false },
    });
    token = await login(t.ports.http);
    await gqlOk(t.ports.http, `mutation { createList(input: { name: "arch", domain: "example.test", owners: ["alice"], nonMemberAction: ACCEPT }) { id } }`, { token });
    await gqlOk(t.ports.http, `mutation { addListMembers(input: { list: "${LIST}", members: [{ address: "bob@example.test" }], welcome: false }) { added } }`, { token });
    await mail(t, 'bob@example.test', LIST, 'Topic A', 'First words about apples.', ['Message-ID: <a1@example.test>']);
    await mail(t, 'carol@example.test', LIST, 'Topic B', 'The zebra line.\nFrom here on, a line that mbox must quote.', ['Message-ID: <b1@example.test>']);
    await mail(t, 'alice@example.test', LIST, 'Re: Topic A', 'An answer about apples.', ['Message-ID: <a2@example.test>', 'In-Reply-To: <a1@example.test>', 'References: <a1@example.test>']);
  });
  after(() => t?.stop());

  const archive = async (args: string) =>
    (await gqlOk<{ listArchive: { totalCount: number; nodes: Post[]; pageInfo: { hasNextPage: boolean; endCursor: string } } }>(
      t.ports.http,
      `{ listArchive(list: "${LIST}"${args}) { totalCount nodes { id subject fromAddress threadId rawPath } pageInfo { hasNextPage endCursor } } }`,
      { token },
    )).listArchive;
  const download = (path: string, auth?: string) => fetch(`http://127.0.0.1:${t.ports.http}${path}`, { headers: auth ? { authorization: `Bearer ${auth}` } : {} });

  it('keeps every post in the period it came in', async () => {
    const { listArchivePeriods } = await gqlOk<{ listArchivePeriods: { period: string; posts: number; mboxPath: string }[] }>(t.ports.http, `{ listArchivePeriods(list: "${LIST}") { period posts mboxPath } }`, { token });
    assert.deepEqual(listArchivePeriods, [{ period: month, posts: 3, mboxPath: `/lists/archives/arch%40example.test/${month}.mbox` }]);
  });

  it('by date, by thread (an answer after the post it answers), by author; paged', async () => {
    assert.deepEqual((await archive('')).nodes.map((p) => p.subject), ['[arch] Topic A', '[arch] Topic B', '[arch] Re: Topic A']);
    const threads = (await archive(', order: THREAD')).nodes;
    assert.deepEqual(threads.map((p) => p.subject), ['[arch] Topic A', '[arch] Re: Topic A', '[arch] Topic B']);
    assert.equal(threads[1].threadId, threads[0].id, 'the answer is in the first post\u2019s thread');
    assert.deepEqual((await archive(', order: AUTHOR')).nodes.map((p) => p.fromAddress), ['alice@example.test', 'bob@example.test', 'carol@example.test']);
    const first = await archive(', first: 2');
    assert.equal(first.nodes.length, 2);
    assert.ok(first.pageInfo.hasNextPage);
    const rest = await archive(`, first: 2, after: "${first.pageInfo.endCursor}"`);
    assert.deepEqual(rest.nodes.map((p) => p.subject), ['[arch] Re: Topic A']);
    assert.equal(rest.pageInfo.hasNextPage, false);
  });

  it('finds posts by words of the subject, the sender and the text; the last word also as a prefix; odd input is words only', async () => {
    assert.equal((await archive(', search: "apples"')).totalCount, 2);
    assert.deepEqual((await archive(', search: "zeb"')).nodes.map((p) => p.subject), ['[arch] Topic B']);
    assert.deepEqual((await archive(', search: "carol"')).nodes.map((p) => p.subject), ['[arch] Topic B']);
    assert.equal((await archive(', search: "apples zebra"')).totalCount, 0, 'every word must be in the post');
    assert.equal((await archive(`, search: "\\" * NEAR( OR"`)).totalCount, 0, 'FTS5 syntax is taken as words, never as an error');
  });

  it('a period downloads as an mbox file that gives back each post byte for byte; a post as message/rfc822', async () => {
    const res = await download(`/lists/archives/arch%40example.test/${month}.mbox`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/mbox');
    const mbox = Buffer.from(await res.arrayBuffer());
    assert.match(mbox.toString('latin1'), /^>From here on, a line that mbox must quote\.$/m);
    const messages = splitMbox(mbox);
    assert.equal(messages.length, 3);
    const posts = (await archive('')).nodes;
    for (const [i, p] of posts.entries()) {
      const eml = await download(p.rawPath);
      assert.equal(eml.headers.get('content-type'), 'message/rfc822');
      // The mbox's closing blank line stays with the last message when split (as mbox readers keep it).
      const fromMbox = i === messages.length - 1 ? messages[i].subarray(0, messages[i].length - 2) : messages[i];
      assert.ok(Buffer.from(await eml.arrayBuffer()).equals(fromMbox), `post ${i + 1} unchanged`);
    }
    assert.equal((await download(`/lists/archives/arch%40example.test/1999-01.mbox`)).status, 404);
  });

  it('a private archive needs a login', async () => {
    await gqlOk(t.ports.http, `mutation { updateList(input: { list: "${LIST}", archivePrivate: true }) { id } }`, { token });
    const denied = await download(`/lists/archives/arch%40example.test/${month}.mbox`);
    assert.equal(denied.status, 401);
    assert.equal(((await denied.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code, 'UNAUTHENTICATED');
    assert.equal((await download(`/lists/archives/arch%40example.test/${month}.mbox`, token)).status, 200);
  });

  it('with archiving off nothing is kept; bad settings are typed errors', async () => {
    await gqlOk(t.ports.http, `mutation { updateList(input: { list: "${LIST}", archive: false }) { id } }`, { token });
    await mail(t, 'bob@example.test', LIST, 'Not kept', 'x');
    assert.equal((await archive('')).totalCount, 3);
    assert.equal((await download(`/lists/archives/arch%40example.test/${month}.mbox`, token)).status, 404);
    assert.equal(errorCode(await gql(t.ports.http, `{ listArchive(list: "${LIST}", after: "bm90LWEtbnVtYmVy") { totalCount } }`, { token })), 'BAD_USER_INPUT');
  });
});
