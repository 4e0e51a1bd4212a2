import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { dovecotKeywords, maildirFlags, maildirUniqueName } from '../mail/maildir';
import { envelopeDate, mboxMessageState, readMbox } from '../mail/mbox';
import { decodeMailboxName } from '../mail/mutf7';
import { appendBatch, BATCH_BYTES, BATCH_MESSAGES, type SourceMessage } from './append-batch';
import type { SeenState } from './cyrus-seen';
import { cyrusMessageFiles, readSeenFiles } from './cyrus-spool';
import { ensureMailbox, targetMailboxName } from './folder-names';
import { MigrationLedger } from './ledger';
import type { RunHandle } from './run-handle';
import { type FolderProgress, type MigrationContext, MigrationError, type MigrationKind } from './types';

/** A folder found on disk: its levels (our names, decoded) and how to read it. */
interface DiskFolder {
  levels: string[];
  kind: 'maildir' | 'cyrus' | 'mbox';
  /** The Maildir or Cyrus folder's directory, or the mbox file. */
  location: string;
}

/** What a path holds: a Maildir (tree), a Cyrus spool, or mbox files. Throws BAD_SOURCE otherwise. */
export function detectDiskSource(root: string): { kind: Exclude<MigrationKind, 'imap'>; folders: DiskFolder[] } {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(root);
  } catch (err) {
    throw new MigrationError('BAD_SOURCE', `cannot read ${root}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  if (stat.isFile()) return { kind: 'mbox', folders: [{ levels: ['INBOX'], kind: 'mbox', location: root }] };
  if (isMaildir(root)) return { kind: 'maildir', folders: maildirFolders(root) };
  if (isCyrusFolder(root)) return { kind: 'cyrus', folders: cyrusFolders(root, ['INBOX']) };
  const folders = mboxFolders(root, []);
  if (folders.length === 0) throw new MigrationError('BAD_SOURCE', `${root} holds no Maildir (cur/, new/), Cyrus spool (cyrus.header) or mbox file ("From " lines)`);
  return { kind: 'mbox', folders };
}

function isMaildir(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'cur')) || fs.existsSync(path.join(dir, 'new'));
}

function isCyrusFolder(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'cyrus.header')) || fs.existsSync(path.join(dir, 'cyrus.index'));
}

/** Names on disk are modified UTF-7 (Dovecot's and Cyrus's default); anything that does not decode is taken as it is. */
function decodeLevel(name: string): string {
  try {
    return decodeMailboxName(name);
  } catch {
    return name;
  }
}

/** A Maildir root is INBOX; Maildir++ subfolders ".a.b" are a/b; Dovecot's LAYOUT=fs subdirectories are nested folders. */
function maildirFolders(root: string): DiskFolder[] {
  const folders: DiskFolder[] = [{ levels: ['INBOX'], kind: 'maildir', location: root }];
  const walkFs = (dir: string, levels: string[]) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (!e.isDirectory() || e.name.startsWith('.') || ['cur', 'new', 'tmp'].includes(e.name)) continue;
      const sub = path.join(dir, e.name);
      const subLevels = [...levels, decodeLevel(e.name)];
      if (isMaildir(sub)) folders.push({ levels: subLevels, kind: 'maildir', location: sub });
      walkFs(sub, subLevels);
    }
  };
  for (const e of fs.readdirSync(root, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!e.isDirectory() || !e.name.startsWith('.') || e.name === '.' || e.name === '..') continue;
    const dir = path.join(root, e.name);
    if (!isMaildir(dir)) continue;
    const levels = e.name.slice(1).split('.').map(decodeLevel);
    folders.push({ levels: levels[0].toUpperCase() === 'INBOX' && levels.length > 1 ? levels.slice(1) : levels, kind: 'maildir', location: dir });
  }
  walkFs(root, []);
  return folders;
}

/** A Cyrus folder's messages are files "<uid>."; its subfolders are subdirectories. */
function cyrusFolders(dir: string, levels: string[]): DiskFolder[] {
  const folders: DiskFolder[] = [{ levels, kind: 'cyrus', location: dir }];
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const sub = path.join(dir, e.name);
    if (e.isDirectory() && isCyrusFolder(sub)) folders.push(...cyrusFolders(sub, levels[0] === 'INBOX' && levels.length === 1 ? [decodeLevel(e.name)] : [...levels, decodeLevel(e.name)]));
  }
  return folders;
}

/** Every mbox file under a directory is a folder named by its path; "inbox" is INBOX; dot files (.imap, .subscriptions) are not mail. */
function mboxFolders(dir: string, levels: string[]): DiskFolder[] {
  const folders: DiskFolder[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith('.')) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) folders.push(...mboxFolders(full, [...levels, decodeLevel(e.name)]));
    else if (e.isFile() && startsWithFromLine(full)) folders.push({ levels: [...levels, decodeLevel(e.name)], kind: 'mbox', location: full });
  }
  return folders;
}

function startsWithFromLine(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(5);
    return fs.readSync(fd, head, 0, 5, 0) === 5 && head.toString('latin1') === 'From ';
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Copies a Maildir tree, a Cyrus spool or mbox files into a user's mailboxes: flags from
 * the Maildir file names (keywords from dovecot-keywords), Cyrus's cyrus.index (keywords
 * from cyrus.header, \Seen before Cyrus 2.4 from a seen database beside the spool) or the
 * mbox Status/X-Status/X-Keywords fields; internal dates from cyrus.index, the file times or
 * the mbox envelope lines. Every
 * message copied is recorded by its key (Maildir: its unique name; Cyrus: its file name;
 * mbox: a hash of it), so a second run copies nothing.
 */
export async function importDisk(ctx: MigrationContext, userId: number, root: string, run: RunHandle): Promise<void> {
  const { kind, folders } = detectDiskSource(root);
  const ledger = new MigrationLedger(ctx.db, userId, diskSourceName(kind, root));
  const plans = folders.map((f) => ({ folder: f, progress: { source: f.levels.join('/'), target: targetMailboxName(f.levels, undefined, ctx.store, userId), total: 0, copied: 0, skipped: 0, bytes: 0 } as FolderProgress }));
  run.folders.push(...plans.map((p) => p.progress));
  run.changed();
  const cyrus = kind === 'cyrus' ? await cyrusSeen(ctx, root) : undefined;
  for (const { folder, progress } of plans) {
    if (run.signal.aborted) break;
    ensureMailbox(ctx.store, userId, progress.target, true);
    if (folder.kind === 'mbox') await copyMbox(ctx, ledger, folder.location, progress, run);
    else await copyFiles(ctx, ledger, folder, progress, run, cyrus);
  }
  if (cyrus?.seenMissing) {
    ctx.log.message('migration: this Cyrus spool is older than Cyrus 2.4, which kept \\Seen in the user\'s seen database; no *.seen file was beside it, so its messages came over unread', { root });
  }
  if (run.signal.aborted) throw new MigrationError('CANCELLED', 'the migration was cancelled; what was copied stays, and starting it again resumes');
}

export function diskSourceName(kind: MigrationKind, root: string): string {
  return `${kind}:${path.resolve(root)}`;
}

/** The seen databases beside a Cyrus spool, and whether a folder needed one that was not there. */
interface CyrusRun {
  seen?: SeenState;
  seenMissing: boolean;
}

async function cyrusSeen(ctx: MigrationContext, root: string): Promise<CyrusRun> {
  const { seen, files, problems } = await readSeenFiles(root);
  for (const problem of problems) ctx.log.message(`migration: ${problem}`, { root });
  if (files.length) ctx.log.message('migration: \\Seen of folders from Cyrus before 2.4 comes from the seen database(s) beside the spool', { root, files: files.join(', ') });
  return { seen, seenMissing: false };
}

interface MessageFile {
  file: string;
  key: string;
  flags: string[];
  /** When the source knows it better than the file's time (Cyrus's index). */
  internalDate?: Date;
}

/** The messages of a Maildir (cur/ and new/, in the order of dovecot-uidlist when there is one) or a Cyrus folder. */
async function listMessageFiles(ctx: MigrationContext, folder: DiskFolder, source: string, cyrus: CyrusRun | undefined): Promise<MessageFile[]> {
  if (folder.kind === 'cyrus') {
    const { files, notes, needsSeen } = await cyrusMessageFiles(folder.location, cyrus?.seen);
    for (const note of notes) ctx.log.message(`migration: Cyrus folder "${source}": ${note}`, { folder: folder.location });
    if (needsSeen && cyrus) cyrus.seenMissing = true;
    return files;
  }
  const keywords = dovecotKeywords(await fsp.readFile(path.join(folder.location, 'dovecot-keywords'), 'utf8').catch(() => ''));
  const order = uidListOrder(await fsp.readFile(path.join(folder.location, 'dovecot-uidlist'), 'utf8').catch(() => ''));
  const files: MessageFile[] = [];
  for (const sub of ['new', 'cur']) {
    const names = await fsp.readdir(path.join(folder.location, sub)).catch(() => [] as string[]);
    for (const n of names) {
      if (n.startsWith('.')) continue;
      // new/ holds messages no client has seen yet: no flags.
      files.push({ file: path.join(folder.location, sub, n), key: maildirUniqueName(n), flags: sub === 'cur' ? maildirFlags(n, keywords) : [] });
    }
  }
  const rank = (f: MessageFile) => order.get(f.key) ?? Number.MAX_SAFE_INTEGER;
  return files.sort((a, b) => rank(a) - rank(b) || leadingNumber(a.key) - leadingNumber(b.key) || a.key.localeCompare(b.key));
}

/** Dovecot's dovecot-uidlist: after the header line, "<uid> [fields] :<unique name>" per message. */
function uidListOrder(text: string): Map<string, number> {
  const order = new Map<string, number>();
  for (const line of text.split('\n').slice(1)) {
    const m = /^(\d+)(?: [^:]*)?:(.+)$/.exec(line) ?? /^(\d+) (\S+)$/.exec(line);
    if (m) order.set(maildirUniqueName(m[2]), Number(m[1]));
  }
  return order;
}

function leadingNumber(name: string): number {
  const n = parseInt(name, 10);
  return Number.isNaN(n) ? Number.MAX_SAFE_INTEGER : n;
}

async function copyFiles(ctx: MigrationContext, ledger: MigrationLedger, folder: DiskFolder, progress: FolderProgress, run: RunHandle, cyrus?: CyrusRun): Promise<void> {
  const files = await listMessageFiles(ctx, folder, progress.source, cyrus);
  progress.total = files.length;
  const copied = ledger.copiedKeys(progress.source, files.map((f) => f.key));
  const todo = files.filter((f) => !copied.has(f.key));
  progress.skipped = files.length - todo.length;
  run.changed();
  let batch: SourceMessage[] = [];
  let bytes = 0;
  for (const f of todo) {
    if (run.signal.aborted) return;
    let raw: Buffer;
    let mtime: Date;
    try {
      [raw, mtime] = await Promise.all([fsp.readFile(f.file), fsp.stat(f.file).then((s) => s.mtime)]);
    } catch (err) {
      // A message a running server moved from new/ to cur/ meanwhile: the next run finds it.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    batch.push({ raw, flags: f.flags, internalDate: f.internalDate ?? mtime, key: f.key });
    bytes += raw.length;
    if (batch.length >= BATCH_MESSAGES || bytes >= BATCH_BYTES) {
      await appendBatch(ctx, ledger, progress, batch);
      run.changed();
      batch = [];
      bytes = 0;
    }
  }
  if (batch.length) await appendBatch(ctx, ledger, progress, batch);
  run.changed();
}

async function copyMbox(ctx: MigrationContext, ledger: MigrationLedger, file: string, progress: FolderProgress, run: RunHandle): Promise<void> {
  // A first pass counts the messages, so progress has a total; the second copies them.
  let total = 0;
  for await (const message of readMbox(file)) if (message.raw) total++;
  progress.total = total;
  run.changed();
  let batch: SourceMessage[] = [];
  let bytes = 0;
  const flush = async () => {
    const copied = ledger.copiedKeys(progress.source, batch.map((m) => m.key));
    const seen = new Set<string>();
    const fresh = batch.filter((m) => !copied.has(m.key) && !seen.has(m.key) && seen.add(m.key));
    progress.skipped += batch.length - fresh.length;
    if (fresh.length) await appendBatch(ctx, ledger, progress, fresh);
    run.changed();
    batch = [];
    bytes = 0;
  };
  for await (const m of readMbox(file)) {
    if (run.signal.aborted) return;
    const { message, flags } = mboxMessageState(m.raw);
    const key = crypto.createHash('sha256').update(message).digest('base64url');
    batch.push({ raw: message, flags, internalDate: envelopeDate(m.envelope) ?? new Date(), key });
    bytes += message.length;
    if (batch.length >= BATCH_MESSAGES || bytes >= BATCH_BYTES) await flush();
  }
  if (batch.length) await flush();
}
