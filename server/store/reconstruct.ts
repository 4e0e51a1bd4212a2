import fsp from 'node:fs/promises';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Db } from '../db/database';
import type { GroupCommit } from '../db/group-commit';
import type { MailboxInfo } from './types';

/** Rows read (and files looked at) per turn of the event loop, and rows written per transaction. */
const PAGE = 500;
const WRITE_CHUNK = 200;
/** Missing messages named in a report (all are counted, and each is logged by the caller). */
const MAX_NAMED = 100;

export interface ReconstructOptions {
  /**
   * Remove the rows of messages whose file is gone (an expunge: clients are told). Off by
   * default: they are reported and kept, because a file that is gone may come back (a store
   * location that is not mounted, a restore still running) and a row removed cannot.
   */
  expungeMissing?: boolean;
  /** Ends the work early (the engine is stopping); what is done stays done. */
  signal?: AbortSignal;
}

export interface ReconstructReport {
  /** Message files without a row, added with new UIDs (oldest first). */
  added: number;
  /** Rows whose file is gone. */
  missing: number;
  /** Of those, removed (expungeMissing). */
  expunged: number;
  /** Rows whose size was not the file's: corrected (and the cached summary dropped). */
  resized: number;
  /** Half-written temporary files (left by a crash mid-write) removed. */
  staleTemp: number;
  /** The first missing messages: UID and file. */
  missingMessages: { uid: number; file: string }[];
}

/** What reconstruct needs of the store: its database, group commit, and the files it is changing right now. */
export interface ReconstructAccess {
  db: Db;
  commits: GroupCommit;
  /**
   * Files (and directories) whose row and file disagree for a moment: written and not yet
   * committed, or expunged and not yet unlinked. Reconstruct leaves them alone.
   */
  unsettled: ReadonlySet<string>;
  /** Collects the paths of messages appended from now on, until `stop` is called. */
  watchAppends(): { appended: ReadonlySet<string>; stop(): void };
  expunge(mailboxId: number, uids: number[]): Promise<number[]>;
}

interface RowPage {
  id: number;
  uid: number;
  size: number;
  path: string;
}

/**
 * Paths of every message row of a user, read a page at a time with the event loop given
 * turns. Files under a user's directory belong to that user's rows (a renamed INBOX keeps
 * its files where they are, under another mailbox's row), so this is the set a file without
 * a row is looked up in.
 */
export async function userMessagePaths(db: Db, userId: number, signal?: AbortSignal): Promise<Set<string>> {
  const paths = new Set<string>();
  const boxes = db.prepare('SELECT id FROM mailboxes WHERE user_id = ?').all(userId) as { id: number }[];
  for (const box of boxes) {
    for (let after = 0; ; ) {
      signal?.throwIfAborted();
      const rows = db.prepare('SELECT uid, path FROM messages WHERE mailbox_id = ? AND uid > ? ORDER BY uid LIMIT ?').all(box.id, after, PAGE * 10) as { uid: number; path: string }[];
      for (const r of rows) paths.add(r.path);
      if (rows.length < PAGE * 10) break;
      after = rows[rows.length - 1].uid;
      await nextTurn();
    }
  }
  return paths;
}

/**
 * Rebuilds a mailbox's index from its files (the seed's Reconstruct), safe while the engine
 * serves mail: files in the mailbox's directory without a row are added with new UIDs; rows
 * whose file is gone are reported (removed only with `expungeMissing`); rows whose size is
 * not their file's are corrected; counters are recomputed. Reads a page at a time and writes
 * in small transactions, so sessions and deliveries go on meanwhile.
 */
