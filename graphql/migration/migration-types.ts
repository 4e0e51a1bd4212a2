import { DateTimeISOResolver } from 'graphql-scalars';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { sum } from '../../server/migration/migration-service';
import type { MigrationRun } from '../../server/migration/types';
import { IMPORT_ACTIONS, IMPORT_KINDS, type ImportReport } from '../../server/migration/user-import';
import { closedSet } from '../enums';
import { connectionType } from '../pagination';

export enum MigrationKind {
  IMAP = 'imap',
  MAILDIR = 'maildir',
  MBOX = 'mbox',
  CYRUS = 'cyrus',
}
registerEnumType(MigrationKind, { name: 'MigrationKind', description: 'Where the mail comes from: a remote IMAP server, or a Maildir tree, mbox files or a Cyrus spool on disk.' });

export enum MigrationState {
  RUNNING = 'running',
  SUCCEEDED = 'succeeded',
  FAILED = 'failed',
  CANCELLED = 'cancelled',
  INTERRUPTED = 'interrupted',
}
registerEnumType(MigrationState, { name: 'MigrationState', description: 'FAILED, CANCELLED and INTERRUPTED (the engine stopped) keep what was copied: start the same migration again to resume.' });

export enum ImapTlsMode {
  IMPLICIT = 'implicit',
  STARTTLS = 'starttls',
  NONE = 'none',
}
registerEnumType(ImapTlsMode, { name: 'ImapTlsMode', description: 'IMPLICIT: TLS from the start (port 993); STARTTLS: upgrade on port 143 (required); NONE: no TLS (only on a trusted network).' });

@ObjectType('MigrationFolder', { description: 'How far one source folder has come.' })
export class MigrationFolderType {
  @Field(() => String, { description: 'The folder\u2019s name at the source.' })
  source!: string;

  @Field(() => String, { description: 'The mailbox it goes into.' })
  target!: string;

  @Field(() => Int, { description: 'Messages this run looked at (IMAP: those after the last UID copied by earlier runs).' })
  total!: number;

  @Field(() => Int)
  copied!: number;

  @Field(() => Int, { description: 'Messages an earlier run had copied already.' })
  skipped!: number;

  @Field(() => Number, { description: 'Bytes copied.' })
  bytes!: number;

  @Field(() => String, { nullable: true, description: 'Why this folder could not be copied (the run goes on with the others, then fails).' })
  error?: string;
}

@ObjectType('Migration', { description: 'An import of one user\u2019s mail from another server, running in the background.' })
export class MigrationType {
  @Field(() => ID)
  id!: string;

  @Field(() => MigrationKind)
  kind!: MigrationKind;

  @Field(() => ID, { description: 'The user whose mailboxes receive the mail.' })
  userId!: string;

  @Field(() => String, { description: 'The source, without secrets: imap://name@host:port, maildir:/path, mbox:/path, cyrus:/path.' })
  source!: string;

  @Field(() => MigrationState)
  state!: MigrationState;

  @Field(() => DateTimeISOResolver)
  startedAt!: Date;

  @Field(() => DateTimeISOResolver, { nullable: true })
  finishedAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'What went wrong, for FAILED runs.' })
  error!: string | null;

  @Field(() => [MigrationFolderType])
  folders!: MigrationFolderType[];

  @Field(() => Int, { description: 'Messages over every folder: looked at.' })
  total!: number;

  @Field(() => Int)
  copied!: number;

  @Field(() => Int)
  skipped!: number;

  @Field(() => Number)
  bytes!: number;

  @Field(() => Number, { description: 'Messages copied per second so far.' })
  messagesPerSecond!: number;
}

export const MigrationConnection = connectionType('Migration', MigrationType);

export function toMigration(run: MigrationRun): MigrationType {
  const totals = sum(run.folders);
  const seconds = ((run.finishedAt ?? new Date()).getTime() - run.startedAt.getTime()) / 1000;
  return {
    id: String(run.id),
    kind: run.kind as MigrationKind,
    userId: String(run.userId),
    source: run.source,
    state: run.state as MigrationState,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt ?? null,
    error: run.error ?? null,
    folders: run.folders,
    ...totals,
    messagesPerSecond: seconds > 0 ? Math.round((totals.copied / seconds) * 10) / 10 : 0,
  };
}

