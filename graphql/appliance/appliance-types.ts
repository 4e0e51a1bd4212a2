import { DateTimeISOResolver } from 'graphql-scalars';
import { Field, Float, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { SYSTEM_SLOTS } from '../../server/firmware/types';
import { closedSet } from '../enums';

export enum FirmwareAction {
  UPDATE = 'update',
  ROLLBACK = 'rollback',
  FACTORY_RESET = 'factory-reset',
}
registerEnumType(FirmwareAction, { name: 'FirmwareAction' });

export enum FirmwareRequestState {
  PENDING = 'pending',
  SCHEDULED = 'scheduled',
  RUNNING = 'running',
  DONE = 'done',
  FAILED = 'failed',
  CANCELLED = 'cancelled',
}
registerEnumType(FirmwareRequestState, {
  name: 'FirmwareRequestState',
  description: 'pending: written, not yet seen by the agent; scheduled: the agent waits for its time; running; done; failed; cancelled.',
});

@ObjectType('SystemImage', { description: 'A system image kept on the data partition for an update.' })
export class SystemImageType {
  @Field(() => String)
  name!: string;

  @Field(() => Float, { description: 'Bytes (so far, while it is being fetched).' })
  size!: number;

  @Field(() => String, { nullable: true, description: 'SHA-256 of the whole file; null while it is being fetched.' })
  sha256!: string | null;

  @Field(() => DateTimeISOResolver)
  addedAt!: Date;

  @Field(() => String, { nullable: true, description: 'The URL it is being downloaded from; null once complete.' })
  fetchingFrom!: string | null;
}

@ObjectType('FirmwareRequest', { description: 'An update, rollback or factory reset asked of the appliance.' })
export class FirmwareRequestType {
  @Field(() => ID)
  id!: string;

  @Field(() => FirmwareAction)
  action!: FirmwareAction;

  @Field(() => String, { nullable: true })
  image!: string | null;

  @Field(() => DateTimeISOResolver, { nullable: true, description: 'Not carried out before this time.' })
  notBefore!: Date | null;

  @Field(() => FirmwareRequestState)
  state!: FirmwareRequestState;

  @Field(() => String, { description: 'What the agent said about it, or who asked.' })
  message!: string;
}

export const SystemSlot = closedSet(SYSTEM_SLOTS, { name: 'SystemSlot', description: 'One of the appliance\u2019s two system partitions (A/B updates).' });

@ObjectType('Appliance', { description: 'The appliance system: its A/B slots, update history, images and requests.' })
export class ApplianceType {
  @Field(() => Boolean, { description: 'False when the engine does not run on the Pillarbox appliance (no firmware agent).' })
  available!: boolean;

  @Field(() => SystemSlot, { nullable: true, description: 'The system slot running now.' })
  runningSlot!: string | null;

  @Field(() => SystemSlot, { nullable: true, description: 'The slot the appliance boots by default.' })
  defaultSlot!: string | null;

  @Field(() => SystemSlot, { nullable: true, description: 'A written update that boots once on trial at the next reboot.' })
  trialSlot!: string | null;

  @Field(() => String, { nullable: true })
  systemVersion!: string | null;

  @Field(() => [String], { description: 'Update history, newest last.' })
  history!: string[];

  @Field(() => DateTimeISOResolver, { nullable: true, description: 'When the agent last reported.' })
  reportedAt!: Date | null;

  @Field(() => FirmwareRequestType, { nullable: true, description: 'The request waiting for the agent or for its time.' })
  pendingRequest!: FirmwareRequestType | null;

  @Field(() => FirmwareRequestType, { nullable: true, description: 'The last request the agent took up, and how it went.' })
  lastRequest!: FirmwareRequestType | null;

  @Field(() => [SystemImageType])
  images!: SystemImageType[];
}

@InputType()
export class FetchSystemImageInput {
  @Field(() => String, { description: 'File name to keep it under, e.g. pillarbox-0.2.0.raw.zst.' })
  name!: string;

  @Field(() => String, { description: 'http or https URL (a private mirror, or the vendor).' })
  url!: string;

  @Field(() => String, { nullable: true, description: 'Expected SHA-256 (from SHA256SUMS): a different download is discarded.' })
  sha256?: string;
}

@InputType()
export class SystemImageNameInput {
  @Field(() => String)
  name!: string;
}

@InputType()
export class ScheduleSystemUpdateInput {
  @Field(() => String, { description: 'An image from `appliance.images`.' })
  image!: string;

  @Field(() => DateTimeISOResolver, { nullable: true, description: 'When to write it and reboot; now when omitted.' })
  at?: Date;
}

@InputType()
export class ScheduleSystemRollbackInput {
  @Field(() => DateTimeISOResolver, { nullable: true, description: 'When to switch back and reboot; now when omitted.' })
  at?: Date;
}

@InputType()
export class ScheduleFactoryResetInput {
  @Field(() => String, { description: 'Must be ERASE: every mail, user and setting is erased.' })
  confirm!: string;

  @Field(() => DateTimeISOResolver, { nullable: true })
  at?: Date;
}
