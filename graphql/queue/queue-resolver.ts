import { Arg, Args, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { QueueEntry } from '../../server/queue/types';
import { localUserId } from '../../server/queue/targets';
import { queueSearchMatcher } from '../../server/queue/queue-search';
import type { GraphqlContext } from '../context';
import { badInput, notFound } from '../errors';
import { type Connection, PageArgs, paginate } from '../pagination';
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
    const matches = queueSearchMatcher(search);
    const entries = ctx.engine.queue.entries().filter((e) => (!state || e.state === state) && matches(e));
    // Only the page's messages are turned into API objects (a recipient's user is looked up), not the whole queue.
    const paged = paginate(entries, (e) => e.id, page);
    const nodes = paged.nodes.map((e) => toMessage(ctx, e));
    return { ...paged, nodes, edges: paged.edges.map((edge, i) => ({ cursor: edge.cursor, node: nodes[i] })) };
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
