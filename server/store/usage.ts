import fsp from 'node:fs/promises';
import type { Db } from '../db/database';

export interface LocationUsage {
  /** "default" (<data>/store) or the name of a store location. */
  location: string;
  bytes: number;
  messages: number;
}

export interface FileSystemRoom {
  sizeBytes: number;
  freeBytes: number;
}

/**
 * Bytes and messages stored per store location, from the mailboxes' running totals (the same
 * figures quotas use: no file is read). Locations without mail are absent.
 */
export function usageByLocation(db: Db): LocationUsage[] {
  return db
    .prepare(
      `SELECT u.store_location AS location, COALESCE(SUM(m.total_size), 0) AS bytes, COALESCE(SUM(m.message_count), 0) AS messages
       FROM mailboxes m JOIN users u ON u.id = m.user_id GROUP BY u.store_location ORDER BY u.store_location`,
    )
    .all() as LocationUsage[];
}

/** Size and free space (for unprivileged writers, as the disk reserve counts it) of the file system holding `dir`. */
export async function fileSystemRoom(dir: string): Promise<FileSystemRoom> {
  const s = await fsp.statfs(dir);
  return { sizeBytes: s.blocks * s.bsize, freeBytes: s.bavail * s.bsize };
}

export interface MailboxUsage {
  userId: number;
  shortName: string;
  mailbox: string;
  bytes: number;
  messages: number;
}

/** The largest mailboxes of the whole server (public folders included, owned by "#public"), biggest first. */
export function biggestMailboxes(db: Db, limit: number): MailboxUsage[] {
  return db
    .prepare(
      `SELECT m.user_id AS userId, u.short_name AS shortName, m.name AS mailbox, m.total_size AS bytes, m.message_count AS messages
       FROM mailboxes m JOIN users u ON u.id = m.user_id ORDER BY m.total_size DESC, m.id LIMIT ?`,
    )
    .all(limit) as MailboxUsage[];
}

export interface StoreLocationReport extends FileSystemRoom {
  name: string;
  path: string;
  /** Bytes of mail stored there (the mailboxes' totals). */
  bytes: number;
  messages: number;
  /** Users whose mail is kept there. */
  users: number;
}

/**
 * Every store location ("default" first) with the mail it holds and the room on its file
 * system; a location whose file system cannot be measured (a missing mount) shows 0 room.
 */
export async function storeLocationReport(db: Db, locations: { name: string; path: string }[]): Promise<StoreLocationReport[]> {
  const usage = new Map(usageByLocation(db).map((u) => [u.location, u]));
  const users = new Map(
    (db.prepare("SELECT store_location AS location, COUNT(*) AS n FROM users WHERE short_name NOT LIKE '#%' GROUP BY store_location").all() as { location: string; n: number }[]).map(
      (r) => [r.location, r.n],
    ),
  );
  return Promise.all(
    locations.map(async (l) => {
      const room = await fileSystemRoom(l.path).catch(() => ({ sizeBytes: 0, freeBytes: 0 }));
      const u = usage.get(l.name);
      return { name: l.name, path: l.path, bytes: u?.bytes ?? 0, messages: u?.messages ?? 0, users: users.get(l.name) ?? 0, ...room };
    }),
  );
}
