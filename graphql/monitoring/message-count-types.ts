import { DateTimeISOResolver } from 'graphql-scalars';
import { ArgsType, Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { JUNK_ACTIONS } from '../../server/config/settings-schema';
import { REJECT_REASONS, VIRUS_OUTCOMES } from '../../server/metrics/message-counters';
import { PROTOCOLS } from '../../server/net/connections';
import { closedSet } from '../enums';

export enum CountStep {
  MINUTE = 'minute',
  HOUR = 'hour',
  DAY = 'day',
}
registerEnumType(CountStep, { name: 'CountStep', description: 'The width of one point of a message count series (UTC).' });

export const STEP_MS: Record<CountStep, number> = { [CountStep.MINUTE]: 60_000, [CountStep.HOUR]: 3_600_000, [CountStep.DAY]: 86_400_000 };

export enum MessageCounterName {
  RECEIVED = 'received',
  DELIVERED = 'delivered',
  RELAYED = 'relayed',
  DEFERRED = 'deferred',
  BOUNCED = 'bounced',
  REJECTED = 'rejected',
  JUNK = 'junk',
  VIRUS = 'virus',
  CONNECTIONS = 'connections',
}
registerEnumType(MessageCounterName, {
  name: 'MessageCounter',
  description:
    'RECEIVED: messages accepted by SMTP. DELIVERED: copies stored in local mailboxes. RELAYED: recipients sent to other servers. ' +
    'DEFERRED: recipients whose delivery attempt failed for now. BOUNCED: recipients returned to the sender. ' +
    'REJECTED: refusals by the SMTP server (label: the reason). JUNK: messages found to be junk (label: the action). VIRUS: messages with a virus (label: what was done). ' +
    'CONNECTIONS: client connections opened (label: the protocol).',
});

export const MessageCountLabel = closedSet([...REJECT_REASONS, ...JUNK_ACTIONS, ...VIRUS_OUTCOMES, ...PROTOCOLS], {
  name: 'MessageCountLabel',
  description:
    'What a count is about. REJECTED: the reason (RELAY_DENIED, UNKNOWN_USER, RBL, DMARC, SIZE, DISK_RESERVE, QUOTA, REFUSED_HOST, INBOUND_BLOCKED, SENDER, POLICY). ' +
    'JUNK: the junkAction taken (DELIVER, BOUNCE, DELETE, REDIRECT, QUARANTINE). VIRUS: what was done (QUARANTINED, DELETED, BOUNCED). ' +
    'CONNECTIONS: the protocol (SMTP, SUBMISSION, IMAP, POP3, SIEVE, HTTP).',
});

@ObjectType('CountPoint')
export class CountPointType {
  @Field(() => DateTimeISOResolver, { description: 'The start of the bucket.' })
  time!: Date;

  @Field(() => Float)
  value!: number;
}

@ObjectType('MessageCountSeries', { description: 'One counter (and label) over time: a point per bucket, empty buckets as 0.' })
export class MessageCountSeriesType {
  @Field(() => MessageCounterName)
  counter!: MessageCounterName;

  @Field(() => MessageCountLabel, { nullable: true, description: 'For REJECTED the reason, for JUNK the action, for VIRUS what was done, for CONNECTIONS the protocol; null for the other counters.' })
  label!: string | null;

  @Field(() => Float, { description: 'The sum over the range.' })
  total!: number;

  @Field(() => [CountPointType])
  points!: CountPointType[];
}

@ArgsType()
export class MessageCountsArgs {
  @Field(() => DateTimeISOResolver, { description: 'Start of the range (rounded down to the step).' })
  from!: Date;

  @Field(() => DateTimeISOResolver, { nullable: true, description: 'End of the range, exclusive (default now).' })
  to?: Date;

  @Field(() => CountStep, { nullable: true, description: 'Bucket width (default HOUR).' })
  step?: CountStep;

  @Field(() => [MessageCounterName], { nullable: true, description: 'Only these counters (default all).' })
  counters?: MessageCounterName[];
}

@ObjectType('MessageTotals', { description: 'Messages in and out since the engine started (the overview).' })
export class MessageTotalsType {
  @Field(() => Int)
  received!: number;

  @Field(() => Int)
  delivered!: number;

  @Field(() => Int)
  relayed!: number;

  @Field(() => Int)
  deferred!: number;

  @Field(() => Int)
  bounced!: number;

  @Field(() => Int)
  rejected!: number;

  @Field(() => Int)
  junk!: number;

  @Field(() => Int)
  virus!: number;
}
