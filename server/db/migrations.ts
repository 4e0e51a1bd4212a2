export interface Migration {
  version: number;
  sql: string;
}

/** Append-only: never edit a migration that has shipped; add a new one. */
export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    sql: `
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE admins (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE COLLATE NOCASE,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'monitor')),
  created_at TEXT NOT NULL
);

CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  admin_id INTEGER NOT NULL REFERENCES admins(id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
);

CREATE TABLE domains (
  name TEXT PRIMARY KEY COLLATE NOCASE,
  kind TEXT NOT NULL CHECK (kind IN ('local', 'virtual-domain', 'virtual-host')),
  created_at TEXT NOT NULL
);

CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  short_name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  full_name TEXT NOT NULL DEFAULT '',
  password_hash TEXT NOT NULL,
  password_secret TEXT,
  mail_enabled INTEGER NOT NULL DEFAULT 1,
  forward_to TEXT NOT NULL DEFAULT '[]',
  quota_mb INTEGER NOT NULL DEFAULT 0,
  protocols TEXT NOT NULL DEFAULT 'both' CHECK (protocols IN ('pop', 'imap', 'both')),
  store_location TEXT NOT NULL DEFAULT 'default',
  groups TEXT NOT NULL DEFAULT '[]',
  quota_warned_at TEXT,
  created_at TEXT NOT NULL
);

-- Mac OS X-style additional short names; a name with @ binds a full address (virtual hosts).
CREATE TABLE user_names (
  name TEXT PRIMARY KEY COLLATE NOCASE,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE
);

-- Postfix-style alias table: alias (local part or full address) -> targets (JSON array).
CREATE TABLE aliases (
  alias TEXT PRIMARY KEY COLLATE NOCASE,
  targets TEXT NOT NULL,
  system INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL
);

CREATE TABLE mailboxes (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  uidvalidity INTEGER NOT NULL,
  uidnext INTEGER NOT NULL DEFAULT 1,
  highest_modseq INTEGER NOT NULL DEFAULT 1,
  subscribed INTEGER NOT NULL DEFAULT 1,
  special_use TEXT,
  first_recent_uid INTEGER NOT NULL DEFAULT 1,
  message_count INTEGER NOT NULL DEFAULT 0,
  total_size INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  UNIQUE (user_id, name)
);

CREATE TABLE messages (
  id INTEGER PRIMARY KEY,
  mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
  uid INTEGER NOT NULL,
  modseq INTEGER NOT NULL,
  flags TEXT NOT NULL DEFAULT '',
  internal_date INTEGER NOT NULL,
  size INTEGER NOT NULL,
  path TEXT NOT NULL,
  summary TEXT,
  UNIQUE (mailbox_id, uid)
);
CREATE INDEX messages_modseq ON messages(mailbox_id, modseq);

CREATE TABLE expunged (
  mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
  uid INTEGER NOT NULL,
  modseq INTEGER NOT NULL,
  PRIMARY KEY (mailbox_id, uid)
);

CREATE TABLE queue (
  id TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL,
  sender TEXT NOT NULL,
  size INTEGER NOT NULL,
  path TEXT NOT NULL,
  -- bytes at the start of the spool file that only local delivery keeps (Return-Path)
  local_prefix INTEGER NOT NULL DEFAULT 0,
  client TEXT NOT NULL DEFAULT '',
  authenticated_user TEXT,
  state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'deferred', 'held')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt INTEGER NOT NULL,
  last_error TEXT
);

CREATE TABLE queue_recipients (
  queue_id TEXT NOT NULL REFERENCES queue(id) ON DELETE CASCADE,
  address TEXT NOT NULL,
  original TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  diagnostic TEXT,
  PRIMARY KEY (queue_id, address)
);
CREATE INDEX queue_next_attempt ON queue(state, next_attempt);
`,
  },
  {
    version: 2,
    sql: `
-- set once the sender has been sent a delay notice (RFC 3464 Action: delayed)
ALTER TABLE queue ADD COLUMN delay_warned INTEGER NOT NULL DEFAULT 0;
`,
  },
  {
    version: 3,
    sql: `
-- Sieve scripts per user (ManageSieve, GraphQL); at most one active per user.
CREATE TABLE sieve_scripts (
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  content TEXT NOT NULL,
  active INTEGER NOT NULL DEFAULT 0,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (user_id, name)
);
CREATE UNIQUE INDEX sieve_scripts_one_active ON sieve_scripts(user_id) WHERE active = 1;

-- Scripts every user may include with :global (RFC 6609).
CREATE TABLE sieve_global_scripts (
  name TEXT PRIMARY KEY,
  content TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

-- Vacation replies sent: who was answered for which :handle, and when (unix ms).
CREATE TABLE sieve_vacation (
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  handle TEXT NOT NULL,
  sender TEXT NOT NULL,
  replied_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, handle, sender)
);
`,
  },
  {
    version: 4,
    sql: `
-- Mail the server made while delivering a queued message (Sieve redirects and vacation
-- replies, screening notices), by a key naming what was made: a retried delivery finds
-- the row and does not make it again. Rows go when the parent message leaves the queue.
CREATE TABLE queue_generated (
  parent_id TEXT NOT NULL REFERENCES queue(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  child_id TEXT NOT NULL,
  PRIMARY KEY (parent_id, key)
);
`,
  },
  {
    version: 5,
    sql: `
-- Scheduler: one row per run of a job (server/jobs/).
CREATE TABLE job_runs (
  id INTEGER PRIMARY KEY,
  job TEXT NOT NULL,
  trigger TEXT NOT NULL CHECK (trigger IN ('schedule', 'manual')),
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  outcome TEXT NOT NULL CHECK (outcome IN ('running', 'ok', 'failed')),
  output TEXT NOT NULL DEFAULT ''
);
CREATE INDEX job_runs_by_job ON job_runs(job, started_at);

-- Virus quarantine: infected messages kept in <data-dir>/quarantine (server/virus/).
CREATE TABLE quarantine (
  id TEXT PRIMARY KEY,
  quarantined_at INTEGER NOT NULL,
  sender TEXT NOT NULL,
  -- JSON [{address, original}]: the local recipients it was meant for
  recipients TEXT NOT NULL,
  virus TEXT NOT NULL,
  subject TEXT NOT NULL DEFAULT '',
  size INTEGER NOT NULL,
  path TEXT NOT NULL,
  client TEXT NOT NULL DEFAULT ''
);

-- Queued messages released from quarantine: the virus stage lets them through once.
CREATE TABLE virus_scan_exempt (
  queue_id TEXT PRIMARY KEY
);
`,
  },
  {
    version: 6,
    sql: `
-- mail from a trusted origin (authenticated, approved relay host, the server itself): DKIM-signed when it leaves
ALTER TABLE queue ADD COLUMN sign_dkim INTEGER NOT NULL DEFAULT 0;

-- DKIM keys per domain; the private key is a file under <data>/secrets/dkim (0600).
CREATE TABLE dkim_keys (
  domain TEXT NOT NULL,
  selector TEXT NOT NULL,
  algorithm TEXT NOT NULL CHECK (algorithm IN ('rsa', 'ed25519')),
  -- base64 of the DER public key, the p= of the DNS record
  public_key TEXT NOT NULL,
  key_file TEXT NOT NULL,
  created_at TEXT NOT NULL,
  -- 1: signs now; 0: retired by a rotation, its record may still be needed for mail in transit
  active INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (domain, selector, algorithm)
);
`,
  },
  {
    version: 7,
    sql: `
-- IMAP subscriptions by name (RFC 3501 6.3.6: a name may be subscribed whether or not a
-- mailbox of that name exists, and stays subscribed when the mailbox is deleted).
CREATE TABLE mailbox_subscriptions (
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  PRIMARY KEY (user_id, name)
);
INSERT INTO mailbox_subscriptions (user_id, name) SELECT user_id, name FROM mailboxes WHERE subscribed = 1;
ALTER TABLE mailboxes DROP COLUMN subscribed;

-- URLAUTH (RFC 4467) keys, per user and mailbox name; RESETKEY replaces them.
CREATE TABLE urlauth_keys (
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  mailbox TEXT NOT NULL,
  key BLOB NOT NULL,
  PRIMARY KEY (user_id, mailbox)
);
`,
  },
  {
    version: 8,
    sql: `
-- IMAP ACLs (RFC 4314): rights an identifier (a user's short name, or "anyone") has on
-- another user's mailbox. The owner always has every right and has no row here.
CREATE TABLE mailbox_acl (
  mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
  identifier TEXT NOT NULL,
  rights TEXT NOT NULL,
  PRIMARY KEY (mailbox_id, identifier)
);
CREATE INDEX mailbox_acl_identifier ON mailbox_acl (identifier);
`,
  },
  {
    version: 9,
    sql: `
-- Public (shared) folders belong to no person: their mailboxes are stored under this one
-- reserved row, which the directory never shows. "#" cannot start a short name, so no user
-- can be created, or log in, as it; its password hash matches no password.
INSERT INTO users (short_name, full_name, password_hash, mail_enabled, protocols, created_at)
  VALUES ('#public', 'Public folders', '!', 0, 'imap', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

-- \\Seen in public folders is kept per user (as Cyrus does), one row per user and message
-- seen; the flags column of a public folder's messages never holds \\Seen.
CREATE TABLE public_seen (
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  PRIMARY KEY (user_id, message_id)
);
CREATE INDEX public_seen_message ON public_seen (message_id);
`,
  },
  {
    version: 10,
    sql: `
-- Message counters per minute (server/metrics/message-counters.ts): minute = ms since the
-- epoch / 60000; label is the reason for "rejected", the action for "virus", else ''.
-- Only minutes with something to count have rows; after a day minutes are rolled up into
-- the row of their hour's first minute; rows older than 30 days are pruned.
CREATE TABLE message_counts (
  minute INTEGER NOT NULL,
  counter TEXT NOT NULL,
  label TEXT NOT NULL DEFAULT '',
  value INTEGER NOT NULL,
  PRIMARY KEY (minute, counter, label)
) WITHOUT ROWID;
`,
  },
  {
    version: 11,
    sql: `
-- Runs started by a job's retry with back-off (server/jobs/scheduler.ts) are recorded as such.
CREATE TABLE job_runs_new (
  id INTEGER PRIMARY KEY,
  job TEXT NOT NULL,
  trigger TEXT NOT NULL CHECK (trigger IN ('schedule', 'manual', 'retry')),
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  outcome TEXT NOT NULL CHECK (outcome IN ('running', 'ok', 'failed')),
  output TEXT NOT NULL DEFAULT ''
);
INSERT INTO job_runs_new SELECT id, job, trigger, started_at, finished_at, outcome, output FROM job_runs;
DROP TABLE job_runs;
ALTER TABLE job_runs_new RENAME TO job_runs;
CREATE INDEX job_runs_by_job ON job_runs(job, started_at);
`,
  },
  {
    version: 12,
    sql: `
-- Migration from other servers (issue 13). Per user and source ("imap://name@host:port",
-- "maildir:/path", "mbox:/path"), per source folder: the UIDVALIDITY and the last UID copied
-- (IMAP), and a key for every message copied (IMAP: Message-ID, internal date and size;
-- Maildir: the unique file name; mbox: a hash of the message), so that a second run copies
-- nothing and a run that stopped resumes where it stopped.
CREATE TABLE migration_folders (
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  source TEXT NOT NULL,
  folder TEXT NOT NULL,
  uidvalidity INTEGER NOT NULL DEFAULT 0,
  last_uid INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id, source, folder)
);
CREATE TABLE migration_messages (
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  source TEXT NOT NULL,
  folder TEXT NOT NULL,
  key TEXT NOT NULL,
  PRIMARY KEY (user_id, source, folder, key)
) WITHOUT ROWID;

-- Each migration run, with its progress per folder (JSON) once it has ended. Never a password.
CREATE TABLE migration_runs (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
  source TEXT NOT NULL,
  state TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  error TEXT,
  progress TEXT NOT NULL DEFAULT '[]'
);
`,
  },
  {
    version: 13,
    sql: `
-- Mailing lists (issue 11, server/lists/). A list is a name on one of the server's domains; its
-- settings are columns (each a list setting of docs/lists.md). unsubscribe_key signs the
-- members' one-click unsubscribe links (RFC 8058) so that no token needs to be stored.
CREATE TABLE lists (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL COLLATE NOCASE,
  domain TEXT NOT NULL COLLATE NOCASE,
  description TEXT NOT NULL DEFAULT '',
  info TEXT NOT NULL DEFAULT '',
  owners TEXT NOT NULL DEFAULT '[]',
  language TEXT NOT NULL DEFAULT 'en',
  self_subscribe INTEGER NOT NULL DEFAULT 0,
  subscription_approval INTEGER NOT NULL DEFAULT 0,
  subject_prefix TEXT NOT NULL DEFAULT '',
  reply_to TEXT NOT NULL DEFAULT 'poster' CHECK (reply_to IN ('poster', 'list')),
  max_message_kb INTEGER NOT NULL DEFAULT 40,
  non_member_action TEXT NOT NULL DEFAULT 'hold' CHECK (non_member_action IN ('accept', 'hold', 'reject', 'discard')),
  confirm_days INTEGER NOT NULL DEFAULT 3,
  roster TEXT NOT NULL DEFAULT 'members' CHECK (roster IN ('public', 'members', 'owners')),
  personalize INTEGER NOT NULL DEFAULT 0,
  welcome_text TEXT NOT NULL DEFAULT '',
  goodbye_text TEXT NOT NULL DEFAULT '',
  unsubscribe_key BLOB NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE (name, domain)
);

-- address: lower case, for lookups; display_address: as it was given.
CREATE TABLE list_members (
  id INTEGER PRIMARY KEY,
  list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
  address TEXT NOT NULL,
  display_address TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  delivery TEXT NOT NULL DEFAULT 'enabled' CHECK (delivery IN ('enabled', 'by-member', 'by-owner', 'by-bounces')),
  delivery_reason TEXT NOT NULL DEFAULT '',
  digest TEXT NOT NULL DEFAULT 'off' CHECK (digest IN ('off', 'mime', 'plain')),
  hidden INTEGER NOT NULL DEFAULT 0,
  options TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL,
  UNIQUE (list_id, address)
);

-- Requests waiting for the address's confirmation (token kept as its SHA-256 only) or for the
-- owner's approval (no token). A used confirmation stays, marked, so a replay gets its own answer.
CREATE TABLE list_pending (
  id INTEGER PRIMARY KEY,
  list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('subscribe', 'unsubscribe', 'approval')),
  token_hash TEXT UNIQUE,
  address TEXT NOT NULL,
  display_address TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  digest TEXT NOT NULL DEFAULT 'off',
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER
);
CREATE INDEX list_pending_by_list ON list_pending(list_id, kind);

-- Posts held for a moderator (non-members under the "hold" action), the message itself kept.
CREATE TABLE list_held_posts (
  id INTEGER PRIMARY KEY,
  list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
  sender TEXT NOT NULL,
  -- the client that sent it ("host [address]"), so the approved copy is screened as the post was
  client TEXT NOT NULL,
  from_address TEXT NOT NULL,
  subject TEXT NOT NULL,
  reason TEXT NOT NULL,
  size INTEGER NOT NULL,
  message BLOB NOT NULL,
  received_at INTEGER NOT NULL
);

-- The domain whose DKIM key signs a message when it is not the From domain (list posts: the list's).
ALTER TABLE queue ADD COLUMN dkim_domain TEXT;
`,
  },
  {
    version: 14,
    sql: `
-- Bounce processing of mailing lists (Mailman 2.1's rules, docs/lists.md): the list's
-- parameters, and each member's score, the day of its last counted bounce, and the warnings
-- still to send after delivery was disabled by bounces.
ALTER TABLE lists ADD COLUMN bounce_processing INTEGER NOT NULL DEFAULT 1;
ALTER TABLE lists ADD COLUMN bounce_score_threshold REAL NOT NULL DEFAULT 5.0;
ALTER TABLE lists ADD COLUMN bounce_stale_days INTEGER NOT NULL DEFAULT 7;
ALTER TABLE lists ADD COLUMN bounce_warnings INTEGER NOT NULL DEFAULT 3;
ALTER TABLE lists ADD COLUMN bounce_warning_interval_days INTEGER NOT NULL DEFAULT 7;
ALTER TABLE lists ADD COLUMN bounce_notify_owner_on_disable INTEGER NOT NULL DEFAULT 1;
ALTER TABLE lists ADD COLUMN bounce_notify_owner_on_removal INTEGER NOT NULL DEFAULT 1;
ALTER TABLE list_members ADD COLUMN bounce_score REAL NOT NULL DEFAULT 0;
ALTER TABLE list_members ADD COLUMN last_bounce_day TEXT;
ALTER TABLE list_members ADD COLUMN bounce_warnings_left INTEGER;
ALTER TABLE list_members ADD COLUMN next_bounce_warning INTEGER;
CREATE INDEX list_members_disabled_by_bounces ON list_members(next_bounce_warning) WHERE delivery = 'by-bounces';

-- Digests (docs/lists.md, "Digests"): the list's parameters, the volume and the next issue's
-- number, and the posts waiting for the next issue (each as the members' copy).
ALTER TABLE lists ADD COLUMN digest_size_kb INTEGER NOT NULL DEFAULT 30;
ALTER TABLE lists ADD COLUMN digest_periodic INTEGER NOT NULL DEFAULT 1;
ALTER TABLE lists ADD COLUMN digest_volume_frequency TEXT NOT NULL DEFAULT 'monthly'
  CHECK (digest_volume_frequency IN ('yearly', 'quarterly', 'monthly', 'weekly', 'daily'));
ALTER TABLE lists ADD COLUMN digest_volume INTEGER NOT NULL DEFAULT 1;
ALTER TABLE lists ADD COLUMN digest_issue INTEGER NOT NULL DEFAULT 1;
ALTER TABLE lists ADD COLUMN digest_last_sent INTEGER;
CREATE TABLE list_digest_posts (
  id INTEGER PRIMARY KEY,
  list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
  message BLOB NOT NULL,
  added_at INTEGER NOT NULL
);
CREATE INDEX list_digest_posts_by_list ON list_digest_posts(list_id, id);

-- Archives (docs/lists.md, "Archives"): every post as the members got it, by period, with its
-- thread (the first post of the thread it answers) and a text index for searches.
ALTER TABLE lists ADD COLUMN archive INTEGER NOT NULL DEFAULT 1;
ALTER TABLE lists ADD COLUMN archive_private INTEGER NOT NULL DEFAULT 0;
ALTER TABLE lists ADD COLUMN archive_volume_frequency TEXT NOT NULL DEFAULT 'monthly'
  CHECK (archive_volume_frequency IN ('yearly', 'quarterly', 'monthly', 'weekly', 'daily'));
CREATE TABLE list_archive (
  id INTEGER PRIMARY KEY,
  list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
  period TEXT NOT NULL,
  message_id TEXT NOT NULL,
  thread_id INTEGER NOT NULL,
  subject TEXT NOT NULL,
  from_name TEXT NOT NULL,
  from_address TEXT NOT NULL,
  archived_at INTEGER NOT NULL,
  size INTEGER NOT NULL,
  message BLOB NOT NULL
);
CREATE INDEX list_archive_by_period ON list_archive(list_id, period, id);
CREATE INDEX list_archive_by_message_id ON list_archive(list_id, message_id);
CREATE VIRTUAL TABLE list_archive_text USING fts5(subject, author, body, content='', contentless_delete=1);
CREATE TRIGGER list_archive_text_delete AFTER DELETE ON list_archive BEGIN
  DELETE FROM list_archive_text WHERE rowid = old.id;
END;
`,
  },
  {
    version: 15,
    sql: `
-- Moderation rules of mailing lists (docs/lists.md, "Moderation"): moderators (addresses, JSON),
-- a moderated list (every post held), per-list sender rules for non-members (JSON
-- [{pattern, action}], Mailman's accept/hold/reject/discard_these_nonmembers), bans refusing
-- subscription (JSON patterns, Mailman's ban_list), whether a held post is notified at once;
-- a member's "may post" privilege (off = the member's posts are held, Mailman's moderation
-- flag); a held post's moderation token (SHA-256 only) and its deferral.
ALTER TABLE lists ADD COLUMN moderators TEXT NOT NULL DEFAULT '[]';
ALTER TABLE lists ADD COLUMN moderated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE lists ADD COLUMN sender_rules TEXT NOT NULL DEFAULT '[]';
ALTER TABLE lists ADD COLUMN bans TEXT NOT NULL DEFAULT '[]';
ALTER TABLE lists ADD COLUMN notify_moderators INTEGER NOT NULL DEFAULT 1;
ALTER TABLE list_members ADD COLUMN may_post INTEGER NOT NULL DEFAULT 1;
ALTER TABLE list_held_posts ADD COLUMN token_hash TEXT;
ALTER TABLE list_held_posts ADD COLUMN deferred INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX list_held_posts_by_token ON list_held_posts(token_hash);

-- A list's header and footer text (Mailman's msg_header, msg_footer) for the members' copies.
ALTER TABLE lists ADD COLUMN msg_header TEXT NOT NULL DEFAULT '';
ALTER TABLE lists ADD COLUMN msg_footer TEXT NOT NULL DEFAULT '';

-- Content filtering (Mailman's filter_content, filter_mime_types, pass_mime_types,
-- collapse_alternatives, convert_html_to_plaintext, filter_action); the type lists as JSON.
ALTER TABLE lists ADD COLUMN filter_content INTEGER NOT NULL DEFAULT 0;
ALTER TABLE lists ADD COLUMN filter_mime_types TEXT NOT NULL DEFAULT '[]';
ALTER TABLE lists ADD COLUMN pass_mime_types TEXT NOT NULL DEFAULT '[]';
ALTER TABLE lists ADD COLUMN filter_filename_extensions TEXT NOT NULL DEFAULT '[]';
ALTER TABLE lists ADD COLUMN pass_filename_extensions TEXT NOT NULL DEFAULT '[]';
ALTER TABLE lists ADD COLUMN collapse_alternatives INTEGER NOT NULL DEFAULT 1;
ALTER TABLE lists ADD COLUMN convert_html_to_plaintext INTEGER NOT NULL DEFAULT 1;
ALTER TABLE lists ADD COLUMN filter_action TEXT NOT NULL DEFAULT 'discard' CHECK (filter_action IN ('hold', 'reject', 'discard'));

-- DMARC mitigation (Mailman's dmarc_moderation_action) for authors whose domain publishes
-- p=reject or p=quarantine.
-- Members' own options (Mailman's set myposts / set ack) and invitations (an owner's request:
-- confirmed, the address joins without the owners' approval).
ALTER TABLE list_members ADD COLUMN receive_own_posts INTEGER NOT NULL DEFAULT 1;
ALTER TABLE list_members ADD COLUMN acknowledge_posts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE list_pending ADD COLUMN invited INTEGER NOT NULL DEFAULT 0;

ALTER TABLE lists ADD COLUMN dmarc_mitigation TEXT NOT NULL DEFAULT 'none' CHECK (dmarc_mitigation IN ('none', 'munge-from', 'wrap'));
`,
  },
  {
    version: 16,
    sql: `
-- The list web pages (issue 11, server/web/list-pages/): a member's own language (NULL: the list's), and the one-time login links mailed to owners,
-- moderators and members (the token kept as its SHA-256 only; used or expired ones stay a
-- while, so a replay gets its own answer).
ALTER TABLE list_members ADD COLUMN language TEXT;
CREATE TABLE list_web_logins (
  id INTEGER PRIMARY KEY,
  list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
  address TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER
);
`,
  },
  {
    version: 17,
    sql: `
-- Issue 18, the user's side (docs/users-and-domains.md, "What users do themselves").
-- App passwords: one per client, scrypt-hashed like mail passwords; tag is the first four hex
-- digits of the password's SHA-256, so a login checks one hash instead of every one the user has.
-- AUTOINCREMENT: an id is never reused, so a revoked one can never be mistaken for a new one
-- (the directory's authentication cache remembers app passwords by id).
CREATE TABLE app_passwords (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  tag TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  last_used_at TEXT,
  UNIQUE (user_id, name)
);
CREATE INDEX app_passwords_by_tag ON app_passwords(user_id, tag);
-- A mail user's GraphQL sessions (role USER), apart from the management accounts' sessions;
-- app_password_id says the login used an app password (such a session cannot make more).
CREATE TABLE user_sessions (
  token_hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  app_password_id INTEGER REFERENCES app_passwords(id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
CREATE INDEX user_sessions_by_user ON user_sessions(user_id);
-- A user's own junk level (NULL = the server's junkPermissiveness) and allow/block lists of
-- addresses and domains, honoured by the junk stage for that user's deliveries.
ALTER TABLE users ADD COLUMN junk_permissiveness TEXT CHECK (junk_permissiveness IN ('least', 'moderate', 'most'));
CREATE TABLE user_junk_senders (
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  sender TEXT NOT NULL COLLATE NOCASE,
  list TEXT NOT NULL CHECK (list IN ('allow', 'block')),
  PRIMARY KEY (user_id, sender)
) WITHOUT ROWID;
`,
  },
  {
    version: 18,
    sql: `
-- Each user's mail storage as running totals (the sum of the mailboxes' own totals, kept by
-- triggers in the same transaction as every change), so the Accounts pane's sorts and pages run
-- in SQL on an index instead of summing and sorting every user per request (issue 14).
-- used_ppm is the quota filled in millionths, -1 when unlimited: the PERCENT order's key.
ALTER TABLE users ADD COLUMN used_bytes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN used_messages INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN used_ppm INTEGER GENERATED ALWAYS AS
  (CASE WHEN quota_mb > 0 THEN CAST(used_bytes / (quota_mb * 1.048576) AS INTEGER) ELSE -1 END) VIRTUAL;
UPDATE users SET
  used_bytes = (SELECT COALESCE(SUM(total_size), 0) FROM mailboxes WHERE user_id = users.id),
  used_messages = (SELECT COALESCE(SUM(message_count), 0) FROM mailboxes WHERE user_id = users.id);
CREATE INDEX users_by_usage ON users(used_bytes DESC, short_name);
CREATE INDEX users_by_percent ON users(used_ppm DESC, short_name);
CREATE TRIGGER users_usage_mailbox_insert AFTER INSERT ON mailboxes BEGIN
  UPDATE users SET used_bytes = used_bytes + new.total_size, used_messages = used_messages + new.message_count WHERE id = new.user_id;
END;
CREATE TRIGGER users_usage_mailbox_delete AFTER DELETE ON mailboxes BEGIN
  UPDATE users SET used_bytes = used_bytes - old.total_size, used_messages = used_messages - old.message_count WHERE id = old.user_id;
END;
CREATE TRIGGER users_usage_mailbox_update AFTER UPDATE OF total_size, message_count ON mailboxes
WHEN old.user_id = new.user_id AND (old.total_size <> new.total_size OR old.message_count <> new.message_count) BEGIN
  UPDATE users SET used_bytes = used_bytes + new.total_size - old.total_size, used_messages = used_messages + new.message_count - old.message_count WHERE id = new.user_id;
END;
CREATE TRIGGER users_usage_mailbox_move AFTER UPDATE OF user_id ON mailboxes WHEN old.user_id <> new.user_id BEGIN
  UPDATE users SET used_bytes = used_bytes - old.total_size, used_messages = used_messages - old.message_count WHERE id = old.user_id;
  UPDATE users SET used_bytes = used_bytes + new.total_size, used_messages = used_messages + new.message_count WHERE id = new.user_id;
END;
`,
  },
  {
    version: 19,
    sql: `
-- Junk quarantine (junkAction quarantine, issue 14): junk kept beside the infected mail, told apart
-- by kind; virus is '' for junk, junk_score the filter's score for it.
ALTER TABLE quarantine ADD COLUMN kind TEXT NOT NULL DEFAULT 'virus' CHECK (kind IN ('virus', 'junk'));
ALTER TABLE quarantine ADD COLUMN junk_score REAL;
CREATE INDEX quarantine_by_kind ON quarantine(kind, quarantined_at, id);
`,
  },
  {
    version: 20,
    sql: `
-- List statistics (issue 11): posts sent to the members per list and UTC day (YYYY-MM-DD), counted
-- in the transaction that queues the post's copies, so lists without an archive have them too.
CREATE TABLE list_post_days (
  list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
  day TEXT NOT NULL,
  posts INTEGER NOT NULL,
  PRIMARY KEY (list_id, day)
) WITHOUT ROWID;
`,
  },
  {
    version: 21,
    sql: `
-- List page logins (issue 11) kept across restarts: the cookie value only as its SHA-256; a
-- login is an address on one list, or a server administrator's GraphQL session (its token's
-- SHA-256, the sessions table's key). The CSRF key is kept too, so forms open before a restart
-- still post.
CREATE TABLE list_web_sessions (
  id_hash TEXT PRIMARY KEY,
  list_id INTEGER REFERENCES lists(id) ON DELETE CASCADE,
  address TEXT,
  admin_token_hash TEXT,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  CHECK ((list_id IS NOT NULL AND address IS NOT NULL) OR admin_token_hash IS NOT NULL)
);
CREATE INDEX list_web_sessions_by_expiry ON list_web_sessions(expires_at);
CREATE TABLE list_web_keys (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  csrf_key BLOB NOT NULL
);
-- A member's option change asked by mail for another address (set ... address=X) waits for X's
-- confirmation: pending requests of kind 'set' with the change ("digest mime"). SQLite cannot
-- change a CHECK, so the table is made again.
CREATE TABLE list_pending_new (
  id INTEGER PRIMARY KEY,
  list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('subscribe', 'unsubscribe', 'approval', 'set')),
  token_hash TEXT UNIQUE,
  address TEXT NOT NULL,
  display_address TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  digest TEXT NOT NULL DEFAULT 'off',
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER,
  invited INTEGER NOT NULL DEFAULT 0,
  change TEXT NOT NULL DEFAULT ''
);
INSERT INTO list_pending_new (id, list_id, kind, token_hash, address, display_address, name, digest, created_at, expires_at, used_at, invited)
  SELECT id, list_id, kind, token_hash, address, display_address, name, digest, created_at, expires_at, used_at, invited FROM list_pending;
DROP TABLE list_pending;
ALTER TABLE list_pending_new RENAME TO list_pending;
CREATE INDEX list_pending_by_list ON list_pending(list_id, kind);
-- A queue entry made in steps (a list post's copy to 100,000 members, its recipients inserted a
-- chunk per transaction): held and building until the commit that completes the incoming post
-- makes it active; one still building at start-up was cut short by a crash and is removed (the
-- incoming post, not completed, makes a new one).
ALTER TABLE queue ADD COLUMN building INTEGER NOT NULL DEFAULT 0;
-- A list's digest header and footer (Mailman's digest_header, digest_footer).
ALTER TABLE lists ADD COLUMN digest_header TEXT NOT NULL DEFAULT '';
ALTER TABLE lists ADD COLUMN digest_footer TEXT NOT NULL DEFAULT '';
`,
  },
  {
    version: 23,
    sql: `
-- Which key types sign a domain's mail (issue 16): a row only for a domain whose administrator
-- chose; without one the dkimEd25519Signature setting decides. RSA always signs (every verifier
-- knows it); Ed25519 (RFC 8463) is the second signature.
CREATE TABLE dkim_domains (
  domain TEXT PRIMARY KEY COLLATE NOCASE,
  algorithms TEXT NOT NULL CHECK (algorithms IN ('rsa', 'rsa,ed25519'))
) WITHOUT ROWID;
`,
  },
  {
    version: 24,
    sql: `
-- Full-text index of message text (issue 16, server/store/text-index.ts): the decoded header and
-- body text, lower-cased, in trigrams, so SEARCH BODY/TEXT/SUBJECT… read only the messages that
-- can match. text_indexed: 0 not yet (scanned), 1 in the index, 2 too large or unreadable (scanned).
ALTER TABLE messages ADD COLUMN text_indexed INTEGER NOT NULL DEFAULT 0;
-- What SORT and THREAD compare (base subject, sent date, addresses, Message-ID, References) as
-- JSON, worked out from the header the first time a SORT or THREAD needs it, so later ones do
-- not read the files (as Dovecot's cache file does).
ALTER TABLE messages ADD COLUMN sort_keys TEXT;
CREATE INDEX messages_text_pending ON messages(id) WHERE text_indexed = 0;
CREATE VIRTUAL TABLE message_text USING fts5(header, body, content='', contentless_delete=1, tokenize='trigram case_sensitive 1');
-- Every way a message row goes (expunge, a deleted mailbox or user) takes its text with it.
CREATE TRIGGER messages_text_gone AFTER DELETE ON messages WHEN old.text_indexed = 1 BEGIN
  DELETE FROM message_text WHERE rowid = old.id;
END;
`,
  },
  {
    version: 26,
    sql: `
-- An expunge no longer deletes the message's text from the full-text index in its own
-- transaction: a contentless FTS5 delete costs about half a millisecond, so moving 1,000 messages
-- held the event loop for half a second. The expunged ids are noted here and the indexer deletes
-- their text in small batches in the background (a search joins the index to messages, so text
-- of a row that is gone is never a result).
CREATE TABLE message_text_gone (id INTEGER PRIMARY KEY);
DROP TRIGGER messages_text_gone;
CREATE TRIGGER messages_text_gone AFTER DELETE ON messages WHEN old.text_indexed = 1 BEGIN
  INSERT OR IGNORE INTO message_text_gone (id) VALUES (old.id);
END;
-- FTS5 merges its segments inside whichever write fills a level (hundreds of milliseconds at
-- once); the indexer merges a little after each batch instead (text-index.ts, MERGE_PAGES).
INSERT INTO message_text (message_text, rank) VALUES ('automerge', 0);
`,
  },
  {
    version: 27,
    sql: `
-- SORT (DATE) read in index order (issue 16): the RFC 5256 sent date, or INTERNALDATE for a
-- message without a usable Date header, as a column set with sort_keys (NULL until the keys are
-- worked out), so a SORT of a whole mailbox is one index walk instead of loading and comparing
-- every row in JavaScript. The uid in the index is SORT's final tie-break, the sequence order.
ALTER TABLE messages ADD COLUMN sort_date INTEGER;
UPDATE messages SET sort_date = COALESCE(json_extract(sort_keys, '$.sent'), internal_date) WHERE sort_keys IS NOT NULL;
CREATE INDEX messages_sort_date ON messages(mailbox_id, sort_date, uid);
-- The messages without \\Seen, for STATUS UNSEEN and SELECT's first unseen without reading every
-- row (server/store/message-columns.ts NOT_SEEN spells the same condition).
CREATE INDEX messages_unseen ON messages(mailbox_id, uid) WHERE instr(' ' || flags || ' ', ' \\Seen ') = 0;
`,
  },
  {
    version: 31,
    sql: `
-- The full-text index moves out of this database into <data>/index/text.db, written by a worker
-- thread (text-index-worker.ts): its inserts (about a third of a millisecond of CPU per message)
-- and merges no longer run on the engine's thread, and SQLite's one writer per database means a
-- second writer here would make the engine's commits wait. It keeps which trigrams each column
-- holds but not where (detail=column): half the CPU per insert of a full index, a quarter of
-- the disk. text_indexed and message_text_gone stay here, in the transactions that change the
-- messages. The generation ties the two files together: an index file of another generation
-- (none, an old one, one left beside a restored database) is emptied and filled again.
DROP TABLE message_text;
CREATE TABLE text_index_state (generation TEXT NOT NULL);
DELETE FROM message_text_gone;
UPDATE messages SET text_indexed = 0 WHERE text_indexed <> 0;
`,
  },
];
