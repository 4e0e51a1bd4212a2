import { Field, ID, InputType, Int } from 'type-graphql';
import type { Protocols } from '../../server/directory/types';
import { ProtocolsValue } from './user-types';

@InputType()
export class CreateUserInput {
  @Field(() => String, { description: 'Letters, digits, dot, dash, underscore; up to 64.' })
  shortName!: string;

  @Field(() => String, { description: 'At least 8 characters.' })
  password!: string;

  @Field(() => String, { nullable: true })
  fullName?: string;

  @Field(() => [String], { nullable: true, description: 'Additional short names or full addresses.' })
  names?: string[];

  @Field(() => Boolean, { nullable: true, description: 'Default true.' })
  mailEnabled?: boolean;

  @Field(() => [String], { nullable: true })
  forwardTo?: string[];

  @Field(() => Int, { nullable: true, description: 'MB; 0 (default) = unlimited.' })
  quotaMb?: number;

  @Field(() => ProtocolsValue, { nullable: true, description: 'Default BOTH.' })
  protocols?: Protocols;

  @Field(() => String, { nullable: true, description: 'Mail store location name; default "default".' })
  storeLocation?: string;

  @Field(() => [String], { nullable: true })
  groups?: string[];
}

@InputType({ description: 'Fields left out keep their value. Use setUserPassword for the password.' })
export class UpdateUserInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  shortName?: string;

  @Field(() => String, { nullable: true })
  fullName?: string;

  @Field(() => [String], { nullable: true, description: 'Replaces the whole list.' })
  names?: string[];

  @Field(() => Boolean, { nullable: true })
  mailEnabled?: boolean;

  @Field(() => [String], { nullable: true })
  forwardTo?: string[];

  @Field(() => Int, { nullable: true })
  quotaMb?: number;

  @Field(() => ProtocolsValue, { nullable: true })
  protocols?: Protocols;

  @Field(() => String, { nullable: true })
  storeLocation?: string;

  @Field(() => [String], { nullable: true })
  groups?: string[];
}

@InputType()
export class SetUserPasswordInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'At least 8 characters.' })
  password!: string;
}

@InputType()
export class DeleteUserInput {
  @Field(() => ID)
  id!: string;
}
