import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { GraphQLObjectType, GraphQLResolveInfo } from 'graphql';
import { guardAndMapErrors } from '../../graphql/auth/auth-checker';
import { authRuleOf } from '../../graphql/auth/auth-rules';
import type { GraphqlContext } from '../../graphql/context';
import { apiSchema } from '../../graphql/schema';
import { type TestEngine, startEngine } from '../helpers/engine';
import { errorCode, gql, gqlOk, login, userLogin } from './client';

/** Every root field of the schema: [type, field]. */
function rootFields(): [GraphQLObjectType, string][] {
  const schema = apiSchema();
  const types = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter((t): t is GraphQLObjectType => !!t);
  return types.flatMap((type) => Object.keys(type.getFields()).map((name): [GraphQLObjectType, string] => [type, name]));
}

function userFields(): string[] {
  return rootFields()
    .filter(([type, name]) => {
      const rule = authRuleOf(type.getFields()[name]);
      return rule && !rule.public && rule.roles.includes('user');
    })
    .map(([, name]) => name)
    .sort();
}

describe('GraphQL authorisation rules', () => {
  it('every Query, Mutation and Subscription field has an explicit rule (public, admin, monitor or user)', () => {
    const missing = rootFields().filter(([type, name]) => !authRuleOf(type.getFields()[name])).map(([type, name]) => `${type.name}.${name}`);
    assert.deepEqual(missing, [], 'add @Authorized(...) to these, or list them in PUBLIC_FIELDS (graphql/auth/auth-rules.ts)');
    const publicFields = rootFields().filter(([type, name]) => authRuleOf(type.getFields()[name])?.public).map(([, name]) => name).sort();
    assert.deepEqual(publicFields, ['login', 'userLogin']);
  });

  it('the guard refuses a mail user every root field whose rule does not name USER, and a field without a rule to everyone', async () => {
    const ctx = { user: { user: { id: 1 }, appPasswordId: undefined } } as unknown as GraphqlContext;
    const admin = { admin: { id: 1, username: 'admin', role: 'admin' } } as unknown as GraphqlContext;
    let checked = 0;
    for (const [type, name] of rootFields()) {
      const rule = authRuleOf(type.getFields()[name]);
      if (!rule || rule.public) continue;
      const info = { parentType: type, fieldName: name } as unknown as GraphQLResolveInfo;
      const run = (context: GraphqlContext) => guardAndMapErrors({ context, info, root: undefined, args: {} }, async () => 'ran');
      if (rule.roles.includes('user')) assert.equal(await run(ctx), 'ran', name);
      else await assert.rejects(run(ctx), (err: { extensions?: { code?: string } }) => err.extensions?.code === 'FORBIDDEN', name);
      checked++;
    }
    assert.ok(checked > 100, `${checked} fields checked`);
    // A root field that lost its rule is closed, whoever asks.
    const type = apiSchema().getQueryType() as GraphQLObjectType;
    const field = type.getFields().users;
    const saved = field.extensions;
    field.extensions = {};
    try {
      const info = { parentType: type, fieldName: 'users' } as unknown as GraphQLResolveInfo;
      await assert.rejects(guardAndMapErrors({ context: admin, info, root: undefined, args: {} }, async () => 'ran'), (err: { extensions?: { code?: string } }) => err.extensions?.code === 'FORBIDDEN');
    } finally {
      field.extensions = saved;
    }
  });
});

