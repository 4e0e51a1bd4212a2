import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, type TestEngine } from '../helpers/engine';
import { gql, gqlOk, login } from './client';

describe('GraphQL mailbox administration', () => {
  let t: TestEngine;
  let token: string;
  let id: number;

  before(async () => {
    t = await startEngine({ users: [{ shortName: 'alice', password: 'alice-password-1' }] });
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
});
