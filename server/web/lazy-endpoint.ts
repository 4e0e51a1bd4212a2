import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { ApiEndpoint } from './api-endpoint';
import { nextTurn } from '../net/turns';

/**
 * An API endpoint loaded and started at its first request: the GraphQL layer (type-graphql,
 * Apollo, the schema build) was a third of the engine's start-up, and mail flows without it
 * (docs/benchmarks.md, startup). Requests that arrive while it loads wait for it.
 */
export class LazyEndpoint implements ApiEndpoint {
  private loading?: Promise<ApiEndpoint>;
  private stopped = false;

  constructor(private readonly loader: () => Promise<ApiEndpoint>) {}

  async start(): Promise<void> {
    this.stopped = false;
  }

  /** Loads and starts the endpoint now (the engine does so once its listeners are up). */
  async load(): Promise<void> {
    await this.endpoint();
  }

  async handle(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    await (await this.endpoint()).handle(req, res, url);
  }

  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    this.endpoint().then(
      (api) => api.handleUpgrade(req, socket, head),
      () => socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n'),
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const loading = this.loading;
    this.loading = undefined;
    if (loading) await (await loading.catch(() => undefined))?.stop();
  }

  private endpoint(): Promise<ApiEndpoint> {
    if (this.stopped) return Promise.reject(new Error('the API endpoint is stopped'));
    this.loading ??= this.loader().then(async (api) => {
      // Loading the modules and building the schema are two long pieces: a turn between them.
      await nextTurn();
      await api.start();
      return api;
    });
    // A failed load is tried again at the next request.
    this.loading.catch(() => (this.loading = undefined));
    return this.loading;
  }
}
