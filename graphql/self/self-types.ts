import { DateTimeISOResolver } from 'graphql-scalars';
import { Extensions, Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { CLIENT_PROTOCOLS, CLIENT_SECURITIES, type ClientProtocol, type ClientSecurity } from '../../server/config/client-endpoints';
import type { Permissiveness } from '../../server/config/settings-schema';
import { closedSet } from '../enums';
import { QuotaType } from '../accounts/user-types';
import { JunkUserTableType } from '../junk/junk-types';
import { JunkPermissiveness } from '../settings/settings-types';

export const MailClientProtocol = closedSet(CLIENT_PROTOCOLS, {
  name: 'MailClientProtocol',
  meanings: { imap: 'Reading mail over IMAP.', pop3: 'Reading mail over POP3.', submission: 'Sending mail (SMTP submission).' },
});
export const MailClientSecurity = closedSet(CLIENT_SECURITIES, {
  name: 'MailClientSecurity',
  meanings: { tls: 'TLS from the first byte ("SSL/TLS").', starttls: 'STARTTLS.', none: 'No encryption.' },
});

@ObjectType('MailClientSetting', { description: 'One way in for a mail client, as autoconfig, Autodiscover and the Apple profile advertise it (best first).' })
export class MailClientSettingType {
  @Field(() => MailClientProtocol)
  protocol!: ClientProtocol;

  @Field(() => String)
  host!: string;

  @Field(() => Int)
  port!: number;

  @Field(() => MailClientSecurity)
  security!: ClientSecurity;
}

@ObjectType('MyAccount', { description: 'The logged-in mail user\u2019s own account (role USER).' })
export class MyAccountType {
  @Field(() => ID)
  id!: number;

  @Field(() => String, { description: 'Login name.' })
  shortName!: string;

  @Field(() => String)
  fullName!: string;

  @Field(() => [String], { description: 'The addresses mail reaches this user at (short name and additional names at the local domains).' })
  addresses!: string[];

  @Field(() => [String], { description: 'Where the user\u2019s mail is forwarded; naming the user keeps a copy.' })
  forwardTo!: string[];

  @Field(() => Boolean, { description: 'Whether the administrator lets users set forwarding (setting usersMaySetForwarding).' })
  mayForward!: boolean;

  @Field(() => QuotaType)
  quota!: QuotaType;

  @Field(() => String, { description: 'Where to download this user\u2019s Apple configuration profile (GET with the same bearer token).' })
  mobileconfigUrl!: string;

  @Field(() => [MailClientSettingType], { description: 'What to type into a mail client that does not configure itself; the user name is the address.' })
  clientSettings!: MailClientSettingType[];

  @Field(() => Boolean, { description: 'This session was opened with an app password (it cannot make or revoke app passwords).' })
  signedInWithAppPassword!: boolean;
}

@ObjectType('UserLoginPayload')
export class UserLoginPayload {
  @Field(() => String, { description: 'Send as "Authorization: Bearer <token>". Valid 12 hours.' })
  token!: string;

  @Field(() => DateTimeISOResolver)
  expiresAt!: Date;

  @Field(() => MyAccountType)
  account!: MyAccountType;
}

@ObjectType('AppPassword', { description: 'A password for one mail client; the password itself is shown only when it is made.' })
export class AppPasswordType {
  @Field(() => ID)
  id!: number;

  @Field(() => String, { description: 'The client it is for ("Phone", "Thunderbird at home").' })
  name!: string;

  @Field(() => DateTimeISOResolver)
  createdAt!: Date;

  @Field(() => DateTimeISOResolver, { nullable: true, description: 'The last login with it (to the minute), null when never used.' })
  lastUsedAt?: Date;
}

@ObjectType('CreateAppPasswordPayload')
export class CreateAppPasswordPayload {
  @Field(() => AppPasswordType)
  appPassword!: AppPasswordType;

  @Field(() => String, { description: 'The password: shown this once, stored only hashed. Usable for IMAP, POP3, SMTP submission and ManageSieve (PLAIN/LOGIN; not CRAM-MD5 or APOP), never for management.' })
  password!: string;
}

@InputType()
export class CreateAppPasswordInput {
  @Field(() => String, { description: 'The client it is for; 1-64 characters, unique per user.' })
  name!: string;
}

@InputType()
export class RevokeAppPasswordInput {
  @Field(() => ID)
  id!: string;
}

@InputType()
export class RevokeUserAppPasswordInput extends RevokeAppPasswordInput {
  @Field(() => ID)
  userId!: string;
}

@InputType()
@Extensions({ secret: true })
export class ChangeMyPasswordInput {
  @Field(() => String, { description: 'The mail password now (an app password does not do).' })
  currentPassword!: string;

  @Field(() => String, { description: 'The server\u2019s password policy applies (at least 8 characters).' })
  newPassword!: string;
}

@InputType()
export class SetMyForwardingInput {
  @Field(() => [String], { description: 'Addresses; empty = no forwarding. Naming yourself keeps a copy here.' })
  forwardTo!: string[];
}

@ObjectType('MyJunkSettings', { description: 'Your own junk mail settings: they decide your copy of a message where they differ from the server\u2019s verdict.' })
export class MyJunkSettingsType {
  @Field(() => JunkPermissiveness, { nullable: true, description: 'Your own level; null = the server\u2019s (serverPermissiveness).' })
  permissiveness?: Permissiveness;

  @Field(() => JunkPermissiveness)
  serverPermissiveness!: Permissiveness;

  @Field(() => [String], { description: 'Addresses and domains (a domain covers its subdomains) whose mail is never junk for you.' })
  allowedSenders!: string[];

  @Field(() => [String], { description: 'Addresses and domains whose mail is always junk for you: filed into your Junk folder, marked $Junk.' })
  blockedSenders!: string[];

  @Field(() => JunkUserTableType, { nullable: true, description: 'Your own token table, when the server keeps one per user (else null).' })
  ownTable?: JunkUserTableType;
}

@InputType()
export class SetMyJunkSettingsInput {
  @Field(() => JunkPermissiveness, { nullable: true, description: 'Your own level; null (or leaving useServerLevel true) = the server\u2019s.' })
  permissiveness?: Permissiveness | null;

  @Field(() => Boolean, { nullable: true, description: 'True: follow the server\u2019s level (permissiveness is ignored).' })
  useServerLevel?: boolean;

  @Field(() => [String], { nullable: true, description: 'Replaces the allowed senders (addresses or domains; at most 500). Omitted: unchanged.' })
  allowedSenders?: string[];

  @Field(() => [String], { nullable: true, description: 'Replaces the blocked senders. A sender on both lists ends up on the blocked one; allowed wins when an address and its domain are on different lists.' })
  blockedSenders?: string[];
}
