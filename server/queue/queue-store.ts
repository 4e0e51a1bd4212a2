import type { QueueEntry } from './types';
import type { QueueFilter } from './queue-search';

/** A queue entry's row as stored (both backends use these column names). */
export interface QueueRow {
  id: string;
  created_at: number;
  sender: string;
  size: number;
  path: string;
  local_prefix: number;
  client: string;
  authenticated_user: string | null;
  state: QueueEntry['state'];
  attempts: number;
  next_attempt: number;
  last_error: string | null;
  delay_warned: number;
  sign_dkim: number;
  dkim_domain: string | null;
}

export type QueueRecipientRow = QueueEntry['recipients'][number];

/** An entry to insert (the entry's own fields), due at `createdAt` (ms). */
export type NewQueueRow = Pick<QueueEntry, 'id' | 'sender' | 'size' | 'file' | 'localPrefix' | 'client' | 'authenticatedUser' | 'signDkim' | 'dkimDomain'> & {
  createdAt: number;
  recipients: { address: string; original: string }[];
  /** Recorded with it: made while delivering `parentId`, under `key` (Queue.generatedBefore). */
  once?: { parentId: string; key: string };
};

/** Recipients of one entry that get the same status and diagnostic. */
export interface RecipientChange {
  status: QueueRecipientRow['status'];
  diagnostic: string | null;
  addresses: string[];
}

/** What an attempt leaves when some recipients still wait: the entry's new schedule. */
export interface Deferral {
  attempts: number;
  nextAttempt: number;
  lastError: string | null;
  /** Mark the entry's delay notice sent (once per entry). */
  delayWarned: boolean;
}

/**
 * What the queue needs from its database, and nothing more: the seam at which a PostgreSQL
 * implementation (server/queue-postgres/) stands in for SQLite's (sqlite-queue-store.ts).
 * A networked database answers later (a Promise); SQLite's answers at once, so its implementation
 * returns plain values and the engine's synchronous callers keep calling it without a turn of the
 * event loop (Awaitable). Every method is one transaction unless it says.
 *
 * Claims: an entry an engine is attempting is its own until the attempt settles (settle,
 * finish, postpone) or its lease runs out; another engine sharing the database never gets it
 * meanwhile. One engine on SQLite needs no lease row: the runner's in-flight set is the claim.
 */
/** A value now (SQLite) or later (a networked database). */
export type Awaitable<T> = T | Promise<T>;

export interface QueueStore {
  readonly backend: 'sqlite' | 'postgresql';
  /** Inserts entries in one durable commit; `onCommitted` as soon as others could see them. */
  insert(rows: NewQueueRow[], onCommitted?: () => void): Promise<void>;
  has(id: string): Awaitable<boolean>;
  /** Claims up to `limit` due entries (not held, next attempt ≤ now), oldest due first, none in `exclude`. */
  claimDue(limit: number, now: number, exclude: string[]): Awaitable<QueueRow[]>;
  /** Claims one entry known to be due (just queued): false when it is gone, held, or another's. */
  claim(id: string, now: number): Awaitable<boolean>;
  /** The earliest next attempt after `now` of an entry not held. */
  nextAttemptAfter(now: number): Awaitable<number | undefined>;
  dueCount(now: number): Awaitable<number>;
  /** Recipients in insertion order when `after` is undefined; else a page in address order after it. */
  recipients(id: string, page?: { after: string; limit: number }): Awaitable<QueueRecipientRow[]>;
  /** How many recipients, counting no further than `upTo`. */
  recipientCount(id: string, upTo: number): Awaitable<number>;
  /** Sets recipients' status (one commit; a large attempt writes several). */
  setRecipients(id: string, change: RecipientChange): Awaitable<void>;
  /** Removes up to `limit` of a finished entry's recipients (a large entry goes in pages). */
  dropRecipients(id: string, limit: number): Awaitable<void>;
  /** The entry is done: it leaves the queue with its recipients. */
  finish(id: string): Awaitable<void>;
  /** Settles an attempt that left recipients waiting, with the last recipient change, and lets go of the claim. */
  settle(id: string, last: RecipientChange | undefined, deferral: Deferral | undefined): Awaitable<void>;
  /** The attempt could not be recorded: try again at `nextAttempt`, and let go of the claim. */
  postpone(id: string, nextAttempt: number, lastError: string): Awaitable<void>;
  /** Every spool file path the queue knows (start-up removes files of no entry). */
  paths(): Awaitable<string[]>;
  /** Removes entries a crash left half built (Queue.stage); how many. */
  removeUnfinished(): Awaitable<number>;
  get(id: string): Awaitable<QueueRow | undefined>;
  page(filter: QueueFilter, after: string | undefined, limit: number): Awaitable<{ rows: QueueRow[]; total: number }>;
  counts(): Awaitable<{ active: number; deferred: number; held: number }>;
  oldestWaiting(): Awaitable<number | undefined>;
  hold(id: string): Awaitable<boolean>;
  release(id: string, now: number): Awaitable<boolean>;
  retry(id: string, now: number): Awaitable<boolean>;
  /** Deletes an entry; its spool file's path, undefined when there was none. */
  remove(id: string): Awaitable<string | undefined>;
  generatedBefore(parentId: string, key: string): Awaitable<string | undefined>;
}
