import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import { type Db, transactionWithoutSync } from '../db/database';
import type { GroupCommit } from '../db/group-commit';
import type { StoreLocation } from '../config/settings-schema';
import { type AclChangeContext, DEFAULT_PUBLIC_ACL, MailboxAcl } from './acl';
import { fsyncDir, uniqueName, writeFileDurably } from './durable-fs';
import { SEEN, applyFlags, isSeen, normalizeFlags, sameFlags, withSeen } from './flags';
import { checkMailboxName } from './mailbox-names';
import { MessageFiles, SYNC_READ_MAX, linkOrCopy } from './message-files';
import { type ReconstructAccess, type ReconstructOptions, type ReconstructReport, reconstructMailbox } from './reconstruct';
import { MessageColumns, NOT_SEEN } from './message-columns';
import { Subscriptions, UrlauthKeys } from './subscriptions';
import { type TextColumn, TextIndex } from './text-index';
import {
  DEFAULT_MAILBOXES,
  type FlagMode,
  HIERARCHY_SEPARATOR,
  type MailboxInfo,
  type MessageMeta,
  normalizeMailboxName,
  PUBLIC_OWNER,
  StoreError,
  type StoreEvents,
  type Viewer,
} from './types';

export { normalizeFlags, normalizeMailboxName, SYNC_READ_MAX };

/** How many message files one append writes at once. */
const APPEND_CONCURRENCY = 16;

const MAILBOX_SELECT =
  'SELECT m.*, EXISTS (SELECT 1 FROM mailbox_subscriptions s WHERE s.user_id = m.user_id AND s.name = m.name) AS subscribed FROM mailboxes m';

interface MailboxRow {
  id: number;
  user_id: number;
  name: string;
  uidvalidity: number;
  uidnext: number;
  highest_modseq: number;
  /** Computed: whether the name is in mailbox_subscriptions. */
  subscribed: number;
  special_use: string | null;
  first_recent_uid: number;
  message_count: number;
  total_size: number;
}

interface MessageRow {
  id: number;
  mailbox_id: number;
  uid: number;
  modseq: number;
  flags: string;
  internal_date: number;
  size: number;
  path: string;
  /** Only when selected (MESSAGE_COLUMNS_M leaves the cached summary out). */
  summary?: string | null;
  /** Computed when a viewer is given: whether that user has seen it (public folders). */
  seen_by_viewer?: number;
}

/** The message columns without the cached summary, which only FETCH needs and which is the bulk of a row. */
const MESSAGE_COLUMNS_M = ['id', 'mailbox_id', 'uid', 'modseq', 'flags', 'internal_date', 'size', 'path'].map((c) => `m.${c}`).join(', ');

/** One message to add: its content comes from a file (linked when possible) or from bytes/stream. */
/** Message files removed at once after an expunge. */
const UNLINK_BATCH = 64;
/** Messages expunged per transaction (1,000 took 68 ms of CPU under load with the SORT and unseen indexes of migration 27: over the stall watchdog with the rest of the turn). */
const EXPUNGE_CHUNK = 500;
/** Messages copied per transaction. */
const COPY_CHUNK = 500;

export interface AppendItem {
  userId: number;
  mailbox: string;
  flags?: string[];
  internalDate?: Date;
  /** Who \\Seen in `flags` is for, when the mailbox is a public folder (per-user \\Seen). */
  seenBy?: number;
  /**
   * A file (hard-linked when possible), or bytes/streams to write. Items of one append that
   * share the same `parts` object are written once and linked: a delivery to many recipients
   * whose copies carry the same added headers stores one file.
   */
  source: { file: string; size: number } | { parts: (Buffer | Readable)[] };
  /** The IMAP summary (ENVELOPE, BODYSTRUCTURE…) when the caller has it already, as JSON. */
  summary?: string | null;
  /** A user's own APPEND (not a delivery, migration or restore): reported as `filed`. */
  byUser?: boolean;
}

export interface AppendResult {
  mailboxId: number;
  uid: number;
  uidValidity: number;
  size: number;
}

/**
 * The mail store: mailbox metadata in SQLite, one file per message under a store
 * location (partition). Files are written and fsynced before the row that names them
 * is committed, so a committed message always has its file.
 */
export class MailStore extends EventEmitter {
  /** Who other than the owner may use a mailbox (IMAP ACL, RFC 4314). */
  readonly acl: MailboxAcl;
  /** Message files: reading them, and keeping open those of expunged messages still shown. */
  readonly files = new MessageFiles();
  /** Files of expunged messages that sessions still show (RFC 2180 section 4.1.2). */
  readonly retained = this.files.retained;
  /** The full-text index SEARCH uses as a pre-filter (migration 24); the engine starts its background indexer. */
  readonly textIndex: TextIndex;
  /** Whole-mailbox reads of a column or two (SELECT, FETCH FLAGS, SORT, THREAD), without an object per message. */
  readonly columns: MessageColumns;
  private readonly subscribed: Subscriptions;
  private readonly urlauthKeys: UrlauthKeys;
  /** The users row that owns the public folders (see PUBLIC_OWNER). */
  readonly publicOwnerId: number;
  /**
   * Files and directories whose row and file disagree for a moment (written, not yet
   * committed; expunged or removed, not yet unlinked): reconstruct and repair leave them alone.
   */
  private readonly unsettled = new Set<string>();
  /** Sets that collect the paths of messages appended while a reconstruct runs. */
  private readonly appendWatchers = new Set<Set<string>>();
  /**
   * Appends committed but not yet on disk, per mailbox: their rows are in the database (the
   * WAL's fsync runs off the event loop) but clients must not see a UID that a power cut
   * could hand to another message, so reads stop below the first one (see `visibleBelow`).
   */
  private readonly unsynced = new Map<number, Set<{ firstUid: number }>>();

