import { DateTimeISOResolver } from 'graphql-scalars';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { JobInfo, JobProgress } from '../../server/jobs/scheduler';
import type { JobRun } from '../../server/jobs/run-log';
import { connectionType } from '../pagination';

export enum JobRunOutcome {
  RUNNING = 'running',
  OK = 'ok',
  FAILED = 'failed',
}
registerEnumType(JobRunOutcome, { name: 'JobRunOutcome' });

export enum JobTrigger {
  SCHEDULE = 'schedule',
  MANUAL = 'manual',
  RETRY = 'retry',
}
registerEnumType(JobTrigger, { name: 'JobTrigger', description: 'SCHEDULE: started by its cron schedule; MANUAL: runJob; RETRY: tried again after a failed run, with back-off.' });

@ObjectType('JobProgress', { description: 'How far a run has come: `done` of `total` in its current step (mailboxes, files…).' })
export class JobProgressType {
  @Field(() => Int)
  done!: number;

  @Field(() => Int)
  total!: number;

  @Field(() => String, { description: 'What the run is doing now ("reconstructing mailboxes").' })
  step!: string;
}

@ObjectType('JobRun', { description: 'One run of a scheduled job.' })
export class JobRunType {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'The job\u2019s name.' })
  job!: string;

  @Field(() => JobTrigger)
  trigger!: JobTrigger;

  @Field(() => DateTimeISOResolver)
  startedAt!: Date;

  @Field(() => DateTimeISOResolver, { nullable: true, description: 'Null while it runs.' })
  finishedAt!: Date | null;

  @Field(() => JobRunOutcome)
  outcome!: JobRunOutcome;

  @Field(() => String, { description: 'What the job reported: its summary, or what went wrong (freshclam\u2019s own output, for instance).' })
  output!: string;

  @Field(() => JobProgressType, { nullable: true, description: 'While it runs, how far it has come (for jobs that report it: repair); null once finished.' })
  progress!: JobProgressType | null;
}

export const JobRunConnection = connectionType('JobRun', JobRunType);

@ObjectType('Job', { description: 'A maintenance job the engine runs on a schedule.' })
export class JobType {
  @Field(() => ID)
  name!: string;

  @Field(() => String)
  description!: string;

  @Field(() => String, { description: 'Its cron expression (server time); empty = not scheduled.' })
  schedule!: string;

  @Field(() => String, { description: 'The setting that holds the schedule (change it with updateSettings).' })
  scheduleSetting!: string;

  @Field(() => Boolean, { description: 'False while the feature it serves is off: scheduled runs are skipped (runJob still runs it).' })
  enabled!: boolean;

  @Field(() => Boolean)
  running!: boolean;

  @Field(() => DateTimeISOResolver, { nullable: true, description: 'When the schedule next starts it; null when not scheduled.' })
  nextRun!: Date | null;

  @Field(() => JobRunType, { nullable: true })
  lastRun!: JobRunType | null;

  @Field(() => JobProgressType, { nullable: true, description: 'While it runs, how far it has come (for jobs that report it).' })
  progress!: JobProgressType | null;
}

export const JobConnection = connectionType('Job', JobType);

@InputType()
export class RunJobInput {
  @Field(() => String, { description: 'The job\u2019s name (see `jobs`).' })
  name!: string;

  @Field(() => Boolean, { nullable: true, description: 'Wait for the run to finish (default true); false returns at once with the run RUNNING.' })
  wait?: boolean;
}

@ObjectType('RunJobPayload')
export class RunJobPayload {
  @Field(() => JobRunType)
  run!: JobRunType;
}

/** A run as the API shows it; `progress` is the scheduler's report while the run goes on. */
export function toJobRun(r: JobRun, progress?: JobProgress): JobRunType {
  return {
    progress: r.outcome === 'running' && progress ? { ...progress } : null,
    id: String(r.id),
    job: r.job,
    trigger: r.trigger as JobTrigger,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    outcome: r.outcome as JobRunOutcome,
    output: r.output,
  };
}

export function toJob(j: JobInfo): JobType {
  return {
    name: j.name,
    description: j.description,
    schedule: j.schedule,
    scheduleSetting: j.scheduleSetting,
    enabled: j.enabled,
    running: j.running,
    nextRun: j.nextRun,
    lastRun: j.lastRun ? toJobRun(j.lastRun, j.progress) : null,
    progress: j.progress ? { ...j.progress } : null,
  };
}
