import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, type TestEngine } from '../helpers/engine';
import { gqlOk, login } from '../graphql/client';
import { header, inbox, mail, qpBody } from './helpers';

const LIST = 'prefs@example.test';

/**
 * Issue 11: `set OPTION VALUE address=X` by mail (Mailman 2.1's form). Mailman asks for X's
 * password before it changes X's options; Pillarbox keeps no list passwords, so a change for an
 * address other than the writer's waits until X confirms it (reply, confirm address, or the
 * link). The writer's own options change at once, as before. Sent with swaks.
 */
describe('list set command: a change for another address waits for its confirmation', () => {
  let t: TestEngine;
  let token: string;

  before(async () => {
    t = await startEngine({ users: ['alice', 'bob', 'carol'].map((n) => ({ shortName: n, password: `${n}-password-1`, fullName: n })), settings: { listsEnabled: true, inboundAuthChecks: false } });
    token = await login(t.ports.http);
    await gqlOk(t.ports.http, `mutation { createList(input: { name: "prefs", domain: "example.test", owners: ["alice"], archive: false }) { id } }`, { token });
    await gqlOk(t.ports.http, `mutation { addListMembers(input: { list: "${LIST}", members: [{ address: "bob@example.test" }, { address: "carol@example.test" }], welcome: false }) { added } }`, { token });
  });
  after(() => t?.stop());

  const results = async (user: string) => qpBody((await inbox(t, user)).filter((m) => header(m, 'Subject') === 'The results of your email commands').pop()!);
  const confirmations = async (user: string) => (await inbox(t, user)).filter((m) => /^confirm [0-9a-f]{32}$/.test(header(m, 'Subject') ?? ''));
  const digestOf = async (address: string) =>
    (await gqlOk<{ listMembers: { nodes: { digest: string; hidden: boolean }[] } }>(t.ports.http, `{ listMembers(list: "${LIST}", search: "${address}") { nodes { digest hidden } } }`, { token })).listMembers.nodes[0];

  it('bob asks to change carol\u2019s digest: nothing changes, carol is asked', async () => {
    await mail(t, 'bob@example.test', 'prefs-request@example.test', 'set digest mime address=carol@example.test');
    assert.match(await results('bob'), /If carol@example\.test is a member of prefs@example\.test, a confirmation request was mailed to it: "set digest mime" is made once it is confirmed\./);
    assert.equal((await digestOf('carol@example.test')).digest, 'OFF');
    const [request] = await confirmations('carol');
    assert.ok(request, 'carol has the confirmation request');
    assert.match(qpBody(request), /change the options of carol@example\.test on the prefs@example\.test mailing list: set digest mime\./);
    assert.match(header(request, 'Reply-To') ?? '', /^prefs-confirm\+[0-9a-f]{32}@example\.test$/);
  });

  it('carol confirms by replying; the change is made once, a replay is refused', async () => {
    const [request] = await confirmations('carol');
    await mail(t, 'carol@example.test', header(request, 'Reply-To')!, `Re: ${header(request, 'Subject')}`, 'yes');
    assert.equal((await digestOf('carol@example.test')).digest, 'MIME');
    const reply = (await inbox(t, 'carol')).filter((m) => header(m, 'Subject') === 'Your confirmation to prefs@example.test').pop();
    assert.ok(reply, 'carol is told');
    assert.match(qpBody(reply), /carol@example\.test now receives/);
    await mail(t, 'carol@example.test', 'prefs-request@example.test', header(request, 'Subject')!);
    assert.match(await results('carol'), /This confirmation token has been used already\. Nothing was changed\./);
  });

  it('an address that is no member gets nothing, and the answer is the same', async () => {
    const before = (await inbox(t, 'alice')).length;
    await mail(t, 'bob@example.test', 'prefs-request@example.test', 'set hide on address=alice@example.test');
    assert.match(await results('bob'), /If alice@example\.test is a member of prefs@example\.test, a confirmation request was mailed to it/);
    assert.equal((await inbox(t, 'alice')).length, before, 'no request to a non-member');
  });

  it('the writer\u2019s own options, with or without address=, change at once', async () => {
    await mail(t, 'bob@example.test', 'prefs-request@example.test', 'set hide on address=bob@example.test');
    assert.equal((await digestOf('bob@example.test')).hidden, true);
    assert.equal((await confirmations('bob')).length, 0);
    await mail(t, 'bob@example.test', 'prefs-request@example.test', 'set hide off');
    assert.equal((await digestOf('bob@example.test')).hidden, false);
    await mail(t, 'bob@example.test', 'prefs-request@example.test', 'set hide on address=not-an-address');
    assert.match(await results('bob'), /Usage: set delivery on\|off/);
  });
});