  constructor(
    private readonly db: Db,
    private readonly commits: GroupCommit,
    private readonly defaultRoot: string,
    private readonly locations: () => StoreLocation[],
    /** The full-text index's own database file: beside the data directory's db/, never inside it (backups copy db/). */
    textIndexFile = path.join(path.dirname(path.dirname(db.name)), 'index', 'text.db'),
  ) {
    super();
    this.acl = new MailboxAcl(db);
    this.subscribed = new Subscriptions(db);
    this.urlauthKeys = new UrlauthKeys(db);
    this.textIndex = new TextIndex(db, textIndexFile);
    this.columns = new MessageColumns(db, (id) => this.visibleBelow(id), (id, viewer) => this.viewerFor(id, viewer));
    const owner = db.prepare('SELECT id FROM users WHERE short_name = ?').get(PUBLIC_OWNER) as { id: number } | undefined;
    if (!owner) throw new Error('the public folders\' owner row is missing (migration 9)');
    this.publicOwnerId = owner.id;
    for (const box of this.mailboxes(owner.id)) this.publicMailboxIds.add(box.id);
    fs.mkdirSync(defaultRoot, { recursive: true });
  }

  override emit<K extends keyof StoreEvents>(event: K, payload: StoreEvents[K]): boolean {
    return super.emit(event, payload);
  }

  // ---- partitions ----------------------------------------------------------------------

  /** The directory of a named store location ("default" = <data>/store). */
  locationRoot(name: string): string {
    if (name === 'default' || name === '') return this.defaultRoot;
    const loc = this.locations().find((l) => l.name === name);
    if (!loc) throw new StoreError('INVALID', `no mail store location named "${name}"`);
    return loc.path;
  }

  // ---- mailboxes -----------------------------------------------------------------------

  mailboxes(userId: number): MailboxInfo[] {
    return (this.db.prepare(`${MAILBOX_SELECT} WHERE m.user_id = ? ORDER BY m.name`).all(userId) as MailboxRow[]).map(
      toMailbox,
    );
  }

  mailbox(userId: number, name: string): MailboxInfo | undefined {
    const row = this.db
      .prepare(`${MAILBOX_SELECT} WHERE m.user_id = ? AND m.name = ?`)
      .get(userId, normalizeMailboxName(name)) as MailboxRow | undefined;
    return row && toMailbox(row);
  }

  mailboxById(id: number): MailboxInfo | undefined {
    const row = this.db.prepare(`${MAILBOX_SELECT} WHERE m.id = ?`).get(id) as MailboxRow | undefined;
    return row && toMailbox(row);
  }

  createMailbox(userId: number, rawName: string, specialUse: string | null = null): MailboxInfo {
    const name = normalizeMailboxName(rawName);
    checkMailboxName(name);
    const created = this.db.transaction(() => {
      if (this.mailbox(userId, name)) throw new StoreError('ALREADYEXISTS', `mailbox "${name}" already exists`);
      // Create missing parents too, as RFC 3501 section 6.3.3 allows servers to.
      const parts = name.split(HIERARCHY_SEPARATOR);
      for (let i = 1; i < parts.length; i++) {
        const parent = parts.slice(0, i).join(HIERARCHY_SEPARATOR);
        if (!this.mailbox(userId, parent)) this.insertMailbox(userId, parent, null);
      }
      return this.insertMailbox(userId, name, specialUse);
    })();
    this.emit('mailboxes', { userId });
    return created;
  }

  /**
   * Creates a mailbox (and missing parents) that starts with the ACL of its nearest existing
   * ancestor, as Cyrus does, so a shared folder's subfolders are shared alike; without one,
   * with `topAcl` (public folders: DEFAULT_PUBLIC_ACL; personal ones: none).
   */
  createMailboxInheritingAcl(userId: number, rawName: string, topAcl: { identifier: string; rights: string }[] = []): MailboxInfo {
    const name = normalizeMailboxName(rawName);
    const parts = name.split(HIERARCHY_SEPARATOR);
    const chain = parts.map((_, i) => parts.slice(0, i + 1).join(HIERARCHY_SEPARATOR));
    const missing = chain.filter((n) => !this.mailbox(userId, n));
    const ancestor = chain.filter((n) => !missing.includes(n)).at(-1);
    const ancestorBox = ancestor === undefined ? undefined : this.mailbox(userId, ancestor);
    const acl = ancestorBox ? this.acl.entries(ancestorBox.id) : topAcl;
    const created = this.createMailbox(userId, name);
    for (const n of missing) {
      const box = this.mailbox(userId, n);
      if (box) for (const e of acl) this.acl.set(box.id, e.identifier, e.rights);
    }
    return created;
  }

  /**
   * Creates a public folder (and missing parents) with the inherited or default ACL, or with
   * `acl` in its place; all of it or, if an entry is refused (AclError), none of it.
   */
  createPublicFolder(rawName: string, acl: { identifier: string; rights: string }[] | undefined, who: AclChangeContext): MailboxInfo {
    return this.db.transaction(() => {
      const created = this.createMailboxInheritingAcl(this.publicOwnerId, rawName, DEFAULT_PUBLIC_ACL);
      if (acl) {
        for (const e of this.acl.entries(created.id)) this.acl.remove(created.id, e.identifier);
        for (const e of acl) this.acl.change(created.id, e.identifier, e.rights, who);
      }
      return created;
    })();
  }

  /** INBOX and the special-use folders every new user gets. */
  ensureDefaultMailboxes(userId: number): void {
    this.db.transaction(() => {
      // New users' folders start subscribed, so every client shows them.
      if (!this.mailbox(userId, 'INBOX')) {
        this.insertMailbox(userId, 'INBOX', null);
        this.setSubscribed(userId, 'INBOX', true);
      }
      for (const m of DEFAULT_MAILBOXES) {
        if (this.mailbox(userId, m.name)) continue;
        this.insertMailbox(userId, m.name, m.specialUse);
        this.setSubscribed(userId, m.name, true);
      }
    })();
  }

