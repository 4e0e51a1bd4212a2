import fs from 'node:fs';
import path from 'node:path';
import { eachLimited, hashFile } from './file-copy';
import { BackupError, type BackupManifest, readManifest } from './manifest';
import { knownSchemaVersion, restoreBackup } from './restore';

/**
 * Restoring over the data directory of the engine itself (the restoreBackup mutation; the
 * appliance has no shell for `pillarbox restore`). Never a half-restored store:
 *
 * 1. with the engine serving, every file of the backup is checked against its manifest: a
 *    damaged backup is refused here and nothing has changed;
 * 2. the engine stops (listeners, jobs, queue; the database is closed), so no mail is
 *    acknowledged that the restore would then drop;
 * 3. the backup is restored, with the CLI's code and checksums, into `.restore-new` inside each
 *    directory it fills (the data directory, each store location), on the same file system;
 *    a failure removes it again and the store is as it was;
 * 4. `restore/pending.json` is written (by rename): from here the restore is decided;
 * 5. each directory's entries move aside into `.restore-old`, the staged ones into place (each a
 *    rename), then the marker goes and the old entries are deleted. A crash in 5 is finished by
 *    the next start (finishPendingRestore, before the database is opened);
 * 6. the engine exits for its supervisor to start it on the restored store.
 */

const STAGED = '.restore-new';
const OLD = '.restore-old';
/** Under the data directory: the marker and the last outcome, kept across the swap. */
const RESTORE_DIR = 'restore';
const MARKER = 'pending.json';
const STATUS = 'status.json';
/** Entries of the data directory a restore leaves alone: not in backups (create-backup.ts). */
const KEPT_IN_DATA_DIR = ['logs', 'run', 'firmware', 'virus', RESTORE_DIR];
const NEVER_MOVED = ['lost+found', STAGED, OLD];

interface Pending {
  backup: string;
  /** The directories to swap: the data directory first, then store locations. */
  dirs: string[];
  /** "ready": nothing moved yet; "moved-aside": every old entry is in .restore-old. */
  phase: 'ready' | 'moved-aside';
}

export const RESTORE_STATES = ['IDLE', 'VERIFYING', 'RESTORING', 'DONE', 'FAILED'] as const;
export type RestoreState = (typeof RESTORE_STATES)[number];

export interface RestoreStatus {
  state: RestoreState;
  /** The backup's name in the backup set. */
  backup?: string;
  startedAt?: string;
  finishedAt?: string;
  filesChecked: number;
  filesTotal: number;
  message: string;
}

const stagedIn = (dir: string) => path.join(dir, STAGED);

function writeJsonAtomically(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, JSON.stringify(value, null, 2) + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  const dirFd = fs.openSync(path.dirname(file), 'r');
  try {
    fs.fsyncSync(dirFd);
  } finally {
    fs.closeSync(dirFd);
  }
}

/** Checks every file of a backup against its manifest without writing anything. */
export async function verifyBackup(backupDir: string, progress: (checked: number, total: number) => void, signal?: AbortSignal): Promise<BackupManifest> {
  const manifest = readManifest(backupDir, knownSchemaVersion());
  let checked = 0;
  progress(0, manifest.files.length);
  await eachLimited(manifest.files, 4, async (f) => {
    let got;
    try {
      got = await hashFile(path.join(backupDir, f.path));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new BackupError('CORRUPT', `the backup is damaged: ${f.path} is listed in its manifest but missing`);
      throw err;
    }
    if (got.size !== f.size || got.sha256 !== f.sha256) throw new BackupError('CORRUPT', `the backup is damaged: ${f.path} does not match its checksum`);
    progress(++checked, manifest.files.length);
  }, signal);
  return manifest;
}

/**
 * Steps 3 to 5 with the engine stopped: restores the backup beside the live files, then swaps
 * them. Throws (having changed nothing) when the restore into the staging folders fails.
 */
export async function restoreOverDataDir(backupDir: string, dataDir: string): Promise<void> {
  const manifest = readManifest(backupDir, knownSchemaVersion());
  const dirs = [dataDir, ...manifest.locations.map((l) => l.path)].map((d) => path.resolve(d));
  // Leftovers of a restore that failed before its marker: never mistaken for this one's.
  for (const dir of dirs) fs.rmSync(stagedIn(dir), { recursive: true, force: true });
  await restoreBackup({ backupDir, dataDir, stageIn: stagedIn });
  writeJsonAtomically(path.join(dataDir, RESTORE_DIR, MARKER), { backup: backupDir, dirs, phase: 'ready' } satisfies Pending);
  finishPendingRestore(dataDir);
}

/**
 * Finishes a decided restore (step 5), at every start before the database is opened and right
 * after the marker is written. Each step can be repeated after a crash. True when it swapped.
 */
export function finishPendingRestore(dataDir: string): boolean {
  const marker = path.join(dataDir, RESTORE_DIR, MARKER);
  if (!fs.existsSync(marker)) return false;
  const pending = JSON.parse(fs.readFileSync(marker, 'utf8')) as Pending;
  const isData = (dir: string) => path.resolve(dir) === path.resolve(dataDir);
  if (pending.phase === 'ready') {
    for (const dir of pending.dirs) {
      const kept = new Set([...NEVER_MOVED, ...(isData(dir) ? KEPT_IN_DATA_DIR : [])]);
      fs.mkdirSync(path.join(dir, OLD), { recursive: true, mode: 0o700 });
      for (const entry of fs.readdirSync(dir)) if (!kept.has(entry)) fs.renameSync(path.join(dir, entry), path.join(dir, OLD, entry));
    }
    writeJsonAtomically(marker, { ...pending, phase: 'moved-aside' } satisfies Pending);
  }
  for (const dir of pending.dirs) {
    const staged = stagedIn(dir);
    if (!fs.existsSync(staged)) continue;
    for (const entry of fs.readdirSync(staged)) fs.renameSync(path.join(staged, entry), path.join(dir, entry));
    fs.rmdirSync(staged);
  }
  fs.rmSync(marker);
  for (const dir of pending.dirs) fs.rmSync(path.join(dir, OLD), { recursive: true, force: true });
  // The engine stopped (a crash) after deciding the restore but before recording its outcome.
  const status = readRestoreStatus(dataDir);
  if (status.state === 'RESTORING') writeRestoreStatus(dataDir, { ...status, state: 'DONE', finishedAt: new Date().toISOString(), message: `restored backup ${status.backup}` });
  return true;
}

/** The outcome of the last restore, kept in the data directory across the restart. */
export function readRestoreStatus(dataDir: string): RestoreStatus {
  try {
    return JSON.parse(fs.readFileSync(path.join(dataDir, RESTORE_DIR, STATUS), 'utf8')) as RestoreStatus;
  } catch {
    return { state: 'IDLE', filesChecked: 0, filesTotal: 0, message: 'no restore has run' };
  }
}

export function writeRestoreStatus(dataDir: string, status: RestoreStatus): void {
  writeJsonAtomically(path.join(dataDir, RESTORE_DIR, STATUS), status);
}
