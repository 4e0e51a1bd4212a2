import 'reflect-metadata';
import { type GraphQLSchema, lexicographicSortSchema } from 'graphql';
import { type NonEmptyArray, buildSchemaSync, getMetadataStorage } from 'type-graphql';
import { AdminResolver } from './auth/admin-resolver';
import { authChecker, guardAndMapErrors, guardSubscriptions } from './auth/auth-checker';
import { recordMutations } from './auth/audit-trail';
import { attachAuthRules } from './auth/auth-rules';
import { AuthResolver } from './auth/auth-resolver';
import { UserResolver } from './accounts/user-resolver';
import { AliasResolver } from './aliases/alias-resolver';
import { DomainResolver } from './domains/domain-resolver';
import { LogResolver } from './logs/log-resolver';
import { ServiceResolver } from './service/service-resolver';
import { SettingsResolver } from './settings/settings-resolver';
import { SieveResolver } from './sieve/sieve-resolver';
import { QueueResolver } from './queue/queue-resolver';
import { MailboxResolver } from './mailboxes/mailbox-resolver';
import { MailboxAclResolver } from './mailboxes/mailbox-acl-resolver';
import { PublicFolderResolver } from './mailboxes/public-folder-resolver';
import { ApplianceResolver } from './appliance/appliance-resolver';
import { JobResolver } from './jobs/job-resolver';
import { VirusResolver } from './virus/virus-resolver';
import { JunkResolver } from './junk/junk-resolver';
import { DkimResolver } from './dns/dkim-resolver';
import { DnsReportResolver } from './dns/dns-report-resolver';
import { RelayHostResolver } from './relay/relay-host-resolver';
import { CertificateResolver } from './certificates/certificate-resolver';
import { MaintenanceResolver } from './maintenance/maintenance-resolver';
import { MessageCountResolver } from './monitoring/message-count-resolver';
import { AccountUsageResolver } from './monitoring/account-usage-resolver';
import { StoreResolver } from './monitoring/store-resolver';
import { AlertResolver } from './monitoring/alert-resolver';
import { BackupResolver } from './maintenance/backup-resolver';
import { MigrationResolver } from './migration/migration-resolver';
import { ListResolver } from './lists/list-resolver';
import { ListStatsResolver } from './lists/list-stats-resolver';
import { SelfResolver } from './self/self-resolver';
import { SelfSieveResolver } from './self/self-sieve-resolver';
import { SelfJunkResolver } from './self/self-junk-resolver';
import { SelfEventsResolver } from './self/self-events-resolver';

/** Every area's resolvers. A new area adds its resolver classes here. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const RESOLVERS: NonEmptyArray<Function> = [
  AuthResolver,
  AdminResolver,
  SettingsResolver,
  DomainResolver,
  UserResolver,
  AliasResolver,
  ServiceResolver,
  LogResolver,
  SieveResolver,
  QueueResolver,
  MailboxResolver,
  MailboxAclResolver,
  PublicFolderResolver,
  ApplianceResolver,
  JobResolver,
  VirusResolver,
  JunkResolver,
  DkimResolver,
  DnsReportResolver,
  RelayHostResolver,
  CertificateResolver,
  MaintenanceResolver,
  MessageCountResolver,
  AccountUsageResolver,
  StoreResolver,
  AlertResolver,
  BackupResolver,
  MigrationResolver,
  ListResolver,
  ListStatsResolver,
  SelfResolver,
  SelfSieveResolver,
  SelfJunkResolver,
  SelfEventsResolver,
];

let schema: GraphQLSchema | undefined;

/**
 * type-graphql insists on a PubSub even though every subscription here brings its own
 * `subscribe` function over the engine's event emitters; this one is never used.
 */
const unusedPubSub = {
  publish(): void {
    throw new Error('subscriptions use their own subscribe functions');
  },
  subscribe(): AsyncIterable<unknown> {
    throw new Error('subscriptions use their own subscribe functions');
  },
};

/**
 * The management API schema. It depends on no engine (resolvers get the engine through
 * their context), so one schema serves every engine in the process. Every mutation is
 * recorded in the audit log (auth/audit-trail.ts); every root field carries its authorisation
 * rule in its extensions (auth/auth-rules.ts), checked also when a subscription starts.
 */
export function apiSchema(): GraphQLSchema {
  if (schema) return schema;
  plainFieldsResolveDirectly();
  schema = recordMutations(guardSubscriptions(attachAuthRules(lexicographicSortSchema(
    buildSchemaSync({
      resolvers: RESOLVERS,
      authChecker,
      authMode: 'error',
      globalMiddlewares: [guardAndMapErrors],
      validate: false,
      pubSub: unusedPubSub,
    }),
  ))));
  return schema;
}

/**
 * An object type's plain fields (no @FieldResolver) read their property with graphql-js's own
 * resolver. Without this type-graphql runs the global middleware (guardAndMapErrors, an async
 * function) around every value of every answer: a page of 200 log entries made thousands of
 * promises, most of the dashboard's CPU (docs/benchmarks.md, graphql). Nothing is lost: the
 * middleware checks root fields only, and reading a property of a plain object throws nothing
 * it would map. Root fields and field resolvers keep the middleware and their @Authorized.
 */
function plainFieldsResolveDirectly(): void {
  for (const type of getMetadataStorage().objectTypes) type.simpleResolvers ??= true;
}
