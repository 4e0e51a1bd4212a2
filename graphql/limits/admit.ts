import { type DocumentNode, GraphQLError, type GraphQLSchema, parse } from 'graphql';
import { ApiError } from '../errors';
import { checkQueryLimits } from './query-cost';
import type { QueryLimits } from './query-limits';

export type Admission = { document: DocumentNode; errors?: undefined } | { document?: undefined; errors: GraphQLError[] };

/** graphql-js reports its token limit as a syntax error; this tells it apart from a real one. */
const TOO_MANY_TOKENS = /Document contains more th\w+ \d+ tokens/;

/**
 * The gate every GraphQL operation passes before validation and execution: parse with a token
 * limit, then measure against `limits` (query-cost.ts). Refusals are coded GraphQL errors:
 * QUERY_TOO_LARGE, GRAPHQL_PARSE_FAILED, QUERY_TOO_DEEP, COST_LIMIT, UNAUTHENTICATED (anonymous
 * introspection), BAD_USER_INPUT (a page size out of range).
 */
export function admitQuery(
  schema: GraphQLSchema,
  request: { query: string; operationName?: string | null; variables?: Readonly<Record<string, unknown>> | null },
  limits: Readonly<QueryLimits>,
): Admission {
  let document: DocumentNode;
  try {
    document = parse(request.query, { maxTokens: limits.maxTokens });
  } catch (err) {
    if (!(err instanceof GraphQLError)) throw err;
    if (TOO_MANY_TOKENS.test(err.message)) {
      return {
        errors: [new ApiError('QUERY_TOO_LARGE', `the query has more than ${limits.maxTokens} tokens; ask for less in one request`, { max: limits.maxTokens })],
      };
    }
    return { errors: [new GraphQLError(err.message, { source: err.source, positions: err.positions, extensions: { code: 'GRAPHQL_PARSE_FAILED' } })] };
  }
  const errors = checkQueryLimits(schema, document, request, limits);
  return errors.length ? { errors } : { document };
}
