import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { UserType } from '../accounts/user-types';
import { connectionType } from '../pagination';

export enum AccountUsageOrder {
  USAGE = 'usage',
  PERCENT = 'percent',
  NAME = 'name',
}
registerEnumType(AccountUsageOrder, {
  name: 'AccountUsageOrder',
  description: 'USAGE: most bytes first; PERCENT: fullest quota first (unlimited users last); NAME: by short name. `reverse` turns any of them round.',
});

@ObjectType('AccountUsage', { description: 'A user\u2019s mail storage against the quota (the seed\u2019s Accounts pane).' })
export class AccountUsageType {
  @Field(() => UserType)
  user!: UserType;

  @Field(() => Float)
  usedBytes!: number;

  @Field(() => Float, { description: 'Quota in bytes; 0 = unlimited.' })
  limitBytes!: number;

  @Field(() => Float, { nullable: true, description: 'usedBytes as a percentage of limitBytes; null when unlimited.' })
  percent?: number;

  @Field(() => Int)
  messages!: number;
}

export const AccountUsageConnection = connectionType('AccountUsage', AccountUsageType);

@ObjectType('MailboxUsage', { description: 'One mailbox and what it holds.' })
export class MailboxUsageType {
  @Field(() => String, { description: 'The owner\u2019s short name; "#public" for a public folder.' })
  shortName!: string;

  @Field(() => String)
  mailbox!: string;

  @Field(() => Float)
  bytes!: number;

  @Field(() => Int)
  messages!: number;
}
