import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { getIntrospectionQuery } from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { type TestEngine, startEngine } from '../helpers/engine';
import { apiSchema } from '../../graphql/schema';
import { admitQuery } from '../../graphql/limits/admit';
import { ANONYMOUS_LIMITS, AUTHENTICATED_LIMITS } from '../../graphql/limits/query-limits';
import { errorCode, gql, gqlOk, login } from './client';

/** The request of issue 17: aliases of the schema's types and their fields, 8,000 of them (407 KB). */
const EVIL_ALIASES = 8000;
const evilQuery = (aliases: number) =>
  '{' + Array.from({ length: aliases }, (_, i) => `a${i}: __schema { types { name fields { name } } }`).join(' ') + '}';

/** How long the engine may take to answer a health check or greet an SMTP client while refusing. */
const PROMPT_MS = 500;

const codeOf = (query: string, anonymous = false, variables?: Record<string, unknown>) => {
  const admission = admitQuery(apiSchema(), { query, variables }, anonymous ? ANONYMOUS_LIMITS : AUTHENTICATED_LIMITS);
  return admission.errors?.[0]?.extensions.code;
};

/** `{ f { f { … leaf } } }` nested `depth` levels through the recursive `ofType` of introspection. */
const typeChain = (depth: number) => `{ __type(name: "User") { ${'ofType { '.repeat(depth - 2)}name${' }'.repeat(depth - 2)} } }`;

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await work();
  return { ms: performance.now() - start, value };
}

function smtpGreeting(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString('latin1'));
    });
    socket.once('error', reject);
  });
}

function post(port: number, body: string, token?: string): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  return fetch(`http://127.0.0.1:${port}/graphql`, { method: 'POST', headers, body });
}

