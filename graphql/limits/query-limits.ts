/**
 * What one GraphQL request may ask of the engine, checked before anything runs (docs/graphql.md,
 * "Request limits"). A request without a valid token gets the small set: it can log in and
 * little else, so refusing it costs next to nothing. Subscriptions (graphql-ws) always carry a
 * token and get the authenticated set.
 */
export interface QueryLimits {
  /** Largest request body read, in bytes; more is refused while reading (413). */
  maxBodyBytes: number;
  /** Lexical tokens the parser reads before giving up (graphql-js `maxTokens`). */
  maxTokens: number;
  /** Field selections in one operation, aliases and fragment uses included. */
  maxFields: number;
  /** Fields directly under `query`/`mutation`/`subscription` (aliases included). */
  maxRootFields: number;
  /** Nesting of fields, the root field being depth 1. */
  maxDepth: number;
  /** Estimated values in the answer: every field counted once per list item it sits in. */
  maxCost: number;
  /** Fragment definitions in one document. */
  maxFragments: number;
  /** Whether `__schema` and `__type` may be asked at all. */
  introspection: boolean;
}

export const ANONYMOUS_LIMITS: Readonly<QueryLimits> = {
  maxBodyBytes: 16 * 1024,
  maxTokens: 1000,
  maxFields: 100,
  maxRootFields: 5,
  maxDepth: 10,
  maxCost: 1000,
  maxFragments: 10,
  introspection: false,
};

export const AUTHENTICATED_LIMITS: Readonly<QueryLimits> = {
  maxBodyBytes: 1024 * 1024,
  maxTokens: 10_000,
  maxFields: 1000,
  maxRootFields: 30,
  maxDepth: 15,
  maxCost: 100_000,
  maxFragments: 50,
  introspection: true,
};

/** Lists with no size argument (and not a connection page or an introspection list) count as this many items. */
export const DEFAULT_LIST_SIZE = 20;

/**
 * Fields of one document that share a response name (alias, else field name). Validation
 * (graphql-js OverlappingFieldsCanBeMergedRule) compares every pair of them, so 450 aliases `x:`
 * took a third of a second; no real client repeats a name this often.
 */
export const MAX_FIELDS_PER_RESPONSE_NAME = 20;

/** `__schema` selections per operation: the whole schema once is all a client needs. */
export const MAX_SCHEMA_INTROSPECTIONS = 1;

/** Root fields that may appear once per operation, whatever the alias: each costs real work (a password hash). */
export const ONCE_PER_OPERATION = new Set(['login']);

export function limitsFor(authenticated: boolean): Readonly<QueryLimits> {
  return authenticated ? AUTHENTICATED_LIMITS : ANONYMOUS_LIMITS;
}
