import { Arg, Args, Authorized, Ctx, Int, Query, Resolver } from 'type-graphql';
import type { QuotaUse } from '../../server/directory/accounts';
import type { User } from '../../server/directory/types';
import type { GraphqlContext } from '../context';
import { badInput } from '../errors';
import { type Connection, PageArgs, paginate } from '../pagination';
import { AccountUsageConnection, AccountUsageOrder, type AccountUsageType, MailboxUsageType } from './account-usage-types';

/** Room for any byte count or percentage (below 2^53) in a fixed-width, string-sortable key. */
const MAX_KEY = Number.MAX_SAFE_INTEGER;
const WIDTH = String(MAX_KEY).length;
const fixed = (n: number) => String(Math.max(0, Math.min(MAX_KEY, Math.round(n)))).padStart(WIDTH, '0');

/**
 * The sort key of a row: pages are cut by key (the pagination convention), so the key orders
 * rows as asked, the short name breaking ties. Biggest-first orders subtract from the maximum.
 */
function keyOf(order: AccountUsageOrder, reverse: boolean, user: Pick<User, 'shortName'>, quota: QuotaUse): string {
  const name = user.shortName.toLowerCase();
  if (order === AccountUsageOrder.NAME) return reverse ? [...name].map((c) => String.fromCharCode(0xffff - c.charCodeAt(0))).join('') + '\uffff' : name;
  // Percent in thousandths; unlimited (no percent) sorts after every limited user.
  const value = order === AccountUsageOrder.USAGE ? quota.usedBytes : quota.percent === undefined ? -1 : quota.percent * 1000;
  return `${!reverse ? fixed(MAX_KEY - value - 1) : fixed(value + 1)}\u0000${name}`;
}

@Resolver()
export class AccountUsageResolver {
  @Authorized()
  @Query(() => AccountUsageConnection, { description: 'Every user\u2019s mail storage and quota, sortable (the seed\u2019s Accounts pane).' })
  accountUsage(
    @Args(() => PageArgs) page: PageArgs,
    @Arg('order', () => AccountUsageOrder, { nullable: true, description: 'Default USAGE (most bytes first).' }) order: AccountUsageOrder | undefined,
    @Arg('reverse', () => Boolean, { nullable: true, description: 'Reverse the order: smallest first for USAGE and PERCENT, Z to A for NAME.' })
    reverse: boolean | undefined,
    @Arg('search', () => String, { nullable: true, description: 'Only users whose short name, additional name or full name contains this (any case).' })
    search: string | undefined,
    @Ctx() ctx: GraphqlContext,
  ): Connection<AccountUsageType> {
    const by = order ?? AccountUsageOrder.USAGE;
    const rows = ctx.engine.accounts.usageList(search).map(({ user, quota }) => ({ key: keyOf(by, reverse ?? false, user, quota), user, quota }));
    const found = paginate(rows, (r) => r.key, page);
    // Only the page's users are read in full.
    const toNode = (r: (typeof rows)[number]): AccountUsageType | undefined => {
      const user = ctx.engine.directory.user(r.user.id);
      return user && ({ user: { ...user, createdAt: new Date(user.createdAt) }, ...r.quota } as AccountUsageType);
    };
    // A user deleted since the list was read is left out of the page.
    const edges = found.edges.flatMap((e) => {
      const node = toNode(e.node);
      return node ? [{ cursor: e.cursor, node }] : [];
    });
    return { ...found, edges, nodes: edges.map((e) => e.node) };
  }

  @Authorized()
  @Query(() => [MailboxUsageType], { description: 'The largest mailboxes of the server, biggest first.' })
  biggestMailboxes(@Arg('first', () => Int, { nullable: true, description: 'How many (default 10, at most 500).' }) first: number | undefined, @Ctx() ctx: GraphqlContext): MailboxUsageType[] {
    const n = first ?? 10;
    if (!Number.isInteger(n) || n < 1 || n > 500) throw badInput('first must be from 1 to 500', 'first');
    return ctx.engine.accounts.biggestMailboxes(n);
  }
}
