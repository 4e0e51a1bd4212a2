import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, type TestEngine } from '../helpers/engine';
import { gqlOk, login } from '../graphql/client';
import { header, inbox, mail, members, qpBody } from './helpers';

const LIST = 'opts@example.test';

/** Issue 11's member options beyond delivery and digest (`set myposts|ack|hide` by mail and GraphQL) and invitations. */
describe('list member options and invitations', () => {
  let t: TestEngine;
  let token: string;

  before(async () => {
    t = await startEngine({ users: ['alice', 'bob', 'carol', 'erin'].map((n) => ({ shortName: n, password: `${n}-password-1`, fullName: n })), settings: { listsEnabled: true, inboundAuthChecks: false } });
    token = await login(t.ports.http);
    await gqlOk(t.ports.http, `mutation { createList(input: { name: "opts", domain: "example.test", owners: ["alice"], roster: PUBLIC, subscriptionApproval: true, archive: false }) { id } }`, { token });
    await gqlOk(t.ports.http, `mutation { addListMembers(input: { list: "${LIST}", members: [{ address: "bob@example.test" }, { address: "carol@example.test" }], welcome: false }) { added } }`, { token });
  });
  after(() => t?.stop());

  const posts = async (user: string, subject: string) => (await inbox(t, user)).filter((m) => header(m, 'Subject') === `[opts] ${subject}`).length;
  const results = async (user: string) => qpBody((await inbox(t, user)).filter((m) => header(m, 'Subject') === 'The results of your email commands').pop()!);
  const member = async (address: string) =>
    (await gqlOk<{ listMembers: { nodes: { address: string; receiveOwnPosts: boolean; acknowledgePosts: boolean; hidden: boolean }[] } }>(t.ports.http, `{ listMembers(list: "${LIST}", search: "${address}") { nodes { address receiveOwnPosts acknowledgePosts hidden } } }`, { token })).listMembers.nodes[0];

  it('a member gets their own posts by default; "set myposts off" leaves them out of the fan-out', async () => {
    await mail(t, 'bob@example.test', LIST, 'Mine one');
    assert.equal(await posts('bob', 'Mine one'), 1);
    await mail(t, 'bob@example.test', 'opts-request@example.test', 'set myposts off');
    assert.match(await results('bob'), /bob@example\.test now receives none of its own posts\./);
    assert.equal((await member('bob')).receiveOwnPosts, false);
    await mail(t, 'bob@example.test', LIST, 'Mine two');
    assert.equal(await posts('bob', 'Mine two'), 0, 'not to the poster');
    assert.equal(await posts('carol', 'Mine two'), 1, 'the others get it');
  });

  it('"set ack on" brings a short acknowledgement of each post', async () => {
    await mail(t, 'carol@example.test', 'opts-request@example.test', 'set ack on');
    assert.equal((await member('carol')).acknowledgePosts, true);
    await mail(t, 'carol@example.test', LIST, 'Acknowledged');
    const [ack] = (await inbox(t, 'carol')).filter((m) => header(m, 'Subject') === `${LIST} post acknowledgement`);
    assert.ok(ack, 'carol has an acknowledgement');
    assert.match(qpBody(ack), /with the subject\s+Acknowledged\s+was received and sent to the members/);
    await gqlOk(t.ports.http, `mutation { updateListMember(input: { list: "${LIST}", address: "carol@example.test", acknowledgePosts: false, receiveOwnPosts: false }) { address } }`, { token });
    await mail(t, 'carol@example.test', LIST, 'Quiet');
    assert.equal((await inbox(t, 'carol')).filter((m) => header(m, 'Subject') === `${LIST} post acknowledgement`).length, 1, 'no second acknowledgement');
    assert.equal(await posts('carol', 'Quiet'), 0);
  });

  it('"set hide on" leaves the address out of who; bad set options get the usage', async () => {
    await mail(t, 'bob@example.test', 'opts-request@example.test', 'set hide on');
    assert.match(await results('bob'), /bob@example\.test is now left out of the member list\./);
    await mail(t, 'carol@example.test', 'opts-request@example.test', 'who');
    const who = await results('carol');
    assert.match(who, /carol@example\.test/);
    assert.doesNotMatch(who, /bob@example\.test/);
    await mail(t, 'bob@example.test', 'opts-request@example.test', 'set myposts sometimes');
    assert.match(await results('bob'), /Usage: set delivery on\|off, set digest mime\|plain\|off, set myposts on\|off, set ack on\|off or set hide on\|off/);
  });

  it('an invitation: the address gets an invitation and joins when it confirms, without the owners\u2019 approval', async () => {
    const r = await gqlOk<{ addListMembers: { invited: string[] } }>(t.ports.http, `mutation { addListMembers(input: { list: "${LIST}", members: [{ address: "erin@example.test" }], confirm: true }) { invited } }`, { token });
    assert.deepEqual(r.addListMembers.invited, ['erin@example.test']);
    await t.engine.ctx.queue.idle();
    const [invitation] = (await inbox(t, 'erin')).filter((m) => /^confirm [0-9a-f]{32}$/.test(header(m, 'Subject') ?? ''));
    assert.match(qpBody(invitation), /The owners of the opts@example\.test mailing list invite erin@example\.test to join it\./);
    assert.ok(!(await members(t, token, LIST)).includes('erin@example.test'));
    await mail(t, 'erin@example.test', header(invitation, 'Reply-To')!, `Re: ${header(invitation, 'Subject')}`, 'yes');
    assert.ok((await members(t, token, LIST)).includes('erin@example.test'), 'a member at once, although the list asks for approval');
    const { pendingSubscriptions } = await gqlOk<{ pendingSubscriptions: unknown[] }>(t.ports.http, `{ pendingSubscriptions(list: "${LIST}") { id } }`, { token });
    assert.deepEqual(pendingSubscriptions, []);
  });
});
