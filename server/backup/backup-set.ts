import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { type BackupRun, createBackup } from './create-backup';
import { filesUnder } from './file-copy';
import { BackupError, type BackupManifest, type BackupSummary, MANIFEST_FILE, SUMMARY_FILE, readManifest, summaryOf } from './manifest';
import type { TarEntry } from './tar';

/** Backups are numbered folders: 000001, 000002, … */
const NAME = /^\d{6}$/;
const LOCK_FILE = '.lock';

export interface BackupInfo {
  name: string;
  /** False for a half-written backup (interrupted): it is never used, and retention removes it. */
  complete: boolean;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** Bytes of all its files (what a restore writes). */
  size: number;
  files: number;
  /** Bytes this backup copied; the rest are hard links to the previous backup's copies. */
  copiedBytes: number;
  linkedFiles: number;
  engineVersion: string | null;
  /** Messages whose file was already missing from the store when it was taken. */
  missingFiles: number;
}

/**
 * A backup set: one directory of numbered backups, each whole on its own (unchanged files are
 * hard links into the one before). One backup is written at a time, by the engine or by
 * `pillarbox backup`, guarded by a lock file naming the process that writes.
 */
export class BackupSet {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** The backups, newest first. */
  async list(): Promise<BackupInfo[]> {
    const names = this.names().reverse();
    const out: BackupInfo[] = [];
    for (const name of names) out.push(await this.info(name));
    return out;
  }

  /** Takes a new backup of `dataDir`, incremental on the newest complete one. */
  async create(dataDir: string, options: Pick<BackupRun, 'signal' | 'afterSnapshot'> = {}): Promise<{ name: string; manifest: BackupManifest }> {
    const data = path.resolve(dataDir);
    if (this.root === data || this.root.startsWith(data + path.sep)) throw new BackupError('INVALID', `the backup directory ${this.root} is inside the data directory ${data} it would back up: choose a directory elsewhere (another disk, ideally)`);
    if (data.startsWith(this.root + path.sep)) throw new BackupError('INVALID', `the data directory ${data} is inside the backup directory ${this.root}`);
    fs.mkdirSync(this.root, { recursive: true, mode: 0o700 });
    const names = this.names();
    const name = String((names.length ? Number(names.at(-1)) : 0) + 1).padStart(6, '0');
    const release = this.lock(name);
    try {
      const previousName = [...names].reverse().find((n) => fs.existsSync(path.join(this.root, n, MANIFEST_FILE)));
      let previous;
      if (previousName) {
        try {
          previous = { name: previousName, dir: path.join(this.root, previousName), manifest: readManifest(path.join(this.root, previousName), Infinity) };
        } catch {
          previous = undefined; // a damaged previous manifest: this backup copies everything
        }
      }
      const manifest = await createBackup({ dataDir: data, dir: path.join(this.root, name), previous, ...options });
      return { name, manifest };
    } finally {
      release();
    }
  }

  /** Keeps the newest `keep` complete backups and removes the rest, half-written ones too; returns the names removed. */
  async prune(keep: number): Promise<string[]> {
    const release = this.lock('');
    try {
      const removed: string[] = [];
      let kept = 0;
      for (const name of this.names().reverse()) {
        const complete = fs.existsSync(path.join(this.root, name, MANIFEST_FILE));
        if (complete && kept < keep) {
          kept++;
          continue;
        }
        await fsp.rm(path.join(this.root, name), { recursive: true, force: true });
        removed.push(name);
      }
      return removed;
    } finally {
      release();
    }
  }

  /** Removes one backup (the later ones keep their own links to any file they share with it). */
  async remove(name: string): Promise<void> {
    const dir = this.dir(name);
    const release = this.lock('');
    try {
      await fsp.rm(dir, { recursive: true, force: true });
    } finally {
      release();
    }
  }

  /** The directory of an existing backup. */
  dir(name: string): string {
    if (!NAME.test(name)) throw new BackupError('INVALID', `"${name}" is not a backup name (six digits, such as 000001)`);
    const dir = path.join(this.root, name);
    if (!fs.existsSync(dir)) throw new BackupError('NOT_FOUND', `no backup ${name} in ${this.root}`);
    return dir;
  }

  /** The files of a complete backup as tar entries under `NAME/`, the manifest last (so an unpacked copy is complete only when whole). */
  tarEntries(name: string): TarEntry[] {
    const dir = this.dir(name);
    const manifest = readManifest(dir, Infinity);
    const entries: TarEntry[] = manifest.files.map((f) => ({ name: `${name}/${f.path}`, file: path.join(dir, f.path), size: f.size, mtime: new Date(manifest.finishedAt) }));
    const manifestFile = path.join(dir, MANIFEST_FILE);
    entries.push({ name: `${name}/${MANIFEST_FILE}`, file: manifestFile, size: fs.statSync(manifestFile).size, mtime: new Date(manifest.finishedAt) });
    return entries;
  }

  private names(): string[] {
    let entries: string[];
    try {
      entries = fs.readdirSync(this.root);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return entries.filter((n) => NAME.test(n)).sort();
  }

  private async info(name: string): Promise<BackupInfo> {
    const dir = path.join(this.root, name);
    const m = readSummary(dir);
    if (m) {
      return {
        name,
        complete: true,
        startedAt: new Date(m.startedAt),
        finishedAt: new Date(m.finishedAt),
        size: m.totalBytes,
        files: m.fileCount,
        copiedBytes: m.copiedBytes,
        linkedFiles: m.linkedFiles,
        engineVersion: m.engineVersion,
        missingFiles: m.missingCount,
      };
    }
    const files = await filesUnder(dir);
    let size = 0;
    for (const f of files) size += (await fsp.stat(path.join(dir, f)).catch(() => ({ size: 0 }))).size;
    return { name, complete: false, startedAt: fs.statSync(dir).mtime, finishedAt: null, size, files: files.length, copiedBytes: size, linkedFiles: 0, engineVersion: null, missingFiles: 0 };
  }

  /** Takes the set's lock (one writer at a time across processes); a lock left by a dead process is taken over. */
  private lock(name: string): () => void {
    const file = path.join(this.root, LOCK_FILE);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(file, JSON.stringify({ pid: process.pid, name }), { flag: 'wx', mode: 0o600 });
        return () => fs.rmSync(file, { force: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      let holder: { pid?: number; name?: string } = {};
      try {
        holder = JSON.parse(fs.readFileSync(file, 'utf8')) as { pid?: number; name?: string };
      } catch {
        // half-written by a process that died at once: stale
      }
      if (holder.pid && alive(holder.pid)) {
        throw new BackupError('BUSY', `${this.root} is in use by process ${holder.pid}${holder.name ? ` (writing backup ${holder.name})` : ''}: try again when it has finished`);
      }
      fs.rmSync(file, { force: true });
    }
    throw new BackupError('BUSY', `${this.root} is in use: try again`);
  }
}

/** The summary of a complete backup (from its summary file, or its manifest); undefined for a half-written or unreadable one. */
function readSummary(dir: string): BackupSummary | undefined {
  if (!fs.existsSync(path.join(dir, MANIFEST_FILE))) return undefined;
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, SUMMARY_FILE), 'utf8')) as BackupSummary;
  } catch {
    try {
      return summaryOf(readManifest(dir, Infinity));
    } catch {
      return undefined;
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
