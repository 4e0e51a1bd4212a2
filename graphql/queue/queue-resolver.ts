import { Arg, Args, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { QueueEntry } from '../../server/queue/types';
import { localUserId } from '../../server/queue/targets';
import type { GraphqlContext } from '../context';
import { badInput, notFound } from '../errors';
import { type Connection, PageArgs, decodeCursor, encodeCursor, pageSize } from '../pagination';
import {
  QueueActionPayload,
  QueueCountsType,
  QueuedMessageConnection,
  QueuedMessagesInput,
  QueuedMessageType,
  QueueRecipientStatus,
  QueueState,
} from './queue-types';

const MAX_IDS = 10_000;

/** The seed's queue management: list, inspect, retry, delete, hold and release. */
@Resolver()
export class QueueResolver {
  @Authorized()
  @Query(() => QueuedMessageConnection, { description: 'Messages in the queue, oldest first.' })
  queue(
    @Args(() => PageArgs) page: PageArgs,
    @Arg('state', () => QueueState, { nullable: true }) state: QueueState | undefined,
    @Arg('search', () => String, { nullable: true, description: 'Words that must all occur in the queue ID, sender, a recipient or the client (any case).' }) search: string | undefined,
    @Ctx() ctx: GraphqlContext,
  ): Connection<QueuedMessageType> {
    // Paged in SQL: a page of a 10,000-message queue reads its own rows only.
    const found = ctx.engine.queue.page({ state, search: search ?? undefined }, page.after ? decodeCursor(page.after) : undefined, pageSize(page));
    const edges = found.entries.map((e) => ({ cursor: encodeCursor(e.id), node: toMessage(ctx, e) }));
    return {
      edges,
      nodes: edges.map((e) => e.node),
      pageInfo: { hasNextPage: found.more, hasPreviousPage: page.after !== undefined && page.after !== null, startCursor: edges[0]?.cursor, endCursor: edges[edges.length - 1]?.cursor },
      totalCount: found.total,
    };
  }

  @Authorized()
  @Query(() => QueueCountsType)
  queueCounts(@Ctx() ctx: GraphqlContext): QueueCountsType {
    return ctx.engine.queue.counts();
  }

  @Authorized()
  @Query(() => String, { description: 'The header section of a queued message.' })
  async queuedMessageHeaders(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphqlContext): Promise<string> {
    const headers = await ctx.engine.queue.headers(id);
    if (headers === undefined) throw notFound(`queued message ${id}`);
    return headers;
  }

  @Authorized('admin')
  @Mutation(() => QueueActionPayload, { description: 'Attempts the messages now.' })
  retryQueuedMessages(@Arg('input', () => QueuedMessagesInput) input: QueuedMessagesInput, @Ctx() ctx: GraphqlContext): QueueActionPayload {
    return act(ctx, input, 'retried', (id) => ctx.engine.queue.retry(id));
  }

  @Authorized('admin')
  @Mutation(() => QueueActionPayload, { description: 'Removes the messages without delivering or returning them.' })
  async deleteQueuedMessages(@Arg('input', () => QueuedMessagesInput) input: QueuedMessagesInput, @Ctx() ctx: GraphqlContext): Promise<QueueActionPayload> {
    checkIds(input);
    const done: string[] = [];
    const skipped: string[] = [];
    for (const id of input.ids) ((await ctx.engine.queue.remove(id)) ? done : skipped).push(id);
    ctx.log.message('queued messages deleted', { count: done.length, by: ctx.admin?.username });
    return { done, skipped };
  }

  @Authorized('admin')
  @Mutation(() => QueueActionPayload, { description: 'Keeps the messages queued without attempting them.' })
  holdQueuedMessages(@Arg('input', () => QueuedMessagesInput) input: QueuedMessagesInput, @Ctx() ctx: GraphqlContext): QueueActionPayload {
    return act(ctx, input, 'held', (id) => ctx.engine.queue.hold(id));
  }

  @Authorized('admin')
  @Mutation(() => QueueActionPayload, { description: 'Releases held messages and attempts them now.' })
  releaseQueuedMessages(@Arg('input', () => QueuedMessagesInput) input: QueuedMessagesInput, @Ctx() ctx: GraphqlContext): QueueActionPayload {
    return act(ctx, input, 'released', (id) => ctx.engine.queue.release(id));
  }
}

function checkIds(input: QueuedMessagesInput): void {
  if (input.ids.length === 0) throw badInput('name at least one queued message', 'ids');
  if (input.ids.length > MAX_IDS) throw badInput(`at most ${MAX_IDS} messages at once`, 'ids');
}

function act(ctx: GraphqlContext, input: QueuedMessagesInput, verb: string, fn: (id: string) => boolean): QueueActionPayload {
  checkIds(input);
  const done: string[] = [];
  const skipped: string[] = [];
  for (const id of input.ids) (fn(id) ? done : skipped).push(id);
  ctx.log.message(`queued messages ${verb}`, { count: done.length, by: ctx.admin?.username });
  return { done, skipped };
}

function toMessage(ctx: GraphqlContext, e: QueueEntry): QueuedMessageType {
  return {
    id: e.id,
    sender: e.sender,
    createdAt: e.createdAt,
    size: e.size,
    state: e.state as QueueState,
    attempts: e.attempts,
    lastError: e.lastError,
    nextAttempt: e.nextAttempt,
    client: e.client,
    recipients: e.recipients.map((r) => {
      const userId = localUserId(r.address);
      const local = userId !== undefined ? ctx.engine.directory.user(userId)?.shortName ?? r.address : r.address;
      return { address: local, original: r.original, status: r.status as QueueRecipientStatus, diagnostic: r.diagnostic };
    }),
  };
}
