import type http from 'node:http';
import { ApolloServer, HeaderMap, type BaseContext } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { Kind, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { Logger } from '../../server/logs/logger';
import type { Activity } from '../../server/metrics/activity';
import type { GraphqlContext } from '../context';
import { formatApiError } from '../errors';
import { admitQuery } from '../limits/admit';
import { AUTHENTICATED_LIMITS, limitsFor } from '../limits/query-limits';
import { BodyTooLargeError, readBody, sendJson, sendRequestError } from '../../server/web/http-util';

interface RequestParts {
  query?: unknown;
  operationName?: unknown;
  variables?: unknown;
}

/** The query, operation name and variables of a GET or POST request, where the GraphQL-over-HTTP spec puts them. */
function partsOf(method: string, url: URL, body: unknown): RequestParts {
  if (method === 'GET') {
    let variables: unknown;
    try {
      variables = JSON.parse(url.searchParams.get('variables') ?? 'null');
    } catch {
      variables = undefined; // Apollo refuses it.
    }
    return { query: url.searchParams.get('query') ?? undefined, operationName: url.searchParams.get('operationName'), variables };
  }
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as RequestParts) : {};
}

/**
 * POST and GET /graphql through Apollo Server, without a web framework. The caller's token
 * is checked first, so that the body limit and the query limits (graphql/limits/) can depend on
 * it: a request without a valid token is read only up to 16 KB. The body is read here, the
 * query parsed and measured before Apollo sees it, and only an admitted request is handed to
 * `executeHTTPGraphQLRequest`.
 */
export class GraphqlHttpHandler {
  private readonly apollo: ApolloServer<GraphqlContext>;

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly log: Logger,
    private readonly contextFor: (req: http.IncomingMessage) => GraphqlContext,
  ) {
    this.apollo = new ApolloServer<GraphqlContext>({
      schema,
      introspection: true,
      includeStacktraceInErrorResponses: false,
      // Every query passes admitQuery first; these are a second line behind it.
      parseOptions: { maxTokens: AUTHENTICATED_LIMITS.maxTokens },
      // A query known only by its hash would skip the gate's per-caller checks.
      persistedQueries: false,
      // The engine handles SIGTERM itself and stops this server in order.
      stopOnTerminationSignals: false,
      plugins: [
        // Its hook ran for every value of every answer, and no answer here may be cached
        // anyway (each is one caller's): "no-store" is set below instead.
        ApolloServerPluginCacheControlDisabled(),
        ApolloServerPluginLandingPageDisabled(),
        ApolloServerPluginUsageReportingDisabled(),
        ApolloServerPluginSchemaReportingDisabled(),
      ],
      formatError: (formatted, error) => formatApiError(formatted, error, log),
      logger: {
        debug: (m) => log.debug(`apollo: ${m}`),
        info: (m) => log.event(`apollo: ${m}`),
        warn: (m) => log.message(`apollo: ${m}`),
        error: (m) => log.error(`apollo: ${m}`),
      },
    });
  }

  start(): Promise<void> {
    return this.apollo.start();
  }

  stop(): Promise<void> {
    return this.apollo.stop();
  }

  async handle(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const context = this.contextFor(req);
    // For the event-loop watchdog: "graphql Dashboard" once the operation is known.
    const activity = context.engine.activities.start('graphql');
    try {
      await this.handleRequest(req, res, url, context, activity);
    } finally {
      activity.close();
    }
  }

  private async handleRequest(req: http.IncomingMessage, res: http.ServerResponse, url: URL, context: GraphqlContext, activity: Activity): Promise<void> {
    const signedIn = context.admin !== undefined || context.user !== undefined;
    const limits = limitsFor(signedIn);
    const method = (req.method ?? 'GET').toUpperCase();
    let body: unknown;
    if (method === 'POST') {
      let raw: Buffer;
      // The time the client takes to send its body is not the engine's.
      activity.suspend();
      try {
        raw = await readBody(req, limits.maxBodyBytes);
        activity.resume();
      } catch (err) {
        if (err instanceof BodyTooLargeError) {
          const size = `${limits.maxBodyBytes / 1024} KB`;
          sendRequestError(res, 413, 'PAYLOAD_TOO_LARGE', signedIn ? `request bodies are limited to ${size}` : `requests without a valid token are limited to ${size}; log in first`);
          req.resume();
          return;
        }
        throw err;
      }
      const type = String(req.headers['content-type'] ?? '');
      if (/^application\/(graphql-response\+)?json\b/i.test(type)) {
        try {
          body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
        } catch {
          sendRequestError(res, 400, 'BAD_REQUEST', 'the request body is not valid JSON');
          return;
        }
      } else {
        body = raw.toString('utf8');
      }
    }
    const { query, operationName, variables } = partsOf(method, url, body);
    const started = performance.now();
    let label = 'request';
    // Without a query string Apollo answers with its own error, at no cost.
    if (typeof query === 'string') {
      const request = {
        query,
        operationName: typeof operationName === 'string' ? operationName : undefined,
        variables: variables && typeof variables === 'object' ? (variables as Record<string, unknown>) : undefined,
      };
      const admission = admitQuery(this.schema, request, limits);
      if (admission.document) {
        label = operationLabel(admission.document, request.operationName);
        activity.begin(`graphql ${label}`);
      }
      if (admission.errors) {
        this.log.event('GraphQL request refused', { remote: context.remoteAddress, code: String(admission.errors[0].extensions.code) });
        sendJson(res, 400, { errors: admission.errors.map((e) => e.toJSON()) });
        return;
      }
    }
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const response = await this.apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method, headers, search: url.search, body },
      context: async () => context,
    });
    for (const [name, value] of response.headers) res.setHeader(name, value);
    res.setHeader('cache-control', 'no-store');
    res.statusCode = response.status ?? 200;
    // The debug level: every request, queries too (never its variables, which may hold passwords).
    if (this.log.debugging) {
      this.log.debug('GraphQL request', { client: context.remoteAddress, user: context.admin?.username ?? context.user?.user.shortName, operation: label, status: res.statusCode, ms: Math.round(performance.now() - started) });
    }
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }
}

/** The operation's name, or its type ("query") when it has none. */
function operationLabel(document: DocumentNode, wanted: string | undefined): string {
  const ops = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const op = (wanted && ops.find((d) => d.name?.value === wanted)) || ops[0];
  if (!op) return 'request';
  return op.name ? `${op.operation} ${op.name.value.slice(0, 64)}` : op.operation;
}

// Apollo's context type parameter must extend BaseContext.
export type _ContextCheck = GraphqlContext extends BaseContext ? true : never;
