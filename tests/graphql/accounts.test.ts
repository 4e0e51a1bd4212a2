import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type TestEngine, startEngine } from '../helpers/engine';
import { errorCode, gql, gqlOk, login } from './client';

interface UserNode {
  id: string;
  shortName: string;
  fullName: string;
  names: string[];
  quotaMb: number;
  protocols: string;
  mailEnabled: boolean;
}

const USER_FIELDS = 'id shortName fullName names quotaMb protocols mailEnabled';

describe('GraphQL accounts', () => {
  let t: TestEngine;
  let port: number;
  let token: string;

  before(async () => {
    t = await startEngine();
    port = t.ports.http;
    token = await login(port);
  });
  after(() => t.stop());

  it('createUser, then users lists it with its quota and folders', async () => {
    const created = await gqlOk<{ createUser: UserNode }>(
      port,
      `mutation { createUser(input: {shortName: "bob", password: "bob-password", fullName: "Bob Jones", names: ["robert"], quotaMb: 100, protocols: IMAP}) { ${USER_FIELDS} } }`,
      { token },
    );
    assert.equal(created.createUser.shortName, 'bob');
    assert.equal(created.createUser.protocols, 'IMAP');
    assert.deepEqual(created.createUser.names, ['robert']);
    assert.equal(t.engine.ctx.directory.userByName('bob')?.protocols, 'imap');

    const list = await gqlOk<{
      users: { totalCount: number; nodes: (UserNode & { quota: { limitBytes: number; usedBytes: number; percent: number }; mailboxes: { name: string }[] })[] };
    }>(port, `{ users { totalCount nodes { ${USER_FIELDS} quota { limitBytes usedBytes messages percent } mailboxes { name messages size specialUse } } } }`, {
      token,
    });
    const bob = list.users.nodes.find((u) => u.shortName === 'bob');
    assert.ok(bob, 'bob is listed');
    assert.equal(bob.fullName, 'Bob Jones');
    assert.equal(bob.quota.limitBytes, 100 * 1024 * 1024);
    assert.equal(bob.quota.usedBytes, 0);
    assert.equal(bob.quota.percent, 0);
    assert.ok(bob.mailboxes.some((m) => m.name === 'INBOX'));
    assert.ok(bob.mailboxes.some((m) => m.name === 'Sent'));

    const byName = await gqlOk<{ user: UserNode }>(port, `{ user(shortName: "robert") { ${USER_FIELDS} } }`, { token });
    assert.equal(byName.user.id, bob.id);
    const byId = await gqlOk<{ user: UserNode }>(port, `{ user(id: ${bob.id}) { shortName } }`, { token });
    assert.equal(byId.user.shortName, 'bob');
    assert.deepEqual(await gqlOk(port, '{ user(shortName: "nobody") { id } }', { token }), { user: null });
  });

  it('a taken name gives NAME_TAKEN and a short password WEAK_PASSWORD; nothing is created', async () => {
    await gqlOk(port, 'mutation { createUser(input: {shortName: "carol", password: "carol-password"}) { id } }', { token });
    const dup = await gql(port, 'mutation { createUser(input: {shortName: "carol", password: "another-password"}) { id } }', { token });
    assert.equal(dup.status, 200);
    assert.equal(errorCode(dup), 'NAME_TAKEN');
    assert.match(dup.errors?.[0].message ?? '', /carol/);

    const weak = await gql(port, 'mutation { createUser(input: {shortName: "dave", password: "short"}) { id } }', { token });
    assert.equal(errorCode(weak), 'WEAK_PASSWORD');
    assert.equal(t.engine.ctx.directory.userByName('dave'), undefined);

    const badName = await gql(port, 'mutation { createUser(input: {shortName: "no spaces", password: "long-enough"}) { id } }', { token });
    assert.equal(errorCode(badName), 'INVALID_SHORT_NAME');
    const badLocation = await gql(
      port,
      'mutation { createUser(input: {shortName: "erin", password: "long-enough", storeLocation: "nowhere"}) { id } }',
      { token },
    );
    assert.equal(errorCode(badLocation), 'BAD_USER_INPUT');
  });

  it('a negative quota is refused by the directory for every caller, GraphQL or not', async () => {
    const r = await gql(port, 'mutation { createUser(input: {shortName: "neg", password: "neg-password", quotaMb: -1}) { id } }', { token });
    assert.equal(errorCode(r), 'BAD_USER_INPUT');
    await assert.rejects(t.engine.ctx.accounts.create({ shortName: 'neg', password: 'neg-password', quotaMb: -5 }), { code: 'INVALID_QUOTA' });
    const user = await t.engine.ctx.accounts.create({ shortName: 'pos', password: 'pos-password', quotaMb: 5 });
    await assert.rejects(t.engine.ctx.accounts.update(user.id, { quotaMb: 1.5 }), { code: 'INVALID_QUOTA' });
    assert.equal(t.engine.ctx.directory.userByName('neg'), undefined);
    assert.equal(t.engine.ctx.directory.userByName('pos')?.quotaMb, 5);
  });

  it('each refusal names the input field at fault (extensions.field), so a form shows it next to that field', async () => {
    const field = async (mutation: string) => {
      const r = await gql(port, mutation, { token });
      return [errorCode(r), (r.errors?.[0].extensions as { field?: string } | undefined)?.field];
    };
    assert.deepEqual(await field('mutation { createUser(input: {shortName: "no spaces", password: "long-enough"}) { id } }'), ['INVALID_SHORT_NAME', 'shortName']);
    assert.deepEqual(await field('mutation { createUser(input: {shortName: "gina", password: "short"}) { id } }'), ['WEAK_PASSWORD', 'password']);
    assert.deepEqual(await field('mutation { createUser(input: {shortName: "gina", password: "long-enough", quotaMb: -1}) { id } }'), ['BAD_USER_INPUT', 'quotaMb']);
    assert.deepEqual(await field('mutation { createUser(input: {shortName: "gina", password: "long-enough", names: ["bad name"]}) { id } }'), ['INVALID_SHORT_NAME', 'names']);
    assert.deepEqual(await field('mutation { createUser(input: {shortName: "gina", password: "long-enough", forwardTo: ["not an address"]}) { id } }'), ['INVALID_ADDRESS', 'forwardTo']);
    assert.deepEqual(await field('mutation { createUser(input: {shortName: "gina", password: "long-enough", storeLocation: "nowhere"}) { id } }'), ['BAD_USER_INPUT', 'storeLocation']);
    assert.deepEqual(await field('mutation { createUser(input: {shortName: "gina", password: "long-enough", names: ["postmaster"]}) { id } }'), ['NAME_TAKEN', 'names']);
    assert.deepEqual(await field('mutation { createAlias(input: {alias: "bad alias", targets: ["gina"]}) { alias } }'), ['INVALID_SHORT_NAME', 'alias']);
    assert.deepEqual(await field('mutation { createAlias(input: {alias: "ginas", targets: ["not an address"]}) { alias } }'), ['INVALID_ADDRESS', 'targets']);
    assert.equal(t.engine.ctx.directory.userByName('gina'), undefined);
  });

  it('updateUser, setUserPassword and deleteUser', async () => {
    const { createUser } = await gqlOk<{ createUser: UserNode }>(
      port,
      'mutation { createUser(input: {shortName: "frank", password: "frank-password"}) { id } }',
      { token },
    );
    const updated = await gqlOk<{ updateUser: UserNode }>(
      port,
      `mutation ($id: ID!) { updateUser(input: {id: $id, fullName: "Frank Zed", mailEnabled: false, quotaMb: 5}) { ${USER_FIELDS} } }`,
      { token, variables: { id: createUser.id } },
    );
    assert.equal(updated.updateUser.fullName, 'Frank Zed');
    assert.equal(updated.updateUser.mailEnabled, false);
    assert.equal(updated.updateUser.quotaMb, 5);

    await gqlOk(port, 'mutation ($id: ID!) { setUserPassword(input: {id: $id, password: "new-frank-password"}) { id } }', {
      token,
      variables: { id: createUser.id },
    });
    assert.ok(await t.engine.ctx.directory.authenticate('frank', 'new-frank-password'));
    assert.equal(await t.engine.ctx.directory.authenticate('frank', 'frank-password'), undefined);
    const weak = await gql(port, 'mutation ($id: ID!) { setUserPassword(input: {id: $id, password: "x"}) { id } }', {
      token,
      variables: { id: createUser.id },
    });
    assert.equal(errorCode(weak), 'WEAK_PASSWORD');

    assert.deepEqual(await gqlOk(port, 'mutation ($id: ID!) { deleteUser(input: {id: $id}) }', { token, variables: { id: createUser.id } }), {
      deleteUser: true,
    });
    assert.equal(t.engine.ctx.directory.userByName('frank'), undefined);
    const again = await gql(port, 'mutation ($id: ID!) { deleteUser(input: {id: $id}) }', { token, variables: { id: createUser.id } });
    assert.equal(errorCode(again), 'NOT_FOUND');
    const missing = await gql(port, 'mutation { updateUser(input: {id: "999999", fullName: "x"}) { id } }', { token });
    assert.equal(errorCode(missing), 'NOT_FOUND');
  });

  it('pages through users with first/after and searches', async () => {
    for (const name of ['page1', 'page2', 'page3', 'page4', 'page5']) {
      await gqlOk(port, `mutation { createUser(input: {shortName: "${name}", password: "page-password"}) { id } }`, { token });
    }
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const r: { users: { totalCount: number; nodes: { shortName: string }[]; edges: { cursor: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } =
        await gqlOk(port, 'query ($after: String) { users(first: 2, after: $after, search: "page") { totalCount nodes { shortName } edges { cursor } pageInfo { hasNextPage endCursor } } }', {
          token,
          variables: { after },
        });
      assert.equal(r.users.totalCount, 5);
      seen.push(...r.users.nodes.map((n) => n.shortName));
      if (!r.users.pageInfo.hasNextPage) break;
      after = r.users.pageInfo.endCursor;
    }
    assert.deepEqual(seen, ['page1', 'page2', 'page3', 'page4', 'page5']);
    const tooMany = await gql(port, '{ users(first: 100000) { totalCount } }', { token });
    assert.equal(errorCode(tooMany), 'BAD_USER_INPUT');
  });
});
