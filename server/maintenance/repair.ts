import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Db } from '../db/database';
import type { Logger } from '../logs/logger';
import type { MailStore } from '../store/store';
import { type ReconstructReport, userMessagePaths } from '../store/reconstruct';
import { StoreError } from '../store/types';
import { type IntegrityReport, checkDatabase } from './integrity-check';

export interface RepairOptions {
  /** Expunge the rows of messages whose file is gone (default: report them and keep them). */
  expungeMissingFiles?: boolean;
}

export interface RepairProgress {
  done: number;
  total: number;
  step: string;
}

/** What the repair works on: the database (and its file, for SQLite's checks), the store, where orphans go. */
export interface RepairContext {
  db: Db;
  dbFile: string;
  store: MailStore;
  /** `<data>/lost+found`: files that belong to no message are moved under it, never deleted. */
  lostAndFound: string;
  log: Logger;
}

export interface RepairReport {
  database: IntegrityReport;
  /** Files that belonged to no mailbox of theirs, moved aside. */
  movedAside: number;
  /** Where they went (a directory per run), when any did. */
  movedTo?: string;
  mailboxes: number;
  totals: Omit<ReconstructReport, 'missingMessages'>;
  /** Store locations whose directory is missing or empty while messages are recorded there (not mounted?): left alone. */
  unavailable: string[];
}

/** The database is damaged: the repair stops before it changes anything. */
export class DatabaseDamaged extends Error {}

interface UserRow {
  id: number;
  short_name: string;
  store_location: string;
}

/**
 * The seed's "repair the mail database", safe while the engine serves mail: SQLite's own
 * checks (in a worker thread); then the files: every file under a store location that
 * belongs to no mailbox is moved to lost+found; then every mailbox is reconstructed (files
 * without a row added, rows without a file reported or expunged, sizes and counters put
 * right). One mailbox at a time, in small transactions, with the event loop given turns.
 */
export async function repairMailStore(ctx: RepairContext, options: RepairOptions, signal: AbortSignal, progress: (p: RepairProgress) => void): Promise<RepairReport> {
  progress({ done: 0, total: 1, step: 'checking the database' });
  const database = await checkDatabase(ctx.dbFile, signal);
  progress({ done: 1, total: 1, step: 'checking the database' });
  if (!database.ok) {
    for (const p of database.problems) ctx.log.error('repair: the database is damaged', { problem: p });
    throw new DatabaseDamaged(
      `the database is damaged (SQLite integrity_check): ${database.problems.slice(0, 10).join('; ')}${database.problems.length > 10 ? '; …' : ''}. ` +
        'Nothing was changed. Restore the last backup, or stop the engine and recover the database (sqlite3 .recover) before repairing the mail store.',
    );
  }
  for (const fk of database.foreignKeys) {
    ctx.log.error('repair: rows whose parent row is missing', { table: fk.table, parent: fk.parent, rows: fk.rows, rowids: fk.firstRowids });
  }

  const users = ctx.db.prepare('SELECT id, short_name, store_location FROM users ORDER BY id').all() as UserRow[];
  const unavailable = await unavailableLocations(ctx, users);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const movedTo = path.join(ctx.lostAndFound, stamp);
  const movedAside = await moveAsideOrphans(ctx, users, unavailable, movedTo, signal, progress);

  const boxes = users
    .filter((u) => !unavailable.includes(u.store_location))
    .flatMap((u) => ctx.store.mailboxes(u.id).map((b) => ({ user: u, name: b.name })));
  const totals = { added: 0, missing: 0, expunged: 0, resized: 0, staleTemp: 0 };
  let done = 0;
  for (const { user, name } of boxes) {
    signal.throwIfAborted();
    progress({ done, total: boxes.length, step: 'reconstructing mailboxes' });
    let r: ReconstructReport;
    try {
      r = await ctx.store.reconstruct(user.id, name, { expungeMissing: !!options.expungeMissingFiles, signal });
    } catch (err) {
      // Deleted (or renamed) while the repair ran: nothing to reconstruct.
      if (err instanceof StoreError && err.code === 'NONEXISTENT') {
        done++;
        continue;
      }
      throw err;
    }
    for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += r[key];
    for (const m of r.missingMessages) {
      ctx.log.error(options.expungeMissingFiles ? 'repair: message file gone; the message was expunged' : 'repair: message file gone; the message is kept', { user: user.short_name, mailbox: name, uid: m.uid, file: m.file });
    }
    if (r.added || r.missing || r.resized || r.staleTemp) ctx.log.message('repair: mailbox reconstructed', { user: user.short_name, mailbox: name, ...withoutList(r) });
    else ctx.log.debug('repair: mailbox checked', { user: user.short_name, mailbox: name });
    done++;
    await nextTurn();
  }
  progress({ done, total: boxes.length, step: 'reconstructing mailboxes' });
  return { database, movedAside, movedTo: movedAside ? movedTo : undefined, mailboxes: boxes.length, totals, unavailable };
}

function withoutList(r: ReconstructReport): Omit<ReconstructReport, 'missingMessages'> {
  const { missingMessages: _list, ...counts } = r;
  return counts;
}

/**
 * A store location whose directory is missing or empty while the database records messages
 * there is most likely a disk that is not mounted: every file would look gone. It is left
 * alone (no reconstruct, nothing expunged) and reported.
 */
