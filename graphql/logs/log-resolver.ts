import { Arg, Authorized, Ctx, Int, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { LogEntry, LogService, Severity } from '../../server/logs/logger';
import type { GraphqlContext } from '../context';
import { badInput, unauthenticated } from '../errors';
import { eventStream } from '../subscriptions';
import { LogEntryType, LogServiceValue, SeverityValue } from './log-types';

const RANK: Record<Severity, number> = { error: 0, message: 1, event: 2 };
const MAX_TAIL = 2000;

function toEntry(entry: LogEntry): LogEntryType {
  const { time, service, severity, text, ...fields } = entry;
  return { time: new Date(time), service, severity, text, fields: JSON.stringify(fields) };
}

/** Entries of the given services (all when empty) at `severity` or more severe. */
function matcher(services: LogService[] | undefined, severity: Severity | undefined): (e: LogEntry) => boolean {
  const wanted = services && services.length > 0 ? new Set(services) : undefined;
  const rank = RANK[severity ?? 'event'];
  return (e) => (!wanted || wanted.has(e.service)) && RANK[e.severity] <= rank;
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
    @Arg('severity', () => SeverityValue, { nullable: true, description: 'Default EVENT (everything logged).' }) _severity: Severity | undefined,
  ): LogEntryType {
    return toEntry(entry);
  }
}
