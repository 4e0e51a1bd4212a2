import { type GraphQLFieldResolver, type GraphQLInputType, type GraphQLSchema, GraphQLError, defaultFieldResolver, isInputObjectType, isListType, isNonNullType } from 'graphql';
import type { GraphqlContext } from '../context';
import { toApiError } from '../errors';

export const REDACTED = '[redacted]';

/** Argument and input field names that hold secrets: passwords, passphrases, private keys, tokens. */
const SECRET_NAME = /pass(word|phrase|wd)|secret|token|private_?key|pkcs12|credential/i;
/** A PEM private key anywhere in a string (whatever the field is called). */
const PEM_PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;
/** user:password@ in a URL (a proxy setting, for one): the password goes. */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:)[^\s/@]*@/gi;
/** Longer strings (a certificate, a Sieve script) are cut: the audit says what was done, the data lives elsewhere. */
const MAX_STRING = 500;

/**
 * Whether an input type or field is marked secret in the schema: `@Extensions({ secret: true })`
 * on an input field, or on an input type (then all of it is redacted wherever it is used).
 */
function markedSecret(thing: { extensions?: Readonly<Record<string, unknown>> | null }): boolean {
  return thing.extensions?.secret === true;
}

function scrubString(s: string): string {
  if (PEM_PRIVATE_KEY.test(s)) return REDACTED;
  const scrubbed = s.replace(URL_PASSWORD, `$1${REDACTED}@`);
  return scrubbed.length > MAX_STRING ? `${scrubbed.slice(0, MAX_STRING)}… (${scrubbed.length} characters)` : scrubbed;
}

/** A mutation's arguments as the audit trail records them: secrets redacted by name, by marked type or field, and by content. */
export function redactValue(value: unknown, type: GraphQLInputType): unknown {
  if (value === null || value === undefined) return value;
  if (isNonNullType(type)) return redactValue(value, type.ofType);
  if (isListType(type)) return Array.isArray(value) ? value.map((v) => redactValue(v, type.ofType)) : redactValue(value, type.ofType);
  if (isInputObjectType(type)) {
    if (markedSecret(type)) return REDACTED;
    const fields = type.getFields();
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined) continue;
      const field = fields[key];
      out[key] = SECRET_NAME.test(key) || !field || markedSecret(field) ? REDACTED : redactValue(v, field.type);
    }
    return out;
  }
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string') return scrubString(value);
  return value;
}

/** A value without a schema type (what a resolver says it changed): secrets redacted by key name and by content. */
export function redactLoose(value: unknown, key = ''): unknown {
  if (key && SECRET_NAME.test(key)) return REDACTED;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string') return scrubString(value);
  if (Array.isArray(value)) return value.map((v) => redactLoose(v));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactLoose(v, k)]));
  return value;
}

/**
 * The management API's audit trail: every mutation (each root field of a mutation document)
 * is written to the `audit` log with who (the management account, or the name a login tried),
 * from where (the client address), which mutation, its arguments with secrets redacted, what
 * it changed when the resolver says (`changes`: settings before and after), and how it ended (`error` severity and the error code when it failed). It wraps the resolvers
 * of the built schema, outside type-graphql's role checks, so refusals are recorded too.
 */
export function recordMutations(schema: GraphQLSchema): GraphQLSchema {
  for (const field of Object.values(schema.getMutationType()?.getFields() ?? {})) {
    field.resolve = audited(field.resolve ?? defaultFieldResolver);
  }
  return schema;
}

function audited(resolve: GraphQLFieldResolver<unknown, GraphqlContext>): GraphQLFieldResolver<unknown, GraphqlContext> {
  return async (root, args: Record<string, unknown>, context, info) => {
    const definition = info.parentType.getFields()[info.fieldName];
    const recorded: Record<string, unknown> = {};
    for (const arg of definition?.args ?? []) {
      const value = args[arg.name];
      if (value !== undefined) recorded[arg.name] = SECRET_NAME.test(arg.name) || markedSecret(arg) ? REDACTED : redactValue(value, arg.type);
    }
    const loginName = (info.fieldName === 'login' || info.fieldName === 'userLogin') && typeof args.username === 'string' ? scrubString(args.username) : undefined;
    const who = context.admin?.username ?? (context.user ? `user:${context.user.user.shortName}` : loginName);
    const fields = {
      mutation: info.fieldName,
      user: who,
      role: context.admin?.role ?? (context.user ? 'user' : undefined),
      client: context.remoteAddress,
      operation: info.operation.name?.value,
      arguments: recorded,
    };
    const log = context.engine.logs.logger('audit');
    const by = who ?? 'nobody logged in';
    context.changes = undefined;
    try {
      const result: unknown = await resolve(root, args, context, info);
      const changed = context.changes === undefined ? undefined : redactLoose(context.changes);
      log.message(`${info.fieldName} by ${by}`, { ...fields, ...(changed === undefined ? {} : { changed }), outcome: 'ok' });
      return result;
    } catch (err) {
      const mapped = toApiError(err);
      const code = mapped instanceof GraphQLError ? String(mapped.extensions.code ?? 'INTERNAL_SERVER_ERROR') : 'INTERNAL_SERVER_ERROR';
      const message = err instanceof Error ? scrubString(err.message) : undefined;
      log.error(`${info.fieldName} by ${by} failed: ${code}`, { ...fields, outcome: 'failed', code, error: message });
      throw err;
    }
  };
}
