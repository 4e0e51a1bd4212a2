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

/**
 * How long a look at a file system's room is reused. Dashboards ask with every poll (the console's
 * overview twice per answer), and free space a second old tells an administrator as much; the
 * disk reserve, which must see space the moment it goes, looks for itself (db/disk-reserve.ts).
 */
const ROOM_FRESH_MS = 1000;
const ROOMS_KEPT = 64;
const rooms = new Map<string, { at: number; room: Promise<FileSystemRoom> }>();

/** Size and free space (for unprivileged writers, as the disk reserve counts it) of the file system holding `dir`, at most ROOM_FRESH_MS old. */
export async function fileSystemRoom(dir: string): Promise<FileSystemRoom> {
  const now = Date.now();
  let looked = rooms.get(dir);
  if (!looked || now - looked.at >= ROOM_FRESH_MS || now < looked.at) {
    const room = fsp.statfs(dir).then((s) => ({ sizeBytes: s.blocks * s.bsize, freeBytes: s.bavail * s.bsize }));
    looked = { at: now, room };
    rooms.delete(dir);
    rooms.set(dir, looked);
    if (rooms.size > ROOMS_KEPT) rooms.delete(rooms.keys().next().value as string);
    // A failure (a store location not mounted) is not remembered: the next ask looks again.
    room.catch(() => rooms.get(dir) === looked && rooms.delete(dir));
  }
  return { ...(await looked.room) };
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