describe('GraphQL request limits (the gate before validation and execution)', () => {
  it('lets the introspection query of GraphiQL and graphql-js through for logged-in callers only', () => {
    const full = getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true });
    assert.equal(codeOf(getIntrospectionQuery()), undefined);
    assert.equal(codeOf(full), undefined);
    assert.equal(codeOf(getIntrospectionQuery(), true), 'UNAUTHENTICATED');
    assert.equal(codeOf('{ __type(name: "Query") { name } }', true), 'UNAUTHENTICATED');
    assert.equal(codeOf('{ __typename }', true), undefined);
  });

  it('refuses documents over the token limit before looking at them', () => {
    const evil = evilQuery(EVIL_ALIASES);
    const anonymous = evilQuery(300);
    codeOf('{ __typename }');
    const start = performance.now();
    assert.equal(codeOf(evil), 'QUERY_TOO_LARGE');
    assert.equal(codeOf(anonymous, true), 'QUERY_TOO_LARGE');
    assert.ok(performance.now() - start < PROMPT_MS, 'parsing stops at the limit');
    assert.equal(codeOf('{ me { username '), 'GRAPHQL_PARSE_FAILED');
  });

  it('refuses deep queries, whether or not their fields exist', () => {
    assert.equal(codeOf(typeChain(AUTHENTICATED_LIMITS.maxDepth)), undefined);
    assert.equal(codeOf(typeChain(AUTHENTICATED_LIMITS.maxDepth + 1)), 'QUERY_TOO_DEEP');
    const nonsense = `{ ${'a { '.repeat(900)}b${' }'.repeat(900)} }`;
    assert.equal(codeOf(nonsense), 'QUERY_TOO_DEEP');
    assert.equal(codeOf(`{ ${'me { '.repeat(ANONYMOUS_LIMITS.maxDepth)}x${' }'.repeat(ANONYMOUS_LIMITS.maxDepth)} }`, true), 'QUERY_TOO_DEEP');
  });

  it('counts aliases, fragments where they are spread, and root fields', () => {
    const aliases = (n: number) => `{ me { ${Array.from({ length: n }, (_, i) => `u${i}: username`).join(' ')} } }`;
    assert.equal(codeOf(aliases(500)), undefined);
    assert.equal(codeOf(aliases(AUTHENTICATED_LIMITS.maxFields)), 'COST_LIMIT');
    const roots = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `m${i}: me { username }`).join(' ')} }`;
    assert.equal(codeOf(roots(AUTHENTICATED_LIMITS.maxRootFields)), undefined);
    assert.equal(codeOf(roots(AUTHENTICATED_LIMITS.maxRootFields + 1)), 'COST_LIMIT');
    assert.equal(codeOf(roots(ANONYMOUS_LIMITS.maxRootFields + 1), true), 'COST_LIMIT');
    // Forty fragments, each spreading the next twice: 2^40 copies of one field from 500 tokens.
    const laughs = [
      '{ me { ...F0 } }',
      ...Array.from({ length: 40 }, (_, i) => `fragment F${i} on Admin { a${i}: username ...F${i + 1} ...F${i + 1} }`),
      'fragment F40 on Admin { username }',
    ].join('\n');
    const start = performance.now();
    assert.equal(codeOf(laughs), 'COST_LIMIT');
    assert.ok(performance.now() - start < PROMPT_MS, 'each fragment is measured once');
    // A cycle is left to validation, and does not hang the gate.
    assert.equal(codeOf('{ me { ...A } } fragment A on Admin { username ...B } fragment B on Admin { ...A }'), undefined);
  });

  it('asks for __schema and login at most once per operation', () => {
    assert.equal(codeOf('{ a: __schema { queryType { name } } b: __schema { queryType { name } } }'), 'COST_LIMIT');
    const logins = 'mutation { a: login(username: "x", password: "y") { token } b: login(username: "x", password: "z") { token } }';
    assert.equal(codeOf(logins, true), 'COST_LIMIT');
  });

  it('multiplies by page sizes and list sizes, and checks first before anything runs', () => {
    assert.equal(codeOf('{ users(first: 500) { totalCount nodes { shortName fullName mailboxes { name } } } }'), undefined);
    assert.equal(codeOf('{ users(first: 500) { nodes { mailboxes { name acl { identifier rights } } } } }'), 'COST_LIMIT');
    assert.equal(codeOf('{ users(first: 50) { nodes { mailboxes { name acl { identifier rights } } } } }'), undefined);
    assert.equal(codeOf('query ($n: Int) { users(first: $n) { nodes { mailboxes { acl { identifier } } } } }', false, { n: 500 }), 'COST_LIMIT');
    assert.equal(codeOf('query ($n: Int = 500) { users(first: $n) { nodes { mailboxes { acl { identifier } } } } }'), 'COST_LIMIT');
    assert.equal(codeOf('{ users(first: 100000) { totalCount } }'), 'BAD_USER_INPUT');
    assert.equal(codeOf('query ($n: Int) { users(first: $n) { totalCount } }', false, { n: -1 }), 'BAD_USER_INPUT');
    // Introspection lists count what the schema holds on average: every type's fields' arguments is fine.
    assert.equal(codeOf('{ __schema { types { fields { args { name } } } } }'), undefined);
    assert.equal(codeOf(`{ __schema { types { ${Array.from({ length: 150 }, (_, i) => `f${i}: fields { args { name } }`).join(' ')} } } }`), 'COST_LIMIT');
  });

  it('checks only the operation that runs', () => {
    const doc = `query Big { ${Array.from({ length: 10 }, (_, i) => `s${i}: serviceStatus { listeners { name port } }`).join(' ')} }
      mutation Login { login(username: "admin", password: "x") { token } }`;
    const anonymous = (operationName: string) => admitQuery(apiSchema(), { query: doc, operationName }, ANONYMOUS_LIMITS).errors?.[0]?.extensions.code;
    assert.equal(anonymous('Login'), undefined);
    assert.equal(anonymous('Big'), 'COST_LIMIT');
  });
});

describe('GraphQL request limits in a running engine', () => {
  let t: TestEngine;
  let port: number;
  let token: string;

  before(async () => {
    t = await startEngine();
    port = t.ports.http;
    token = await login(port);
  });
  after(() => t.stop());

  it('refuses the 8,000-alias request at once, and /healthz and SMTP stay prompt meanwhile', async () => {
    const evil = JSON.stringify({ query: evilQuery(EVIL_ALIASES) });
    assert.ok(evil.length > 400_000);
    const attack = async (withToken: boolean) => {
      const res = await post(port, evil, withToken ? token : undefined);
      return { status: res.status, body: (await res.json()) as { data?: unknown; errors: { extensions: { code: string } }[] } };
    };
    // Warm up the probes, so the figures below measure the engine and not a first connection.
    await fetch(`http://127.0.0.1:${port}/healthz`);
    await smtpGreeting(t.ports.smtp);

    // One at a time: refused at once, with a token or without.
    for (const withToken of [false, true]) {
      const refusal = await timed(() => attack(withToken));
      assert.equal(refusal.value.status, withToken ? 400 : 413);
      assert.equal(refusal.value.body.data, undefined, 'nothing ran');
      assert.equal(refusal.value.body.errors[0].extensions.code, withToken ? 'QUERY_TOO_LARGE' : 'PAYLOAD_TOO_LARGE');
      assert.ok(refusal.ms < PROMPT_MS, `refusal took ${Math.round(refusal.ms)} ms`);
    }

    // Ten at once (4 MB to read, in the same process as this test's client), while the probes run.
    const attacks = Array.from({ length: 10 }, (_, i) => attack(i % 2 === 1));
    const [healthz, smtp] = await Promise.all([timed(() => fetch(`http://127.0.0.1:${port}/healthz`)), timed(() => smtpGreeting(t.ports.smtp))]);
    assert.equal(healthz.value.status, 200);
    assert.ok(healthz.ms < PROMPT_MS, `/healthz took ${Math.round(healthz.ms)} ms`);
    assert.match(smtp.value, /^220 /);
    assert.ok(smtp.ms < PROMPT_MS, `the SMTP greeting took ${Math.round(smtp.ms)} ms`);
    for (const refusal of await Promise.all(attacks)) assert.ok(refusal.status === 400 || refusal.status === 413);

    // What fits in an anonymous request is refused as cheaply.
    const small = await timed(() => gql(port, evilQuery(15)));
    assert.equal(small.value.status, 400);
    assert.equal(errorCode(small.value), 'UNAUTHENTICATED');
    assert.ok(small.ms < PROMPT_MS);
    const later = await timed(() => fetch(`http://127.0.0.1:${port}/healthz`));
    assert.ok(later.ms < PROMPT_MS);
  });

  it('refuses over GET too, and without a 500', async () => {
    const query = encodeURIComponent(`{ __type(name: "User") { ${'ofType { '.repeat(20)}name${' }'.repeat(20)} } }`);
    const res = await fetch(`http://127.0.0.1:${port}/graphql?query=${query}`, { headers: { 'apollo-require-preflight': 'true', authorization: `Bearer ${token}` } });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { errors: { message: string; extensions: { code: string; max: number } }[] };
    assert.equal(body.errors[0].extensions.code, 'QUERY_TOO_DEEP');
    assert.equal(body.errors[0].extensions.max, AUTHENTICATED_LIMITS.maxDepth);
    const anonymous = await fetch(`http://127.0.0.1:${port}/graphql?query=${encodeURIComponent('{ __schema { queryType { name } } }')}`, { headers: { 'apollo-require-preflight': 'true' } });
    assert.equal(anonymous.status, 400);
    assert.equal(((await anonymous.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code, 'UNAUTHENTICATED');
  });

  it('leaves the walk back into the graph from a field\u2019s type to graphql-js\u2019s introspection depth rule', async () => {
    const walk = await gql(port, '{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }', { token });
    assert.equal(walk.status, 400);
    assert.equal(errorCode(walk), 'GRAPHQL_VALIDATION_FAILED');
    assert.match(walk.errors?.[0]?.message ?? '', /introspection depth/);
  });

  it('limits a request body by who sends it', async () => {
    const padded = (size: number) => JSON.stringify({ query: `{ me { username } } # ${'x'.repeat(size)}` });
    const anonymous = await post(port, padded(ANONYMOUS_LIMITS.maxBodyBytes));
    assert.equal(anonymous.status, 413);
    const body = (await anonymous.json()) as { errors: { message: string; extensions: { code: string } }[] };
    assert.equal(body.errors[0].extensions.code, 'PAYLOAD_TOO_LARGE');
    assert.match(body.errors[0].message, /log in first/);
    const loggedIn = await post(port, padded(ANONYMOUS_LIMITS.maxBodyBytes), token);
    assert.equal(loggedIn.status, 200);
    assert.deepEqual(((await loggedIn.json()) as { data: unknown }).data, { me: { username: 'admin' } });
  });

  it('still answers what the playground and a dashboard ask', async () => {
    const schema = await gqlOk<{ __schema: { types: unknown[] } }>(port, getIntrospectionQuery({ inputValueDeprecation: true, schemaDescription: true }), { token });
    assert.ok(schema.__schema.types.length > 50);
    const dashboard = await gqlOk<{ me: { username: string }; serviceStatus: { listeners: unknown[] }; users: { totalCount: number } }>(
      port,
      `query Dashboard {
        me { username role }
        serviceStatus { version hostname startedAt uptimeSeconds listeners { name port enabled } connections { protocol count } }
        queueCounts { __typename }
        users(first: 50) { totalCount pageInfo { hasNextPage endCursor } nodes { id shortName fullName mailboxes { name messages size } } }
        domains(first: 100) { totalCount nodes { __typename } }
        settings { __typename }
        logTail(last: 100) { time service severity text }
      }`,
      { token },
    );
    assert.equal(dashboard.me.username, 'admin');
    assert.ok(dashboard.serviceStatus.listeners.length > 0);
    // The playground logs in with its own mutation, without a token.
    assert.ok(await login(port));
    const anonymous = await gql(port, '{ me { username } }');
    assert.equal(anonymous.status, 200);
    assert.equal(errorCode(anonymous), 'UNAUTHENTICATED');
  });

  it('applies the same limits to graphql-ws operations', async () => {
    const client: Client = createClient({
      url: `ws://127.0.0.1:${port}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { Authorization: `Bearer ${token}` },
      retryAttempts: 0,
      lazy: true,
    });
    const run = (query: string) =>
      new Promise<{ data?: unknown; errors?: readonly { message: string; extensions?: { code?: string } }[] }>((resolve) => {
        let result: { data?: unknown } | undefined;
        client.subscribe(
          { query },
          {
            next: (value) => (result = value as { data?: unknown }),
            error: (errors) => resolve({ errors: errors as { message: string; extensions?: { code?: string } }[] }),
            complete: () => resolve(result ?? {}),
          },
        );
      });
    try {
      const deep = await run(`{ __type(name: "User") { ${'ofType { '.repeat(20)}name${' }'.repeat(20)} } }`);
      assert.equal(deep.errors?.[0]?.extensions?.code, 'QUERY_TOO_DEEP');
      const big = await run(evilQuery(3000));
      assert.equal(big.errors?.[0]?.extensions?.code, 'QUERY_TOO_LARGE');
      const invalid = await run('{ noSuchField }');
      assert.equal(invalid.errors?.[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
      const fine = await run('{ me { username } }');
      assert.deepEqual(fine.data, { me: { username: 'admin' } });
    } finally {
      await client.dispose();
    }
  });
});
