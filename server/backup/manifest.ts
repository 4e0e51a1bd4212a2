import fs from 'node:fs';
import path from 'node:path';

/**
 * The layout of a backup, as written by this engine. A restore refuses a backup of a
 * higher format: it cannot know what such a backup holds.
 */
export const BACKUP_FORMAT = 1;

/** Written last, atomically: a backup directory without it is half-written and never used. */
export const MANIFEST_FILE = 'manifest.json';

/**
 * The manifest without its file list, written just before it: listing backups reads this
 * small file instead of parsing manifests of a million entries. Only a cache: without a
 * manifest beside it, it means nothing.
 */
export const SUMMARY_FILE = 'summary.json';

export type BackupSummary = Omit<BackupManifest, 'files' | 'missing'> & { fileCount: number; totalBytes: number; missingCount: number };

export function summaryOf(m: BackupManifest): BackupSummary {
  const { files, missing, ...rest } = m;
  return { ...rest, fileCount: files.length, totalBytes: files.reduce((sum, f) => sum + f.size, 0), missingCount: missing.length };
}

export type BackupErrorCode =
  | 'NOT_FOUND'
  | 'INCOMPLETE'
  | 'NEWER_VERSION'
  | 'CORRUPT'
  | 'TARGET_NOT_EMPTY'
  | 'INVALID'
  | 'BUSY'
  | 'DISK_FULL'
  | 'NOT_CONFIGURED';

export class BackupError extends Error {
  constructor(
    readonly code: BackupErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** One file of a backup: its path inside the backup directory, size and SHA-256 (hex). */
export interface BackupFile {
  path: string;
  size: number;
  sha256: string;
}

export interface BackupManifest {
  format: number;
  engineVersion: string;
  /** The highest database migration applied in the snapshot (a restore refuses newer ones). */
  schemaVersion: number;
  startedAt: string;
  finishedAt: string;
  /** The data directory backed up, and the other store locations (name → path) then. */
  dataDir: string;
  locations: { name: string; path: string }[];
  /** The backup this one took unchanged files from (hard links), or null for a first one. */
  previous: string | null;
  files: BackupFile[];
  /** Messages whose file was already missing from the store (the backup holds their rows only). */
  missing: string[];
  copiedFiles: number;
  copiedBytes: number;
  linkedFiles: number;
  /** Database snapshots taken: more than one when files vanished between a snapshot and their copy. */
  snapshots: number;
}

/** Writes the manifest through a temporary file, fsynced, then renamed: it exists whole or not at all. */
export function writeManifest(dir: string, manifest: BackupManifest): void {
  const tmp = path.join(dir, MANIFEST_FILE + '.tmp');
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, JSON.stringify(manifest));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, path.join(dir, MANIFEST_FILE));
  const dfd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(dfd);
  } finally {
    fs.closeSync(dfd);
  }
}

/** The manifest of a finished backup; a clear error for a missing, half-written, damaged or newer one. */
export function readManifest(dir: string, knownSchemaVersion: number): BackupManifest {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new BackupError('NOT_FOUND', `no backup at ${dir}`);
  const file = path.join(dir, MANIFEST_FILE);
  if (!fs.existsSync(file)) {
    throw new BackupError('INCOMPLETE', `${dir} is a half-written backup (it has no ${MANIFEST_FILE}: the backup was interrupted) and cannot be restored`);
  }
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as BackupManifest;
  } catch (err) {
    throw new BackupError('CORRUPT', `${file} is damaged: ${(err as Error).message}`);
  }
  if (typeof manifest !== 'object' || manifest === null || typeof manifest.format !== 'number' || !Array.isArray(manifest.files)) {
    throw new BackupError('CORRUPT', `${file} is not a Pillarbox backup manifest`);
  }
  if (manifest.format > BACKUP_FORMAT) {
    throw new BackupError('NEWER_VERSION', `${dir} was written by Pillarbox ${manifest.engineVersion} in backup format ${manifest.format}; this engine reads format ${BACKUP_FORMAT} and older: restore it with that version or newer`);
  }
  if (manifest.schemaVersion > knownSchemaVersion) {
    throw new BackupError('NEWER_VERSION', `${dir} holds a database of Pillarbox ${manifest.engineVersion} (schema ${manifest.schemaVersion}); this engine knows schema ${knownSchemaVersion} and older: restore it with that version or newer`);
  }
  manifest.missing ??= [];
  for (const f of manifest.files) {
    if (typeof f.path !== 'string' || !safeRelative(f.path) || typeof f.size !== 'number' || typeof f.sha256 !== 'string') {
      throw new BackupError('CORRUPT', `${file} lists a file that is not valid: ${JSON.stringify(f)}`);
    }
  }
  return manifest;
}

/** A relative path that stays inside its directory (no "..", not absolute). */
export function safeRelative(p: string): boolean {
  if (p === '' || path.isAbsolute(p) || p.includes('\0')) return false;
  return !p.split('/').some((part) => part === '..' || part === '.' || part === '');
}
