import type http from 'node:http';
import { ApolloServer, HeaderMap, type BaseContext } from '@apollo/server';
import {
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import type { Logger } from '../../server/logs/logger';
import type { GraphqlContext } from '../context';
import { formatApiError } from '../errors';
import { BodyTooLargeError, readBody, sendRequestError } from '../../server/web/http-util';

/**
 * POST and GET /graphql through Apollo Server, without a web framework: the request is
 * read here (at most 1 MB) and handed to `executeHTTPGraphQLRequest`.
 */
export class GraphqlHttpHandler {
  private readonly apollo: ApolloServer<GraphqlContext>;

  constructor(
    schema: GraphQLSchema,
    private readonly log: Logger,
    private readonly contextFor: (req: http.IncomingMessage) => GraphqlContext,
  ) {
    this.apollo = new ApolloServer<GraphqlContext>({
      schema,
      introspection: true,
      includeStacktraceInErrorResponses: false,
      // The engine handles SIGTERM itself and stops this server in order.
      stopOnTerminationSignals: false,
      plugins: [
        ApolloServerPluginLandingPageDisabled(),
        ApolloServerPluginUsageReportingDisabled(),
        ApolloServerPluginSchemaReportingDisabled(),
      ],
      formatError: (formatted, error) => formatApiError(formatted, error, log),
      logger: {
        debug: (m) => log.event(`apollo: ${m}`),
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
    let body: unknown;
    if (req.method === 'POST') {
      let raw: Buffer;
      try {
        raw = await readBody(req);
      } catch (err) {
        if (err instanceof BodyTooLargeError) {
          sendRequestError(res, 413, 'PAYLOAD_TOO_LARGE', 'request bodies are limited to 1 MB');
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
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const response = await this.apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: (req.method ?? 'GET').toUpperCase(), headers, search: url.search, body },
      context: async () => this.contextFor(req),
    });
    for (const [name, value] of response.headers) res.setHeader(name, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }
}

// Apollo's context type parameter must extend BaseContext.
export type _ContextCheck = GraphqlContext extends BaseContext ? true : never;
