import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { engineVersion } from '../config/engine-version';
import { isDiskFull } from '../db/storage-faults';
import { copyHashed, eachLimited, ensureDir, filesUnder, hashFile, type HashedFile, syncTree } from './file-copy';
import { BACKUP_FORMAT, BackupError, type BackupFile, type BackupManifest, SUMMARY_FILE, summaryOf, writeManifest } from './manifest';
import { type DatabaseSnapshot, snapshotDatabases } from './snapshot';

/**
 * Folders of the data directory copied whole besides the databases and the files their rows
 * name: the secrets (password key, relay password, DKIM keys) and the certificate store.
 * Mailing-list archives go here once lists exist (issue 11). Not backed up: logs/ (archived
 * and downloaded on their own), logs/index.db (rebuilt), run/, firmware/ and virus/ (made again
 * at start or by freshclam), spool files no queue row names.
 */
export const STATE_FOLDERS = ['secrets', 'certs'] as const;

/** The certificate store's index: the folder is copied again when it changed during the copy. */
const CERT_INDEX = 'certs/store.json';

/** Rounds of "snapshot, then copy what it names" before a file that keeps vanishing counts as missing. */
const MAX_ROUNDS = 5;

/** Files in flight at once: each waits mostly on the disk (libuv's pool has four threads by default). */
const COPY_LANES = 8;

export interface BackupRun {
  /** The data directory to back up. */
  dataDir: string;
  /** The new backup's directory (made here; must not exist) and the previous complete one, if any. */
  dir: string;
  previous?: { name: string; dir: string; manifest: BackupManifest };
  signal?: AbortSignal;
  /** Called after each database snapshot, before its files are copied (progress; tests act at that instant). */
  afterSnapshot?: (round: number) => Promise<void>;
}

/**
 * Writes one backup: a consistent snapshot of every database of `<data>/db`, then every file
 * the snapshot's rows name (messages in every store location, queued mail, quarantine, DKIM
 * keys), then the state folders. A file unchanged since the previous backup (same place, same
 * size: message and spool files are never rewritten) is a hard link to the previous copy, so
 * each backup is whole on its own and costs only what is new. A file that vanished between
 * the snapshot and its copy (a message expunged meanwhile) leads to a fresh snapshot, which no
 * longer names it. The manifest is written last; on any failure the directory is removed.
 */
export async function createBackup(run: BackupRun): Promise<BackupManifest> {
  const startedAt = new Date().toISOString();
  fs.mkdirSync(run.dir, { mode: 0o700 });
  try {
    return await writeBackup(run, startedAt);
  } catch (err) {
    await fsp.rm(run.dir, { recursive: true, force: true }).catch(() => undefined);
    if (isDiskFull(err)) throw new BackupError('DISK_FULL', `the backup destination ${path.dirname(run.dir)} is full: the backup was abandoned and removed (${(err as Error).message})`);
    throw err;
  }
}

