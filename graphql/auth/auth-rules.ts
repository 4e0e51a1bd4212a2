import { type GraphQLField, type GraphQLSchema } from 'graphql';
import { getMetadataStorage } from 'type-graphql';
import type { AdminRole } from '../../server/directory/admins';

/** Who may call an operation: the management roles, and `user`, a mail user acting on their own data only. */
export type ApiRole = AdminRole | 'user';

/** Root fields anyone may call: the two logins. */
export const PUBLIC_FIELDS: ReadonlySet<string> = new Set(['login', 'userLogin']);

/** A root field's authorisation rule, as attached to its schema extensions (`auth`). */
export type AuthRule = { public: true } | { public: false; roles: readonly ApiRole[] };

const MANAGEMENT: readonly ApiRole[] = ['admin', 'monitor'];

/**
 * Puts each root field's rule into its extensions, from its @Authorized decorator
 * (`@Authorized()` = any management account, `@Authorized('admin')`, `@Authorized('user')`, …)
 * or PUBLIC_FIELDS. A root field with neither gets no rule: the guard then refuses it to
 * everyone, and tests/graphql/authorization.test.ts fails.
 */
export function attachAuthRules(schema: GraphQLSchema): GraphQLSchema {
  const storage = getMetadataStorage();
  const rolesByMethod = new Map<string, readonly ApiRole[]>();
  const key = (target: unknown, method: string) => `${String((target as { name?: string }).name)}.${method}`;
  for (const a of storage.authorizedFields) rolesByMethod.set(key(a.target, a.fieldName), a.roles.length ? (a.roles as ApiRole[]) : MANAGEMENT);
  for (const [handlers, type] of [
    [storage.queries, schema.getQueryType()],
    [storage.mutations, schema.getMutationType()],
    [storage.subscriptions, schema.getSubscriptionType()],
  ] as const) {
    const fields = type?.getFields() ?? {};
    for (const h of handlers) {
      const field = fields[h.schemaName];
      if (!field) continue;
      const roles = rolesByMethod.get(key(h.target, h.methodName));
      const rule: AuthRule | undefined = PUBLIC_FIELDS.has(h.schemaName) ? { public: true } : roles ? { public: false, roles } : undefined;
      if (rule) field.extensions = { ...field.extensions, auth: rule };
    }
  }
  return schema;
}

export function authRuleOf(field: GraphQLField<unknown, unknown> | undefined): AuthRule | undefined {
  return field?.extensions.auth as AuthRule | undefined;
}
