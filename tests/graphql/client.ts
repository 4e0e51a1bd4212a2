import type { EventEmitter } from 'node:events';
import { ADMIN_PASSWORD } from '../helpers/engine';

export interface GraphqlError {
  message: string;
  path?: string[];
  extensions?: { code?: string; field?: string; [key: string]: unknown };
}

export interface GraphqlResponse<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: GraphqlError[];
}

/** One GraphQL request over HTTP, as any client sends it. */
export async function gql<T = Record<string, unknown>>(
  port: number,
  query: string,
  options: { token?: string; variables?: Record<string, unknown> } = {},
): Promise<GraphqlResponse<T>> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query, variables: options.variables }),
  });
  const body = (await res.json()) as { data?: T | null; errors?: GraphqlError[] };
  return { status: res.status, ...body };
}

/** Like gql, but fails the test on any error and returns `data`. */
export async function gqlOk<T = Record<string, unknown>>(
  port: number,
  query: string,
  options: { token?: string; variables?: Record<string, unknown> } = {},
): Promise<T> {
  const r = await gql<T>(port, query, options);
  if (r.errors?.length || r.status !== 200 || !r.data) {
    throw new Error(`GraphQL request failed (${r.status}): ${JSON.stringify(r.errors)}`);
  }
  return r.data;
}

export async function login(port: number, username = 'admin', password = ADMIN_PASSWORD): Promise<string> {
  const data = await gqlOk<{ login: { token: string } }>(
    port,
    'mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { token } }',
    { variables: { u: username, p: password } },
  );
  return data.login.token;
}

/** A mail user's login (role USER) with the mail password or an app password. */
export async function userLogin(port: number, username: string, password: string): Promise<string> {
  const data = await gqlOk<{ userLogin: { token: string } }>(port, 'mutation ($u: String!, $p: String!) { userLogin(username: $u, password: $p) { token } }', {
    variables: { u: username, p: password },
  });
  return data.userLogin.token;
}

/** The code of the first error, for asserting expected failures. */
export function errorCode(r: GraphqlResponse<unknown>): string | undefined {
  return r.errors?.[0]?.extensions?.code;
}

/** Resolves once something subscribes to `event` on `emitter` (the server set up a subscription). */
export function subscribed(emitter: EventEmitter, event: string): Promise<void> {
  return new Promise((resolve) => {
    const watch = (name: string | symbol) => {
      if (name !== event) return;
      emitter.off('newListener', watch);
      // 'newListener' fires just before the listener is added; let that happen first.
      setImmediate(resolve);
    };
    emitter.on('newListener', watch);
  });
}
