import type { GraphQLObjectType, GraphQLSchema } from 'graphql';
import type { AuthChecker, MiddlewareFn } from 'type-graphql';
import type { GraphqlContext } from '../context';
import { forbidden, forbiddenToUsers, toApiError, unauthenticated } from '../errors';
import { type ApiRole, authRuleOf } from './auth-rules';

/**
 * `@Authorized()` = any management account; `@Authorized('admin')` = the admin role only;
 * `@Authorized('user')` = a mail user (the resolver acts on `ctx.user` only, never on an id it is given).
 * Management accounts and mail users never share a field unless both are named.
 */
export const authChecker: AuthChecker<GraphqlContext, ApiRole> = ({ context }, roles) => {
  if (context.user) {
    if (!roles.includes('user')) throw forbiddenToUsers();
    return true;
  }
  if (!context.admin) throw unauthenticated();
  if (roles.length > 0 && !roles.includes(context.admin.role)) throw roles.every((r) => r === 'user') ? forbidden(FOR_USERS_ONLY) : forbidden();
  return true;
};

const FOR_USERS_ONLY = 'this operation is a mail user\u2019s own (log in with userLogin); management accounts have no mailbox';

/** Mutations a read-only (monitor) account may still call. */
const MONITOR_MUTATIONS = new Set(['logout']);
const ROOT_TYPES = new Set(['Query', 'Mutation', 'Subscription']);

/**
 * A second line behind @Authorized: every root field needs its rule (auth-rules.ts) and a login
 * that the rule admits, and mutations need the admin role (or the user role where the rule
 * names it), so a resolver that forgets its decorator is closed to everyone. Also turns the
 * engine's own errors (DirectoryError, StoreError, SettingsError) into coded API errors.
 */
export const guardAndMapErrors: MiddlewareFn<GraphqlContext> = async ({ context, info }, next) => {
  if (ROOT_TYPES.has(info.parentType.name)) checkRootRule(context, info.parentType, info.fieldName);
  try {
    return await next();
  } catch (err) {
    throw toApiError(err);
  }
};

/** Throws unless the root field's rule admits the caller (the rule, the login, the role). */
export function checkRootRule(context: GraphqlContext, type: GraphQLObjectType, fieldName: string): void {
  const rule = authRuleOf(type.getFields()[fieldName]);
  if (rule?.public) return;
  if (!context.admin && !context.user) throw unauthenticated();
  if (!rule) throw forbidden();
  if (context.user) {
    if (!rule.roles.includes('user')) throw forbiddenToUsers();
  } else if (context.admin && !rule.roles.includes(context.admin.role)) {
    // @Authorized('user') alone, or a role the account lacks; mutations beyond MONITOR_MUTATIONS need admin below.
    throw rule.roles.every((r) => r === 'user') ? forbidden(FOR_USERS_ONLY) : forbidden();
  } else if (context.admin && type.name === 'Mutation' && context.admin.role !== 'admin' && !MONITOR_MUTATIONS.has(fieldName)) {
    throw forbidden();
  }
}

/**
 * Subscriptions are checked when they start, not only per event: graphql-js calls a field's
 * `subscribe` before any resolver (and so before any middleware) runs, and that function starts
 * listening to the engine. Each Subscription field's `subscribe` is wrapped with its rule, so a
 * caller the rule does not admit never gets a stream, whatever the subscribe function checks.
 */
export function guardSubscriptions(schema: GraphQLSchema): GraphQLSchema {
  const type = schema.getSubscriptionType();
  for (const field of Object.values(type?.getFields() ?? {})) {
    const subscribe = field.subscribe;
    if (!type || !subscribe) continue;
    field.subscribe = (root, args, context: GraphqlContext, info) => {
      try {
        checkRootRule(context, type, field.name);
      } catch (err) {
        throw toApiError(err);
      }
      return subscribe(root, args, context, info);
    };
  }
  return schema;
}
