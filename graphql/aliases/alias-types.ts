import { DateTimeISOResolver } from 'graphql-scalars';
import { Field, InputType, Int, ObjectType } from 'type-graphql';
import { connectionType } from '../pagination';

@ObjectType('Alias', { description: 'A name that delivers to other names or addresses (Postfix aliases).' })
export class AliasType {
  @Field(() => String, { description: 'A name (any local domain) or a full address (one domain).' })
  alias!: string;

  @Field(() => [String], { description: 'User names, other aliases or outside addresses.' })
  targets!: string[];

  @Field(() => Boolean, { description: 'postmaster and abuse: required by RFC 5321 and 2142, cannot be deleted.' })
  system!: boolean;

  @Field(() => DateTimeISOResolver)
  createdAt!: Date;
}

export const AliasConnection = connectionType('Alias', AliasType);

@InputType()
export class CreateAliasInput {
  @Field(() => String)
  alias!: string;

  @Field(() => [String])
  targets!: string[];
}

@InputType()
export class UpdateAliasInput {
  @Field(() => String)
  alias!: string;

  @Field(() => [String], { description: 'Replaces the targets.' })
  targets!: string[];
}

@InputType()
export class DeleteAliasInput {
  @Field(() => String)
  alias!: string;
}

@InputType()
export class ImportAliasesInput {
  @Field(() => String, {
    description: 'Postfix aliases(5) text ("name: target, target"; indented lines continue; # comments). Replaces every non-system alias.',
  })
  text!: string;
}

@ObjectType('ImportAliasesPayload')
export class ImportAliasesPayload {
  @Field(() => Int, { description: 'Aliases read from the text.' })
  imported!: number;
}
