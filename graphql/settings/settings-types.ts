import { Field, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import {
  ACME_CHALLENGES,
  JUNK_ACTIONS,
  JUNK_TOKEN_TABLES,
  MTA_STS_MODES,
  PERMISSIVENESS_LEVELS,
  SETTINGS,
  VIRUS_ACTIONS,
  type SettingKey,
  type Settings,
} from '../../server/config/settings-schema';
import { KEY_TYPES } from '../../server/certs/self-signed';
import { TLS_PROFILES } from '../../server/certs/tls-profiles';
import { LANGUAGE_FAMILIES } from '../../server/junk/locales';
import { closedSet, nameOf } from '../enums';

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

export const JunkPermissiveness = closedSet(PERMISSIVENESS_LEVELS, {
  name: 'JunkPermissiveness',
  description: 'The seed\u2019s minimum junk mail score.',
  meanings: {
    least: 'Least permissive: flags mildly suspicious mail (score 3).',
    moderate: 'Score 5, SpamAssassin\u2019s default.',
    most: 'Most permissive: only blatant junk (score 8).',
  },
});

export const JunkTokenTablesValue = closedSet(JUNK_TOKEN_TABLES, {
  name: 'JunkTokenTables',
  description: 'Where the junk filter keeps what it learns.',
  meanings: {
    global: 'One table for everyone.',
    'per-user': 'Each user\u2019s own table as well, used for the user\u2019s mail once it knows 200 messages of each class.',
  },
});

export const JunkAction = closedSet(JUNK_ACTIONS, {
  name: 'JunkAction',
  description: 'What happens to junk: the seed\u2019s Delivered, Bounced, Deleted and Redirected, and Quarantined.',
  meanings: {
    deliver: 'Delivered, marked (X-Spam headers, junkSubjectTag, junkEncapsulate).',
    bounce: 'Returned to the sender (5.7.1).',
    delete: 'Thrown away.',
    redirect: 'Sent to junkRedirectTo instead.',
    quarantine: 'Kept for the administrator to release or delete (quarantine(kind: JUNK)); not in the seed.',
  },
});

export const VirusAction = closedSet(VIRUS_ACTIONS, {
  name: 'VirusAction',
  description: 'What happens to infected mail: the seed\u2019s Bounced, Deleted and Quarantined.',
  meanings: {
    bounce: 'Returned to the sender (5.7.1).',
    delete: 'Thrown away.',
    quarantine: 'Kept for the administrator to release or delete (quarantine(kind: VIRUS)).',
  },
});

export const TlsProfile = closedSet(TLS_PROFILES, {
  name: 'TlsProfile',
  description: 'TLS versions and ciphers of every listener, after Mozilla\u2019s guidelines.',
  meanings: { intermediate: 'TLS 1.2 and 1.3, ECDHE key exchange with AEAD ciphers only.', modern: 'TLS 1.3 only.' },
});

export const SelfSignedKeyType = closedSet(KEY_TYPES, {
  name: 'SelfSignedKeyType',
  description: 'The key of the certificate the engine makes for itself.',
});

export const AcmeChallenge = closedSet(ACME_CHALLENGES, {
  name: 'AcmeChallenge',
  description: 'How the ACME CA checks that this server answers for a name.',
  meanings: {
    'http-01': 'The CA fetches /.well-known/acme-challenge/ on port 80.',
    'tls-alpn-01': 'The CA opens TLS to port 443 asking for acme-tls/1 (RFC 8737), for servers that cannot open port 80.',
  },
});

export const MtaStsMode = closedSet(MTA_STS_MODES, {
  name: 'MtaStsMode',
  description: 'MTA-STS (RFC 8461) policy mode served for every domain.',
  meanings: {
    none: 'No policy served.',
    testing: 'Senders that support MTA-STS only report TLS failures.',
    enforce: 'Senders that support MTA-STS refuse to deliver without valid TLS.',
  },
});

export const JunkLanguage = closedSet(['*', ...LANGUAGE_FAMILIES], {
  name: 'JunkLanguage',
  description: 'A charset family (the seed\u2019s accepted languages); ALL accepts every one.',
  names: { '*': 'ALL' },
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

  @Field(() => String, { description: 'The default value, as JSON (a closed set\u2019s value as its enum name, such as "MODERATE").' })
  default!: string;

  @Field(() => String, { description: 'The seed\u2019s (Server Admin) name for it.' })
  seedName!: string;

  @Field(() => String)
  description!: string;
}

interface SpecialType {
  output: () => unknown;
  input: () => unknown;
  /** For settings that hold values of a closed set: the GraphQL enum of those values. */
  set?: Record<string, string>;
}
const one = (set: Record<string, string>): SpecialType => ({ output: () => set, input: () => set, set });
const many = (set: Record<string, string>): SpecialType => ({ output: () => [set], input: () => [set], set });

/** Settings whose GraphQL type is not what its default's JavaScript type suggests. */
const SPECIAL: Partial<Record<SettingKey, SpecialType>> = {
  smtpSsl: one(SslPolicyValue),
  imapPopSsl: one(SslPolicyValue),
  logLevelServer: one(LogLevelValue),
  logLevelSmtp: one(LogLevelValue),
  logLevelImapPop: one(LogLevelValue),
  logLevelJunk: one(LogLevelValue),
  logLevelJobs: one(LogLevelValue),
  junkPermissiveness: one(JunkPermissiveness),
  junkAction: one(JunkAction),
  junkTokenTables: one(JunkTokenTablesValue),
  virusAction: one(VirusAction),
  tlsProfile: one(TlsProfile),
  selfSignedKeyType: one(SelfSignedKeyType),
  acmeChallenge: one(AcmeChallenge),
  mtaStsMode: one(MtaStsMode),
  junkAcceptedLanguages: many(JunkLanguage),
  storeLocations: { output: () => [StoreLocationType], input: () => [StoreLocationInput] },
};

/** The settings that hold values of a closed set, with the GraphQL enum of each. */
export const ENUM_SETTINGS: ReadonlyMap<SettingKey, Record<string, string>> = new Map(
  Object.entries(SPECIAL).flatMap(([key, special]) => (special.set ? [[key as SettingKey, special.set] as const] : [])),
);

/** A setting's default as JSON, in the API's words (enum names, not stored values). */
export function defaultForApi(key: SettingKey): string {
  const value: unknown = SETTINGS[key].default;
  const set = ENUM_SETTINGS.get(key);
  if (!set) return JSON.stringify(value);
  const name = (v: unknown) => nameOf(set, String(v)) ?? v;
  return JSON.stringify(Array.isArray(value) ? value.map(name) : name(value));
}

/**
 * The settings as the API shows them. junkAcceptedLanguages was free text before it became an
 * enum: a family the engine does not know (it never matched anything) is left out rather than
 * failing the whole query.
 */
export function settingsForApi(settings: Readonly<Settings>): Readonly<Settings> {
  const known = Object.values(JunkLanguage);
  if (settings.junkAcceptedLanguages.every((l) => known.includes(l))) return settings;
  return { ...settings, junkAcceptedLanguages: settings.junkAcceptedLanguages.filter((l) => known.includes(l)) };
}

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
