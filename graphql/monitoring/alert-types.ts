import { DateTimeISOResolver } from 'graphql-scalars';
import { Field, ObjectType, registerEnumType } from 'type-graphql';

export enum AlertKindValue {
  DISK_SPACE = 'disk-space',
  QUEUE_SIZE = 'queue-size',
  QUEUE_AGE = 'queue-age',
  JOB_FAILING = 'job-failing',
  VIRUS_DATABASE = 'virus-database',
}
registerEnumType(AlertKindValue, { name: 'AlertKind' });

@ObjectType('Alert', { description: 'A condition that calls for the administrator; raised once, cleared when it is over.' })
export class AlertType {
  @Field(() => String, { description: 'Names the condition and what it is about (e.g. "disk-space:/var/mail").' })
  key!: string;

  @Field(() => AlertKindValue)
  kind!: AlertKindValue;

  @Field(() => String)
  summary!: string;

  @Field(() => String, { description: 'What was measured against which threshold, and what to do.' })
  details!: string;

  @Field(() => DateTimeISOResolver)
  raisedAt!: Date;

  @Field(() => DateTimeISOResolver, { nullable: true, description: 'Set (in the subscription) when the condition is over.' })
  clearedAt?: Date;
}
