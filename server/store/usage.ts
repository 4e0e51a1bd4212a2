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
 * Bytes and messages stored per store location, and the users (not "#public") kept there, from
 * the users' running totals that the mailbox triggers keep (migration 18; the same figures quotas
 * use): one pass over the users, not a join of every mailbox, as a dashboard asks for it often.
 * Locations without a user are absent.
 */
export function usageByLocation(db: Db): (LocationUsage & { users: number })[] {
  return db
    .prepare(
      `SELECT store_location AS location, SUM(used_bytes) AS bytes, SUM(used_messages) AS messages, SUM(short_name NOT LIKE '#%') AS users
       FROM users GROUP BY store_location ORDER BY store_location`,
    )
    .all() as (LocationUsage & { users: number })[];
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
  return Promise.all(
    locations.map(async (l) => {
      const room = await fileSystemRoom(l.path).catch(() => ({ sizeBytes: 0, freeBytes: 0 }));
      const u = usage.get(l.name);
      return { name: l.name, path: l.path, bytes: u?.bytes ?? 0, messages: u?.messages ?? 0, users: u?.users ?? 0, ...room };
    }),
  );
}