async function writeBackup(run: BackupRun, startedAt: string): Promise<BackupManifest> {
  const dataDir = path.resolve(run.dataDir);
  const previousFiles = new Map((run.previous?.manifest.files ?? []).map((f) => [f.path, f]));
  const files = new Map<string, BackupFile>();
  /** How each file got into the backup, for the counts (a copy dropped in a later round is not counted). */
  const linked = new Set<string>();
  const made = new Set<string>();

  /** Stores `source` as `rel`: linked to the previous backup's copy when `unchanged` says so, else copied. */
  const store = async (source: string, rel: string, unchanged: (prev: BackupFile) => Promise<boolean>) => {
    const target = path.join(run.dir, rel);
    const prev = previousFiles.get(rel);
    if (prev && run.previous && (await unchanged(prev))) {
      await ensureDir(path.dirname(target), made);
      try {
        await fsp.link(path.join(run.previous.dir, rel), target);
        files.set(rel, { path: rel, size: prev.size, sha256: prev.sha256 });
        linked.add(rel);
        return;
      } catch (err) {
        // The previous copy is gone or has too many links: copy instead.
        if (!['ENOENT', 'EMLINK', 'EXDEV', 'EPERM'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
      }
    }
    files.set(rel, { path: rel, ...(await copyHashed(source, target, made)) });
  };
  const sameSize = (source: string) => async (prev: BackupFile) => (await fsp.stat(source)).size === prev.size;
  const sameContent = (hashed: HashedFile) => async (prev: BackupFile) => prev.size === hashed.size && prev.sha256 === hashed.sha256;

  // The databases and the files they name, in rounds until a snapshot's files are all copied.
  const databases = fs.readdirSync(path.join(dataDir, 'db')).filter((n) => n.endsWith('.db'));
  if (!databases.includes('pillarbox.db')) throw new BackupError('INVALID', `${dataDir} is not a Pillarbox data directory (no db/pillarbox.db)`);
  let snapshot: DatabaseSnapshot | undefined;
  let roots: { prefix: string; rel: string }[] = [];
  let missingBefore = new Set<string>();
  let missing = new Set<string>();
  const named = new Map<string, string>();
  let snapshots = 0;
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    snapshots = round;
    const wanted = round === 1 ? databases : ['pillarbox.db'];
    const copies = wanted.map((n) => ({ source: path.join(dataDir, 'db', n), dest: path.join(run.dir, 'data', 'db', n) }));
    for (const c of copies) fs.rmSync(c.dest, { force: true });
    fs.mkdirSync(path.join(run.dir, 'data', 'db'), { recursive: true, mode: 0o700 });
    snapshot = await snapshotDatabases({ databases: copies, main: path.join(run.dir, 'data', 'db', 'pillarbox.db') });
    await run.afterSnapshot?.(round);
    roots = rootsOf(dataDir, snapshot.locations);
    const referenced = new Set(snapshot.files);
    // Copies of files this snapshot no longer names (expunged since the last one) go.
    for (const [file, rel] of named) {
      if (referenced.has(file)) continue;
      named.delete(file);
      files.delete(rel);
      linked.delete(rel);
      await fsp.rm(path.join(run.dir, rel), { force: true });
    }
    missing = new Set();
    await eachLimited(referenced, COPY_LANES, async (file) => {
      if (named.has(file)) return;
      const rel = relativeTo(roots, file);
      if (!rel) {
        missing.add(file);
        return;
      }
      try {
        await store(file, rel, sameSize(file));
        named.set(file, rel);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        missing.add(file);
      }
    }, run.signal);
    // Done when nothing is missing, or only files that were missing in the snapshot before too
    // (gone from the store itself: repair's business, the backup keeps their rows).
    if ([...missing].every((f) => missingBefore.has(f))) break;
    missingBefore = missing;
  }
  for (const name of databases) {
    const rel = `data/db/${name}`;
    files.set(rel, { path: rel, ...(await hashFile(path.join(run.dir, rel))) });
  }

  // The state folders; the certificate store again if its index changed meanwhile.
  for (let attempt = 1; ; attempt++) {
    const indexBefore = readIfExists(path.join(dataDir, CERT_INDEX));
    for (const folder of STATE_FOLDERS) {
      for (const inner of await filesUnder(path.join(dataDir, folder))) {
        const rel = `data/${folder}/${inner}`;
        if (named.has(path.join(dataDir, folder, inner))) continue;
        const source = path.join(dataDir, folder, inner);
        if (files.has(rel)) {
          await fsp.rm(path.join(run.dir, rel), { force: true });
          linked.delete(rel);
        }
        let hashed: HashedFile;
        try {
          hashed = await hashFile(source);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
          throw err;
        }
        await store(source, rel, sameContent(hashed));
      }
    }
    if (readIfExists(path.join(dataDir, CERT_INDEX)) === indexBefore || attempt === 3) break;
  }

  const manifest: BackupManifest = {
    format: BACKUP_FORMAT,
    engineVersion: engineVersion(),
    schemaVersion: snapshot?.schemaVersion ?? 0,
    startedAt,
    finishedAt: new Date().toISOString(),
    dataDir,
    locations: snapshot?.locations ?? [],
    previous: run.previous?.name ?? null,
    files: [...files.values()].sort((a, b) => (a.path < b.path ? -1 : 1)),
    missing: [...missing].sort(),
    copiedFiles: [...files.keys()].filter((rel) => !linked.has(rel)).length,
    copiedBytes: [...files.values()].reduce((sum, f) => sum + (linked.has(f.path) ? 0 : f.size), 0),
    linkedFiles: linked.size,
    snapshots,
  };
  fs.writeFileSync(path.join(run.dir, SUMMARY_FILE), JSON.stringify(summaryOf(manifest)), { mode: 0o600 });
  await syncTree(run.dir, () => [...manifest.files.map((f) => f.path), SUMMARY_FILE]);
  writeManifest(run.dir, manifest);
  return manifest;
}

/** Where each root's files go in a backup: the data directory under data/, other store locations under locations/NAME/. */
function rootsOf(dataDir: string, locations: { name: string; path: string }[]): { prefix: string; rel: string }[] {
  const roots = [{ prefix: dataDir, rel: 'data' }];
  for (const l of locations) {
    if (!/^[A-Za-z0-9._-]+$/.test(l.name) || l.name.startsWith('.')) throw new BackupError('INVALID', `the store location name "${l.name}" cannot be a folder name in a backup`);
    roots.push({ prefix: path.resolve(l.path), rel: `locations/${l.name}` });
  }
  // The longest prefix first: a location inside the data directory belongs to the location.
  return roots.sort((a, b) => b.prefix.length - a.prefix.length);
}

function relativeTo(roots: { prefix: string; rel: string }[], file: string): string | undefined {
  for (const r of roots) {
    if (file.startsWith(r.prefix + path.sep)) return `${r.rel}/${file.slice(r.prefix.length + 1).split(path.sep).join('/')}`;
  }
  return undefined;
}

function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
