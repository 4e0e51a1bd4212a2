import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, type TestEngine } from '../helpers/engine';
import { gqlOk, login } from '../graphql/client';
import { newQueueId } from '../../server/queue/queue';

const MEMBERS = 100_000;
const LIST = 'huge@example.test';

interface Page {
  listMembers: { totalCount: number; nodes: { address: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
}

/**
 * Issue 11: a list of 100,000 members stays paged. GraphQL's listMembers and the owner page of
 * members answer a page (and a search) from SQL, and a post fans out to all of them as one
 * queue entry, within the stall watchdog's default 100 ms: the roster is read and the recipient
 * rows inserted a page at a time into a staged entry, queued by the commit that completes the
 * incoming post. Remote delivery is held (holdOutbound) so that only the fan-out is exercised.
 */
describe('a list of 100,000 members', () => {
  let t: TestEngine;
  let token: string;
  before(async () => {
    t = await startEngine({ users: [{ shortName: 'bob', password: 'bob-password-1', fullName: 'Bob' }], settings: { listsEnabled: true, holdOutbound: true } });
    token = await login(t.ports.http);
    const list = t.engine.ctx.lists.create({ name: 'huge', domain: 'example.test', owners: ['bob'] });
    const db = t.engine.ctx.db;
    const insert = db.prepare(`INSERT INTO list_members (list_id, address, display_address, created_at) VALUES (?, ?, ?, '')`);
    db.transaction(() => {
      for (let i = 0; i < MEMBERS - 1; i++) insert.run(list.id, `m${i}@d${i % 500}.remote.test`, `m${i}@d${i % 500}.remote.test`);
      insert.run(list.id, 'bob@example.test', 'bob@example.test');
    })();
  });
  after(() => t?.stop());

  it('GraphQL pages the members and searches them, the total counted in SQL', async () => {
    const page = (extra: string) => gqlOk<Page>(t.ports.http, `{ listMembers(list: "${LIST}", first: 50${extra}) { totalCount nodes { address } pageInfo { hasNextPage endCursor } } }`, { token });
    const first = await page('');
    assert.equal(first.listMembers.totalCount, MEMBERS);
    assert.equal(first.listMembers.nodes.length, 50);
    assert.ok(first.listMembers.pageInfo.hasNextPage);
    const second = await page(`, after: "${first.listMembers.pageInfo.endCursor}"`);
    assert.equal(second.listMembers.nodes.length, 50);
    assert.ok(second.listMembers.nodes[0].address > first.listMembers.nodes[49].address, 'the next page goes on where the first ended');
    const found = await page(', search: "m99998@"');
    assert.deepEqual(found.listMembers.nodes.map((n) => n.address), ['m99998@d498.remote.test']);
    assert.equal(found.listMembers.totalCount, 1);
    const stats = await gqlOk<{ list: { stats: { members: number; byDelivery: { enabled: number } } } }>(t.ports.http, `{ list(address: "${LIST}") { stats { members byDelivery { enabled } } } }`, { token });
    assert.deepEqual(stats.list.stats, { members: MEMBERS, byDelivery: { enabled: MEMBERS } });
  });

  it('the owner page of members shows one page of 50 and the count', async () => {
    const base = `http://127.0.0.1:${t.ports.http}/lists/${encodeURIComponent(LIST)}/admin/members`;
    const html = await (await fetch(base, { headers: { authorization: `Bearer ${token}` } })).text();
    assert.equal(html.match(/<tr><td>/g)?.length, 50);
    assert.match(html, /Members found: 100000|Members found: 100,000/);
    const search = await (await fetch(`${base}?q=m4242%40`, { headers: { authorization: `Bearer ${token}` } })).text();
    assert.equal(search.match(/<tr><td>/g)?.length, 1);
    assert.match(search, /m4242@d242\.remote\.test/);
  });

  it('a post fans out to every member as one queue entry (its main-thread time printed)', async () => {
    const lists = t.engine.ctx.lists;
    const queue = t.engine.ctx.queue;
    const db = t.engine.ctx.db;
    const id = newQueueId();
    const prefix = Buffer.from('Return-Path: <bob@example.test>\r\n');
    const started = process.hrtime.bigint();
    const fannedOut = new Promise<string>((resolve) => queue.on('queued', (q: string) => q !== id && resolve(q)));
    await queue.enqueue(
      { id, sender: 'bob@example.test', recipients: [{ address: lists.targetFor(LIST)!, original: LIST }], client: 'test', localPrefix: prefix.length },
      [prefix, Buffer.from(`From: bob@example.test\r\nTo: ${LIST}\r\nSubject: hello all\r\n\r\nHi.\r\n`)],
    );
    const copy = await fannedOut;
    const attempted = new Promise<void>((resolve) => queue.on('settled', (q: string) => q === copy && resolve()));
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const recipients = db.prepare('SELECT COUNT(*) AS n FROM queue_recipients WHERE queue_id = ?').get(copy) as { n: number };
    assert.equal(recipients.n, MEMBERS);
    const watchdog = t.engine.ctx.watchdog.stats;
    console.log(`fan-out of one post to ${MEMBERS} members: ${ms.toFixed(0)} ms from the enqueue to the copy's entry; longest stall ${watchdog.longestMs} ms (${watchdog.longestCpuMs} ms CPU)`);
    assert.equal(queue.entry(id), undefined, 'the incoming post is finished');
    await attempted;
    const bob = t.engine.ctx.directory.userByName('bob')!;
    assert.equal(t.engine.ctx.store.messages(t.engine.ctx.store.mailbox(bob.id, 'INBOX')!.id).length, 1, 'the local member has the post');
  });
});
