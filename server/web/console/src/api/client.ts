import { Client, cacheExchange, fetchExchange, mapExchange, subscriptionExchange, type CombinedError } from 'urql';
import { createClient as createWsClient } from 'graphql-ws';
import { endSession } from './session';

const ENDPOINT = '/graphql';

function wsUrl(): string {
  const url = new URL(ENDPOINT, window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

/** The API refused the token: it expired, or the account's password was changed (tokens revoked). */
function unauthenticated(error: CombinedError): boolean {
  return error.graphQLErrors.some((e) => e.extensions?.code === 'UNAUTHENTICATED') || error.response?.status === 401;
}

/**
 * One urql client per login: queries and mutations over HTTP POST (the API's CSRF check
 * wants a JSON body), subscriptions over graphql-ws with the token in connectionParams.
 */
export function createApiClient(token: string): { client: Client; close: () => void } {
  const ws = createWsClient({
    url: wsUrl(),
    connectionParams: { Authorization: `Bearer ${token}` },
    lazy: true,
    retryAttempts: Infinity,
    shouldRetry: () => true,
    on: {
      closed: (event) => {
        // graphql-ws closes with 4403 (forbidden) or 4401 when the token is refused.
        const code = (event as CloseEvent | undefined)?.code;
        if (code === 4401 || code === 4403) endSession('Your session ended (the token expired or was revoked). Log in again.');
      },
    },
  });
  const client = new Client({
    url: ENDPOINT,
    preferGetMethod: false,
    requestPolicy: 'cache-and-network',
    fetchOptions: () => ({ headers: { authorization: `Bearer ${token}` } }),
    exchanges: [
      mapExchange({
        onError(error) {
          if (unauthenticated(error)) endSession('Your session ended (the token expired or was revoked). Log in again.');
        },
      }),
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query || '' };
          return {
            subscribe(sink) {
              const unsubscribe = ws.subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });
  return { client, close: () => void ws.dispose() };
}

/** A client without a token, for the login mutation. */
export function createAnonymousClient(): Client {
  return new Client({ url: ENDPOINT, preferGetMethod: false, requestPolicy: 'network-only', exchanges: [fetchExchange] });
}
