import { Args, Authorized, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import type { GraphqlContext } from '../context';
import { badInput } from '../errors';
import { ServiceStatusType } from '../service/service-types';
import { COUNTS_KEPT_DAYS, MESSAGE_COUNTERS } from '../../server/metrics/message-counters';
import { CountStep, MessageCountSeriesType, MessageCountsArgs, MessageTotalsType, STEP_MS } from './message-count-types';

/** More points than this in one answer is a mistake (30 days of minutes is 43,200). */
const MAX_POINTS = 50_000;

@Resolver(() => ServiceStatusType)
export class MessageCountResolver {
  @Authorized()
  @Query(() => [MessageCountSeriesType], {
    description: `Message counts over time, for graphs: one series per counter and label, a point per step (per minute for a day, then per hour; kept ${COUNTS_KEPT_DAYS} days).`,
  })
  messageCounts(@Args(() => MessageCountsArgs) args: MessageCountsArgs, @Ctx() ctx: GraphqlContext): MessageCountSeriesType[] {
    const stepMs = STEP_MS[args.step ?? CountStep.HOUR];
    const to = args.to ? args.to.getTime() : Date.now();
    const from = Math.floor(args.from.getTime() / stepMs) * stepMs;
    if (!Number.isFinite(from) || !Number.isFinite(to)) throw badInput('from and to must be valid times', 'from');
    if (to <= from) throw badInput('to must be later than from', 'to');
    const buckets = Math.ceil((to - from) / stepMs);
    if (buckets > MAX_POINTS) throw badInput(`that is ${buckets} points a series; take a wider step or a shorter range (at most ${MAX_POINTS})`, 'step');
    return ctx.engine.counters.series(from, to, stepMs, args.counters).map((s) => {
      const points = [];
      let total = 0;
      for (let t = from; t < to; t += stepMs) {
        const value = s.points.get(t) ?? 0;
        total += value;
        points.push({ time: new Date(t), value });
      }
      return { counter: s.counter as MessageCountSeriesType['counter'], label: s.label || null, total, points };
    });
  }

  @FieldResolver(() => MessageTotalsType, { description: 'Messages in and out since the engine started.' })
  messages(@Root() _status: ServiceStatusType, @Ctx() ctx: GraphqlContext): MessageTotalsType {
    const totals = Object.fromEntries(MESSAGE_COUNTERS.map((c) => [c, ctx.engine.counters.total(c)]));
    return totals as unknown as MessageTotalsType;
  }
}
