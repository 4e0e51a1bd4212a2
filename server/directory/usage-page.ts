import type { Db } from '../db/database';
import { containsPattern } from '../db/like';
import { PUBLIC_OWNER } from '../store/types';
import { DirectoryError } from './types';

/** USAGE: most bytes first; PERCENT: fullest quota first, unlimited last; NAME: A to Z. */
export type UsageOrder = 'usage' | 'percent' | 'name';

export interface UsagePageQuery {
  order: UsageOrder;
  /** The whole order turned round (ties included). */
  reverse: boolean;
  /** Only users whose short name, additional name or full name contains this (ASCII letters in any case). */
  search?: string;
  /** The key of the last row of the previous page. */
  after?: string;
  limit: number;
}

export interface UsagePageRow {
  /** Orders the row in its order: a page goes on after a key, not a position. */
  key: string;
  userId: number;
  quotaMb: number;
  usedBytes: number;
  usedMessages: number;
}

/**
 * The order's SQL: its first column, then the short name breaking ties. Each order reads an index
 * (users_by_usage, users_by_percent, the short name's unique one) forwards or backwards, so a
 * page costs its own rows, not a sort of every user.
 */
const ORDERS: Record<UsageOrder, { column: string | undefined; descending: boolean }> = {
  usage: { column: 'used_bytes', descending: true },
  percent: { column: 'used_ppm', descending: true },
  name: { column: undefined, descending: false },
};

/**
 * A page of users with their storage, from the running totals the mailbox triggers keep
 * (migration 18), sorted, searched and cut in SQL.
 */
export function usagePage(db: Db, q: UsagePageQuery): { rows: UsagePageRow[]; total: number; more: boolean } {
  const where = ['short_name <> ?'];
  const params: (string | number)[] = [PUBLIC_OWNER];
  const needle = q.search?.trim();
  if (needle) {
    where.push(`(short_name LIKE ?1 ESCAPE '\\' OR full_name LIKE ?1 ESCAPE '\\' OR EXISTS (SELECT 1 FROM user_names n WHERE n.user_id = users.id AND n.name LIKE ?1 ESCAPE '\\'))`.replaceAll('?1', '?'));
    const like = containsPattern(needle);
    params.push(like, like, like);
  }
  const total = (db.prepare(`SELECT COUNT(*) AS n FROM users WHERE ${where.join(' AND ')}`).get(...params) as { n: number }).n;

  const { column, descending } = ORDERS[q.order];
  const down = descending !== q.reverse;
  const dir = (d: boolean) => (d ? 'DESC' : 'ASC');
  // Ties go A to Z in an order's own direction, so reversing turns them round too.
  const nameDown = q.reverse;
  if (q.after !== undefined) {
    const after = parseKey(q.after, column !== undefined);
    if (column) {
      // A range on the first column (the index's), then the tie group filtered by name.
      where.push(`${column} ${down ? '<=' : '>='} ? AND NOT (${column} = ? AND short_name ${nameDown ? '>=' : '<='} ?)`);
      params.push(after.value, after.value, after.name);
    } else {
      where.push(`short_name ${nameDown ? '<' : '>'} ?`);
      params.push(after.name);
    }
  }
  const orderBy = column ? `${column} ${dir(down)}, short_name ${dir(nameDown)}` : `short_name ${dir(nameDown)}`;
  const rows = db
    .prepare(
      `SELECT id AS userId, short_name AS shortName, quota_mb AS quotaMb, used_bytes AS usedBytes, used_messages AS usedMessages, used_ppm AS ppm
       FROM users WHERE ${where.join(' AND ')} ORDER BY ${orderBy} LIMIT ?`,
    )
    .all(...params, q.limit + 1) as (Omit<UsagePageRow, 'key'> & { shortName: string; ppm: number })[];
  const page = rows.slice(0, q.limit).map(({ shortName, ppm, ...r }) => ({
    ...r,
    key: column ? `${column === 'used_bytes' ? r.usedBytes : ppm}:${shortName}` : shortName,
  }));
  return { rows: page, total, more: rows.length > q.limit };
}

/** A row key back into its parts; a key of another order is refused. */
function parseKey(key: string, valued: boolean): { value: number; name: string } {
  if (!valued) return { value: 0, name: key };
  const colon = key.indexOf(':');
  const value = Number(key.slice(0, colon));
  if (colon < 1 || !Number.isSafeInteger(value)) throw new DirectoryError('INVALID_CURSOR', 'the cursor is not from this order of the list', 'after');
  return { value, name: key.slice(colon + 1) };
}