@InputType({ description: 'Copy one user\u2019s mail from a remote IMAP server (imapsync-style).' })
export class StartImapMigrationInput {
  @Field(() => ID, { description: 'The user (id or short name) whose mailboxes receive the mail.' })
  user!: string;

  @Field(() => String)
  host!: string;

  @Field(() => Int, { nullable: true, description: 'Default 993 with IMPLICIT TLS, 143 otherwise.' })
  port?: number;

  @Field(() => ImapTlsMode, { defaultValue: ImapTlsMode.IMPLICIT })
  tls!: ImapTlsMode;

  @Field(() => String, { description: 'The login at the remote server (the user\u2019s own, or an administrator\u2019s with authorizeAs).' })
  username!: string;

  @Field(() => String, { description: 'Used for this run only: never stored, logged or returned.' })
  password!: string;

  @Field(() => String, { nullable: true, description: 'Log in as `username` on behalf of this user (SASL PLAIN authorization identity; Dovecot master users, Cyrus admins).' })
  authorizeAs?: string;

  @Field(() => Boolean, { defaultValue: true, description: 'Check the server\u2019s certificate; false only for a server with a self-signed one.' })
  verifyCertificate!: boolean;

  @Field(() => [String], { nullable: true, description: 'Only these source folders (with their subfolders); all when omitted.' })
  folders?: string[];

  @Field(() => Int, { defaultValue: 3, description: 'How often a lost connection is opened again within the run (after 2, 10 and 30 s), 0 to 10; then the run fails and a new one resumes.' })
  reconnectAttempts!: number;
}

@InputType({ description: 'Copy a Maildir tree, mbox files or a Cyrus spool on the server\u2019s disk into one user\u2019s mailboxes.' })
export class StartDiskMigrationInput {
  @Field(() => ID, { description: 'The user (id or short name).' })
  user!: string;

  @Field(() => String, { description: 'An absolute path on the server: a Maildir, a directory of mbox files, one mbox file, or a Cyrus user spool.' })
  path!: string;
}

@InputType()
export class CancelMigrationInput {
  @Field(() => ID)
  id!: string;
}

@InputType({ description: 'Users or aliases to import; with dryRun, only the report of what would change.' })
export class ImportDirectoryInput {
  @Field(() => String, { description: 'The file\u2019s text: CSV with a header line (importUsers), or a Postfix virtual map (importVirtualAliases).' })
  text!: string;

  @Field(() => Boolean, { defaultValue: false })
  dryRun!: boolean;
}

export const ImportKind = closedSet(IMPORT_KINDS, { name: 'ImportKind', description: 'What an import line makes: a user, an alias or a domain.' });
export const ImportAction = closedSet(IMPORT_ACTIONS, {
  name: 'ImportAction',
  description: 'What an import does with a line: CREATE, UPDATE (detail says what changes) or UNCHANGED.',
});

@ObjectType('ImportChange', { description: 'One change an import made, or would make.' })
export class ImportChangeType {
  @Field(() => Int)
  line!: number;

  @Field(() => ImportKind)
  kind!: string;

  @Field(() => String)
  name!: string;

  @Field(() => ImportAction)
  action!: string;

  @Field(() => String, { nullable: true, description: 'For updates: what changes.' })
  detail?: string;
}

@ObjectType('ImportLineError')
export class ImportLineErrorType {
  @Field(() => Int)
  line!: number;

  @Field(() => String)
  message!: string;
}

@ObjectType('ImportReport', { description: 'All lines or none: with any error, nothing is changed.' })
export class ImportReportType {
  @Field(() => Boolean)
  dryRun!: boolean;

  @Field(() => Boolean, { description: 'True when the changes were made (no dry run, no errors).' })
  applied!: boolean;

  @Field(() => [ImportChangeType])
  changes!: ImportChangeType[];

  @Field(() => [ImportLineErrorType])
  errors!: ImportLineErrorType[];
}

export function toImportReport(r: ImportReport): ImportReportType {
  return r;
}
