import crypto from 'node:crypto';
import pg from 'pg';
import { type QueueFilter, queueFilterSql } from '../queue/queue-search';
import type { Deferral, NewQueueRow, QueueRecipientRow, QueueRow, QueueStore, RecipientChange } from '../queue/queue-store';
import { QUEUE_SCHEMA } from './schema';

/** The database's clock in ms: leases are compared on one clock, not on each engine's. */
const DB_NOW = `(extract(epoch from clock_timestamp()) * 1000)::bigint`;
/** An entry is free to claim: no lease, or one that ran out. */
const UNLEASED = `(lease_until IS NULL OR lease_until < ${DB_NOW})`;
const BIGINT = 20;

export interface PostgresQueueOptions {
  /** pg connection settings (host, port, user, database…). */
  connection: pg.PoolConfig;
  /** This engine's name in the leases it takes (default: a random one per process). */
  owner?: string;
  /** How long a claim lasts without being settled; longer than any attempt (default 10 minutes). */
  leaseMs?: number;
}

/**
 * The queue's tables in PostgreSQL, shared by several engines. An engine claims due entries
 * with `SELECT … FOR UPDATE SKIP LOCKED` and stamps its lease on them in the same statement, so
 * two engines never attempt one entry at once; settling the attempt lets the lease go, and an
 * engine that dies mid-attempt holds its entries only until the lease runs out (the next
 * attempt may send again what it had sent, as after a crash of one engine on SQLite).
 */
export class PostgresQueueStore implements QueueStore {
  readonly backend = 'postgresql';
  readonly owner: string;
  private readonly leaseMs: number;
  private readonly pool: pg.Pool;

