import { DateTimeISOResolver } from 'graphql-scalars';
import { Field, Float, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PageInfo } from '../pagination';
import type { LogService, Severity } from '../../server/logs/logger';

export enum LogServiceValue {
  SERVER = 'server',
  SMTP = 'smtp',
  IMAP = 'imap',
  POP = 'pop',
  JUNK = 'junk',
  SIEVE = 'sieve',
  WEB = 'web',
  JOBS = 'jobs',
  AUDIT = 'audit',
  LISTS = 'lists',
}
registerEnumType(LogServiceValue, {
  name: 'LogService',
  description: 'The logs of the seed\u2019s Logs pane, plus WEB (this API), JOBS (scheduled jobs: runs and their output) and AUDIT (every mutation: who, when, from where, what) and LISTS (mailing lists: subscriptions, posts, moderation, refusals).',
});

export enum SeverityValue {
  ERROR = 'error',
  MESSAGE = 'message',
  EVENT = 'event',
  DEBUG = 'debug',
}
registerEnumType(SeverityValue, {
  name: 'Severity',
  description: 'ERROR, MESSAGE (a message accepted, delivered, a login), EVENT (protocol detail) or DEBUG (written only at the debug level). As a filter: this severity and more severe.',
});

@ObjectType('LogEntry')
export class LogEntryType {
  @Field(() => DateTimeISOResolver)
  time!: Date;

  @Field(() => LogServiceValue)
  service!: LogService;

  @Field(() => SeverityValue)
  severity!: Severity;

  @Field(() => String)
  text!: string;

  @Field(() => String, { description: 'The entry\u2019s other fields, as a JSON object.' })
  fields!: string;
}

export enum LogOrderValue {
  NEWEST_FIRST = 'newest',
  OLDEST_FIRST = 'oldest',
}
registerEnumType(LogOrderValue, { name: 'LogOrder' });

@InputType({ description: 'What to look for in the logs; every field given must match.' })
export class LogFilterInput {
  @Field(() => [LogServiceValue], { nullable: true, description: 'Default: every service.' })
  services?: LogService[];

  @Field(() => SeverityValue, { nullable: true, description: 'This severity and more severe (default DEBUG: everything).' })
  severity?: Severity;

  @Field(() => DateTimeISOResolver, { nullable: true, description: 'Entries at or after this time.' })
  since?: Date;

  @Field(() => DateTimeISOResolver, { nullable: true, description: 'Entries at or before this time.' })
  until?: Date;

  @Field(() => String, { nullable: true, description: 'Entries about this queue ID (accepted, delivered, deferred, bounced…).' })
  queueId?: string;

  @Field(() => String, {
    nullable: true,
    description: 'A client IP address (entries from that client), or a mail address or domain (entries naming it in a field: from, to, recipient…).',
  })
  address?: string;

  @Field(() => String, { nullable: true, description: 'A user\u2019s short name (entries of that user\u2019s sessions and mail).' })
  user?: string;

  @Field(() => String, {
    nullable: true,
    description: 'Words in the text or the fields, in this order, the last one possibly cut short ("relay den" finds "relay denied"). Case and punctuation do not matter.',
  })
  text?: string;
}

@ObjectType()
export class LogEntryEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => LogEntryType)
  node!: LogEntryType;
}

@ObjectType({ description: 'A page of log entries (Relay connection; no total, which would mean counting millions of entries).' })
export class LogEntryConnection {
  @Field(() => [LogEntryEdge])
  edges!: LogEntryEdge[];

  @Field(() => [LogEntryType])
  nodes!: LogEntryType[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

@ObjectType({ description: 'A compressed log of one service, from logs/archive/ (the seed\u2019s log archives). Download it over HTTPS at `downloadPath` with the admin\u2019s bearer token.' })
export class LogArchiveType {
  @Field(() => String)
  name!: string;

  @Field(() => LogServiceValue, { description: 'The service whose log it was.' })
  service!: string;

  @Field(() => Float, { description: 'Bytes on disk (compressed).' })
  sizeBytes!: number;

  @Field(() => DateTimeISOResolver)
  archivedAt!: Date;

  @Field(() => String, { description: 'GET this path on the management endpoint (Authorization: Bearer <token>, admin role) for the gzip file.' })
  downloadPath!: string;
}

@InputType()
export class DeleteLogArchivesInput {
  @Field(() => [String], { nullable: true, description: 'These archives, by name.' })
  names?: string[];

  @Field(() => Int, { nullable: true, description: 'Or every archive made more than this many days ago.' })
  olderThanDays?: number;
}

@ObjectType()
export class DeleteLogArchivesPayload {
  @Field(() => [String], { description: 'The archives removed.' })
  removed!: string[];
}
