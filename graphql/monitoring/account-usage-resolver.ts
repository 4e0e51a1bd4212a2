import { Arg, Args, Authorized, Ctx, Int, Query, Resolver } from 'type-graphql';
import type { GraphqlContext } from '../context';
import { badInput } from '../errors';
import { type Connection, PageArgs, decodeCursor, encodeCursor, pageSize } from '../pagination';
import { AccountUsageConnection, AccountUsageOrder, type AccountUsageType, MailboxUsageType } from './account-usage-types';

@Resolver()
export class AccountUsageResolver {
  @Authorized()
  @Query(() => AccountUsageConnection, { description: 'Every user\u2019s mail storage and quota, sortable (the seed\u2019s Accounts pane).' })
  accountUsage(
    @Args(() => PageArgs) page: PageArgs,
    @Arg('order', () => AccountUsageOrder, { nullable: true, description: 'Default USAGE (most bytes first).' }) order: AccountUsageOrder | undefined,
    @Arg('reverse', () => Boolean, { nullable: true, description: 'Reverse the order: smallest first for USAGE and PERCENT, Z to A for NAME (ties turned round too).' })
    reverse: boolean | undefined,
    @Arg('search', () => String, { nullable: true, description: 'Only users whose short name, additional name or full name contains this (any case).' })
    search: string | undefined,
    @Ctx() ctx: GraphqlContext,
  ): Connection<AccountUsageType> {
    // Sorted, searched and paged in SQL (server/directory/usage-page.ts); only the page's users are read in full.
    const found = ctx.engine.accounts.usagePage({
      order: order ?? AccountUsageOrder.USAGE,
      reverse: reverse ?? false,
      search: search ?? undefined,
      after: page.after ? decodeCursor(page.after) : undefined,
      limit: pageSize(page),
    });
    // The page's users in one read; a user deleted since the page was read is left out of it.
    const users = ctx.engine.directory.usersByIds(found.rows.map((r) => r.userId));
    const edges = found.rows.flatMap((r) => {
      const user = users.get(r.userId);
      return user ? [{ cursor: encodeCursor(r.key), node: { user: { ...user, createdAt: new Date(user.createdAt) }, ...r.quota } as AccountUsageType }] : [];
    });
    return {
      edges,
      nodes: edges.map((e) => e.node),
      pageInfo: { hasNextPage: found.more, hasPreviousPage: page.after !== undefined && page.after !== null, startCursor: edges[0]?.cursor, endCursor: edges[edges.length - 1]?.cursor },
      totalCount: found.total,
    };
  }

  @Authorized()
  @Query(() => [MailboxUsageType], { description: 'The largest mailboxes of the server, biggest first.' })
  biggestMailboxes(@Arg('first', () => Int, { nullable: true, description: 'How many (default 10, at most 500).' }) first: number | undefined, @Ctx() ctx: GraphqlContext): MailboxUsageType[] {
    const n = first ?? 10;
    if (!Number.isInteger(n) || n < 1 || n > 500) throw badInput('first must be from 1 to 500', 'first');
    return ctx.engine.accounts.biggestMailboxes(n);
  }
}
