import { Arg, Args, Authorized, Ctx, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { LOG_ARCHIVE_PATH, LogArchiveError, type LogArchive } from '../../server/logs/log-archive';
import { type LogEntry, type LogService, SEVERITY_RANK, type Severity } from '../../server/logs/logger';
import type { GraphqlContext } from '../context';
import { ApiError, badInput, unauthenticated } from '../errors';
import { PageArgs, decodeCursor, encodeCursor, pageSize } from '../pagination';
import { eventStream } from '../subscriptions';
import { DeleteLogArchivesInput, DeleteLogArchivesPayload, LogArchiveType, LogEntryConnection, LogEntryType, LogFilterInput, LogOrderValue, LogServiceValue, SeverityValue } from './log-types';


function toArchive(a: LogArchive): LogArchiveType {
  return { ...a, downloadPath: LOG_ARCHIVE_PATH + encodeURIComponent(a.name) };
}

const MAX_TAIL = 2000;

function toEntry(entry: LogEntry): LogEntryType {
  const { time, service, severity, text, ...fields } = entry;
  return { time: new Date(time), service, severity, text, fields: JSON.stringify(fields) };
}

/** Entries of the given services (all when empty) at `severity` or more severe. */
function matcher(services: LogService[] | undefined, severity: Severity | undefined): (e: LogEntry) => boolean {
  const wanted = services && services.length > 0 ? new Set(services) : undefined;
  const rank = SEVERITY_RANK[severity ?? 'debug'];
  return (e) => (!wanted || wanted.has(e.service)) && SEVERITY_RANK[e.severity] <= rank;
}

@Resolver()
export class LogResolver {
  @Authorized()
  @Query(() => [LogEntryType], { description: 'The most recent log entries kept in memory (up to 2000), oldest first.' })
  logTail(
    @Arg('service', () => LogServiceValue, { nullable: true }) service: LogService | undefined,
    @Arg('severity', () => SeverityValue, { nullable: true }) severity: Severity | undefined,
    @Arg('last', () => Int, { nullable: true, description: 'How many entries (default 100, at most 2000).' }) last: number | undefined,
    @Ctx() ctx: GraphqlContext,
  ): LogEntryType[] {
    const count = last ?? 100;
    if (count < 0 || count > MAX_TAIL) throw badInput(`last must be from 0 to ${MAX_TAIL}`, 'last');
    const matches = matcher(service ? [service] : undefined, severity);
    const found: LogEntry[] = [];
    const tail = ctx.engine.logs.tail;
    for (let i = tail.length - 1; i >= 0 && found.length < count; i--) if (matches(tail[i])) found.push(tail[i]);
    return found.reverse().map(toEntry);
  }

  @Authorized()
  @Query(() => LogEntryConnection, {
    description:
      'Log entries of every service, across restarts, from the log index: filtered, newest or oldest first, a page at a time. Entries are searchable within a fraction of a second of being written.',
  })
  async logs(
    @Args() page: PageArgs,
    @Arg('filter', () => LogFilterInput, { nullable: true }) filter: LogFilterInput | undefined,
    @Arg('order', () => LogOrderValue, { nullable: true, description: 'Default NEWEST_FIRST.' }) order: LogOrderValue | undefined,
    @Ctx() ctx: GraphqlContext,
  ): Promise<LogEntryConnection> {
    const first = pageSize(page);
    let after: number | undefined;
    if (page.after) {
      after = Number(decodeCursor(page.after));
      if (!Number.isSafeInteger(after)) throw badInput(`"${page.after}" is not a cursor of this list`, 'after');
    }
    const search = ctx.engine.logs.search;
    if (!search) throw new ApiError('UNAVAILABLE', 'this engine keeps no log index (it runs without a log directory)');
    const found = await search.queryRows({ ...filter, newestFirst: order !== LogOrderValue.OLDEST_FIRST, after, limit: first });
    // The fields stay the JSON text the index keeps: the same text toEntry would write again.
    const edges = found.rows.map(({ id, time, service, severity, text, fields }) => ({ cursor: encodeCursor(String(id)), node: { time: new Date(time), service, severity, text, fields } }));
    return {
      edges,
      nodes: edges.map((e) => e.node),
      pageInfo: { hasNextPage: found.hasMore, hasPreviousPage: after !== undefined, startCursor: edges[0]?.cursor, endCursor: edges.at(-1)?.cursor },
    };
  }

  @Authorized()
  @Query(() => [LogArchiveType], { description: 'The archived logs, newest first, with their sizes.' })
  async logArchives(@Ctx() ctx: GraphqlContext): Promise<LogArchiveType[]> {
    return (await ctx.engine.logArchives.list()).map(toArchive);
  }

  @Authorized('admin')
  @Mutation(() => DeleteLogArchivesPayload, { description: 'Removes log archives, by name or by age, to reclaim disk space.' })
  async deleteLogArchives(@Arg('input', () => DeleteLogArchivesInput) input: DeleteLogArchivesInput, @Ctx() ctx: GraphqlContext): Promise<DeleteLogArchivesPayload> {
    try {
      return { removed: await ctx.engine.logArchives.remove({ names: input.names, olderThanDays: input.olderThanDays }) };
    } catch (err) {
      if (err instanceof LogArchiveError) throw err.code === 'NOT_FOUND' ? new ApiError('NOT_FOUND', err.message) : badInput(err.message, err.field);
      throw err;
    }
  }

  @Authorized()
  @Subscription(() => LogEntryType, {
    description: 'Log entries as they are written.',
    subscribe: ({ args, context }) => {
      const ctx = context as GraphqlContext;
      if (!ctx.admin) throw unauthenticated();
      const matches = matcher(args.services as LogService[] | undefined, args.severity as Severity | undefined);
      return eventStream(ctx.engine.logs, ['entry'], (_event, payload) => {
        const entry = payload as LogEntry;
        return matches(entry) ? entry : undefined;
      });
    },
  })
  logEntries(
    @Root() entry: LogEntry,
    @Arg('services', () => [LogServiceValue], { nullable: true, description: 'Default: every service.' }) _services: LogService[] | undefined,
    @Arg('severity', () => SeverityValue, { nullable: true, description: 'Default DEBUG (everything logged).' }) _severity: Severity | undefined,
  ): LogEntryType {
    return toEntry(entry);
  }
}
