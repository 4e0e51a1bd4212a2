import { DateTimeISOResolver } from 'graphql-scalars';
import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { Protocols } from '../../server/directory/types';
import { SPECIAL_USES } from '../../server/store/types';
import { closedSet } from '../enums';
import { connectionType } from '../pagination';

export const MailboxSpecialUse = closedSet(SPECIAL_USES, { name: 'MailboxSpecialUse', description: 'RFC 6154 special-use attributes: ARCHIVE is \\Archive, and so on.' });

export enum ProtocolsValue {
  POP = 'pop',
  IMAP = 'imap',
  BOTH = 'both',
}
registerEnumType(ProtocolsValue, { name: 'MailProtocols', description: 'Which mail access protocols a user may use.' });

@ObjectType('Quota', { description: 'Mail storage use against the user\u2019s quota.' })
export class QuotaType {
  @Field(() => Float, { description: 'Quota in bytes; 0 = unlimited.' })
  limitBytes!: number;

  @Field(() => Float)
  usedBytes!: number;

  @Field(() => Int)
  messages!: number;

  @Field(() => Float, { nullable: true, description: 'usedBytes as a percentage of limitBytes; null when unlimited.' })
  percent?: number;
}

@ObjectType('Mailbox', { description: 'One of the user\u2019s folders.' })
export class MailboxType {
  /** The store's id, not exposed: field resolvers (the ACL) look the mailbox up by it. */
  mailboxId!: number;

  @Field(() => String, { description: 'Full name, "/" separates levels; INBOX is INBOX.' })
  name!: string;

  @Field(() => Int)
  messages!: number;

  @Field(() => Float, { description: 'Bytes.' })
  size!: number;

  @Field(() => MailboxSpecialUse, { nullable: true, description: 'Its RFC 6154 special use (SENT for \\Sent), or null.' })
  specialUse?: string;
}

@ObjectType('User', { description: 'A mail user.' })
export class UserType {
  @Field(() => ID)
  id!: number;

  @Field(() => String, { description: 'Login name and the local part of the user\u2019s addresses.' })
  shortName!: string;

  @Field(() => [String], { description: 'Additional short names; a name with @ is a full address.' })
  names!: string[];

  @Field(() => String)
  fullName!: string;

  @Field(() => Boolean, { description: 'Mail enabled for the account (the seed\u2019s "Enable mail account").' })
  mailEnabled!: boolean;

  @Field(() => [String], { description: 'Forward mail to these addresses; naming the user itself keeps a copy.' })
  forwardTo!: string[];

  @Field(() => Int, { description: 'Quota in MB; 0 = unlimited.' })
  quotaMb!: number;

  @Field(() => ProtocolsValue)
  protocols!: Protocols;

  @Field(() => String, { description: 'Mail store location (partition) name.' })
  storeLocation!: string;

  @Field(() => [String])
  groups!: string[];

  @Field(() => Boolean, { description: 'The password is also stored reversibly (needed for CRAM-MD5 and APOP).' })
  hasReversiblePassword!: boolean;

  @Field(() => DateTimeISOResolver)
  createdAt!: Date;
}

export const UserConnection = connectionType('User', UserType);
