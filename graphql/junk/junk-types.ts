import { DateTimeISOResolver } from 'graphql-scalars';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { JunkTokenTables } from '../../server/config/settings-schema';
import { JobRunType } from '../jobs/job-types';
import { JunkTokenTablesValue } from '../settings/settings-types';

export enum JunkLesson {
  SPAM = 'spam',
  HAM = 'ham',
  FORGET = 'forget',
}
registerEnumType(JunkLesson, { name: 'JunkLesson', description: 'sa-learn\u2019s --spam, --ham and --forget.' });

@ObjectType('JunkMailboxLearning', { description: 'Learning from users\u2019 filing into and out of Junk and their $Junk/$NotJunk keywords, since the engine started (setting junkLearnFromMailboxes).' })
export class JunkMailboxLearningType {
  @Field(() => Int, { description: 'Lessons queued, not yet learnt.' })
  waiting!: number;

  @Field(() => Int, { description: 'Messages learnt as junk (new, or moved from not junk).' })
  learntAsJunk!: number;

  @Field(() => Int, { description: 'Messages learnt as not junk (new, or moved from junk).' })
  learntAsNotJunk!: number;

  @Field(() => Int, { description: 'Lessons about messages the filter already knew as that.' })
  alreadyKnown!: number;

  @Field(() => Int, { description: 'Lessons dropped because too many were waiting (50,000).' })
  dropped!: number;
}

@ObjectType('JunkUserTable', { description: 'A user\u2019s own token table (setting junkTokenTables = PER_USER).' })
export class JunkUserTableType {
  @Field(() => ID, { nullable: true, description: 'The user\u2019s id (null in a user\u2019s own view).' })
  userId?: number;

  @Field(() => String, { nullable: true, description: 'The user\u2019s short name; null when the user no longer exists.' })
  shortName?: string;

  @Field(() => Int)
  spamLearnt!: number;

  @Field(() => Int)
  hamLearnt!: number;

  @Field(() => Boolean, { description: 'Scores the user\u2019s mail (enough of both classes); else the global table does.' })
  inUse!: boolean;
}

@ObjectType('JunkStatistics', { description: 'What the Bayesian junk filter has learnt.' })
export class JunkStatisticsType {
  @Field(() => Int, { description: 'Messages learnt as junk.' })
  spamLearnt!: number;

  @Field(() => Int, { description: 'Messages learnt as not junk.' })
  hamLearnt!: number;

  @Field(() => Int, { description: 'Distinct tokens in the database.' })
  tokens!: number;

  @Field(() => DateTimeISOResolver, { nullable: true, description: 'When a message was last learnt or forgotten, by any means.' })
  lastLearnt!: Date | null;

  @Field(() => Boolean, { description: 'Enough of both classes to score: until then every message scores as undecided.' })
  trained!: boolean;

  @Field(() => Int, { description: 'Messages of each class needed before the filter scores (SpamAssassin\u2019s 200).' })
  minLearntPerClass!: number;

  @Field(() => JobRunType, { nullable: true, description: 'The last run of the nightly training job (junk-training).' })
  lastTraining!: JobRunType | null;

  @Field(() => JunkMailboxLearningType)
  mailboxLearning!: JunkMailboxLearningType;

  @Field(() => JunkTokenTablesValue, { description: 'The setting junkTokenTables: the figures above are the global table\u2019s.' })
  tokenTables!: JunkTokenTables;

  @Field(() => [JunkUserTableType], { description: 'Users\u2019 own tables (kept while the setting is PER_USER, and after, until users are deleted).' })
  userTables!: JunkUserTableType[];
}

@InputType({ description: 'A message to learn: `raw` text, or messages of a user\u2019s mailbox (`userId`, `mailbox`, `uids`). Exactly one source.' })
export class LearnJunkInput {
  @Field(() => JunkLesson)
  as!: JunkLesson;

  @Field(() => String, { nullable: true, description: 'The whole message, header and body.' })
  raw?: string;

  @Field(() => ID, { nullable: true, description: 'The user whose mailbox holds the messages.' })
  userId?: string;

  @Field(() => String, { nullable: true, description: 'Mailbox name (default INBOX).' })
  mailbox?: string;

  @Field(() => [Int], { nullable: true, description: 'UIDs in that mailbox (default: every message in it).' })
  uids?: number[];
}

@ObjectType('LearnJunkPayload')
export class LearnJunkPayload {
  @Field(() => Int, { description: 'Messages looked at.' })
  messages!: number;

  @Field(() => Int, { description: 'Newly learnt.' })
  learnt!: number;

  @Field(() => Int, { description: 'Learnt before as the other class, moved over.' })
  relearnt!: number;

  @Field(() => Int, { description: 'Learnt before as this class: nothing changed.' })
  alreadyLearnt!: number;

  @Field(() => Int, { description: 'FORGET: forgotten.' })
  forgotten!: number;

  @Field(() => Int, { description: 'FORGET: never learnt, nothing to forget.' })
  notLearnt!: number;

  @Field(() => JunkStatisticsType)
  statistics!: JunkStatisticsType;
}
