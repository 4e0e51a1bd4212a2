import type { Db } from '../db/database';
import type { Viewer } from './types';

/** A message without \Seen in its flags (alias m): the condition of the partial index messages_unseen (migration 27), spelled so for SQLite to use it. */
export const NOT_SEEN = "instr(' ' || m.flags || ' ', ' \\Seen ') = 0";

/**
 * Reads of a whole mailbox that need one or two columns of every message (SELECT, FETCH
 * FLAGS, SORT, THREAD), as plain values or raw rows rather than a MessageMeta per message: at
 * 100,000 messages building and collecting those objects was most of these commands' time.
 * Every read stops below `visibleBelow` (appends whose WAL fsync has not ended), as the
 * store's other reads do. A viewer counts only in public folders (per-user \\Seen).
 */
export class MessageColumns {
  constructor(
    private readonly db: Db,
    private readonly visibleBelow: (mailboxId: number) => number,
    private readonly viewerFor: (mailboxId: number, viewer: Viewer) => Viewer,
  ) {}

  /** The UIDs, in order. */
  uids(mailboxId: number): number[] {
    return this.db.prepare('SELECT uid FROM messages WHERE mailbox_id = ? AND uid < ? ORDER BY uid').pluck().all(mailboxId, this.visibleBelow(mailboxId)) as number[];
  }

  /** The distinct flag strings that hold a keyword (a flag not starting with a backslash). */
  keywordFlagStrings(mailboxId: number): string[] {
    // GLOB's [^\] is any character but a backslash: a first flag or one after a space that is a keyword.
    return this.db
      .prepare("SELECT DISTINCT flags FROM messages WHERE mailbox_id = ? AND uid < ? AND (flags GLOB '[^\\]*' OR flags GLOB '* [^\\]*')")
      .pluck()
      .all(mailboxId, this.visibleBelow(mailboxId)) as string[];
  }

  /** The lowest UID without \\Seen (the viewer's own in public folders), or undefined. */
  firstUnseenUid(mailboxId: number, viewer: Viewer): number | undefined {
    viewer = this.viewerFor(mailboxId, viewer);
    const uid =
      viewer === undefined
        ? this.db.prepare(`SELECT min(m.uid) FROM messages m WHERE m.mailbox_id = ? AND m.uid < ? AND ${NOT_SEEN}`).pluck().get(mailboxId, this.visibleBelow(mailboxId))
        : this.db
            .prepare(`SELECT min(m.uid) FROM messages m WHERE m.mailbox_id = ? AND m.uid < ? AND ${NOT_SEEN} AND NOT EXISTS (SELECT 1 FROM public_seen p WHERE p.user_id = ? AND p.message_id = m.id)`)
            .pluck()
            .get(mailboxId, this.visibleBelow(mailboxId), viewer);
    return typeof uid === 'number' ? uid : undefined;
  }

  /** [uid, flags, modseq, seen by the viewer (0/1)] of every message, in UID order, as raw rows. */
  flagRows(mailboxId: number, viewer: Viewer): [uid: number, flags: string, modseq: number, seen: number][] {
    viewer = this.viewerFor(mailboxId, viewer);
    const sql =
      viewer === undefined
        ? 'SELECT m.uid, m.flags, m.modseq, 0 FROM messages m WHERE m.mailbox_id = ? AND m.uid < ? ORDER BY m.uid'
        : 'SELECT m.uid, m.flags, m.modseq, EXISTS (SELECT 1 FROM public_seen p WHERE p.user_id = ? AND p.message_id = m.id) FROM messages m WHERE m.mailbox_id = ? AND m.uid < ? ORDER BY m.uid';
    const params = viewer === undefined ? [mailboxId, this.visibleBelow(mailboxId)] : [viewer, mailboxId, this.visibleBelow(mailboxId)];
    return this.db.prepare(sql).raw().all(...params) as [number, string, number, number][];
  }

  /**
   * The UIDs of the messages whose SORT keys are known, ordered by `order` (columns, each
   * ascending or not) and then by UID: SORT over the whole mailbox, sorted by SQLite (DATE
   * walks the messages_sort_date index).
   */
  sortedUids(mailboxId: number, order: readonly { column: SortColumn; reverse: boolean }[]): number[] {
    const by = order.map((o) => `${o.column}${o.reverse ? ' DESC' : ''}`).concat('uid').join(', ');
    return this.db
      .prepare(`SELECT uid FROM messages WHERE mailbox_id = ? AND uid < ? AND sort_date IS NOT NULL ORDER BY ${by}`)
      .pluck()
      .all(mailboxId, this.visibleBelow(mailboxId)) as number[];
  }

  /** [uid, internal_date, size, sort_keys JSON] of every message whose keys are known, in UID order. */
  sortRows(mailboxId: number): [uid: number, internalDate: number, size: number, keys: string][] {
    return this.db
      .prepare('SELECT uid, internal_date, size, sort_keys FROM messages WHERE mailbox_id = ? AND uid < ? AND sort_keys IS NOT NULL ORDER BY uid')
      .raw()
      .all(mailboxId, this.visibleBelow(mailboxId)) as [number, number, number, string][];
  }
}

/** Columns SORT can order by in SQL: the sent date (DATE), INTERNALDATE (ARRIVAL) and SIZE. */
export type SortColumn = 'sort_date' | 'internal_date' | 'size';
