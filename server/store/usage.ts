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