  async deleteMailbox(userId: number, rawName: string): Promise<void> {
    const name = normalizeMailboxName(rawName);
    if (name === 'INBOX') throw new StoreError('CANNOT', 'INBOX cannot be deleted');
    const box = this.mailbox(userId, name);
    if (!box) throw new StoreError('NONEXISTENT', `mailbox "${name}" does not exist`);
    const files = this.messageFiles(box.id);
    for (const f of files) this.unsettled.add(f);
    try {
      this.db.prepare('DELETE FROM mailboxes WHERE id = ?').run(box.id);
      this.publicMailboxIds.delete(box.id);
      await Promise.all(files.map((f) => fsp.rm(f, { force: true })));
    } finally {
      for (const f of files) this.unsettled.delete(f);
    }
    this.emit('expunge', { mailboxId: box.id, uids: [] });
    this.emit('mailboxes', { userId });
  }

  /** Renames a mailbox and its children. Renaming INBOX moves its messages to a new mailbox (RFC 3501). */
  renameMailbox(userId: number, rawFrom: string, rawTo: string): void {
    const from = normalizeMailboxName(rawFrom);
    const to = normalizeMailboxName(rawTo);
    checkMailboxName(to);
    this.db.transaction(() => {
      const box = this.mailbox(userId, from);
      if (!box) throw new StoreError('NONEXISTENT', `mailbox "${from}" does not exist`);
      if (this.mailbox(userId, to)) throw new StoreError('ALREADYEXISTS', `mailbox "${to}" already exists`);
      if (from === 'INBOX') {
        const target = this.insertMailbox(userId, to, null);
        this.db.prepare('UPDATE messages SET mailbox_id = ? WHERE mailbox_id = ?').run(target.id, box.id);
        this.db
          .prepare(
            'UPDATE mailboxes SET uidnext = ?, message_count = ?, total_size = ?, highest_modseq = ? WHERE id = ?',
          )
          .run(box.uidNext, box.messageCount, box.totalSize, box.highestModseq, target.id);
        this.db
          .prepare('UPDATE mailboxes SET uidvalidity = ?, uidnext = 1, message_count = 0, total_size = 0 WHERE id = ?')
          .run(this.newUidValidity(), box.id);
        return;
      }
      const children = this.mailboxes(userId).filter((m) => m.name.startsWith(from + HIERARCHY_SEPARATOR));
      const update = this.db.prepare('UPDATE mailboxes SET name = ?, uidvalidity = ? WHERE id = ?');
      update.run(to, this.newUidValidity(), box.id);
      for (const child of children) update.run(to + child.name.slice(from.length), this.newUidValidity(), child.id);
      // Subscriptions follow the mailboxes, so a renamed folder stays visible in clients.
      for (const sub of this.subscriptions(userId)) {
        if (sub !== from && !sub.startsWith(from + HIERARCHY_SEPARATOR)) continue;
        this.setSubscribed(userId, sub, false);
        this.setSubscribed(userId, to + sub.slice(from.length), true);
      }
      if (userId === this.publicOwnerId) this.subscribed.movePublic(from, to);
      const parts = to.split(HIERARCHY_SEPARATOR);
      for (let i = 1; i < parts.length; i++) {
        const parent = parts.slice(0, i).join(HIERARCHY_SEPARATOR);
        if (!this.mailbox(userId, parent)) this.insertMailbox(userId, parent, null);
      }
    })();
    this.emit('mailboxes', { userId });
  }

  /** Subscribes or unsubscribes a name, whether or not a mailbox of that name exists (RFC 3501 6.3.6). */
  setSubscribed(userId: number, rawName: string, subscribed: boolean): void {
    this.subscribed.set(userId, rawName, subscribed);
  }

  /** Every subscribed name of a user, existing mailbox or not, sorted. */
  subscriptions(userId: number): string[] {
    return this.subscribed.list(userId);
  }

  /** The URLAUTH (RFC 4467) key of a user's mailbox, made on first use. */
  urlauthKey(userId: number, rawName: string): Buffer {
    return this.urlauthKeys.key(userId, rawName);
  }

  /** RESETKEY: forgets the key of one mailbox, or of all the user's mailboxes, so URLs made with it stop working. */
  resetUrlauthKeys(userId: number, rawName?: string): void {
    this.urlauthKeys.reset(userId, rawName);
  }

  /** Marks messages up to uidNext as no longer \Recent and returns the first recent UID before the change. */
  claimRecent(mailboxId: number): number {
    return this.relaxed(() => {
      const row = this.db.prepare('SELECT first_recent_uid, uidnext FROM mailboxes WHERE id = ?').get(mailboxId) as
        | { first_recent_uid: number; uidnext: number }
        | undefined;
      if (!row) throw new StoreError('NONEXISTENT', 'mailbox does not exist');
      // Up to what the caller can see: an append still on its way to the disk stays \Recent.
      const upTo = Math.min(row.uidnext, this.visibleBelow(mailboxId));
      if (row.first_recent_uid < upTo) {
        this.db.prepare('UPDATE mailboxes SET first_recent_uid = ? WHERE id = ?').run(upTo, mailboxId);
      }
      return row.first_recent_uid;
    });
  }

  // ---- public folders ------------------------------------------------------------------

  /** Ids of the public folders, kept in memory so reading flags of other mailboxes costs nothing extra. */
  private readonly publicMailboxIds = new Set<number>();

  /** The viewer whose \\Seen matters for a mailbox: only public folders keep \\Seen per user. */
  private viewerFor(mailboxId: number, viewer: Viewer): Viewer {
    return viewer !== undefined && this.publicMailboxIds.has(mailboxId) ? viewer : undefined;
  }

  /** Whether a mailbox is a public folder (owned by no user; \\Seen kept per user). */
  isPublic(box: MailboxInfo | undefined): boolean {
    return box?.userId === this.publicOwnerId;
  }

  // ---- messages ------------------------------------------------------------------------

  /** Every message of a mailbox; with a viewer, \\Seen is that user's own in public folders; `summary` adds the cached IMAP summaries. */
  messages(mailboxId: number, viewer?: Viewer, options: { summary?: boolean } = {}): MessageMeta[] {
    viewer = this.viewerFor(mailboxId, viewer);
    return (this.selectMessages('m.mailbox_id = ? AND m.uid < ? ORDER BY m.uid', viewer, options.summary).all(...withViewer(viewer, mailboxId, this.visibleBelow(mailboxId))) as MessageRow[]).map((r) =>
      this.toMessage(r),
    );
  }

