import type http from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * What the management HTTP server needs from the API it serves. The GraphQL layer
 * (graphql/) implements it and server/main.ts plugs it in, so server/ never imports
 * graphql/.
 */
export interface ApiEndpoint {
  start(): Promise<void>;
  /** POST and GET /graphql. */
  handle(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void>;
  /** WebSocket upgrade on /graphql (subscriptions). */
  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void;
  stop(): Promise<void>;
}
