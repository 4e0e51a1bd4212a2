import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError, type GraphQLSchema, validate } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EngineContext } from '../../server/context';
import type { AdminAccount } from '../../server/directory/admins';
import type { UserSession } from '../../server/directory/user-sessions';
import type { Logger } from '../../server/logs/logger';
import type { ConnectionInfo } from '../../server/net/connections';
import type { Activity } from '../../server/metrics/activity';
import type { GraphqlContext } from '../context';
import { formatApiError } from '../errors';
import { admitQuery } from '../limits/admit';
import { AUTHENTICATED_LIMITS } from '../limits/query-limits';
import { bearerToken, remoteAddressOf } from '../../server/web/http-util';

/** The token in graphql-ws connectionParams: {Authorization: "Bearer …"} (as GraphiQL sends headers) or {token: "…"}. */
function tokenOf(params: Readonly<Record<string, unknown>> | undefined): string | undefined {
  if (!params) return undefined;
  const header = params.Authorization ?? params.authorization;
  if (header !== undefined) return bearerToken(header);
  return typeof params.token === 'string' ? params.token : undefined;
}

/**
 * Subscriptions over graphql-ws on the /graphql path, for management accounts and mail users
 * alike. The token is checked when the client connects (a bad one closes the socket with 4403)
 * and again for every operation.
 * Every operation passes the same gate as over HTTP (graphql/limits/), with the limits of a
 * logged-in caller, before graphql-js validates it.
 */
export class GraphqlSubscriptions {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: AUTHENTICATED_LIMITS.maxBodyBytes });
  private readonly sessions = new WeakMap<WebSocket, { token: string; conn: ConnectionInfo }>();
  private readonly server: ReturnType<typeof useServer>;
  /** Operations being started, per socket and operation id, for the event-loop watchdog. */
  private readonly starting = new WeakMap<WebSocket, Map<string, Activity>>();

  constructor(
    schema: GraphQLSchema,
    private readonly ctx: EngineContext,
    private readonly log: Logger,
  ) {
    this.server = useServer(
      {
        schema,
        onConnect: ({ connectionParams, extra }) => {
          const token = tokenOf(connectionParams);
          const who = token ? this.caller(token) : undefined;
          if (!token || !who) {
            log.message('subscription connection refused: no valid token', { remote: remoteAddressOf(extra.request) });
            return false;
          }
          const conn = ctx.connections.add({
            protocol: 'http',
            listener: 'http',
            remoteAddress: remoteAddressOf(extra.request),
            remotePort: extra.request.socket.remotePort ?? 0,
            secure: false,
            user: who.admin?.username ?? who.user?.user.shortName,
          });
          extra.socket.once('close', () => {
            ctx.connections.remove(conn);
            for (const activity of this.starting.get(extra.socket)?.values() ?? []) activity.close();
          });
          this.sessions.set(extra.socket, { token, conn });
          return true;
        },
        onSubscribe: (wsCtx, id, payload) => {
          // Labelled from here until the operation's first result (onOperation), or its refusal.
          const activity = ctx.activities.start(`graphql ws ${typeof payload.operationName === 'string' ? payload.operationName.slice(0, 64) : 'operation'}`);
          const admission = admitQuery(schema, payload, AUTHENTICATED_LIMITS);
          if (admission.errors) return (activity.close(), admission.errors);
          const invalid = validate(schema, admission.document);
          if (invalid.length) {
            activity.close();
            return invalid.map((e) => new GraphQLError(e.message, { nodes: e.nodes, source: e.source, positions: e.positions, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }));
          }
          let ops = this.starting.get(wsCtx.extra.socket);
          if (!ops) this.starting.set(wsCtx.extra.socket, (ops = new Map()));
          ops.get(id)?.close();
          ops.set(id, activity);
          // The context and root value are filled in by graphql-ws, as for an operation it parsed itself.
          return { schema, document: admission.document, variableValues: payload.variables, operationName: payload.operationName };
        },
        onOperation: (wsCtx, id) => this.started(wsCtx.extra.socket, id),
        onComplete: (wsCtx, id) => this.started(wsCtx.extra.socket, id),
        context: ({ extra }): GraphqlContext => {
          const session = this.sessions.get(extra.socket);
          // A token revoked (logout, password change) since connecting ends new operations.
          const who = session ? this.caller(session.token) : undefined;
          return {
            engine: ctx,
            admin: who?.admin,
            user: who?.user,
            token: who ? session?.token : undefined,
            remoteAddress: remoteAddressOf(extra.request),
            log,
          };
        },
        onNext: (_ctx, _id, _payload, _args, result) => {
          if (!('errors' in result) || !result.errors) return undefined;
          return { ...result, errors: result.errors.map((e) => formatApiError(e.toJSON(), e, log)) };
        },
        onError: (wsCtx, id, _payload, errors) => {
          this.started(wsCtx.extra.socket, id);
          return errors.map((e) => formatApiError(e.toJSON(), e, log));
        },
      },
      this.wss,
    );
  }

  /**
   * Who a token is: a management account, or a mail user (the USER role, whose subscriptions are
   * their own events only: every Subscription field's rule is checked when it starts).
   */
  private caller(token: string): { admin?: AdminAccount; user?: UserSession } | undefined {
    const admin = this.ctx.admins.verifyToken(token);
    if (admin) return { admin };
    // Management tokens and users' tokens live in separate tables; a token is at most one of them.
    const user = this.ctx.userSessions.verifyToken(token);
    return user ? { user } : undefined;
  }

  private started(socket: WebSocket, id: string): undefined {
    const ops = this.starting.get(socket);
    ops?.get(id)?.close();
    ops?.delete(id);
    return undefined;
  }

  /** Takes over an HTTP upgrade request for /graphql. */
  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    // Long-lived sessions count against the same per-address limit as mail connections.
    if (this.ctx.connections.count('http', remoteAddressOf(req)) >= this.ctx.settings.get().maxConnectionsPerIp) {
      socket.end('HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
  }

  async stop(): Promise<void> {
    await this.server.dispose();
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
