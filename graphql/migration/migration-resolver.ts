import { Arg, Args, Authorized, Ctx, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { MigrationError, type MigrationRun } from '../../server/migration/types';
import { importUsersCsv, importVirtualMap } from '../../server/migration/user-import';
import type { GraphqlContext } from '../context';
import { ApiError, forbidden, notFound, unauthenticated } from '../errors';
import { eventStream, startThenUntil } from '../subscriptions';
import { type Connection, PageArgs, paginate } from '../pagination';
import {
  CancelMigrationInput,
  ImportDirectoryInput,
  ImportReportType,
  MigrationConnection,
  MigrationType,
  StartDiskMigrationInput,
  StartImapMigrationInput,
  toImportReport,
  toMigration,
} from './migration-types';

/** Newest first under the ascending cursor order. */
const runKey = (m: MigrationType) => String(1e12 - Number(m.id)).padStart(13, '0');

function apiError(err: unknown): unknown {
  if (!(err instanceof MigrationError)) return err;
  const code = err.code === 'USER_NOT_FOUND' || err.code === 'MIGRATION_NOT_FOUND' ? 'NOT_FOUND' : err.code === 'BAD_SOURCE' ? 'BAD_USER_INPUT' : err.code;
  return new ApiError(code, err.message);
}

/** Migration from other servers (the seed's "migrating from another mail server"): admins only, as it reads other servers and the disk. */
@Resolver()
export class MigrationResolver {
  @Authorized('admin')
  @Query(() => MigrationConnection, { description: 'Migrations, newest first, with their progress.' })
  migrations(@Args(() => PageArgs) page: PageArgs, @Ctx() ctx: GraphqlContext): Connection<MigrationType> {
    return paginate(ctx.engine.migrations.runs().map(toMigration), runKey, page);
  }

  @Authorized('admin')
  @Query(() => MigrationType, { description: 'One migration and its progress per folder.' })
  migration(@Arg('id', () => String) id: string, @Ctx() ctx: GraphqlContext): MigrationType {
    const run = /^\d+$/.test(id) ? ctx.engine.migrations.run(Number(id)) : undefined;
    if (!run) throw notFound(`migration ${JSON.stringify(id)}`);
    return toMigration(run);
  }

  @Authorized('admin')
  @Mutation(() => MigrationType, { description: 'Starts copying a user\u2019s mail from a remote IMAP server; follow it with `migration(id)`. Running it again copies only what is new.' })
  startImapMigration(@Arg('input', () => StartImapMigrationInput) input: StartImapMigrationInput, @Ctx() ctx: GraphqlContext): MigrationType {
    const user = userOf(ctx, input.user);
    try {
      const run = ctx.engine.migrations.startImap(user, { host: input.host, port: input.port ?? undefined, tls: input.tls, username: input.username, password: input.password, authorizeAs: input.authorizeAs ?? undefined, verifyCertificate: input.verifyCertificate, folders: input.folders ?? undefined, reconnectAttempts: input.reconnectAttempts });
      ctx.log.message('IMAP migration started', { migration: run.id, source: run.source, by: ctx.admin?.username });
      return toMigration(run);
    } catch (err) {
      throw apiError(err);
    }
  }

  @Authorized('admin')
  @Mutation(() => MigrationType, { description: 'Starts copying a Maildir tree, mbox files or a Cyrus spool on the server\u2019s disk into a user\u2019s mailboxes.' })
  startDiskMigration(@Arg('input', () => StartDiskMigrationInput) input: StartDiskMigrationInput, @Ctx() ctx: GraphqlContext): MigrationType {
    const user = userOf(ctx, input.user);
    try {
      const run = ctx.engine.migrations.startDisk(user, input.path);
      ctx.log.message('disk migration started', { migration: run.id, source: run.source, by: ctx.admin?.username });
      return toMigration(run);
    } catch (err) {
      throw apiError(err);
    }
  }

  @Authorized('admin')
  @Mutation(() => MigrationType, { description: 'Stops a running migration after the batch it is copying; what was copied stays.' })
  cancelMigration(@Arg('input', () => CancelMigrationInput) input: CancelMigrationInput, @Ctx() ctx: GraphqlContext): MigrationType {
    if (!/^\d+$/.test(input.id)) throw notFound(`migration ${JSON.stringify(input.id)}`);
    try {
      return toMigration(ctx.engine.migrations.cancel(Number(input.id)));
    } catch (err) {
      throw apiError(err);
    }
  }

  @Authorized('admin')
  @Subscription(() => MigrationType, {
    description:
      'A migration\u2019s progress (per folder: total, copied, skipped; its state): with `id`, that run\u2019s state at once, then at each progress report, ending with its final state; without, every run from its start to its end.',
    subscribe: ({ args, context }) => {
      const ctx = context as GraphqlContext;
      if (!ctx.admin) throw unauthenticated();
      if (ctx.admin.role !== 'admin') throw forbidden();
      const id = args.id as string | undefined;
      if (id !== undefined && !/^\d+$/.test(id)) throw notFound(`migration ${JSON.stringify(id)}`);
      const wanted = id === undefined ? undefined : Number(id);
      // Listening before reading the current state, so that no report falls in between.
      const updates = eventStream(ctx.engine.migrations, ['progress'], (_event, payload) => {
        const run = payload as MigrationRun;
        return wanted === undefined || run.id === wanted ? run : undefined;
      });
      if (wanted === undefined) return updates;
      const now = ctx.engine.migrations.run(wanted);
      if (!now) {
        void updates.return?.();
        throw notFound(`migration ${id}`);
      }
      return startThenUntil(now, updates, (run) => run.state !== 'running');
    },
  })
  migrationUpdates(@Root() run: MigrationRun, @Arg('id', () => String, { nullable: true, description: 'One migration (default: every one).' }) _id: string | undefined): MigrationType {
    return toMigration(run);
  }

  @Authorized('admin')
  @Mutation(() => ImportReportType, { description: 'Creates or updates users from CSV (columns: address, name, password, passwordHash, quotaMb, aliases, forwardTo): all lines or none.' })
  async importUsers(@Arg('input', () => ImportDirectoryInput) input: ImportDirectoryInput, @Ctx() ctx: GraphqlContext): Promise<ImportReportType> {
    const report = await importUsersCsv(ctx.engine, input.text, input.dryRun);
    if (report.applied) ctx.log.message('users imported', { changes: report.changes.length, by: ctx.admin?.username });
    return toImportReport(report);
  }

  @Authorized('admin')
  @Mutation(() => ImportReportType, { description: 'Creates or updates aliases from a Postfix virtual map ("alias@domain target, target"): all lines or none.' })
  importVirtualAliases(@Arg('input', () => ImportDirectoryInput) input: ImportDirectoryInput, @Ctx() ctx: GraphqlContext): ImportReportType {
    const report = importVirtualMap(ctx.engine, input.text, input.dryRun);
    if (report.applied) ctx.log.message('aliases imported', { changes: report.changes.length, by: ctx.admin?.username });
    return toImportReport(report);
  }
}

/** A user by id or short name. */
function userOf(ctx: GraphqlContext, ref: string): number {
  const user = /^\d+$/.test(ref) ? ctx.engine.directory.user(Number(ref)) : ctx.engine.directory.userByName(ref);
  if (!user) throw notFound(`user ${JSON.stringify(ref)}`);
  return user.id;
}
