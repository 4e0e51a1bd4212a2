import { Arg, Args, Authorized, Ctx, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { JobError, type JobProgress } from '../../server/jobs/scheduler';
import type { JobRun } from '../../server/jobs/run-log';
import type { GraphqlContext } from '../context';
import { ApiError, notFound, unauthenticated } from '../errors';
import { eventStream } from '../subscriptions';
import { type Connection, PageArgs, paginate } from '../pagination';
import { JobConnection, JobRunConnection, JobRunType, JobType, RunJobInput, RunJobPayload, toJob, toJobRun } from './job-types';

/** Newest first under the ascending cursor order: the key counts down as ids grow. */
const runKey = (r: JobRunType) => String(1e12 - Number(r.id)).padStart(13, '0');

/** The scheduler: jobs with their schedules and runs, and "run now". */
@Resolver()
export class JobResolver {
  @Authorized()
  @Query(() => JobConnection, { description: 'The scheduled jobs, by name.' })
  jobs(@Args(() => PageArgs) page: PageArgs, @Ctx() ctx: GraphqlContext): Connection<JobType> {
    return paginate(ctx.engine.jobs.list().map(toJob), (j) => j.name, page);
  }

  @Authorized()
  @Query(() => JobType, { description: 'One job.' })
  job(@Arg('name', () => String) name: string, @Ctx() ctx: GraphqlContext): JobType {
    const j = ctx.engine.jobs.job(name);
    if (!j) throw notFound(`job "${name}"`);
    return toJob(j);
  }

  @Authorized()
  @Query(() => JobRunConnection, { description: 'Recorded runs, newest first; of one job when `job` is given.' })
  jobRuns(
    @Args(() => PageArgs) page: PageArgs,
    @Arg('job', () => String, { nullable: true }) job: string | undefined,
    @Ctx() ctx: GraphqlContext,
  ): Connection<JobRunType> {
    // An explicit `job: null` (the console sends it on /jobs) means every job, as leaving it out does.
    job ??= undefined;
    if (job !== undefined && !ctx.engine.jobs.job(job)) throw notFound(`job "${job}"`);
    return paginate(ctx.engine.jobs.log.runs(job).map((r) => toJobRun(r, ctx.engine.jobs.progressOf(r.job, r.id))), runKey, page);
  }

  @Authorized('admin')
  @Mutation(() => RunJobPayload, { description: 'Runs a job now ("run now"). JOB_RUNNING while a run of it is going on.' })
  runJob(@Arg('input', () => RunJobInput) input: RunJobInput, @Ctx() ctx: GraphqlContext): Promise<RunJobPayload> {
    return startJob(ctx, input.name, {}, input.wait !== false);
  }

  @Authorized()
  @Subscription(() => JobRunType, {
    description: 'Runs as they start, report progress (the repair: each mailbox) and finish; of one job when `job` is given.',
    subscribe: ({ args, context }) => {
      const ctx = context as GraphqlContext;
      if (!ctx.admin) throw unauthenticated();
      const wanted = (args.job as string | null | undefined) ?? undefined;
      return eventStream(ctx.engine.jobs, ['started', 'progress', 'finished'], (event, payload) => {
        const { run, progress } = event === 'progress' ? (payload as { run: JobRun; progress: JobProgress }) : { run: payload as JobRun, progress: undefined };
        return wanted === undefined || run.job === wanted ? toJobRun(run, progress) : undefined;
      });
    },
  })
  jobRunUpdates(@Root() run: JobRunType, @Arg('job', () => String, { nullable: true }) _job: string | undefined): JobRunType {
    return run;
  }
}

/** Starts a job by hand (with options of its own) and answers with the run: finished, or just begun when `wait` is false. */
export async function startJob(ctx: GraphqlContext, name: string, options: Record<string, unknown>, wait: boolean): Promise<RunJobPayload> {
  let finished: ReturnType<typeof ctx.engine.jobs.runNow>;
  try {
    finished = ctx.engine.jobs.runNow(name, options);
  } catch (err) {
    if (err instanceof JobError && err.code === 'JOB_NOT_FOUND') throw notFound(`job "${name}"`);
    if (err instanceof JobError) throw new ApiError('JOB_RUNNING', err.message);
    throw err;
  }
  ctx.log.message('job started by hand', { job: name, by: ctx.admin?.username });
  if (!wait) {
    const run = ctx.engine.jobs.log.last(name);
    return { run: toJobRun(run!, ctx.engine.jobs.progressOf(name, run!.id)) };
  }
  return { run: toJobRun(await finished) };
}
