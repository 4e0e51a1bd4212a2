import { Arg, Args, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { JobError } from '../../server/jobs/scheduler';
import type { GraphqlContext } from '../context';
import { ApiError, notFound } from '../errors';
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
    if (job !== undefined && !ctx.engine.jobs.job(job)) throw notFound(`job "${job}"`);
    return paginate(ctx.engine.jobs.log.runs(job).map(toJobRun), runKey, page);
  }

  @Authorized('admin')
  @Mutation(() => RunJobPayload, { description: 'Runs a job now ("run now"). JOB_RUNNING while a run of it is going on.' })
  async runJob(@Arg('input', () => RunJobInput) input: RunJobInput, @Ctx() ctx: GraphqlContext): Promise<RunJobPayload> {
    let finished: ReturnType<typeof ctx.engine.jobs.runNow>;
    try {
      finished = ctx.engine.jobs.runNow(input.name);
    } catch (err) {
      if (err instanceof JobError && err.code === 'JOB_NOT_FOUND') throw notFound(`job "${input.name}"`);
      if (err instanceof JobError) throw new ApiError('JOB_RUNNING', err.message);
      throw err;
    }
    ctx.log.message('job started by hand', { job: input.name, by: ctx.admin?.username });
    if (input.wait === false) {
      const run = ctx.engine.jobs.log.last(input.name);
      return { run: toJobRun(run!) };
    }
    return { run: toJobRun(await finished) };
  }
}
