import { DateTimeISOResolver } from 'graphql-scalars';
import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import type { JobInfo } from '../../server/jobs/scheduler';
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
}
registerEnumType(JobTrigger, { name: 'JobTrigger', description: 'SCHEDULE: started by its cron schedule; MANUAL: runJob.' });

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

export function toJobRun(r: JobRun): JobRunType {
  return {
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
    lastRun: j.lastRun ? toJobRun(j.lastRun) : null,
  };
}
