import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { EngineContext } from '../../server/context';
import type { Logger } from '../../server/logs/logger';
import type { ApiEndpoint } from '../../server/web/api-endpoint';
import type { GraphqlContext } from '../context';
import { bearerToken, remoteAddressOf } from '../../server/web/http-util';
import { apiSchema } from '../schema';
import { GraphqlHttpHandler } from './http';
import { GraphqlSubscriptions } from './ws';

/** The GraphQL API as the web service serves it: HTTP through Apollo, subscriptions through graphql-ws. */
export class GraphqlEndpoint implements ApiEndpoint {
  private http?: GraphqlHttpHandler;
  private subscriptions?: GraphqlSubscriptions;

  constructor(
    private readonly ctx: EngineContext,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const schema = apiSchema();
    this.http = new GraphqlHttpHandler(schema, this.log, (req) => this.contextFor(req));
    await this.http.start();
    this.subscriptions = new GraphqlSubscriptions(schema, this.ctx, this.log);
  }

  async handle(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    if (!this.http) throw new Error('the GraphQL endpoint is not started');
    await this.http.handle(req, res, url);
  }

  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.subscriptions) this.subscriptions.handleUpgrade(req, socket, head);
    else socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
  }

  async stop(): Promise<void> {
    await this.subscriptions?.stop();
    await this.http?.stop();
  }

  private contextFor(req: http.IncomingMessage): GraphqlContext {
    const token = bearerToken(req.headers.authorization);
    const admin = token ? this.ctx.admins.verifyToken(token) : undefined;
    // Management tokens and users' tokens live in separate tables; a token is at most one of them.
    const user = token && !admin ? this.ctx.userSessions.verifyToken(token) : undefined;
    return { engine: this.ctx, admin, user, token: admin || user ? token : undefined, remoteAddress: remoteAddressOf(req), log: this.log };
  }
}
