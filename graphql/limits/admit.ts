import { type DocumentNode, GraphQLError, type GraphQLSchema, Kind, Lexer, SingleFieldSubscriptionsRule, Source, TokenKind, parse, validate } from 'graphql';
import { ApiError } from '../errors';
import { DocumentCache } from './document-cache';
import { checkQueryLimits } from './query-cost';
import type { QueryLimits } from './query-limits';

export type Admission = { document: DocumentNode; errors?: undefined } | { document?: undefined; errors: GraphQLError[] };

/**
 * Deepest nesting of braces, brackets and parentheses a query may have. graphql-js parses by
 * recursion, one level of its stack per level of nesting: within the 10,000 tokens a caller with a
 * token may send, `[[[…]]]` or `{a:{a:…}}` 2,000 deep overflowed the stack (a RangeError, not a
 * GraphQL error). Fields may nest only 15 deep anyway.
 */
export const MAX_NESTING = 64;

/** graphql-js reports its token limit as a syntax error; this tells it apart from a real one. */
const TOO_MANY_TOKENS = /Document contains more th\w+ \d+ tokens/;

/**
 * Documents parsed before, by token limit and query text: a dashboard sends the same few texts
 * over and over (as Apollo's own document store assumes). Only documents that parsed go in;
 * the limits that a request's variables and operation name decide are checked every time.
 */
const parsedDocuments = new DocumentCache<DocumentNode>();

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
  // Parsing depends on the text and the token limit only.
  const key = `${limits.maxTokens}:${request.query}`;
  let document = parsedDocuments.get(key);
  if (!document) {
    const parsed = parseWithin(request.query, limits);
    if (parsed.errors) return parsed;
    document = parsed.document;
    parsedDocuments.set(key, document);
  }
  const errors = checkQueryLimits(schema, document, request, limits);
  if (errors.length) return { errors };
  const thrown = subscriptionRuleError(schema, document);
  return thrown ? { errors: [thrown] } : { document };
}

/** The nesting check, then graphql-js's parser within the token limit. */
function parseWithin(query: string, limits: Readonly<QueryLimits>): Admission {
  const nesting = nestingOf(query, limits.maxTokens);
  if (nesting > MAX_NESTING) {
    return { errors: [new ApiError('QUERY_TOO_DEEP', `the query nests braces, brackets or parentheses more than ${MAX_NESTING} deep`, { max: MAX_NESTING })] };
  }
  try {
    return { document: parse(query, { maxTokens: limits.maxTokens }) };
  } catch (err) {
    if (!(err instanceof GraphQLError)) throw err;
    if (TOO_MANY_TOKENS.test(err.message)) {
      return {
        errors: [new ApiError('QUERY_TOO_LARGE', `the query has more than ${limits.maxTokens} tokens; ask for less in one request`, { max: limits.maxTokens })],
      };
    }
    return { errors: [new GraphQLError(err.message, { source: err.source, positions: err.positions, extensions: { code: 'GRAPHQL_PARSE_FAILED' } })] };
  }
}

/**
 * graphql-js's SingleFieldSubscriptionsRule evaluates @skip and @include on a subscription's root
 * fields without the request's variables, and throws (rather than reports) when one uses a
 * variable: validation would end in a 500. Run here, the rule's throw becomes a coded refusal.
 */
function subscriptionRuleError(schema: GraphQLSchema, document: DocumentNode): GraphQLError | undefined {
  if (!document.definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION && d.operation === 'subscription')) return undefined;
  try {
    validate(schema, document, [SingleFieldSubscriptionsRule]);
  } catch (err) {
    if (!(err instanceof GraphQLError)) throw err;
    return new GraphQLError(err.message, { nodes: err.nodes, source: err.source, positions: err.positions, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
  }
  return undefined;
}

const OPEN = new Set<string>([TokenKind.BRACE_L, TokenKind.BRACKET_L, TokenKind.PAREN_L]);
const CLOSE = new Set<string>([TokenKind.BRACE_R, TokenKind.BRACKET_R, TokenKind.PAREN_R]);

/**
 * How deep the query nests, found with graphql-js's own lexer (which does not recurse) over at
 * most `maxTokens` tokens, stopping as soon as MAX_NESTING is passed. A lexical error ends the
 * count: the parser reports it.
 */
function nestingOf(query: string, maxTokens: number): number {
  const lexer = new Lexer(new Source(query));
  let depth = 0;
  let deepest = 0;
  try {
    for (let i = 0; i < maxTokens && deepest <= MAX_NESTING; i++) {
      const token = lexer.advance();
      if (token.kind === TokenKind.EOF) break;
      if (OPEN.has(token.kind)) deepest = Math.max(deepest, ++depth);
      else if (CLOSE.has(token.kind)) depth--;
    }
  } catch {
    // A syntax error: parse() below reports it with its position.
  }
  return deepest;
}
