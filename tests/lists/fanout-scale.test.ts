import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, type TestEngine } from '../helpers/engine';
import { newQueueId } from '../../server/queue/queue';

/**
 * A post to 10,000 members is one queue entry with 10,000 recipients, queued whole by one
 * commit; remote delivery is held (holdOutbound) so that only the fan-out is exercised. The
 * roster is read and the rows inserted a page at a time, so the suite's 100 ms stall limit holds.
 */
describe('fan-out to 10,000 members', () => {
  let t: TestEngine;
  before(async () => {
    t = await startEngine({ users: [{ shortName: 'bob', password: 'bob-password-1', fullName: 'Bob' }], settings: { listsEnabled: true, holdOutbound: true } });
  });
  after(() => t?.stop());

  it('one entry, every member once, the bob copy delivered locally', async () => {
    const lists = t.engine.ctx.lists;
    const list = lists.create({ name: 'big', domain: 'example.test', owners: ['bob'] });
    const db = t.engine.ctx.db;
    const insert = db.prepare(`INSERT INTO list_members (list_id, address, display_address, created_at) VALUES (?, ?, ?, '')`);
    db.transaction(() => {
      for (let i = 0; i < 9_999; i++) insert.run(list.id, `m${i}@d${i % 50}.remote.test`, `m${i}@d${i % 50}.remote.test`);
      insert.run(list.id, 'bob@example.test', 'bob@example.test');
    })();
    const queue = t.engine.ctx.queue;
    const id = newQueueId();
    const prefix = Buffer.from('Return-Path: <bob@example.test>\r\n');
    const started = process.hrtime.bigint();
    const fannedOut = new Promise<string>((resolve) => queue.on('queued', (q: string) => q !== id && resolve(q)));
    await queue.enqueue(
      { id, sender: 'bob@example.test', recipients: [{ address: lists.targetFor('big@example.test')!, original: 'big@example.test' }], client: 'test', localPrefix: prefix.length },
      [prefix, Buffer.from('From: bob@example.test\r\nTo: big@example.test\r\nSubject: hello all\r\n\r\nHi.\r\n')],
    );
    const copy = await fannedOut;
    const attempted = new Promise<void>((resolve) => queue.on('settled', (q: string) => q === copy && resolve()));
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const recipients = db.prepare('SELECT COUNT(*) AS n FROM queue_recipients WHERE queue_id = ?').get(copy) as { n: number };
    assert.equal(recipients.n, 10_000);
    console.log(`fan-out of one post to 10,000 members: ${ms.toFixed(0)} ms from the enqueue to the copy's entry`);
    assert.equal(queue.entry(id), undefined, 'the incoming post is finished');
    await attempted;
    const bob = t.engine.ctx.directory.userByName('bob')!;
    const box = t.engine.ctx.store.mailbox(bob.id, 'INBOX')!;
    assert.equal(t.engine.ctx.store.messages(box.id).length, 1, 'the local member has the post');
    const left = queue.entry(copy)!;
    assert.equal(left.recipients.filter((r) => r.status === 'pending').length, 9_999, 'the remote members wait (outbound mail held)');
  });
});
