import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, type TestEngine } from '../helpers/engine';
import { simpleMessage, smtpSend } from '../helpers/smtp';
import { gql, gqlOk, login } from './client';

/** Queue management over GraphQL: list, headers, hold, release, retry, delete. */
describe('GraphQL queue management', () => {
  let t: TestEngine;
  let token: string;

  before(async () => {
    // Outbound mail is held, so messages to a remote address stay in the queue for the test.
    t = await startEngine({ users: [{ shortName: 'alice', password: 'alice-password-1' }], settings: { holdOutbound: true } });
    t.engine.ctx.directory.createAlias('friend', ['friend@remote.test']);
    token = await login(t.ports.http);
  });
  after(() => t.stop());

  it('lists queued messages with recipients and state, and shows their headers', async () => {
    await smtpSend(t.ports.smtp, 'bob@example.org', ['friend@example.test'], simpleMessage('queued for later'));
    await t.engine.ctx.queue.idle();
    const data = await gqlOk<{ queue: { totalCount: number; nodes: { id: string; sender: string; state: string; lastError: string; recipients: { address: string; original: string; status: string }[] }[] }; queueCounts: { deferred: number } }>(
      t.ports.http,
      '{ queue { totalCount nodes { id sender state lastError recipients { address original status } } } queueCounts { deferred } }',
      { token },
    );
    assert.equal(data.queue.totalCount, 1);
    const m = data.queue.nodes[0];
    assert.equal(m.sender, 'bob@example.org');
    assert.equal(m.state, 'DEFERRED');
    assert.match(m.lastError, /4\.3\.2/);
    assert.deepEqual(m.recipients, [{ address: 'friend@remote.test', original: 'friend@example.test', status: 'PENDING' }]);
    assert.equal(data.queueCounts.deferred, 1);
    const headers = await gqlOk<{ queuedMessageHeaders: string }>(t.ports.http, `{ queuedMessageHeaders(id: "${m.id}") }`, { token });
    assert.match(headers.queuedMessageHeaders, /^(Received-SPF|Authentication-Results|Received): .*\r\n[\s\S]*Subject: queued for later\r\n/);
  });

  it('searches by sender, recipient, queue ID and client, all words in any case', async () => {
    const [{ id }] = t.engine.ctx.queue.entries();
    const found = async (search: string) =>
      (await gqlOk<{ queue: { totalCount: number; nodes: { id: string }[] } }>(t.ports.http, 'query ($s: String) { queue(search: $s) { totalCount nodes { id } } }', { token, variables: { s: search } })).queue;
    for (const search of ['BOB@example', 'friend@remote.test', 'friend@example.test', id.slice(0, 6), 'bob friend', '127.0.0.1', '']) {
      assert.deepEqual((await found(search)).nodes.map((n) => n.id), [id], search);
    }
    for (const search of ['nobody', 'bob nobody']) assert.equal((await found(search)).totalCount, 0, search);
  });

  it('holds, releases, retries and deletes; the monitor role cannot', async () => {
    const [{ id }] = t.engine.ctx.queue.entries();
    const hold = await gqlOk<{ holdQueuedMessages: { done: string[] } }>(t.ports.http, `mutation { holdQueuedMessages(input: {ids: ["${id}", "NOPE"]}) { done skipped } }`, { token });
    assert.deepEqual(hold.holdQueuedMessages.done, [id]);
    assert.equal(t.engine.ctx.queue.entry(id)!.state, 'held');
    await gqlOk(t.ports.http, `mutation { releaseQueuedMessages(input: {ids: ["${id}"]}) { done } }`, { token });
    await t.engine.ctx.queue.idle();
    assert.notEqual(t.engine.ctx.queue.entry(id)!.state, 'held');
    await gqlOk(t.ports.http, `mutation { retryQueuedMessages(input: {ids: ["${id}"]}) { done } }`, { token });
    await t.engine.ctx.queue.idle();
    assert.ok(t.engine.ctx.queue.entry(id)!.attempts >= 2, 'attempted again');

    await gqlOk(t.ports.http, 'mutation { createAdmin(input: {username: "dash", password: "dashboard-pw-1", role: MONITOR}) { username } }', { token });
    const monitor = await gqlOk<{ login: { token: string } }>(t.ports.http, 'mutation { login(username: "dash", password: "dashboard-pw-1") { token } }');
    const denied = await gql(t.ports.http, `mutation { deleteQueuedMessages(input: {ids: ["${id}"]}) { done } }`, { token: monitor.login.token });
    assert.equal(denied.errors?.[0].extensions?.code, 'FORBIDDEN');

    const del = await gqlOk<{ deleteQueuedMessages: { done: string[] } }>(t.ports.http, `mutation { deleteQueuedMessages(input: {ids: ["${id}"]}) { done skipped } }`, { token });
    assert.deepEqual(del.deleteQueuedMessages.done, [id]);
    assert.deepEqual(t.engine.ctx.queue.entries(), []);
  });
});
