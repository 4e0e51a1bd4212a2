import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, type TestEngine } from '../helpers/engine';
import { gql, gqlOk, login } from './client';
import { loggedIn, run } from '../imap/helpers';

describe('GraphQL mailbox administration', () => {
  let t: TestEngine;
  let token: string;
  let id: number;

  before(async () => {
    t = await startEngine({ users: [{ shortName: 'alice', password: 'alice-password-1' }, { shortName: 'bob', password: 'bob-password-1' }] });
    token = await login(t.ports.http);
    id = t.engine.ctx.directory.userByName('alice')!.id;
  });
  after(() => t.stop());

  const names = () => t.engine.ctx.store.mailboxes(id).map((m) => m.name);

  it('creates (with parents), renames and deletes a user\u2019s folders', async () => {
    await gqlOk(t.ports.http, `mutation { createMailbox(input: {userId: "${id}", name: "Projects/2026"}) { name } }`, { token });
    assert.ok(names().includes('Projects') && names().includes('Projects/2026'));
    await gqlOk(t.ports.http, `mutation { renameMailbox(input: {userId: "${id}", name: "Projects", newName: "Work"}) { name } }`, { token });
    assert.ok(names().includes('Work/2026') && !names().includes('Projects'));
    await gqlOk(t.ports.http, `mutation { deleteMailbox(input: {userId: "${id}", name: "Work/2026"}) }`, { token });
    assert.ok(!names().includes('Work/2026'));
  });

  it('answers with typed errors', async () => {
    const dup = await gql(t.ports.http, `mutation { createMailbox(input: {userId: "${id}", name: "Work"}) { name } }`, { token });
    assert.equal(dup.errors?.[0].extensions?.code, 'NAME_TAKEN');
    const inbox = await gql(t.ports.http, `mutation { deleteMailbox(input: {userId: "${id}", name: "INBOX"}) }`, { token });
    assert.ok(inbox.errors?.[0].extensions?.code);
    const nobody = await gql(t.ports.http, 'mutation { createMailbox(input: {userId: "999", name: "X"}) { name } }', { token });
    assert.equal(nobody.errors?.[0].extensions?.code, 'NOT_FOUND');
  });

  it('sets and lists mailbox ACLs (the seed\u2019s cyradm setaclmailbox), which IMAP then enforces', async () => {
    const set = (identifier: string, rights: string) =>
      gql(t.ports.http, `mutation { setMailboxAcl(input: {userId: "${id}", mailbox: "Work", identifier: "${identifier}", rights: "${rights}"}) { name acl { identifier rights } } }`, { token });
    const r = await set('bob', 'rl');
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    assert.deepEqual((r.data as { setMailboxAcl: unknown }).setMailboxAcl, { name: 'Work', acl: [{ identifier: 'bob', rights: 'lr' }] });
    await set('anyone', 'l');
    const listed = await gqlOk(t.ports.http, `{ user(id: "${id}") { mailboxes { name acl { identifier rights } } } }`, { token });
    const work = (listed as { user: { mailboxes: { name: string; acl: unknown[] }[] } }).user.mailboxes.find((m) => m.name === 'Work');
    assert.deepEqual(work?.acl, [{ identifier: 'anyone', rights: 'l' }, { identifier: 'bob', rights: 'lr' }]);
    const box = t.engine.ctx.store.mailbox(id, 'Work')!;
    assert.equal(t.engine.ctx.store.acl.entries(box.id).length, 2);
    const bob = await loggedIn(t, { shortName: 'bob', password: 'bob-password-1' });
    try {
      assert.ok((await run(bob, 'b1', 'MYRIGHTS "Other Users/alice/Work"')).includes('* MYRIGHTS "Other Users/alice/Work" lr'));
    } finally {
      bob.close();
    }
    await set('anyone', '');
    assert.deepEqual(t.engine.ctx.store.acl.entries(box.id).map((e) => e.identifier), ['bob']);

    assert.equal((await set('bob', 'lrz')).errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    assert.equal((await set('alice', 'lr')).errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    assert.equal((await set('nobody', 'lr')).errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    const missing = await gql(t.ports.http, `mutation { setMailboxAcl(input: {userId: "${id}", mailbox: "Nope", identifier: "bob", rights: "l"}) { name } }`, { token });
    assert.equal(missing.errors?.[0].extensions?.code, 'NOT_FOUND');
  });
});
