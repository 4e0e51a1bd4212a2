import { Authorized, Ctx, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { Alert } from '../../server/metrics/alerts';
import type { GraphqlContext } from '../context';
import { unauthenticated } from '../errors';
import { eventStream } from '../subscriptions';
import { type AlertKindValue, AlertType } from './alert-types';

const toAlert = (a: Alert): AlertType => ({ ...a, kind: a.kind as AlertKindValue });

@Resolver(() => AlertType)
export class AlertResolver {
  @Authorized()
  @Query(() => [AlertType], { description: 'The alerts standing now, oldest first (checked every minute, and when an alert setting changes).' })
  alerts(@Ctx() ctx: GraphqlContext): AlertType[] {
    return ctx.engine.alerts.board.active().map(toAlert);
  }

  @Authorized()
  @Subscription(() => AlertType, {
    name: 'alerts',
    description: 'An alert raised, or cleared (clearedAt set).',
    subscribe: ({ context }) => {
      const ctx = context as GraphqlContext;
      if (!ctx.admin) throw unauthenticated();
      return eventStream(ctx.engine.alerts.board, ['alert'], (_event, payload) => toAlert(payload as Alert));
    },
  })
  alertEvents(@Root() alert: AlertType): AlertType {
    return alert;
  }
}
