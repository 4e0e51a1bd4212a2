import { Arg, Args, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { QuarantineKind, QuarantinedMessage } from '../../server/virus/quarantine';
import { VIRUS_UPDATE_JOB } from '../../server/virus/virus-service';
import type { GraphqlContext } from '../context';
import { badInput } from '../errors';
import { type Connection, PageArgs, paginate } from '../pagination';
import { toJobRun } from '../jobs/job-types';
import { QuarantineActionPayload, QuarantineKindEnum, QuarantinedMessageConnection, QuarantinedMessagesInput, QuarantinedMessageType, VirusStatusType } from './virus-types';

const MAX_IDS = 10_000;

/** ClamAV status and the quarantine: list, release (deliver after all), delete. */
@Resolver()
export class VirusResolver {
  @Authorized()
  @Query(() => VirusStatusType)
  async virusStatus(@Ctx() ctx: GraphqlContext): Promise<VirusStatusType> {
    const s = await ctx.engine.virus.status();
    const last = ctx.engine.jobs.log.last(VIRUS_UPDATE_JOB);
    const ok = ctx.engine.jobs.log.lastWith(VIRUS_UPDATE_JOB, 'ok');
    return {
      enabled: s.enabled,
      clamdAddress: s.clamdAddress,
      clamdReachable: s.clamdReachable,
      version: s.version,
      engineVersion: s.engineVersion,
      databaseVersion: s.databaseVersion,
      databaseDate: s.databaseDate,
      lastUpdate: last ? toJobRun(last) : null,
      lastSuccessfulUpdate: ok?.finishedAt ?? null,
      scans: s.scans,
      averageScanMs: s.averageScanMs,
    };
  }

  @Authorized()
  @Query(() => QuarantinedMessageConnection, { description: 'Messages in quarantine (infected, and junk with junkAction QUARANTINE), oldest first.' })
  quarantine(
    @Args(() => PageArgs) page: PageArgs,
    @Arg('kind', () => QuarantineKindEnum, { nullable: true, description: 'Only these: VIRUS or JUNK (default both).' }) kind: QuarantineKind | undefined,
    @Ctx() ctx: GraphqlContext,
  ): Connection<QuarantinedMessageType> {
    return paginate(ctx.engine.virus.quarantine.list(kind ?? undefined).map(toQuarantined), (m) => m.id, page);
  }

  @Authorized('admin')
  @Mutation(() => QuarantineActionPayload, { description: 'Delivers quarantined messages to their original recipients after all, without scanning them again.' })
  async releaseQuarantinedMessages(@Arg('input', () => QuarantinedMessagesInput) input: QuarantinedMessagesInput, @Ctx() ctx: GraphqlContext): Promise<QuarantineActionPayload> {
    checkIds(input);
    const out: QuarantineActionPayload = { done: [], skipped: [], queueIds: [] };
    for (const id of input.ids) {
      const queueId = await ctx.engine.virus.quarantine.release(id);
      if (queueId) {
        out.done.push(id);
        out.queueIds.push(queueId);
      } else out.skipped.push(id);
    }
    ctx.log.message('quarantined messages released', { count: out.done.length, by: ctx.admin?.username });
    return out;
  }

  @Authorized('admin')
  @Mutation(() => QuarantineActionPayload, { description: 'Deletes quarantined messages for good.' })
  async deleteQuarantinedMessages(@Arg('input', () => QuarantinedMessagesInput) input: QuarantinedMessagesInput, @Ctx() ctx: GraphqlContext): Promise<QuarantineActionPayload> {
    checkIds(input);
    const out: QuarantineActionPayload = { done: [], skipped: [], queueIds: [] };
    for (const id of input.ids) ((await ctx.engine.virus.quarantine.delete(id)) ? out.done : out.skipped).push(id);
    ctx.log.message('quarantined messages deleted', { count: out.done.length, by: ctx.admin?.username });
    return out;
  }
}

function checkIds(input: QuarantinedMessagesInput): void {
  if (input.ids.length === 0) throw badInput('name at least one quarantined message', 'ids');
  if (input.ids.length > MAX_IDS) throw badInput(`at most ${MAX_IDS} messages at once`, 'ids');
}

function toQuarantined(m: QuarantinedMessage): QuarantinedMessageType {
  return {
    id: m.id,
    kind: m.kind,
    quarantinedAt: m.quarantinedAt,
    sender: m.sender,
    recipients: m.recipients.map((r) => r.original),
    virus: m.virus,
    junkScore: m.junkScore,
    subject: m.subject,
    size: m.size,
    client: m.client,
  };
}
