import { DateTimeISOResolver } from 'graphql-scalars';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { connectionType } from '../pagination';

export enum QueueState {
  ACTIVE = 'active',
  DEFERRED = 'deferred',
  HELD = 'held',
}
registerEnumType(QueueState, { name: 'QueueState', description: 'active: due now; deferred: waiting for a retry; held: not attempted until released.' });

export enum QueueRecipientStatus {
  PENDING = 'pending',
  DELIVERED = 'delivered',
  FAILED = 'failed',
}
registerEnumType(QueueRecipientStatus, { name: 'QueueRecipientStatus' });

@ObjectType('QueueRecipient')
export class QueueRecipientType {
  @Field(() => String, { description: 'Where it goes: a remote address, or the local mailbox (user short name).' })
  address!: string;

  @Field(() => String, { description: 'The address the sending client gave.' })
  original!: string;

  @Field(() => QueueRecipientStatus)
  status!: QueueRecipientStatus;

  @Field(() => String, { nullable: true, description: 'The last reply or error for this recipient.' })
  diagnostic!: string | null;
}

@ObjectType('QueuedMessage', { description: 'A message waiting in the queue.' })
export class QueuedMessageType {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'Envelope sender; empty for bounces.' })
  sender!: string;

  @Field(() => [QueueRecipientType])
  recipients!: QueueRecipientType[];

  @Field(() => DateTimeISOResolver)
  createdAt!: Date;

  @Field(() => Int, { description: 'Bytes.' })
  size!: number;

  @Field(() => QueueState)
  state!: QueueState;

  @Field(() => Int)
  attempts!: number;

  @Field(() => String, { nullable: true })
  lastError!: string | null;

  @Field(() => DateTimeISOResolver)
  nextAttempt!: Date;

  @Field(() => String, { description: 'Client that submitted it.' })
  client!: string;
}

export const QueuedMessageConnection = connectionType('QueuedMessage', QueuedMessageType);

@ObjectType('QueueCounts')
export class QueueCountsType {
  @Field(() => Int)
  active!: number;

  @Field(() => Int)
  deferred!: number;

  @Field(() => Int)
  held!: number;
}

@InputType()
export class QueuedMessagesInput {
  @Field(() => [ID], { description: 'Queue IDs.' })
  ids!: string[];
}

@ObjectType('QueueActionPayload')
export class QueueActionPayload {
  @Field(() => [ID], { description: 'The IDs acted on.' })
  done!: string[];

  @Field(() => [ID], { description: 'IDs not found, or (for delete) being delivered at this moment.' })
  skipped!: string[];
}