export async function reconstructMailbox(
  store: ReconstructAccess,
  box: MailboxInfo,
  dir: string,
  options: ReconstructOptions = {},
): Promise<ReconstructReport> {
  const { db } = store;
  const report: ReconstructReport = { added: 0, missing: 0, expunged: 0, resized: 0, staleTemp: 0, missingMessages: [] };
  const watch = store.watchAppends();
  try {
    const own = new Set<string>();
    const missing: RowPage[] = [];
    const resized: { id: number; path: string; size: number }[] = [];
    for (let after = 0; ; ) {
      options.signal?.throwIfAborted();
      const rows = db.prepare('SELECT id, uid, size, path FROM messages WHERE mailbox_id = ? AND uid > ? ORDER BY uid LIMIT ?').all(box.id, after, PAGE) as RowPage[];
      const stats = await Promise.all(rows.map((r) => fsp.stat(r.path).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? null : Promise.reject(err)))));
      rows.forEach((r, i) => {
        own.add(r.path);
        const stat = stats[i];
        if (!stat) missing.push(r);
        else if (stat.size !== r.size) resized.push({ id: r.id, path: r.path, size: stat.size });
      });
      if (rows.length < PAGE) break;
      after = rows[rows.length - 1].uid;
    }

    const names = await fsp.readdir(dir).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? [] : Promise.reject(err)));
    for (const name of names.filter((n) => n.endsWith('.tmp'))) {
      // `.<final name>.tmp` is a file being written (durable-fs); only one whose write is over is stale.
      const final = path.join(dir, name.replace(/^\./, '').replace(/\.tmp$/, ''));
      if (store.unsettled.has(final)) continue;
      await fsp.rm(path.join(dir, name), { force: true });
      report.staleTemp++;
    }
    // A big mailbox has tens of thousands of names: looked at a slice at a time, the loop turning between.
    let candidates: string[] = [];
    for (let i = 0; i < names.length; i += PAGE) {
      for (const n of names.slice(i, i + PAGE)) {
        if (!n.endsWith('.eml')) continue;
        const file = path.join(dir, n);
        if (!own.has(file) && !store.unsettled.has(file)) candidates.push(file);
      }
      await nextTurn();
    }
    if (candidates.length) {
      // Another mailbox of the user may own files here (a renamed INBOX leaves its files where they were).
      const known = await userMessagePaths(db, box.userId, options.signal);
      candidates = candidates.filter((f) => !known.has(f));
      await nextTurn();
    }
    const orphans: { file: string; size: number; mtimeMs: number }[] = [];
    for (let i = 0; i < candidates.length; i += PAGE) {
      options.signal?.throwIfAborted();
      const stats = await Promise.all(candidates.slice(i, i + PAGE).map((f) => fsp.stat(f).then((s) => (s.isFile() ? { file: f, size: s.size, mtimeMs: s.mtimeMs } : undefined), () => undefined)));
      for (const s of stats) if (s) orphans.push(s);
    }
    orphans.sort((a, b) => a.mtimeMs - b.mtimeMs || a.file.localeCompare(b.file));

    for (let i = 0; i < orphans.length; i += WRITE_CHUNK) {
      options.signal?.throwIfAborted();
      const chunk = orphans.slice(i, i + WRITE_CHUNK);
      report.added += await store.commits.run(() => {
        const current = db.prepare('SELECT uidnext, highest_modseq FROM mailboxes WHERE id = ?').get(box.id) as { uidnext: number; highest_modseq: number } | undefined;
        if (!current) return 0;
        const top = db.prepare('SELECT MAX(uid) AS uid FROM messages WHERE mailbox_id = ?').get(box.id) as { uid: number | null };
        let uid = Math.max(current.uidnext, (top.uid ?? 0) + 1);
        let modseq = current.highest_modseq;
        let added = 0;
        const insert = db.prepare('INSERT INTO messages (mailbox_id, uid, modseq, flags, internal_date, size, path) VALUES (?, ?, ?, ?, ?, ?, ?)');
        for (const o of chunk) {
          // Appended, or in the middle of an append or expunge, since the paths were read.
          if (watch.appended.has(o.file) || store.unsettled.has(o.file)) continue;
          insert.run(box.id, uid++, ++modseq, '', Math.floor(o.mtimeMs), o.size, o.file);
          added++;
        }
        if (added) db.prepare('UPDATE mailboxes SET uidnext = ?, highest_modseq = ? WHERE id = ?').run(uid, modseq, box.id);
        return added;
      });
      await nextTurn();
    }

    for (let i = 0; i < resized.length; i += WRITE_CHUNK) {
      const chunk = resized.slice(i, i + WRITE_CHUNK);
      report.resized += await store.commits.run(() => {
        // A file of another size holds another message: its cached summary and SORT keys go too.
        const update = db.prepare('UPDATE messages SET size = ?, summary = NULL, sort_keys = NULL, sort_date = NULL WHERE id = ? AND path = ?');
        return chunk.reduce((n, r) => n + update.run(r.size, r.id, r.path).changes, 0);
      });
      await nextTurn();
    }

    // A row read before an expunge of its message took it (and its file) away is not missing.
    const stillThere = missing.filter((r) => db.prepare('SELECT 1 FROM messages WHERE id = ?').get(r.id));
    report.missing = stillThere.length;
    report.missingMessages = stillThere.slice(0, MAX_NAMED).map((r) => ({ uid: r.uid, file: r.path }));
    if (options.expungeMissing) {
      for (let i = 0; i < stillThere.length; i += WRITE_CHUNK) {
        report.expunged += (await store.expunge(box.id, stillThere.slice(i, i + WRITE_CHUNK).map((r) => r.uid))).length;
      }
    }

    await store.commits.run(() => {
      db.prepare(
        `UPDATE mailboxes SET
           message_count = (SELECT COUNT(*) FROM messages WHERE mailbox_id = @id),
           total_size = (SELECT COALESCE(SUM(size), 0) FROM messages WHERE mailbox_id = @id)
         WHERE id = @id`,
      ).run({ id: box.id });
    });
    return report;
  } finally {
    watch.stop();
  }
}

/** "2 added, 1 missing (kept), 0 resized": a report in one line, for the CLI, the API and the jobs log. */
export function describeReconstruct(r: ReconstructReport): string {
  const parts = [`${r.added} added`, `${r.missing} missing${r.missing ? (r.expunged ? ` (${r.expunged} expunged)` : ' (kept)') : ''}`, `${r.resized} resized`];
  if (r.staleTemp) parts.push(`${r.staleTemp} half-written temporary file(s) removed`);
  return parts.join(', ');
}
