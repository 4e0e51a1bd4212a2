import fs from 'node:fs';
import path from 'node:path';

/** The data directory's folders, made at start-up. */
export const DATA_FOLDERS = ['db', 'store', 'spool', 'logs', 'run', 'certs', 'secrets'] as const;

/**
 * Everything the engine creates is its own alone: the database holds password hashes,
 * session token hashes and URLAUTH keys, the logs hold addresses and subjects. The engine
 * sets this umask itself, so it does not depend on how it was started.
 */
export const ENGINE_UMASK = 0o077;

/** Folders whose files are checked at start-up too (the store and spool are too big to walk). */
const CHECKED_FILES_IN = new Set(['db', 'logs', 'run', 'certs', 'secrets']);

export class DataDirError extends Error {}

/**
 * Makes the data directory and its folders, owner-only, and tightens anything looser left
 * by an older version, a restore or a hand edit. Returns what it fixed; throws when a mode
 * cannot be fixed (a file of another owner), because then the secrets are not safe.
 */
export function prepareDataDir(dataDir: string): string[] {
  process.umask(ENGINE_UMASK);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  for (const folder of DATA_FOLDERS) fs.mkdirSync(path.join(dataDir, folder), { recursive: true, mode: 0o700 });
  const fixed: string[] = [];
  const tighten = (file: string) => {
    const st = fs.lstatSync(file);
    if (st.isSymbolicLink() || (st.mode & 0o077) === 0) return;
    try {
      fs.chmodSync(file, st.mode & 0o700);
    } catch (err) {
      throw new DataDirError(`${file} is readable by others (mode ${(st.mode & 0o777).toString(8)}) and cannot be fixed: ${String(err)}`);
    }
    fixed.push(`${file} (was ${(st.mode & 0o777).toString(8)})`);
  };
  tighten(dataDir);
  for (const entry of fs.readdirSync(dataDir, { withFileTypes: true })) {
    const full = path.join(dataDir, entry.name);
    tighten(full);
    if (!entry.isDirectory() || !CHECKED_FILES_IN.has(entry.name)) continue;
    for (const inner of fs.readdirSync(full, { withFileTypes: true })) {
      tighten(path.join(full, inner.name));
      if (inner.isDirectory()) for (const f of fs.readdirSync(path.join(full, inner.name))) tighten(path.join(full, inner.name, f));
    }
  }
  return fixed;
}