describe('GraphQL role USER: a user reaches only their own data', () => {
  let t: TestEngine;
  let port: number;
  let alice: string;
  let bob: string;
  let admin: string;

  before(async () => {
    t = await startEngine({
      settings: { usersMaySetForwarding: true },
      users: [
        { shortName: 'alice', password: 'alice-password', fullName: 'Alice' },
        { shortName: 'bob', password: 'bob-password', fullName: 'Bob' },
      ],
    });
    port = t.ports.http;
    admin = await login(port);
    alice = await userLogin(port, 'alice', 'alice-password');
    bob = await userLogin(port, 'bob', 'bob-password');
  });
  after(() => t.stop());

  /**
   * One probe per USER operation: Bob acts first, then Alice does the same, and what Alice sees
   * or changes must be hers alone. A USER operation missing here fails the first test.
   */
  const probes: Record<string, () => Promise<void>> = {
    myAccount: async () => {
      const a = await gqlOk<{ myAccount: { shortName: string; addresses: string[] } }>(port, '{ myAccount { shortName addresses } }', { token: alice });
      assert.equal(a.myAccount.shortName, 'alice');
      assert.ok(a.myAccount.addresses.every((x) => x.startsWith('alice@')), JSON.stringify(a.myAccount.addresses));
    },
    changeMyPassword: async () => {
      await gqlOk(port, 'mutation { changeMyPassword(input: {currentPassword: "bob-password", newPassword: "bob-password-2"}) }', { token: bob });
      // Bob's current password is no good for Alice's account: hers is checked.
      const r = await gql(port, 'mutation { changeMyPassword(input: {currentPassword: "bob-password-2", newPassword: "stolen-pass"}) }', { token: alice });
      assert.equal(errorCode(r), 'INVALID_CREDENTIALS');
      assert.ok(await t.engine.ctx.directory.authenticate('alice', 'alice-password'));
      assert.ok(await t.engine.ctx.directory.authenticate('bob', 'bob-password-2'));
    },
    createMyAppPassword: async () => {
      await gqlOk(port, 'mutation { createMyAppPassword(input: {name: "bob phone"}) { password } }', { token: bob });
      await gqlOk(port, 'mutation { createMyAppPassword(input: {name: "alice phone"}) { password } }', { token: alice });
    },
    myAppPasswords: async () => {
      const a = await gqlOk<{ myAppPasswords: { name: string }[] }>(port, '{ myAppPasswords { name } }', { token: alice });
      assert.deepEqual(a.myAppPasswords.map((p) => p.name), ['alice phone']);
    },
    revokeMyAppPassword: async () => {
      const bobs = t.engine.ctx.directory.appPasswords.list(t.engine.ctx.directory.userByName('bob')?.id ?? 0);
      const r = await gql(port, `mutation { revokeMyAppPassword(input: {id: "${bobs[0].id}"}) }`, { token: alice });
      assert.equal(errorCode(r), 'NOT_FOUND');
      assert.equal(t.engine.ctx.directory.appPasswords.list(t.engine.ctx.directory.userByName('bob')?.id ?? 0).length, 1);
    },
    setMyForwarding: async () => {
      await gqlOk(port, 'mutation { setMyForwarding(input: {forwardTo: ["bob@elsewhere.test"]}) { forwardTo } }', { token: bob });
      const a = await gqlOk<{ setMyForwarding: { forwardTo: string[] } }>(port, 'mutation { setMyForwarding(input: {forwardTo: ["alice@elsewhere.test"]}) { forwardTo } }', { token: alice });
      assert.deepEqual(a.setMyForwarding.forwardTo, ['alice@elsewhere.test']);
      assert.deepEqual(t.engine.ctx.directory.userByName('bob')?.forwardTo, ['bob@elsewhere.test']);
    },
    putMySieveScript: async () => {
      await gqlOk(port, 'mutation { putMySieveScript(input: {name: "bobs", content: "keep;", activate: true}) { script { name } } }', { token: bob });
      await gqlOk(port, 'mutation { putMySieveScript(input: {name: "alices", content: "keep;"}) { script { name } } }', { token: alice });
    },
    mySieveScripts: async () => {
      const a = await gqlOk<{ mySieveScripts: { name: string }[] }>(port, '{ mySieveScripts { name } }', { token: alice });
      assert.deepEqual(a.mySieveScripts.map((s) => s.name), ['alices']);
    },
    activateMySieveScript: async () => {
      // Bob's script is not among Alice's: NOT_FOUND, and Bob's stays active.
      assert.equal(errorCode(await gql(port, 'mutation { activateMySieveScript(name: "bobs") }', { token: alice })), 'NOT_FOUND');
      await gqlOk(port, 'mutation { activateMySieveScript(name: "alices") }', { token: alice });
      assert.equal(t.engine.ctx.sieve.list(t.engine.ctx.directory.userByName('bob')?.id ?? 0).find((s) => s.name === 'bobs')?.active, true);
    },
    deleteMySieveScript: async () => {
      assert.equal(errorCode(await gql(port, 'mutation { deleteMySieveScript(name: "bobs") }', { token: alice })), 'NOT_FOUND');
      assert.equal(t.engine.ctx.sieve.list(t.engine.ctx.directory.userByName('bob')?.id ?? 0).length, 1);
    },
    setMyVacation: async () => {
      await gqlOk(port, 'mutation { setMyVacation(input: {enabled: true, text: "Bob is away"}) { enabled } }', { token: bob });
      await gqlOk(port, 'mutation { setMyVacation(input: {enabled: false, text: "Alice is here"}) { enabled } }', { token: alice });
    },
    myVacation: async () => {
      const a = await gqlOk<{ myVacation: { text: string; enabled: boolean } }>(port, '{ myVacation { text enabled } }', { token: alice });
      assert.deepEqual(a.myVacation, { text: 'Alice is here', enabled: false });
    },
    setMyJunkSettings: async () => {
      await gqlOk(port, 'mutation { setMyJunkSettings(input: {permissiveness: MOST, blockedSenders: ["bob-blocks.example"]}) { permissiveness } }', { token: bob });
      await gqlOk(port, 'mutation { setMyJunkSettings(input: {allowedSenders: ["alice-allows.example"]}) { permissiveness } }', { token: alice });
    },
    myJunkSettings: async () => {
      const a = await gqlOk<{ myJunkSettings: { permissiveness: string | null; allowedSenders: string[]; blockedSenders: string[] } }>(port, '{ myJunkSettings { permissiveness allowedSenders blockedSenders } }', { token: alice });
      assert.deepEqual(a.myJunkSettings, { permissiveness: null, allowedSenders: ['alice-allows.example'], blockedSenders: [] });
      assert.deepEqual(t.engine.ctx.userJunk.get(t.engine.ctx.directory.userByName('bob')?.id ?? 0).block, ['bob-blocks.example']);
    },
    // Over graphql-ws in tests/graphql/user-subscriptions.test.ts; here the stream itself, fed one event of each user.
    myEvents: async () => {
      const field = (apiSchema().getSubscriptionType() as GraphQLObjectType).getFields().myEvents;
      const context = { engine: t.engine.ctx, user: t.engine.ctx.userSessions.verifyToken(alice), remoteAddress: '127.0.0.1', log: t.engine.ctx.logs.logger('server') };
      const stream = (await field.subscribe?.(undefined, {}, context, {} as GraphQLResolveInfo)) as AsyncIterableIterator<{ userId: number }>;
      const id = (name: string) => t.engine.ctx.directory.userByName(name)?.id ?? 0;
      const next = stream.next();
      for (const name of ['bob', 'alice']) t.engine.ctx.userEvents.emit('event', { userId: id(name), kind: 'app-password-created', at: new Date(), appPassword: name });
      assert.equal((await next).value?.userId, id('alice'));
      await stream.return?.();
    },
    logout: async () => {
      const extra = await userLogin(port, 'alice', 'alice-password');
      await gqlOk(port, 'mutation { logout }', { token: extra });
      assert.equal(errorCode(await gql(port, '{ myAccount { id } }', { token: extra })), 'UNAUTHENTICATED');
      // Bob's session is untouched.
      await gqlOk(port, '{ myAccount { id } }', { token: bob });
    },
  };

  it('every USER operation in the schema has an isolation probe here', () => {
    assert.deepEqual(userFields(), Object.keys(probes).sort());
  });

  for (const [name, probe] of Object.entries(probes)) {
    it(`${name}: user A never reads or changes user B's data`, probe);
  }

  it('a user cannot reach management fields, and a management account cannot use USER fields', async () => {
    for (const query of ['{ users { totalCount } }', '{ me { username } }', '{ settings { smtpEnabled } }', '{ vacation(userId: "2") { text } }', '{ sieveScripts(userId: "2") { name } }']) {
      assert.equal(errorCode(await gql(port, query, { token: alice })), 'FORBIDDEN', query);
    }
    const mutations = [
      'mutation { setUserPassword(input: {id: "2", password: "taken-over"}) { id } }',
      'mutation { createAdmin(input: {username: "alice2", password: "alice-password"}) { id } }',
      'mutation { updateSettings(input: {usersMaySetForwarding: true}) { usersMaySetForwarding } }',
    ];
    for (const m of mutations) assert.equal(errorCode(await gql(port, m, { token: alice })), 'FORBIDDEN', m);
    assert.equal(errorCode(await gql(port, '{ myAccount { id } }', { token: admin })), 'FORBIDDEN');
    // A mail user's password never opens a management session, even with the same name.
    assert.equal(errorCode(await gql(port, 'mutation { login(username: "alice", password: "alice-password") { token } }')), 'INVALID_CREDENTIALS');
  });

  it('forwarding is the administrator\u2019s to allow (usersMaySetForwarding, default off)', async () => {
    t.engine.ctx.settings.update({ usersMaySetForwarding: false });
    try {
      const r = await gql(port, 'mutation { setMyForwarding(input: {forwardTo: ["x@elsewhere.test"]}) { forwardTo } }', { token: alice });
      assert.equal(errorCode(r), 'NOT_ALLOWED');
      assert.deepEqual(t.engine.ctx.directory.userByName('alice')?.forwardTo, ['alice@elsewhere.test']);
      const me = await gqlOk<{ myAccount: { mayForward: boolean } }>(port, '{ myAccount { mayForward } }', { token: alice });
      assert.equal(me.myAccount.mayForward, false);
    } finally {
      t.engine.ctx.settings.update({ usersMaySetForwarding: true });
    }
  });

  it('guessing the current password through changeMyPassword meets the authentication throttle (lockout after authLockoutFailures)', async () => {
    const lockout = t.engine.ctx.settings.get().authLockoutFailures;
    const codes: (string | undefined)[] = [];
    for (let i = 0; i <= lockout; i++) {
      codes.push(errorCode(await gql(port, `mutation { changeMyPassword(input: {currentPassword: "guess-${i}", newPassword: "whatever-123"}) }`, { token: alice })));
    }
    assert.deepEqual(codes.slice(0, lockout), Array(lockout).fill('INVALID_CREDENTIALS'));
    assert.equal(codes[lockout], 'TOO_MANY_FAILURES');
    // Locked: even the right password is refused from this address for now.
    assert.equal(errorCode(await gql(port, 'mutation { changeMyPassword(input: {currentPassword: "alice-password", newPassword: "whatever-123"}) }', { token: alice })), 'TOO_MANY_FAILURES');
  });
});
