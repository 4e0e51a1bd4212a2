import type { AuthChecker, MiddlewareFn } from 'type-graphql';
import type { AdminRole } from '../../server/directory/admins';
import type { GraphqlContext } from '../context';
import { forbidden, toApiError, unauthenticated } from '../errors';

/** `@Authorized()` = any logged-in account; `@Authorized('admin')` = the admin role only. */
export const authChecker: AuthChecker<GraphqlContext, AdminRole> = ({ context }, roles) => {
  if (!context.admin) throw unauthenticated();
  if (roles.length > 0 && !roles.includes(context.admin.role)) throw forbidden();
  return true;
};

/** Root fields anyone may call. */
const PUBLIC_FIELDS = new Set(['login']);
/** Mutations a read-only (monitor) account may still call. */
const MONITOR_MUTATIONS = new Set(['logout']);
const ROOT_TYPES = new Set(['Query', 'Mutation', 'Subscription']);

/**
 * A second line behind @Authorized: every root field needs a login, and mutations need
 * the admin role, so a resolver that forgets its decorator is still closed. Also turns
 * the engine's own errors (DirectoryError, StoreError, SettingsError) into coded API errors.
 */
export const guardAndMapErrors: MiddlewareFn<GraphqlContext> = async ({ context, info }, next) => {
  const root = info.parentType.name;
  if (ROOT_TYPES.has(root) && !PUBLIC_FIELDS.has(info.fieldName)) {
    if (!context.admin) throw unauthenticated();
    if (root === 'Mutation' && context.admin.role !== 'admin' && !MONITOR_MUTATIONS.has(info.fieldName)) throw forbidden();
  }
  try {
    return await next();
  } catch (err) {
    throw toApiError(err);
  }
};