  constructor(options: PostgresQueueOptions) {
    this.owner = options.owner ?? `engine-${crypto.randomBytes(6).toString('hex')}`;
    this.leaseMs = options.leaseMs ?? 600_000;
    // bigint columns (ms timestamps, sizes) as numbers: they stay far below 2^53.
    const types = { getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === BIGINT ? Number : pg.types.getTypeParser(oid, format)) };
    this.pool = new pg.Pool({ ...options.connection, types: types as pg.CustomTypesConfig });
  }

  /** Creates the tables when missing; engines starting together take turns (an advisory lock). */
  async migrate(): Promise<void> {
    await this.transaction(async (c) => {
      await c.query(`SELECT pg_advisory_xact_lock(hashtext('pillarbox queue schema'))`);
      await c.query(QUEUE_SCHEMA);
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  async insert(rows: NewQueueRow[], onCommitted?: () => void): Promise<void> {
    await this.transaction(async (c) => {
      for (const r of rows) {
        await c.query(
          `INSERT INTO queue (id, created_at, sender, size, path, local_prefix, client, authenticated_user, state, next_attempt, sign_dkim, dkim_domain)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active', $2, $9, $10)`,
          [r.id, r.createdAt, r.sender, r.size, r.file, r.localPrefix, r.client, r.authenticatedUser, r.signDkim ? 1 : 0, r.dkimDomain],
        );
        // In the order given; a repeated address is kept once, its first (as SQLite's INSERT OR IGNORE).
        await c.query(
          `INSERT INTO queue_recipients (queue_id, address, original)
           SELECT $1, a, o FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS t(a, o, n) ORDER BY n ON CONFLICT DO NOTHING`,
          [r.id, r.recipients.map((x) => x.address), r.recipients.map((x) => x.original)],
        );
        if (r.once) await c.query('INSERT INTO queue_generated (parent_id, key, child_id) VALUES ($1, $2, $3)', [r.once.parentId, r.once.key, r.id]);
      }
    });
    // COMMIT returned: on disk (synchronous_commit) and seen by every engine.
    onCommitted?.();
  }

  async has(id: string): Promise<boolean> {
    return (await this.pool.query('SELECT 1 FROM queue WHERE id = $1', [id])).rowCount === 1;
  }

  async claimDue(limit: number, now: number, exclude: string[]): Promise<QueueRow[]> {
    const { rows } = await this.pool.query<QueueRow>(
      `UPDATE queue SET lease_owner = $1, lease_until = ${DB_NOW} + $2
       WHERE id IN (
         SELECT id FROM queue
         WHERE state <> 'held' AND next_attempt <= $3 AND ${UNLEASED} AND NOT (id = ANY($4::text[]))
         ORDER BY next_attempt LIMIT $5
         FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [this.owner, this.leaseMs, now, exclude, limit],
    );
    return rows.sort((a, b) => a.next_attempt - b.next_attempt);
  }

  async claim(id: string): Promise<boolean> {
    // A second engine's UPDATE waits for the first's row lock, then sees its lease and skips.
    const { rowCount } = await this.pool.query(
      `UPDATE queue SET lease_owner = $1, lease_until = ${DB_NOW} + $2
       WHERE id = $3 AND state <> 'held' AND (lease_owner = $1 OR ${UNLEASED})`,
      [this.owner, this.leaseMs, id],
    );
    return rowCount === 1;
  }

  async nextAttemptAfter(now: number): Promise<number | undefined> {
    const { rows } = await this.pool.query<{ t: number | null }>(`SELECT MIN(next_attempt) AS t FROM queue WHERE state <> 'held' AND next_attempt > $1`, [now]);
    return rows[0].t ?? undefined;
  }

  async dueCount(now: number): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(`SELECT COUNT(*)::integer AS n FROM queue WHERE state <> 'held' AND next_attempt <= $1`, [now]);
    return rows[0].n;
  }

  async recipients(id: string, page?: { after: string; limit: number }): Promise<QueueRecipientRow[]> {
    const columns = 'SELECT address, original, status, diagnostic FROM queue_recipients WHERE queue_id = $1';
    const { rows } = page
      ? await this.pool.query<QueueRecipientRow>(`${columns} AND address > $2 ORDER BY address LIMIT $3`, [id, page.after, page.limit])
      : await this.pool.query<QueueRecipientRow>(`${columns} ORDER BY seq`, [id]);
    return rows;
  }

  async recipientCount(id: string, upTo: number): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>('SELECT COUNT(*)::integer AS n FROM (SELECT 1 FROM queue_recipients WHERE queue_id = $1 LIMIT $2) AS r', [id, upTo]);
    return rows[0].n;
  }

  async setRecipients(id: string, change: RecipientChange): Promise<void> {
    await this.pool.query(...setRecipientsQuery(id, change));
  }

  async dropRecipients(id: string, limit: number): Promise<void> {
    await this.pool.query('DELETE FROM queue_recipients WHERE ctid IN (SELECT ctid FROM queue_recipients WHERE queue_id = $1 LIMIT $2)', [id, limit]);
  }

  async finish(id: string): Promise<void> {
    await this.pool.query('DELETE FROM queue WHERE id = $1', [id]);
  }

  async settle(id: string, last: RecipientChange | undefined, deferral: Deferral | undefined): Promise<void> {
    await this.transaction(async (c) => {
      if (last) await c.query(...setRecipientsQuery(id, last));
      if (!deferral) return void (await c.query('UPDATE queue SET lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_owner = $2', [id, this.owner]));
      await c.query(
        `UPDATE queue SET state = CASE WHEN state = 'held' THEN 'held' ELSE 'deferred' END, attempts = $2, next_attempt = $3, last_error = $4,
           delay_warned = CASE WHEN $5 THEN 1 ELSE delay_warned END, lease_owner = NULL, lease_until = NULL
         WHERE id = $1`,
        [id, deferral.attempts, deferral.nextAttempt, deferral.lastError, deferral.delayWarned],
      );
    });
  }

  async postpone(id: string, nextAttempt: number, lastError: string): Promise<void> {
    await this.pool.query('UPDATE queue SET next_attempt = $2, last_error = $3, lease_owner = NULL, lease_until = NULL WHERE id = $1', [id, nextAttempt, lastError]);
  }

  async paths(): Promise<string[]> {
    return (await this.pool.query<{ path: string }>('SELECT path FROM queue')).rows.map((r) => r.path);
  }

  async removeUnfinished(): Promise<number> {
    return (await this.pool.query('DELETE FROM queue WHERE building = 1')).rowCount ?? 0;
  }

  async get(id: string): Promise<QueueRow | undefined> {
    return (await this.pool.query<QueueRow>('SELECT * FROM queue WHERE id = $1', [id])).rows[0];
  }

  async page(filter: QueueFilter, after: string | undefined, limit: number): Promise<{ rows: QueueRow[]; total: number }> {
    const { where, params } = queueFilterSql(filter);
    // The same clause as SQLite's, in PostgreSQL's dialect: numbered parameters, and ILIKE
    // (SQLite's LIKE ignores ASCII case; PostgreSQL's does not).
    let n = 0;
    const pgWhere = where.replaceAll('?', () => `$${++n}`).replaceAll(' LIKE ', ' ILIKE ');
    const total = (await this.pool.query<{ n: number }>(`SELECT COUNT(*)::integer AS n FROM queue q WHERE ${pgWhere}`, params)).rows[0].n;
    const { rows } = await this.pool.query<QueueRow>(`SELECT q.* FROM queue q WHERE ${pgWhere} AND q.id > $${n + 1} ORDER BY q.id LIMIT $${n + 2}`, [...params, after ?? '', limit]);
    return { rows, total };
  }

  async counts(): Promise<{ active: number; deferred: number; held: number }> {
    const { rows } = await this.pool.query<{ state: string; n: number }>('SELECT state, COUNT(*)::integer AS n FROM queue WHERE building = 0 GROUP BY state');
    const out = { active: 0, deferred: 0, held: 0 };
    for (const r of rows) out[r.state as keyof typeof out] = r.n;
    return out;
  }

  async oldestWaiting(): Promise<number | undefined> {
    const { rows } = await this.pool.query<{ t: number | null }>(`SELECT MIN(created_at) AS t FROM queue WHERE state <> 'held'`);
    return rows[0].t ?? undefined;
  }

  async hold(id: string): Promise<boolean> {
    return (await this.pool.query(`UPDATE queue SET state = 'held' WHERE id = $1`, [id])).rowCount === 1;
  }

  async release(id: string, now: number): Promise<boolean> {
    return (await this.pool.query(`UPDATE queue SET state = 'active', next_attempt = $2 WHERE id = $1 AND state = 'held' AND building = 0`, [id, now])).rowCount === 1;
  }

  async retry(id: string, now: number): Promise<boolean> {
    return (await this.pool.query(`UPDATE queue SET state = 'active', next_attempt = $2 WHERE id = $1 AND state <> 'held'`, [id, now])).rowCount === 1;
  }

  async remove(id: string): Promise<string | undefined> {
    return (await this.pool.query<{ path: string }>('DELETE FROM queue WHERE id = $1 RETURNING path', [id])).rows[0]?.path;
  }

  async generatedBefore(parentId: string, key: string): Promise<string | undefined> {
    return (await this.pool.query<{ child_id: string }>('SELECT child_id FROM queue_generated WHERE parent_id = $1 AND key = $2', [parentId, key])).rows[0]?.child_id;
  }

  private async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const value = await fn(client);
      await client.query('COMMIT');
      return value;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}

function setRecipientsQuery(id: string, change: RecipientChange): [string, unknown[]] {
  return ['UPDATE queue_recipients SET status = $1, diagnostic = $2 WHERE queue_id = $3 AND address = ANY($4::text[])', [change.status, change.diagnostic, id, change.addresses]];
}
