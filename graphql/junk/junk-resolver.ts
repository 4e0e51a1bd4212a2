import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { MIN_LEARNT_PER_CLASS } from '../../server/junk/filter';
import { JUNK_TRAINING_JOB } from '../../server/jobs/junk-training';
import type { GraphqlContext } from '../context';
import { badInput, notFound } from '../errors';
import { userId } from '../accounts/user-resolver';
import { toJobRun } from '../jobs/job-types';
import { JunkLesson, JunkStatisticsType, LearnJunkInput, LearnJunkPayload } from './junk-types';

/** Messages one learnJunk call may go through; more is a job for `pillarbox learn`. */
const MAX_MESSAGES = 10_000;

/** The junk filter's statistics and training by hand (sa-learn over the API). */
@Resolver()
export class JunkResolver {
  @Authorized()
  @Query(() => JunkStatisticsType)
  junkStatistics(@Ctx() ctx: GraphqlContext): JunkStatisticsType {
    return statistics(ctx);
  }

  @Authorized('admin')
  @Mutation(() => LearnJunkPayload, { description: 'Learns messages as junk or not junk, or forgets them: raw text or messages of a mailbox.' })
  async learnJunk(@Arg('input', () => LearnJunkInput) input: LearnJunkInput, @Ctx() ctx: GraphqlContext): Promise<LearnJunkPayload> {
    const fromMailbox = input.userId !== undefined || input.mailbox !== undefined || input.uids !== undefined;
    if ((input.raw !== undefined) === fromMailbox) throw badInput('give either raw or userId (with mailbox and uids)', 'raw');
    let raws: Buffer[];
    if (input.raw !== undefined) {
      if (!input.raw.trim()) throw badInput('raw is empty', 'raw');
      raws = [Buffer.from(input.raw, 'utf8')];
    } else {
      if (input.userId === undefined) throw badInput('userId is needed with mailbox or uids', 'userId');
      const id = userId(input.userId);
      if (!ctx.engine.directory.user(id)) throw notFound(`user ${input.userId}`);
      const name = input.mailbox ?? 'INBOX';
      const box = ctx.engine.store.mailbox(id, name);
      if (!box) throw notFound(`mailbox "${name}"`);
      let messages = ctx.engine.store.messages(box.id);
      if (input.uids) {
        const wanted = new Set(input.uids);
        messages = messages.filter((m) => wanted.has(m.uid));
        if (messages.length < wanted.size) throw notFound(`UID ${[...wanted].find((u) => !messages.some((m) => m.uid === u))} in "${name}"`);
      }
      if (messages.length > MAX_MESSAGES) throw badInput(`at most ${MAX_MESSAGES} messages at once; name uids, or use pillarbox learn`, 'uids');
      raws = await Promise.all(messages.map((m) => ctx.engine.store.readMessage(m)));
    }
    const outcomes = ctx.engine.junkFilter.learnMany(raws, input.as === JunkLesson.FORGET ? undefined : input.as);
    const count = (o: string) => outcomes.filter((x) => x === o).length;
    ctx.log.message('junk filter trained by hand', { as: input.as, messages: raws.length, by: ctx.admin?.username });
    return {
      messages: raws.length,
      learnt: count('learnt'),
      relearnt: count('relearnt'),
      alreadyLearnt: count('already-learnt'),
      forgotten: count('forgotten'),
      notLearnt: count('not-learnt'),
      statistics: statistics(ctx),
    };
  }
}

function statistics(ctx: GraphqlContext): JunkStatisticsType {
  const s = ctx.engine.junkFilter.stats();
  const last = ctx.engine.jobs.log.last(JUNK_TRAINING_JOB);
  const min = ctx.engine.junkFilter.minLearnt ?? MIN_LEARNT_PER_CLASS;
  return {
    spamLearnt: s.spamLearnt,
    hamLearnt: s.hamLearnt,
    tokens: s.tokens,
    lastLearnt: s.lastLearnt,
    trained: s.spamLearnt >= min && s.hamLearnt >= min,
    minLearntPerClass: min,
    lastTraining: last ? toJobRun(last) : null,
    mailboxLearning: ctx.engine.junkLearning.stats(),
    tokenTables: ctx.engine.settings.get().junkTokenTables,
    userTables: ctx.engine.junkTables.stats().map((u) => ({ ...u, shortName: ctx.engine.directory.user(u.userId)?.shortName })),
  };
}
