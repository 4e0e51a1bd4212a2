import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type GraphQLObjectType, getNamedType, isNonNullType } from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { authRuleOf } from '../../graphql/auth/auth-rules';
import { apiSchema } from '../../graphql/schema';
import { type TestEngine, startEngine } from '../helpers/engine';
import { smtpSend, simpleMessage } from '../helpers/smtp';
import { gqlOk, login, subscribed, userLogin } from './client';

interface MyEvent {
  kind: string;
  mailbox: string | null;
  uid: number | null;
  appPassword: string | null;
}

function connect(port: number, token: string): Client {
  return createClient({ url: `ws://127.0.0.1:${port}/graphql`, webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${token}` }, retryAttempts: 0, lazy: true });
}

/** The first result of a subscription that is refused: its error codes, whether sent as a result or as an error. */
function refusal(client: Client, query: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const codes = (errors: readonly { extensions?: Record<string, unknown> }[]) => errors.map((e) => String(e.extensions?.code));
    client.subscribe(
      { query },
      {
        next: (result) => (result.errors ? resolve(codes(result.errors)) : reject(new Error(`${query} gave data: ${JSON.stringify(result.data)}`))),
        // A closed socket (a refused token) comes as its CloseEvent.
        error: (err) => (Array.isArray(err) ? resolve(codes(err)) : reject(err as Error)),
        complete: () => resolve([]),
      },
    );
  });
}

/** A query for every Subscription root field whose rule does not name USER, required arguments filled in. */
function managementSubscriptions(): string[] {
  const type = apiSchema().getSubscriptionType() as GraphQLObjectType;
  return Object.values(type.getFields())
    .filter((f) => {
      const rule = authRuleOf(f);
      return rule && !rule.public && !rule.roles.includes('user');
    })
    .map((f) => {
      const args = f.args.filter((a) => isNonNullType(a.type)).map((a) => `${a.name}: ${getNamedType(a.type).name === 'Int' ? '1' : '"x"'}`);
      return `subscription { ${f.name}${args.length ? `(${args.join(', ')})` : ''} { __typename } }`;
    });
}

/** The USER role over graphql-ws: a mail user subscribes to their own events and to nothing else. */
describe('GraphQL subscriptions of the USER role', () => {
  let t: TestEngine;
  let port: number;
  let admin: string;
  let alice: string;
  let bob: string;

  before(async () => {
    t = await startEngine({
      users: [
        { shortName: 'alice', password: 'alice-password-1' },
        { shortName: 'bob', password: 'bob-password-1' },
      ],
    });
    port = t.ports.http;
    admin = await login(port);
    alice = await userLogin(port, 'alice', 'alice-password-1');
    bob = await userLogin(port, 'bob', 'bob-password-1');
  });
  after(() => t.stop());

  it('myEvents gives Alice her new messages and app password changes, never Bob\u2019s', async () => {
    const client = connect(port, alice);
    try {
      const events = client.iterate<{ myEvents: MyEvent }>({ query: 'subscription { myEvents { kind at mailbox uid appPassword } }' });
      const ready = subscribed(t.engine.ctx.userEvents, 'event');
      const first = events.next();
      await ready;
      // Bob's mail and Bob's app password first: had Alice been told of them, they would come first.
      await smtpSend(t.ports.smtp, 'carol@example.org', ['bob@example.test'], simpleMessage('for Bob', 'Hello.\r\n', 'carol@example.org', 'bob@example.test'));
      await t.engine.ctx.queue.idle();
      await gqlOk(port, 'mutation { createMyAppPassword(input: {name: "Bob\u2019s phone"}) { appPassword { id } } }', { token: bob });
      await smtpSend(t.ports.smtp, 'carol@example.org', ['alice@example.test'], simpleMessage('for Alice', 'Hello.\r\n', 'carol@example.org', 'alice@example.test'));
      await t.engine.ctx.queue.idle();
      const arrived = (await first).value?.data?.myEvents;
      assert.deepEqual({ ...arrived, at: undefined }, { kind: 'NEW_MESSAGE', at: undefined, mailbox: 'INBOX', uid: 1, appPassword: null });
      assert.ok(Date.parse(String(arrived?.at)) > 0);

      const made = await gqlOk<{ createMyAppPassword: { appPassword: { id: string } } }>(port, 'mutation { createMyAppPassword(input: {name: "Alice\u2019s laptop"}) { appPassword { id } } }', { token: alice });
      const created = (await events.next()).value?.data?.myEvents;
      assert.equal(created?.kind, 'APP_PASSWORD_CREATED');
      assert.equal(created?.appPassword, 'Alice\u2019s laptop');
      // Revoked by an administrator: Alice hears of it too.
      const aliceId = t.engine.ctx.directory.userByName('alice')!.id;
      await gqlOk(port, 'mutation ($id: ID!, $user: ID!) { revokeUserAppPassword(input: {id: $id, userId: $user}) }', { token: admin, variables: { id: made.createMyAppPassword.appPassword.id, user: String(aliceId) } });
      const revoked = (await events.next()).value?.data?.myEvents;
      assert.deepEqual([revoked?.kind, revoked?.appPassword], ['APP_PASSWORD_REVOKED', 'Alice\u2019s laptop']);
      await events.return?.();
    } finally {
      await client.dispose();
    }
    // The stream is gone once the client unsubscribed.
    while (t.engine.ctx.userEvents.listenerCount('event') > 0) await once(t.engine.ctx.userEvents, 'removeListener');
  });

  it('a mail user is refused every subscription of the server\u2019s (logs, connections, alerts, lists, jobs, migrations) before it starts', async () => {
    const queries = managementSubscriptions();
    assert.ok(queries.length >= 7, queries.join('\n'));
    const client = connect(port, alice);
    const listeners = () => [t.engine.ctx.logs.listenerCount('entry'), t.engine.ctx.connections.listenerCount('open'), t.engine.ctx.lists.events.listenerCount('event')];
    const before = listeners();
    try {
      for (const query of queries) assert.deepEqual(await refusal(client, query), ['FORBIDDEN'], query);
    } finally {
      await client.dispose();
    }
    assert.deepEqual(listeners(), before, 'no refused subscription started listening');
  });

  it('myEvents is the mail user\u2019s own: a management account is refused it', async () => {
    const client = connect(port, admin);
    try {
      assert.deepEqual(await refusal(client, 'subscription { myEvents { kind } }'), ['FORBIDDEN']);
    } finally {
      await client.dispose();
    }
  });

  it('a user\u2019s token that has been logged out opens no subscription', async () => {
    const token = await userLogin(port, 'bob', 'bob-password-1');
    await gqlOk(port, 'mutation { logout }', { token });
    const client = connect(port, token);
    try {
      await assert.rejects(refusal(client, 'subscription { myEvents { kind } }'), (err: { code?: number }) => err.code === 4403);
    } finally {
      await client.dispose();
    }
  });
});
