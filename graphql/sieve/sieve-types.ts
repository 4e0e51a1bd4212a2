import { DateTimeISOResolver } from 'graphql-scalars';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';

@ObjectType('SieveScript', { description: 'One of a user\u2019s Sieve filter scripts (docs/sieve.md).' })
export class SieveScriptType {
  @Field(() => String)
  name!: string;

  @Field(() => Boolean, { description: 'The script that runs on the user\u2019s incoming mail; at most one is active.' })
  active!: boolean;

  @Field(() => Int, { description: 'Bytes (UTF-8).' })
  size!: number;

  @Field(() => DateTimeISOResolver)
  updatedAt!: Date;

  @Field(() => String, { description: 'The script\u2019s source.' })
  content!: string;
}

@ObjectType('SieveProblem', { description: 'An error or warning in a Sieve script, with its position.' })
export class SieveProblemType {
  @Field(() => Int)
  line!: number;

  @Field(() => Int)
  column!: number;

  @Field(() => String)
  message!: string;

  @Field(() => String, { nullable: true, description: 'The included script the problem is in; null for the script itself.' })
  script?: string;
}

@ObjectType('PutSieveScriptPayload')
export class PutSieveScriptPayload {
  @Field(() => SieveScriptType)
  script!: SieveScriptType;

  @Field(() => [SieveProblemType], { description: 'Warnings (the script was stored anyway), e.g. an unknown time zone.' })
  warnings!: SieveProblemType[];
}

@ObjectType('Vacation', { description: 'The vacation (out-of-office) shortcut: a generated Sieve script named "vacation".' })
export class VacationType {
  @Field(() => Boolean, { description: 'True when the vacation script is the active one.' })
  enabled!: boolean;

  @Field(() => String)
  subject!: string;

  @Field(() => String)
  text!: string;

  @Field(() => Int, { description: 'A sender is answered at most once in this many days.' })
  days!: number;

  @Field(() => [String], { description: 'Other addresses of the user: mail to them is answered too.' })
  addresses!: string[];

  @Field(() => String, { nullable: true, description: 'The script that was active before; it still runs (included) while vacation is on.' })
  previousScript?: string;
}

/** A script to store; the user's own (role USER) or, with userId, any user's (PutSieveScriptInput). */
@InputType()
export class PutMySieveScriptInput {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  content!: string;

  @Field(() => Boolean, { nullable: true, description: 'Also make it the active script. Default false.' })
  activate?: boolean;
}

@InputType()
export class PutSieveScriptInput extends PutMySieveScriptInput {
  @Field(() => ID)
  userId!: string;
}

@InputType()
export class ActivateSieveScriptInput {
  @Field(() => ID)
  userId!: string;

  @Field(() => String, { nullable: true, description: 'The script to activate; null or "" = no active script.' })
  name?: string | null;
}

@InputType()
export class SieveScriptNameInput {
  @Field(() => ID)
  userId!: string;

  @Field(() => String)
  name!: string;
}

@InputType()
export class RenameSieveScriptInput {
  @Field(() => ID)
  userId!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String)
  newName!: string;
}

/** The vacation shortcut's settings; the user's own (role USER) or, with userId, any user's (SetVacationInput). */
@InputType()
export class SetMyVacationInput {
  @Field(() => Boolean)
  enabled!: boolean;

  @Field(() => String, { nullable: true, description: 'Default "Out of Office".' })
  subject?: string;

  @Field(() => String, { nullable: true, description: 'The reply text; required when enabling.' })
  text?: string;

  @Field(() => Int, { nullable: true, description: '1-365, default 7.' })
  days?: number;

  @Field(() => [String], { nullable: true })
  addresses?: string[];
}

@InputType()
export class SetVacationInput extends SetMyVacationInput {
  @Field(() => ID)
  userId!: string;
}

@InputType()
export class PutGlobalSieveScriptInput {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  content!: string;
}