async function unavailableLocations(ctx: RepairContext, users: UserRow[]): Promise<string[]> {
  const out: string[] = [];
  for (const { name, root } of ctx.store.locationRoots()) {
    const entries = await fsp.readdir(root).catch(() => [] as string[]);
    if (entries.length > 0) continue;
    const ids = users.filter((u) => u.store_location === name || (name === 'default' && u.store_location === '')).map((u) => u.id);
    const hasMail = ids.some((id) => ctx.db.prepare('SELECT 1 FROM mailboxes WHERE user_id = ? AND message_count > 0 LIMIT 1').get(id));
    if (hasMail) out.push(name);
  }
  // Users of a location no longer in the settings: their mailboxes cannot be found either.
  const known = new Set(ctx.store.locationRoots().map((l) => l.name));
  for (const u of users) if (u.store_location !== '' && !known.has(u.store_location) && !out.includes(u.store_location)) out.push(u.store_location);
  return out;
}

/**
 * Files under a store location that no row names and that reconstruct will not look at:
 * directories of users that no longer exist, and directories that are not one of the
 * user's mailboxes in the user's own location. They are moved (never deleted) to
 * `<movedTo>/<location>/<user id>/…`; files another row still names stay.
 */
async function moveAsideOrphans(
  ctx: RepairContext,
  users: UserRow[],
  unavailable: string[],
  movedTo: string,
  signal: AbortSignal,
  progress: (p: RepairProgress) => void,
): Promise<number> {
  const byId = new Map(users.map((u) => [String(u.id), u]));
  const locations = ctx.store.locationRoots().filter((l) => !unavailable.includes(l.name));
  const work: { location: string; root: string; entry: string }[] = [];
  for (const { name, root } of locations) {
    for (const entry of await fsp.readdir(root).catch(() => [] as string[])) if (/^\d+$/.test(entry)) work.push({ location: name, root, entry });
  }
  let moved = 0;
  let done = 0;
  for (const { location, root, entry } of work) {
    signal.throwIfAborted();
    progress({ done: done++, total: work.length, step: 'looking for files that belong to no mailbox' });
    const userDir = path.join(root, entry);
    if (ctx.store.isUnsettled(userDir) || !(await isDirectory(userDir))) continue;
    const user = byId.get(entry);
    if (!user) {
      const files = await countFiles(userDir);
      if (files === 0) continue;
      await moveAside(userDir, path.join(movedTo, location, entry));
      ctx.log.message('repair: moved the files of a user that no longer exists aside', { directory: userDir, files, to: path.join(movedTo, location, entry) });
      moved += files;
      continue;
    }
    const ownRoot = user.store_location === location || (location === 'default' && user.store_location === '');
    const mailboxIds = new Set(ctx.store.mailboxes(user.id).map((b) => String(b.id)));
    let known: Set<string> | undefined;
    for (const sub of await fsp.readdir(userDir).catch(() => [] as string[])) {
      if (ownRoot && mailboxIds.has(sub)) continue;
      const dir = path.join(userDir, sub);
      if (!(await isDirectory(dir))) continue;
      known ??= await userMessagePaths(ctx.db, user.id, signal);
      for (const name of await fsp.readdir(dir).catch(() => [] as string[])) {
        const file = path.join(dir, name);
        if (known.has(file) || ctx.store.isUnsettled(file)) continue;
        const target = path.join(movedTo, location, entry, sub, name);
        await moveAside(file, target);
        ctx.log.message('repair: moved a file that belongs to no mailbox aside', { user: user.short_name, file, to: target });
        moved++;
      }
      await fsp.rmdir(dir).catch(() => undefined);
    }
    await nextTurn();
  }
  return moved;
}

async function isDirectory(p: string): Promise<boolean> {
  return (await fsp.stat(p).catch(() => undefined))?.isDirectory() ?? false;
}

async function countFiles(dir: string): Promise<number> {
  let n = 0;
  for (const e of await fsp.readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [] as fs.Dirent[])) if (e.isFile()) n++;
  return n;
}

/** A rename; across file systems (a store location on another disk), a copy that is then removed. */
async function moveAside(from: string, to: string): Promise<void> {
  await fsp.mkdir(path.dirname(to), { recursive: true });
  try {
    await fsp.rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await fsp.cp(from, to, { recursive: true, preserveTimestamps: true, errorOnExist: true, force: false });
    await fsp.rm(from, { recursive: true, force: true });
  }
}

/** The run's summary, as the job reports it (what was found, what was done). */
export function describeRepair(r: RepairReport, options: RepairOptions): string {
  const lines: string[] = [];
  const fk = r.database.foreignKeys;
  lines.push(
    `database: integrity ok; ${fk.length ? `${fk.reduce((n, f) => n + f.rows, 0)} row(s) whose parent row is missing (${fk.map((f) => `${f.table} → ${f.parent}: ${f.rows}`).join(', ')}), not changed` : 'foreign keys ok'}`,
  );
  lines.push(`files that belong to no mailbox: ${r.movedAside}${r.movedTo ? ` moved to ${r.movedTo}` : ''}`);
  const t = r.totals;
  const missing = t.missing ? (options.expungeMissingFiles ? ` (${t.expunged} expunged)` : ' (kept; run repair with expungeMissingFiles to remove them)') : '';
  lines.push(`mailboxes reconstructed: ${r.mailboxes}: ${t.added} file(s) without a row added, ${t.missing} message(s) whose file is gone${missing}, ${t.resized} size(s) corrected, ${t.staleTemp} half-written temporary file(s) removed`);
  if (r.unavailable.length) lines.push(`store locations left alone (missing, empty or not configured while messages are recorded there: not mounted?): ${r.unavailable.join(', ')}`);
  return lines.join('\n');
}
