/**
 * The queue's tables in PostgreSQL: the SQLite columns (server/db/migrations.ts) with the lease
 * that lets several engines share them. Times are milliseconds since the epoch (bigint), as in
 * SQLite. The database is made with the C collation (tests/helpers/postgres.ts), so recipient
 * pages in address order match SQLite's byte order.
 */
export const QUEUE_SCHEMA = `
CREATE TABLE IF NOT EXISTS queue (
  id text PRIMARY KEY,
  created_at bigint NOT NULL,
  sender text NOT NULL,
  size bigint NOT NULL,
  path text NOT NULL,
  local_prefix integer NOT NULL DEFAULT 0,
  client text NOT NULL DEFAULT '',
  authenticated_user text,
  state text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'deferred', 'held')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt bigint NOT NULL,
  last_error text,
  delay_warned integer NOT NULL DEFAULT 0,
  sign_dkim integer NOT NULL DEFAULT 0,
  dkim_domain text,
  building integer NOT NULL DEFAULT 0,
  -- The engine attempting the entry, until when (the database's clock, ms): another engine
  -- takes it only after that, so one that dies mid-delivery holds it no longer than its lease.
  lease_owner text,
  lease_until bigint
);
CREATE INDEX IF NOT EXISTS queue_due ON queue (next_attempt) WHERE state <> 'held';
CREATE TABLE IF NOT EXISTS queue_recipients (
  queue_id text NOT NULL REFERENCES queue(id) ON DELETE CASCADE,
  -- insertion order (SQLite's rowid): an entry's recipients are attempted in the order given
  seq bigserial NOT NULL,
  address text NOT NULL,
  original text NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  diagnostic text,
  PRIMARY KEY (queue_id, address)
);
CREATE TABLE IF NOT EXISTS queue_generated (
  parent_id text NOT NULL REFERENCES queue(id) ON DELETE CASCADE,
  key text NOT NULL,
  child_id text NOT NULL,
  PRIMARY KEY (parent_id, key)
);
`;
