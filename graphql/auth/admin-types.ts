import { DateTimeISOResolver } from 'graphql-scalars';
import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import type { AdminRole } from '../../server/directory/admins';
import { connectionType } from '../pagination';

/** GraphQL names of the management roles; the values are what the engine stores. */
export enum AdminRoleValue {
  ADMIN = 'admin',
  MONITOR = 'monitor',
}
registerEnumType(AdminRoleValue, {
  name: 'AdminRole',
  description: 'ADMIN may do everything; MONITOR may read (queries and subscriptions) but not change anything.',
});

@ObjectType('Admin', { description: 'A management account (not a mail user).' })
export class AdminType {
  @Field(() => ID)
  id!: number;

  @Field(() => String)
  username!: string;

  @Field(() => AdminRoleValue)
  role!: AdminRole;
}

export const AdminConnection = connectionType('Admin', AdminType);

@ObjectType('LoginPayload')
export class LoginPayload {
  @Field(() => String, { description: 'Send as "Authorization: Bearer <token>" (HTTP) or in connectionParams (graphql-ws).' })
  token!: string;

  @Field(() => DateTimeISOResolver)
  expiresAt!: Date;

  @Field(() => AdminRoleValue)
  role!: AdminRole;

  @Field(() => AdminType)
  admin!: AdminType;
}

@InputType()
export class CreateAdminInput {
  @Field(() => String)
  username!: string;

  @Field(() => String, { description: 'At least 8 characters.' })
  password!: string;

  @Field(() => AdminRoleValue, { nullable: true, description: 'Default ADMIN.' })
  role?: AdminRole;
}

@InputType()
export class SetAdminPasswordInput {
  @Field(() => String)
  username!: string;

  @Field(() => String, { description: 'At least 8 characters. Existing tokens of the account stop working.' })
  password!: string;
}

@InputType()
export class DeleteAdminInput {
  @Field(() => String)
  username!: string;
}