  message(mailboxId: number, uid: number, viewer?: Viewer): MessageMeta | undefined {
    viewer = this.viewerFor(mailboxId, viewer);
    if (uid >= this.visibleBelow(mailboxId)) return undefined;
    const row = this.selectMessages('m.mailbox_id = ? AND m.uid = ?', viewer, true).get(...withViewer(viewer, mailboxId, uid)) as MessageRow | undefined;
    return row && this.toMessage(row);
  }

  /** The messages of a mailbox with these ids (message rows, as the full-text index names them), in UID order. */
  messagesById(mailboxId: number, ids: Iterable<number>, viewer?: Viewer): MessageMeta[] {
    viewer = this.viewerFor(mailboxId, viewer);
    return (this.selectMessages('m.mailbox_id = ? AND m.id IN (SELECT value FROM json_each(?)) ORDER BY m.uid', viewer).all(
      ...withViewer(viewer, mailboxId),
      JSON.stringify([...ids]),
    ) as MessageRow[]).map((r) => this.toMessage(r));
  }

  /** The messages of a mailbox with these UIDs (those that still exist), in one query. */
  messagesByUid(mailboxId: number, uids: readonly number[], viewer?: Viewer, options: { summary?: boolean } = {}): MessageMeta[] {
    if (uids.length === 0) return [];
    viewer = this.viewerFor(mailboxId, viewer);
    return (this.selectMessages('m.mailbox_id = ? AND m.uid < ? AND m.uid IN (SELECT value FROM json_each(?)) ORDER BY m.uid', viewer, options.summary).all(
      ...withViewer(viewer, mailboxId, this.visibleBelow(mailboxId)),
      JSON.stringify(uids),
    ) as MessageRow[]).map((r) => this.toMessage(r));
  }

  /**
   * STATUS counts without loading the messages: those from `firstRecentUid` on, those
   * without \Seen (the viewer's own in public folders) and those with \Deleted. Recent is a
   * range of the UID index and unseen walks the partial index of messages without \Seen
   * (migration 27), so neither reads every row of a large mailbox; \Deleted, asked rarely,
   * scans (0 unless `withDeleted`).
   */
  counts(mailboxId: number, firstRecentUid: number, viewer?: Viewer, withDeleted = true): { recent: number; unseen: number; deleted: number } {
    viewer = this.viewerFor(mailboxId, viewer);
    const below = this.visibleBelow(mailboxId);
    const count = (sql: string, ...params: unknown[]) => this.db.prepare(sql).pluck().get(...params) as number;
    const recent = count('SELECT count(*) FROM messages WHERE mailbox_id = ? AND uid >= ? AND uid < ?', mailboxId, firstRecentUid, below);
    // The condition must be spelled as the index's WHERE is for SQLite to use it.
    const unseen =
      viewer === undefined
        ? count(`SELECT count(*) FROM messages m WHERE m.mailbox_id = ? AND m.uid < ? AND ${NOT_SEEN}`, mailboxId, below)
        : count(`SELECT count(*) FROM messages m WHERE m.mailbox_id = ? AND m.uid < ? AND ${NOT_SEEN} AND NOT EXISTS (SELECT 1 FROM public_seen p WHERE p.user_id = ? AND p.message_id = m.id)`, mailboxId, below, viewer);
    const deleted = withDeleted ? count("SELECT count(*) FROM messages WHERE mailbox_id = ? AND uid < ? AND instr(' ' || flags || ' ', ' \\Deleted ') > 0", mailboxId, below) : 0;
    return { recent, unseen, deleted };
  }

  /** Messages whose MODSEQ is above `modseq` (CONDSTORE CHANGEDSINCE). */
  changedSince(mailboxId: number, modseq: number, viewer?: Viewer): MessageMeta[] {
    viewer = this.viewerFor(mailboxId, viewer);
    return (this.selectMessages('m.mailbox_id = ? AND m.uid < ? AND m.modseq > ? ORDER BY m.uid', viewer).all(...withViewer(viewer, mailboxId, this.visibleBelow(mailboxId), modseq)) as MessageRow[]).map((r) =>
      this.toMessage(r),
    );
  }

  /** UIDs expunged after `modseq` (QRESYNC VANISHED). */
  expungedSince(mailboxId: number, modseq: number): number[] {
    return (this.db
      .prepare('SELECT uid FROM expunged WHERE mailbox_id = ? AND modseq > ? ORDER BY uid')
      .all(mailboxId, modseq) as { uid: number }[]).map((r) => r.uid);
  }

  /** The whole message as a stream (from the kept handle when it was expunged meanwhile). */
  openMessage(meta: Pick<MessageMeta, 'file'>, range?: { start: number; end?: number }): Readable {
    return this.files.openMessage(meta, range);
  }

  readMessage(meta: Pick<MessageMeta, 'file' | 'size'>): Promise<Buffer> {
    return this.files.readMessage(meta);
  }

  /** Bytes [start, end) of a message; once this returns, an expunge elsewhere cannot take them away. */
  readRange(meta: Pick<MessageMeta, 'file'>, start: number, end: number): Promise<Buffer> {
    return this.files.readRange(meta, start, end);
  }

  /** A stream of bytes [start, end), returned once the file is open (then it stays readable if expunged). */
  openRange(meta: Pick<MessageMeta, 'file'>, start: number, end: number): Promise<Readable> {
    return this.files.openRange(meta, start, end);
  }

  /** Messages of a mailbox (ids) whose text may hold `needle`; undefined when the index cannot tell (see TextIndex). */
  textCandidates(mailboxId: number, column: TextColumn, needle: string): Set<number> | undefined {
    return this.textIndex.candidates(mailboxId, column, needle);
  }

