import { Field, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { SETTINGS, type SettingKey } from '../../server/config/settings-schema';

export enum SslPolicyValue {
  REQUIRE = 'require',
  USE = 'use',
  OFF = 'off',
}
registerEnumType(SslPolicyValue, {
  name: 'SslPolicy',
  description: 'The seed\u2019s SSL choice: REQUIRE (Require), USE (Use), OFF (Don\u2019t Use).',
});

export enum LogLevelValue {
  LOW = 'low',
  MEDIUM = 'medium',
  HIGH = 'high',
  DEBUG = 'debug',
}
registerEnumType(LogLevelValue, {
  name: 'LogLevel',
  description: 'Log detail: LOW = errors, MEDIUM = errors and messages, HIGH = and events (protocol detail), DEBUG = and debug entries (every API request, each step of a job).',
});

@ObjectType('StoreLocation', { description: 'A named mail store partition.' })
export class StoreLocationType {
  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'Absolute directory on the server.' })
  path!: string;
}

@InputType()
export class StoreLocationInput {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  path!: string;
}

@ObjectType('SettingDescription', { description: 'One setting: its default and where it comes from in the seed.' })
export class SettingDescriptionType {
  @Field(() => String)
  key!: string;

  @Field(() => String, { description: 'The default value, as JSON.' })
  default!: string;

  @Field(() => String, { description: 'The seed\u2019s (Server Admin) name for it.' })
  seedName!: string;

  @Field(() => String)
  description!: string;
}

/** Settings whose GraphQL type is not what its default's JavaScript type suggests. */
const SPECIAL: Partial<Record<SettingKey, { output: () => unknown; input: () => unknown }>> = {
  smtpSsl: { output: () => SslPolicyValue, input: () => SslPolicyValue },
  imapPopSsl: { output: () => SslPolicyValue, input: () => SslPolicyValue },
  logLevelServer: { output: () => LogLevelValue, input: () => LogLevelValue },
  logLevelSmtp: { output: () => LogLevelValue, input: () => LogLevelValue },
  logLevelImapPop: { output: () => LogLevelValue, input: () => LogLevelValue },
  logLevelJunk: { output: () => LogLevelValue, input: () => LogLevelValue },
  logLevelJobs: { output: () => LogLevelValue, input: () => LogLevelValue },
  storeLocations: { output: () => [StoreLocationType], input: () => [StoreLocationInput] },
};

function plainType(key: SettingKey): () => unknown {
  const value: unknown = SETTINGS[key].default;
  if (typeof value === 'boolean') return () => Boolean;
  if (typeof value === 'number') return () => Int;
  if (typeof value === 'string') return () => String;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return () => [String];
  throw new Error(`graphql/settings: give setting "${key}" a GraphQL type in SPECIAL`);
}

/**
 * `Settings` and `UpdateSettingsInput` are declared from the SETTINGS table itself, so a
 * setting added to the engine appears in the API (and in schema.graphql) at once.
 */
export class SettingsType {}
export class UpdateSettingsInput {}

type FieldTypeFn = Parameters<typeof Field>[0];
for (const key of Object.keys(SETTINGS) as SettingKey[]) {
  const special = SPECIAL[key];
  const description = SETTINGS[key].description;
  Field((special?.output ?? plainType(key)) as FieldTypeFn, { description })(SettingsType.prototype, key);
  Field((special?.input ?? plainType(key)) as FieldTypeFn, { nullable: true, description })(UpdateSettingsInput.prototype, key);
}
ObjectType('Settings', { description: 'Every engine setting (docs/settings.md explains them).' })(SettingsType);
InputType('UpdateSettingsInput', { description: 'Only the settings given change; all are checked before any is written.' })(
  UpdateSettingsInput,
);
