import { Arg, Authorized, Ctx, FieldResolver, Int, Resolver, Root, Subscription } from 'type-graphql';
import { listPagePaths } from '../../server/lists/archive';
import type { ListEvent } from '../../server/lists/events';
import type { GraphqlContext } from '../context';
import { badInput, notFound, unauthenticated } from '../errors';
import { eventStream } from '../subscriptions';
import { ListEventType, ListStatsType, MailingListPagesType } from './list-stats-types';
import { MailingListType } from './list-types';

/** A list's statistics, the paths of its web pages, and its events (docs/lists.md "Statistics and events"); the counting lives in server/lists/. */
@Resolver(() => MailingListType)
export class ListStatsResolver {
  @Authorized()
  @FieldResolver(() => ListStatsType)
  stats(@Root() list: MailingListType, @Arg('days', () => Int, { defaultValue: 30, description: 'How many days of posts per day, today included (1 to 366).' }) days: number, @Ctx() ctx: GraphqlContext): ListStatsType {
    if (!Number.isInteger(days) || days < 1 || days > 366) throw badInput('days must be from 1 to 366', 'days');
    const s = ctx.engine.lists.store.stats(list.id, days, Date.now());
    return {
      ...s,
      byDelivery: { enabled: s.byDelivery.enabled, byMember: s.byDelivery['by-member'], byOwner: s.byDelivery['by-owner'], byBounces: s.byDelivery['by-bounces'] },
      byDigest: s.byDigest,
    };
  }

  @FieldResolver(() => MailingListPagesType)
  pages(@Root() list: MailingListType): MailingListPagesType {
    return listPagePaths(list.address);
  }

  @Authorized()
  @Subscription(() => ListEventType, {
    name: 'listEvents',
    description: 'A list\u2019s events as they are committed: posts sent, members joined and left, posts held and decided, members disabled by bounces.',
    subscribe: ({ args, context }) => {
      const ctx = context as GraphqlContext;
      if (!ctx.admin) throw unauthenticated();
      const list = ctx.engine.lists.byAddress(String(args.list).trim());
      if (!list) throw notFound(`the list ${String(args.list)}`);
      return eventStream(ctx.engine.lists.events, ['event'], (_event, payload) => {
        const e = payload as ListEvent;
        return e.listId === list.id ? e : undefined;
      });
    },
  })
  listEvents(@Root() event: ListEvent, @Arg('list', () => String, { description: 'The list\u2019s address.' }) _list: string): ListEventType {
    return event;
  }
}
