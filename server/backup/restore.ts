import BetterSqlite3 from 'better-sqlite3';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { MIGRATIONS } from '../db/migrations';
import { isDiskFull } from '../db/storage-faults';
import { copyHashed, eachLimited, filesUnder, syncTree } from './file-copy';
import { BackupError, type BackupManifest, readManifest } from './manifest';

export interface RestoreRequest {
  /** One backup: a numbered directory of a backup set. */
  backupDir: string;
  /** The data directory to fill: it must not exist or be empty. */
  dataDir: string;
  /** Where the files of other store locations go, by name (default: where they were when backed up). */
  locationPaths?: Record<string, string>;
  /**
   * Write each directory's files into the folder this names instead (which must be empty or new),
   * the database naming them where they will be once moved into place: a restore over a live
   * data directory stages there first (restore-in-place.ts).
   */
  stageIn?: (dir: string) => string;
}

export interface RestoreResult {
  manifest: BackupManifest;
  files: number;
  bytes: number;
}

/** Columns that hold absolute paths of files in the data directory or a store location. */
const PATH_COLUMNS = [
  { table: 'messages', column: 'path' },
  { table: 'queue', column: 'path' },
  { table: 'quarantine', column: 'path' },
  { table: 'dkim_keys', column: 'key_file' },
];

export function knownSchemaVersion(): number {
  return Math.max(...MIGRATIONS.map((m) => m.version));
}

/**
 * Restores a backup into an empty data directory: every file is copied and checked against
 * the manifest's SHA-256, then the database's file paths are pointed at the new places. A
 * half-written, damaged or newer backup, or a target that is not empty, is refused before
 * anything is written; a checksum that fails midway (or a full disk) undoes what was written.
 */
export async function restoreBackup(request: RestoreRequest, signal?: AbortSignal): Promise<RestoreResult> {
  const manifest = readManifest(request.backupDir, knownSchemaVersion());
  const dataDir = path.resolve(request.dataDir);
  const wanted = request.locationPaths ?? {};
  for (const name of Object.keys(wanted)) {
    if (!manifest.locations.some((l) => l.name === name)) throw new BackupError('INVALID', `the backup has no store location named "${name}" (it has: ${manifest.locations.map((l) => l.name).join(', ') || 'none besides the default'})`);
  }
  const roots = new Map<string, { from: string; to: string }>([['data', { from: manifest.dataDir, to: dataDir }]]);
  for (const l of manifest.locations) roots.set(`locations/${l.name}`, { from: l.path, to: path.resolve(wanted[l.name] ?? l.path) });
  const stage = request.stageIn ?? ((dir: string) => dir);
  const written = new Map([...roots].map(([key, r]) => [key, { to: stage(r.to) }]));
  for (const root of written.values()) refuseNonEmpty(root.to);

  const made = [...written.values()].map((r) => ({ dir: r.to, existed: fs.existsSync(r.to) }));
  let bytes = 0;
  const madeDirs = new Set<string>();
  try {
    for (const m of made) fs.mkdirSync(m.dir, { recursive: true, mode: 0o700 });
    await eachLimited(manifest.files, 4, async (f) => {
      const to = targetOf(written, f.path);
      const from = path.join(request.backupDir, f.path);
      let copied;
      try {
        copied = await copyHashed(from, to, madeDirs);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !fs.existsSync(from)) throw new BackupError('CORRUPT', `the backup is damaged: ${f.path} is listed in its manifest but missing`);
        throw err;
      }
      if (copied.size !== f.size || copied.sha256 !== f.sha256) {
        throw new BackupError('CORRUPT', `the backup is damaged: ${f.path} does not match its checksum (SHA-256 ${copied.sha256}, ${copied.size} bytes; the manifest says ${f.sha256}, ${f.size} bytes)`);
      }
      bytes += copied.size;
    }, signal);
    repointPaths(path.join(stage(dataDir), 'db', 'pillarbox.db'), roots, manifest);
    for (const m of made) await syncTree(m.dir, () => filesUnder(m.dir));
  } catch (err) {
    for (const m of made) await undo(m.dir, m.existed);
    if (isDiskFull(err)) throw new BackupError('DISK_FULL', `no room to restore into ${dataDir}: nothing was kept (${(err as Error).message})`);
    throw err;
  }
  return { manifest, files: manifest.files.length, bytes };
}

function refuseNonEmpty(dir: string): void {
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR') throw new BackupError('INVALID', `${dir} is a file, not a directory`);
    throw err;
  }
  const left = entries.filter((e) => e !== 'lost+found');
  if (left.length) throw new BackupError('TARGET_NOT_EMPTY', `${dir} is not empty (${left.slice(0, 3).join(', ')}${left.length > 3 ? ', …' : ''}): restore only into an empty or new directory; nothing was changed`);
}

function targetOf(roots: Map<string, { to: string }>, rel: string): string {
  const parts = rel.split('/');
  const key = parts[0] === 'locations' ? parts.slice(0, 2).join('/') : parts[0];
  const root = roots.get(key);
  const rest = parts.slice(key.split('/').length);
  if (!root || rest.length === 0) throw new BackupError('CORRUPT', `the backup is damaged: its manifest lists ${rel}, which belongs to no data directory or store location`);
  return path.join(root.to, ...rest);
}

/** The restored rows name files where they were; point them at where they are now. */
function repointPaths(dbFile: string, roots: Map<string, { from: string; to: string }>, manifest: BackupManifest): void {
  if (!fs.existsSync(dbFile)) throw new BackupError('CORRUPT', 'the backup is damaged: it has no db/pillarbox.db');
  // The longest old prefix first, so a location inside the old data directory maps as the location.
  const moves = [...roots.values()].sort((a, b) => b.from.length - a.from.length);
  const move = (p: string) => {
    const m = moves.find((r) => p.startsWith(r.from + path.sep));
    return m ? m.to + p.slice(m.from.length) : p;
  };
  const db = new BetterSqlite3(dbFile);
  try {
    db.transaction(() => {
      for (const { table, column } of PATH_COLUMNS) {
        if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table)) continue;
        const update = db.prepare(`UPDATE ${table} SET ${column} = ? WHERE rowid = ?`);
        for (const row of db.prepare(`SELECT rowid, ${column} FROM ${table}`).raw().all() as [number, string][]) {
          const moved = move(row[1]);
          if (moved !== row[1]) update.run(moved, row[0]);
        }
      }
      const locations = manifest.locations.map((l) => ({ ...l, path: roots.get(`locations/${l.name}`)?.to ?? l.path }));
      if (manifest.locations.length) db.prepare("UPDATE settings SET value = ? WHERE key = 'storeLocations'").run(JSON.stringify(locations));
    })();
  } finally {
    db.close();
  }
}

async function undo(dir: string, existed: boolean): Promise<void> {
  if (!existed) return fsp.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  for (const e of await fsp.readdir(dir).catch(() => [] as string[])) {
    if (e !== 'lost+found') await fsp.rm(path.join(dir, e), { recursive: true, force: true }).catch(() => undefined);
  }
}
