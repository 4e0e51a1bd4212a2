import type { Db } from '../db/database';
import type { DiskReserve } from '../db/disk-reserve';
import type { Directory } from '../directory/directory';
import type { Logger } from '../logs/logger';
import type { MailStore } from '../store/store';

/** What the migration code uses of the engine (it sits below the engine context). */
export interface MigrationContext {
  db: Db;
  store: MailStore;
  directory: Directory;
  diskReserve: DiskReserve;
  log: Logger;
}

export type MigrationKind = 'imap' | 'maildir' | 'mbox' | 'cyrus';
export type MigrationState = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';
export type TlsMode = 'implicit' | 'starttls' | 'none';

/** A remote IMAP account to copy from. The password lives only in memory, for the run. */
export interface ImapSource {
  host: string;
  port?: number;
  tls: TlsMode;
  username: string;
  password: string;
  /** Log in as `username` (an administrator, Dovecot's master user) on behalf of this user (SASL PLAIN authzid). */
  authorizeAs?: string;
  /** Check the server's certificate (default true); off only for a server with a self-signed one. */
  verifyCertificate?: boolean;
  /** Only these source folders (and their subfolders), by their name on the source. */
  folders?: string[];
  /** How often a lost connection is opened again within the run (default 3: after 2, 10 and 30 s). */
  reconnectAttempts?: number;
}

export interface DiskSource {
  /** A Maildir (with cur/ and new/), a Maildir++ tree with .sub.folders, a Cyrus spool, an mbox file, or a directory of mbox files. */
  path: string;
}

/** How far one source folder has come. */
export interface FolderProgress {
  /** The folder's name at the source. */
  source: string;
  /** The mailbox it goes into. */
  target: string;
  /** Messages this run looked at: all of the folder's, or for IMAP those after the last UID copied before. */
  total: number;
  copied: number;
  /** Messages among them that an earlier run had copied already (recognised by their key). */
  skipped: number;
  bytes: number;
  /** Why the folder could not be copied (the others were). */
  error?: string;
}

export interface MigrationRun {
  id: number;
  kind: MigrationKind;
  userId: number;
  /** The source without secrets: "imap://name@host:port", "maildir:/path", "mbox:/path". */
  source: string;
  state: MigrationState;
  startedAt: Date;
  finishedAt?: Date;
  error?: string;
  folders: FolderProgress[];
}

export class MigrationError extends Error {
  constructor(
    readonly code: 'USER_NOT_FOUND' | 'MIGRATION_RUNNING' | 'MIGRATION_NOT_FOUND' | 'BAD_SOURCE' | 'CONNECTION_FAILED' | 'AUTHENTICATION_FAILED' | 'CONNECTION_LOST' | 'FOLDERS_REFUSED' | 'INSUFFICIENT_SPACE' | 'CANCELLED',
    message: string,
  ) {
    super(message);
  }
}