  /** The cached SORT/THREAD keys (JSON) of a mailbox's messages that have them, by message id. */
  sortKeys(mailboxId: number): Map<number, string> {
    const rows = this.db.prepare('SELECT id, sort_keys FROM messages WHERE mailbox_id = ? AND sort_keys IS NOT NULL').raw().all(mailboxId) as [number, string][];
    return new Map(rows);
  }

  /** The messages of a mailbox whose SORT/THREAD keys are not worked out yet, in UID order. */
  messagesWithoutSortKeys(mailboxId: number): MessageMeta[] {
    return (this.selectMessages('m.mailbox_id = ? AND m.uid < ? AND m.sort_date IS NULL ORDER BY m.uid', undefined).all(mailboxId, this.visibleBelow(mailboxId)) as MessageRow[]).map((r) =>
      this.toMessage(r),
    );
  }

  /**
   * A cache like the summary: written without waiting for the disk. The sent date goes to its
   * own column too (INTERNALDATE when the keys have none, RFC 5256), which SORT (DATE) reads in
   * index order (migration 27).
   */
  saveSortKeys(keys: [messageId: number, json: string][]): void {
    if (keys.length === 0) return;
    this.relaxed(() => {
      const update = this.db.prepare("UPDATE messages SET sort_keys = ?, sort_date = COALESCE(json_extract(?, '$.sent'), internal_date) WHERE id = ?");
      for (const [id, json] of keys) update.run(json, json, id);
    });
  }

  /** Cached parse results (ENVELOPE, BODYSTRUCTURE) as JSON, so FETCH does not re-parse. */
  summary(messageId: number): string | null {
    const row = this.db.prepare('SELECT summary FROM messages WHERE id = ?').get(messageId) as
      | { summary: string | null }
      | undefined;
    return row?.summary ?? null;
  }

  /** A cache, so it is written without waiting for the disk (see `relaxed`). */
  saveSummary(messageId: number, summary: string): void {
    this.relaxed(() => this.db.prepare('UPDATE messages SET summary = ? WHERE id = ?').run(summary, messageId));
  }

  /**
   * Runs a transaction whose loss on power failure is harmless (flags, \Recent, caches):
   * committed to the WAL without an fsync. The next durable commit (a delivery, an expunge)
   * or checkpoint fsyncs the WAL and these with it; SQLite stays consistent either way.
   */
  private relaxed<T>(fn: () => T): T {
    return transactionWithoutSync(this.db, fn);
  }

  /**
   * Adds messages. Every file is written (or hard-linked) and fsynced first; then one
   * transaction assigns UIDs and inserts the rows, together with `alsoInTransaction`
   * (the queue marks its recipients delivered there), so both happen or neither.
   */
  async append(items: AppendItem[], alsoInTransaction?: () => void): Promise<AppendResult[]> {
    const unsettled: string[] = [];
    try {
      return await this.appendFiles(items, unsettled, alsoInTransaction);
    } finally {
      for (const f of unsettled) this.unsettled.delete(f);
    }
  }

