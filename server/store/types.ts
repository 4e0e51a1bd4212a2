export interface MailboxInfo {
  id: number;
  userId: number;
  /** Hierarchy separator is "/"; INBOX is always "INBOX". */
  name: string;
  uidValidity: number;
  uidNext: number;
  highestModseq: number;
  subscribed: boolean;
  specialUse: string | null;
  firstRecentUid: number;
  messageCount: number;
  totalSize: number;
}

export interface MessageMeta {
  id: number;
  mailboxId: number;
  uid: number;
  modseq: number;
  flags: string[];
  internalDate: Date;
  size: number;
  /** Absolute path of the message file. */
  file: string;
  /** The cached IMAP summary as JSON: null when none is cached yet, undefined when not loaded. */
  summary?: string | null;
}

/**
 * The user whose view of the flags is wanted: in public folders \Seen is kept per user,
 * so reading and changing it needs to know whose it is. Elsewhere it changes nothing.
 */
export type Viewer = number | undefined;

export type FlagMode = 'add' | 'remove' | 'replace';

/** Events the store emits so open sessions (IMAP IDLE, other sessions) see changes. */
export interface StoreEvents {
  exists: { mailboxId: number; uid: number };
  flags: { mailboxId: number; uids: number[]; modseq: number; origin?: unknown };
  /** `uids` empty: the mailbox was deleted. `messages`: what the removed rows held, for sessions that still show them. */
  expunge: { mailboxId: number; uids: number[]; origin?: unknown; messages?: MessageMeta[] };
  mailboxes: { userId: number };
  /**
   * A user put messages into a mailbox: copied or moved them there (`fromMailboxId`), or
   * appended them (IMAP APPEND). Deliveries are not this. The junk filter learns from it.
   */
  filed: { mailboxId: number; uids: number[]; fromMailboxId?: number };
}

export class StoreError extends Error {
  constructor(
    readonly code: 'NONEXISTENT' | 'ALREADYEXISTS' | 'INVALID' | 'OVERQUOTA' | 'CANNOT' | 'INUSE',
    message: string,
  ) {
    super(message);
  }
}

export const HIERARCHY_SEPARATOR = '/';
/**
 * The short name of the users row that owns the public folders (migration 9). It is no
 * user: the directory never shows it, and "#" cannot start a real short name.
 */
export const PUBLIC_OWNER = '#public';
/** How IMAP clients and Sieve scripts name public folders: "Shared Folders/News" is the public folder "News". */
export const PUBLIC_FOLDERS = 'Shared Folders';
export const PUBLIC_PREFIX = PUBLIC_FOLDERS + HIERARCHY_SEPARATOR;

/** INBOX is case-insensitive (RFC 3501 section 5.1); other names are kept as given. */
export function normalizeMailboxName(name: string): string {
  if (name.toUpperCase() === 'INBOX') return 'INBOX';
  if (name.toUpperCase().startsWith('INBOX' + HIERARCHY_SEPARATOR)) return 'INBOX' + name.slice(5);
  return name;
}
/** RFC 6154's special-use attributes (the store gives the default mailboxes theirs). */
export const SPECIAL_USES = ['\\All', '\\Archive', '\\Drafts', '\\Flagged', '\\Junk', '\\Sent', '\\Trash'] as const;

export const DEFAULT_MAILBOXES: { name: string; specialUse: string }[] = [
  { name: 'Drafts', specialUse: '\\Drafts' },
  { name: 'Sent', specialUse: '\\Sent' },
  { name: 'Junk', specialUse: '\\Junk' },
  { name: 'Trash', specialUse: '\\Trash' },
  { name: 'Archive', specialUse: '\\Archive' },
];
