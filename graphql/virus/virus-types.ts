import { DateTimeISOResolver } from 'graphql-scalars';
import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { connectionType } from '../pagination';
import { JobRunType } from '../jobs/job-types';
import { closedSet } from '../enums';
import { QUARANTINE_KINDS, type QuarantineKind } from '../../server/virus/quarantine';

export const QuarantineKindEnum = closedSet(QUARANTINE_KINDS, {
  name: 'QuarantineKind',
  description: 'Why a message is in quarantine.',
  meanings: { virus: 'It contains a virus (virusAction QUARANTINE).', junk: 'It is junk mail (junkAction QUARANTINE).' },
});

@ObjectType('VirusStatus', { description: 'ClamAV: whether scanning is on, whether clamd answers, and its database.' })
export class VirusStatusType {
  @Field(() => Boolean, { description: 'The virusScanEnabled setting.' })
  enabled!: boolean;

  @Field(() => String, { description: 'The clamdAddress setting: socket path or host:port.' })
  clamdAddress!: string;

  @Field(() => Boolean, { description: 'clamd answered VERSION just now.' })
  clamdReachable!: boolean;

  @Field(() => String, { nullable: true, description: 'clamd\u2019s whole VERSION answer, e.g. "ClamAV 1.4.6/27480/Tue Dec  1 08:35:01 2026".' })
  version!: string | null;

  @Field(() => String, { nullable: true, description: 'The ClamAV engine, e.g. "ClamAV 1.4.6".' })
  engineVersion!: string | null;

  @Field(() => String, { nullable: true, description: 'The daily database version clamd has loaded; null without one (or when unreachable).' })
  databaseVersion!: string | null;

  @Field(() => String, { nullable: true, description: 'The date of that database, as clamd gives it.' })
  databaseDate!: string | null;

  @Field(() => JobRunType, { nullable: true, description: 'The last freshclam run (job virus-database-update), whatever its outcome.' })
  lastUpdate!: JobRunType | null;

  @Field(() => DateTimeISOResolver, { nullable: true, description: 'When freshclam last succeeded.' })
  lastSuccessfulUpdate!: Date | null;

  @Field(() => Int, { description: 'Messages scanned since the engine started.' })
  scans!: number;

  @Field(() => Float, { nullable: true, description: 'Average time of one scan (INSTREAM round trip) since the engine started, in ms.' })
  averageScanMs!: number | null;
}

@ObjectType('QuarantinedMessage', { description: 'An infected or junk message kept in quarantine.' })
export class QuarantinedMessageType {
  @Field(() => ID)
  id!: string;

  @Field(() => QuarantineKindEnum)
  kind!: QuarantineKind;

  @Field(() => DateTimeISOResolver)
  quarantinedAt!: Date;

  @Field(() => String, { description: 'Envelope sender.' })
  sender!: string;

  @Field(() => [String], { description: 'The recipients it was meant for, as the sender wrote them.' })
  recipients!: string[];

  @Field(() => String, { description: 'What clamd found; "" for junk.' })
  virus!: string;

  @Field(() => Float, { nullable: true, description: 'The junk filter\u2019s score (junk only).' })
  junkScore?: number;

  @Field(() => String)
  subject!: string;

  @Field(() => Int, { description: 'Bytes.' })
  size!: number;

  @Field(() => String, { description: 'The client that sent it.' })
  client!: string;
}

export const QuarantinedMessageConnection = connectionType('QuarantinedMessage', QuarantinedMessageType);

@InputType()
export class QuarantinedMessagesInput {
  @Field(() => [ID], { description: 'Quarantine IDs.' })
  ids!: string[];
}

@ObjectType('QuarantineActionPayload')
export class QuarantineActionPayload {
  @Field(() => [ID], { description: 'The IDs acted on.' })
  done!: string[];

  @Field(() => [ID], { description: 'IDs not in the quarantine.' })
  skipped!: string[];

  @Field(() => [ID], { description: 'releaseQuarantinedMessages: the queue IDs of the released messages, in the order of `done`.' })
  queueIds!: string[];
}