  /** append's work; every file it names is added to `unsettled` before it is written. */
  private async appendFiles(items: AppendItem[], unsettled: string[], alsoInTransaction: (() => void) | undefined): Promise<AppendResult[]> {
    type Prepared = { item: AppendItem; box: MailboxInfo; file: string; size: number };
    const prepared: (Prepared | undefined)[] = new Array(items.length);
    const dirs = new Set<string>();
    /** The first item written from each shared `parts` source; the others link its file. */
    const writtenFrom = new Map<AppendItem['source'], Promise<Prepared>>();
    const prepare = (item: AppendItem): Promise<Prepared> => {
      const first = writtenFrom.get(item.source);
      if (first) return first.then((p) => place(item, { file: p.file, size: p.size }));
      const placed = place(item, item.source);
      // Only bytes and streams need it: a file source is linked whatever shares it.
      if ('parts' in item.source) writtenFrom.set(item.source, placed);
      return placed;
    };
    const place = async (item: AppendItem, source: AppendItem['source']): Promise<Prepared> => {
      const box = this.mailbox(item.userId, item.mailbox);
      if (!box) throw new StoreError('NONEXISTENT', `mailbox "${item.mailbox}" does not exist`);
      const dir = this.mailboxDir(item.userId, box.id);
      const file = path.join(dir, uniqueName('.eml'));
      this.unsettled.add(file);
      unsettled.push(file);
      if ('file' in source) {
        await linkOrCopy(source.file, file);
        dirs.add(dir);
        return { item, box, file, size: source.size };
      }
      return { item, box, file, size: await writeFileDurably(file, source.parts) };
    };
    // A batch (MULTIAPPEND, a migration) writes several files at once: their fsyncs overlap
    // and the directory syncs they share are coalesced (fsyncDir).
    let next = 0;
    const writer = async () => {
      while (next < items.length) {
        const i = next++;
        prepared[i] = await prepare(items[i]);
      }
    };
    const written = await Promise.allSettled(Array.from({ length: Math.min(APPEND_CONCURRENCY, items.length) }, writer));
    const failed = written.find((w): w is PromiseRejectedResult => w.status === 'rejected');
    // Every file named so far, written or half-written, goes if the append fails.
    const removeAll = () => Promise.all(unsettled.map((f) => fsp.rm(f, { force: true })));
    try {
      if (failed) throw failed.reason;
      await Promise.all([...dirs].map(fsyncDir));
    } catch (err) {
      await removeAll();
      throw err;
    }
    const ready = prepared as Prepared[];
    let results: AppendResult[];
    const shown: { mailboxId: number; mark: { firstUid: number } }[] = [];
    const show = () => {
      for (const { mailboxId, mark } of shown.splice(0)) {
        const marks = this.unsynced.get(mailboxId);
        marks?.delete(mark);
        if (marks?.size === 0) this.unsynced.delete(mailboxId);
      }
    };
    try {
      results = await this.commits.run(() => {
        const out: AppendResult[] = [];
        // Statements prepared once and each mailbox read once per batch: a COPY of 10,000
        // messages is one transaction, and preparing per row cost more than the inserts.
        const insert = this.db.prepare('INSERT INTO messages (mailbox_id, uid, modseq, flags, internal_date, size, path, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
        const boxes = new Map<number, { box: MailboxInfo; uidNext: number; modseq: number; count: number; bytes: number }>();
        for (const p of ready) {
          let b = boxes.get(p.box.id);
          if (!b) {
            const box = this.mailboxById(p.box.id);
            if (!box) throw new StoreError('NONEXISTENT', `mailbox "${p.item.mailbox}" was deleted`);
            b = { box, uidNext: box.uidNext, modseq: box.highestModseq, count: 0, bytes: 0 };
            boxes.set(box.id, b);
          }
          const uid = b.uidNext++;
          const modseq = ++b.modseq;
          let flags = normalizeFlags(p.item.flags ?? []);
          const seenBy = this.isPublic(b.box) && flags.includes(SEEN) ? p.item.seenBy : undefined;
          if (this.isPublic(b.box)) flags = flags.filter((f) => f !== SEEN);
          const inserted = insert.run(b.box.id, uid, modseq, flags.join(' '), (p.item.internalDate ?? new Date()).getTime(), p.size, p.file, p.item.summary ?? null);
          if (seenBy !== undefined) this.setSeenBy(seenBy, Number(inserted.lastInsertRowid), true);
          b.count++;
          b.bytes += p.size;
          out.push({ mailboxId: b.box.id, uid, uidValidity: b.box.uidValidity, size: p.size });
        }
        const update = this.db.prepare('UPDATE mailboxes SET uidnext = ?, highest_modseq = ?, message_count = message_count + ?, total_size = total_size + ? WHERE id = ?');
        for (const b of boxes.values()) update.run(b.uidNext, b.modseq, b.count, b.bytes, b.box.id);
        alsoInTransaction?.();
        shown.length = 0;
        for (const b of boxes.values()) shown.push({ mailboxId: b.box.id, mark: { firstUid: b.box.uidNext } });
        return out;
      }, {
        // Committed without waiting for the disk; the WAL's fsync runs on the thread pool while
        // the event loop serves others. Until it ends these rows are hidden from clients.
        visibleEarly: true,
        onCommitted: () => {
          for (const { mailboxId, mark } of shown) {
            const marks = this.unsynced.get(mailboxId) ?? new Set();
            marks.add(mark);
            this.unsynced.set(mailboxId, marks);
          }
        },
      });
    } catch (err) {
      // Committed but not synced (the fsync failed): the rows name these files, so they stay.
      if (shown.length && this.unsynced.get(shown[0].mailboxId)?.has(shown[0].mark)) {
        show();
        throw err;
      }
      await removeAll();
      throw err;
    }
    show();
    for (const watcher of this.appendWatchers) for (const p of ready) watcher.add(p.file);
    for (const r of results) this.emit('exists', { mailboxId: r.mailboxId, uid: r.uid });
    this.textIndex.schedule();
    const filed = new Map<number, number[]>();
    results.forEach((r, i) => ready[i].item.byUser && filed.set(r.mailboxId, [...(filed.get(r.mailboxId) ?? []), r.uid]));
    for (const [mailboxId, uids] of filed) this.emit('filed', { mailboxId, uids });
    return results;
  }

  /** Changes flags; returns the messages whose flags changed, with their new MODSEQ. */
  setFlags(
    mailboxId: number,
    uids: number[],
    mode: FlagMode,
    flags: string[],
    options: { unchangedSince?: number; origin?: unknown; viewer?: Viewer } = {},
  ): { changed: MessageMeta[]; failedUnchangedSince: number[] } {
    const result = this.relaxed(() => {
      const changed: MessageMeta[] = [];
      const failed: number[] = [];
      const box = this.mailboxById(mailboxId);
      if (!box) throw new StoreError('NONEXISTENT', 'mailbox does not exist');
      // In a public folder \Seen is the viewer's own (public_seen), never in the shared flags;
      // without a viewer there is nobody whose \Seen could change.
      const perUserSeen = this.isPublic(box);
      const viewer = perUserSeen ? options.viewer : undefined;
      const wanted = normalizeFlags(flags).filter((f) => !perUserSeen || viewer !== undefined || f !== SEEN);
      let modseq = box.highestModseq;
      const update = this.db.prepare('UPDATE messages SET flags = ?, modseq = ? WHERE id = ?');
      for (const uid of uids) {
        const row = this.selectMessages('m.mailbox_id = ? AND m.uid = ?', viewer).get(...withViewer(viewer, mailboxId, uid)) as MessageRow | undefined;
        if (!row) continue;
        if (options.unchangedSince !== undefined && row.modseq > options.unchangedSince) {
          failed.push(uid);
          continue;
        }
        const current = this.toMessage(row).flags;
        const next = applyFlags(current, mode, wanted).filter((f) => !perUserSeen || viewer !== undefined || f !== SEEN);
        if (sameFlags(current, next)) continue;
        modseq += 1;
        const shared = perUserSeen ? next.filter((f) => !isSeen(f)) : next;
        update.run(shared.join(' '), modseq, row.id);
        if (viewer !== undefined) this.setSeenBy(viewer, row.id, next.some(isSeen));
        changed.push({ ...this.toMessage({ ...row, flags: shared.join(' '), modseq }), flags: next });
      }
      if (modseq !== box.highestModseq) {
        this.db.prepare('UPDATE mailboxes SET highest_modseq = ? WHERE id = ?').run(modseq, mailboxId);
      }
      return { changed, failedUnchangedSince: failed, modseq };
    });
    if (result.changed.length) {
      this.emit('flags', {
        mailboxId,
        uids: result.changed.map((m) => m.uid),
        modseq: result.modseq,
        origin: options.origin,
      });
    }
    return { changed: result.changed, failedUnchangedSince: result.failedUnchangedSince };
  }

  /** Removes messages (all \Deleted ones when `uids` is omitted); returns the UIDs removed. */
  async expunge(mailboxId: number, uids?: number[], origin?: unknown): Promise<number[]> {
    // Up to EXPUNGE_CHUNK messages: one transaction. More (a MOVE of 10,000 messages, or as
    // many \Deleted at once) go a chunk per transaction, so other sessions run in between; each
    // chunk is whole, and one with \Deleted taken off meanwhile keeps its message.
    const onlyDeleted = uids === undefined;
    const wanted = uids ?? (this.db.prepare("SELECT uid FROM messages WHERE mailbox_id = ? AND instr(' ' || flags || ' ', ' \\Deleted ') > 0 ORDER BY uid").pluck().all(mailboxId) as number[]);
    const removed: number[] = [];
    for (let i = 0; i === 0 || i < wanted.length; i += EXPUNGE_CHUNK) {
      const removing: string[] = [];
      try {
        removed.push(...(await this.expungeRows(mailboxId, wanted.slice(i, i + EXPUNGE_CHUNK), onlyDeleted, origin, removing)));
      } finally {
        for (const f of removing) this.unsettled.delete(f);
      }
    }
    // Their text leaves the full-text index in the background (migration 26).
    if (removed.length) this.textIndex.schedule();
    return removed;
  }

  /** expunge's work; the files of the rows it deletes are in `unsettled` until they are unlinked. */
  private async expungeRows(mailboxId: number, uids: number[], onlyDeleted: boolean, origin: unknown, removing: string[]): Promise<number[]> {
    // Group commit: expunges of many sessions (and deliveries) share one fsync.
    const removed = await this.commits.run(() => {
      const box = this.mailboxById(mailboxId);
      if (!box) throw new StoreError('NONEXISTENT', 'mailbox does not exist');
      const rows = this.db
        .prepare(
          `SELECT * FROM messages WHERE mailbox_id = ? AND uid IN (SELECT value FROM json_each(?))${onlyDeleted ? " AND instr(' ' || flags || ' ', ' \\Deleted ') > 0" : ''} ORDER BY uid`,
        )
        .all(mailboxId, JSON.stringify(uids)) as MessageRow[];
      if (rows.length === 0) return [];
      const modseq = box.highestModseq + 1;
      const del = this.db.prepare('DELETE FROM messages WHERE id = ?');
      const tomb = this.db.prepare('INSERT OR REPLACE INTO expunged (mailbox_id, uid, modseq) VALUES (?, ?, ?)');
      let bytes = 0;
      for (const r of rows) {
        del.run(r.id);
        tomb.run(mailboxId, r.uid, modseq);
        bytes += r.size;
        this.unsettled.add(r.path);
        removing.push(r.path);
      }
      this.db
        .prepare(
          'UPDATE mailboxes SET highest_modseq = ?, message_count = message_count - ?, total_size = total_size - ? WHERE id = ?',
        )
        .run(modseq, rows.length, bytes, mailboxId);
      return rows;
    });
    if (removed.length === 0) return [];
    const removedUids = removed.map((r) => r.uid);
    // Sessions that still show these messages keep their files open (RetainedFiles) before they are unlinked.
    this.emit('expunge', { mailboxId, uids: removedUids, origin, messages: removed.map((r) => this.toMessage(r)) });
    const files = removed.map((r) => r.path);
    await this.retained.opened(files);
    // A few at a time: 10,000 removals finishing in one turn of the event loop stalled it.
    for (let i = 0; i < files.length; i += UNLINK_BATCH) await Promise.all(files.slice(i, i + UNLINK_BATCH).map((f) => fsp.rm(f, { force: true })));
    return removedUids;
  }

  /**
   * Copies messages (loaded by the caller, with their summaries) into another mailbox as hard
   * links; returns source→target UID pairs, and the viewer's \\Seen goes with them. Up to COPY_CHUNK
   * messages are one transaction; more go a chunk per transaction so other sessions run in
   * between, and if a chunk fails the ones copied before it are removed again: a COPY is all
   * or nothing (RFC 3501 6.4.7).
   */
  async copyMessages(fromMailboxId: number, sources: MessageMeta[], toMailboxId: number, viewer?: Viewer): Promise<{ uidValidity: number; pairs: [number, number][] }> {
    const target = this.mailboxById(toMailboxId);
    if (!target) throw new StoreError('NONEXISTENT', 'target mailbox does not exist');
    const results: AppendResult[] = [];
    try {
      for (let i = 0; i < sources.length; i += COPY_CHUNK) {
        const chunk = sources.slice(i, i + COPY_CHUNK).map((m) => ({
          userId: target.userId,
          mailbox: target.name,
          seenBy: viewer,
          flags: m.flags.filter((f) => f !== '\\Recent'),
          internalDate: m.internalDate,
          source: { file: m.file, size: m.size },
          summary: m.summary,
        }));
        results.push(...(await this.append(chunk)));
      }
    } catch (err) {
      if (results.length) await this.expunge(toMailboxId, results.map((r) => r.uid)).catch(() => undefined);
      throw err;
    }
    if (results.length) this.emit('filed', { mailboxId: toMailboxId, uids: results.map((r) => r.uid), fromMailboxId });
    return { uidValidity: target.uidValidity, pairs: sources.map((m, i) => [m.uid, results[i].uid]) };
  }

  /** Bytes stored for a user, over all mailboxes (quota usage). */
  usage(userId: number): { bytes: number; messages: number } {
    const row = this.db
      .prepare('SELECT COALESCE(SUM(total_size), 0) AS bytes, COALESCE(SUM(message_count), 0) AS messages FROM mailboxes WHERE user_id = ?')
      .get(userId) as { bytes: number; messages: number };
    return row;
  }

  /** Removes every file of a user (after the user row is gone, the mailboxes are too). */
  async removeUserFiles(userId: number, location: string): Promise<void> {
    const dir = path.join(this.locationRoot(location), String(userId));
    this.unsettled.add(dir);
    try {
      await fsp.rm(dir, { recursive: true, force: true });
    } finally {
      this.unsettled.delete(dir);
    }
  }

  /**
   * Rebuilds a mailbox's index from its files (the seed's Reconstruct), safe while the engine
   * serves mail: files without a row are added with new UIDs, rows whose file is gone are
   * reported (and expunged with `expungeMissing`), sizes and counters put right.
   */
  async reconstruct(userId: number, mailboxName: string, options: ReconstructOptions = {}): Promise<ReconstructReport> {
    const box = this.mailbox(userId, mailboxName);
    if (!box) throw new StoreError('NONEXISTENT', `mailbox "${mailboxName}" does not exist`);
    // One reconstruct of a mailbox at a time: two would both add the same file without a row.
    const before = this.reconstructing.get(box.id) ?? Promise.resolve();
    const run = before.catch(() => undefined).then(async () => {
      const current = this.mailboxById(box.id);
      if (!current) throw new StoreError('NONEXISTENT', `mailbox "${mailboxName}" was deleted`);
      const report = await reconstructMailbox(this.reconstructAccess(), current, this.mailboxDir(userId, box.id), options);
      // The files are the truth: the full-text index of the mailbox is built again from them.
      this.textIndex.reset(box.id);
      return report;
    });
    this.reconstructing.set(box.id, run);
    try {
      return await run;
    } finally {
      if (this.reconstructing.get(box.id) === run) this.reconstructing.delete(box.id);
    }
  }

  private readonly reconstructing = new Map<number, Promise<unknown>>();

  /** Whether a file or directory is being written or removed right now (see `unsettled`). */
  isUnsettled(file: string): boolean {
    return this.unsettled.has(file);
  }

  /** The directories of every store location: the default one and the named ones. */
  locationRoots(): { name: string; root: string }[] {
    return [{ name: 'default', root: this.defaultRoot }, ...this.locations().map((l) => ({ name: l.name, root: l.path }))];
  }

  private reconstructAccess(): ReconstructAccess {
    return {
      db: this.db,
      commits: this.commits,
      unsettled: this.unsettled,
      watchAppends: () => {
        const appended = new Set<string>();
        this.appendWatchers.add(appended);
        return { appended, stop: () => this.appendWatchers.delete(appended) };
      },
      expunge: (mailboxId, uids) => this.expunge(mailboxId, uids),
    };
  }

  // ---- internals -----------------------------------------------------------------------

  mailboxDir(userId: number, mailboxId: number): string {
    const user = this.db.prepare('SELECT store_location FROM users WHERE id = ?').get(userId) as
      | { store_location: string }
      | undefined;
    return path.join(this.locationRoot(user?.store_location ?? 'default'), String(userId), String(mailboxId));
  }

  /** Clients see a mailbox's messages below this UID: from here on they are committed, not yet on disk. */
  private visibleBelow(mailboxId: number): number {
    const marks = this.unsynced.get(mailboxId);
    if (!marks) return Number.MAX_SAFE_INTEGER;
    let first = Number.MAX_SAFE_INTEGER;
    for (const m of marks) first = Math.min(first, m.firstUid);
    return first;
  }

  /** Message rows, with `seen_by_viewer` when a viewer is given (its \\Seen in public folders). */
  private selectMessages(where: string, viewer: Viewer, summary = false) {
    const columns = summary ? 'm.*' : MESSAGE_COLUMNS_M;
    if (viewer === undefined) return this.db.prepare(`SELECT ${columns} FROM messages m WHERE ${where}`);
    return this.db.prepare(
      `SELECT ${columns}, EXISTS (SELECT 1 FROM public_seen p WHERE p.user_id = ? AND p.message_id = m.id) AS seen_by_viewer FROM messages m WHERE ${where}`,
    );
  }

  private setSeenBy(userId: number, messageId: number, seen: boolean): void {
    if (seen) this.db.prepare('INSERT OR IGNORE INTO public_seen (user_id, message_id) VALUES (?, ?)').run(userId, messageId);
    else this.db.prepare('DELETE FROM public_seen WHERE user_id = ? AND message_id = ?').run(userId, messageId);
  }

  private messageFiles(mailboxId: number): string[] {
    return (this.db.prepare('SELECT path FROM messages WHERE mailbox_id = ?').all(mailboxId) as { path: string }[]).map(
      (r) => r.path,
    );
  }

  private insertMailbox(userId: number, name: string, specialUse: string | null): MailboxInfo {
    const result = this.db
      .prepare('INSERT INTO mailboxes (user_id, name, uidvalidity, special_use, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(userId, name, this.newUidValidity(), specialUse, new Date().toISOString());
    if (userId === this.publicOwnerId) this.publicMailboxIds.add(Number(result.lastInsertRowid));
    return this.mailboxById(Number(result.lastInsertRowid)) as MailboxInfo;
  }

  private lastUidValidity = 0;

  /** Seconds since the epoch, strictly increasing within this process, as RFC 3501 suggests. */
  private newUidValidity(): number {
    const now = Math.floor(Date.now() / 1000);
    this.lastUidValidity = Math.max(now, this.lastUidValidity + 1);
    return this.lastUidValidity;
  }

  private toMessage(row: MessageRow): MessageMeta {
    return {
      id: row.id,
      mailboxId: row.mailbox_id,
      uid: row.uid,
      modseq: row.modseq,
      flags: withSeen(row.flags ? row.flags.split(' ') : [], !!row.seen_by_viewer),
      internalDate: new Date(row.internal_date),
      size: row.size,
      file: row.path,
      summary: row.summary,
    };
  }
}

/** Query parameters with the viewer first, as selectMessages' SQL expects. */
function withViewer(viewer: Viewer, ...params: number[]): number[] {
  return viewer === undefined ? params : [viewer, ...params];
}

function toMailbox(row: MailboxRow): MailboxInfo {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    uidValidity: row.uidvalidity,
    uidNext: row.uidnext,
    highestModseq: row.highest_modseq,
    subscribed: !!row.subscribed,
    specialUse: row.special_use,
    firstRecentUid: row.first_recent_uid,
    messageCount: row.message_count,
    totalSize: row.total_size,
  };
}
