import { DateTimeISOResolver } from 'graphql-scalars';
import { Field, ObjectType, registerEnumType } from 'type-graphql';
import type { LogService, Severity } from '../../server/logs/logger';

export enum LogServiceValue {
  SERVER = 'server',
  SMTP = 'smtp',
  IMAP = 'imap',
  POP = 'pop',
  JUNK = 'junk',
  SIEVE = 'sieve',
  WEB = 'web',
}
registerEnumType(LogServiceValue, { name: 'LogService', description: 'The logs of the seed\u2019s Logs pane, plus WEB (this API).' });

export enum SeverityValue {
  ERROR = 'error',
  MESSAGE = 'message',
  EVENT = 'event',
}
registerEnumType(SeverityValue, {
  name: 'Severity',
  description: 'ERROR, MESSAGE (a message accepted, delivered, a login) or EVENT (protocol detail). As a filter: this severity and more severe.',
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
