import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

const CHUNK = 256 * 1024;

export interface HashedFile {
  size: number;
  sha256: string;
}

/** Files up to this size are read whole (fewer trips through the thread pool); bigger ones stream. */
const WHOLE_MAX = 1024 * 1024;

/** Makes `dir` (owner-only) unless `made` says this run made it already: many files share a folder. */
export async function ensureDir(dir: string, made: Set<string>): Promise<void> {
  if (made.has(dir)) return;
  await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  made.add(dir);
}

/**
 * Copies `from` to a new file `to` (owner-only; never over an existing file), hashing the
 * bytes as they pass. Not fsynced here: one `syncTree` at the end costs far less than an
 * fsync per file, and comes before the manifest that makes the copy count.
 */
export async function copyHashed(from: string, to: string, made: Set<string>): Promise<HashedFile> {
  const source = await fsp.open(from, 'r');
  try {
    const { size: statSize } = await source.stat();
    await ensureDir(path.dirname(to), made);
    const target = await fsp.open(to, 'wx', 0o600);
    try {
      const hash = crypto.createHash('sha256');
      let size = 0;
      if (statSize <= WHOLE_MAX) {
        const data = await source.readFile();
        hash.update(data);
        await target.writeFile(data);
        size = data.length;
      } else {
        const buf = Buffer.allocUnsafe(CHUNK);
        for (;;) {
          const { bytesRead } = await source.read(buf, 0, CHUNK, null);
          if (bytesRead === 0) break;
          const chunk = buf.subarray(0, bytesRead);
          hash.update(chunk);
          for (let at = 0; at < chunk.length; ) at += (await target.write(chunk, at, chunk.length - at)).bytesWritten;
          size += bytesRead;
        }
      }
      return { size, sha256: hash.digest('hex') };
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}

/**
 * Makes everything written under `root` durable: one syncfs(2) of its file system through
 * coreutils' `sync -f` (an fsync per file costs about three times the copy itself on a
 * virtual disk); where that is not available, an fsync of every file and folder.
 */
export async function syncTree(root: string, listFiles: () => Promise<string[]> | string[]): Promise<void> {
  try {
    await execFileAsync('sync', ['-f', root]);
    return;
  } catch {
    // no coreutils sync with -f: one file at a time
  }
  const files = await listFiles();
  const dirs = new Set<string>([root]);
  for (const f of files) for (let d = path.dirname(path.join(root, f)); d.startsWith(root) && !dirs.has(d); d = path.dirname(d)) dirs.add(d);
  await eachLimited([...files.map((f) => path.join(root, f)), ...dirs], 8, async (p) => {
    const handle = await fsp.open(p, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  });
}

/** The size and SHA-256 of a file. */
export async function hashFile(file: string): Promise<HashedFile> {
  const handle = await fsp.open(file, 'r');
  try {
    const hash = crypto.createHash('sha256');
    const buf = Buffer.allocUnsafe(CHUNK);
    let size = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
      size += bytesRead;
    }
    return { size, sha256: hash.digest('hex') };
  } finally {
    await handle.close();
  }
}

/** Runs `work` on every item, at most `limit` at a time; the first failure stops new work and is thrown. */
export async function eachLimited<T>(items: Iterable<T>, limit: number, work: (item: T) => Promise<void>, signal?: AbortSignal): Promise<void> {
  const iterator = items[Symbol.iterator]();
  let failure: unknown;
  const lane = async () => {
    for (let next = iterator.next(); !next.done && failure === undefined; next = iterator.next()) {
      if (signal?.aborted) throw signal.reason ?? new Error('aborted');
      try {
        await work(next.value);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: limit }, lane));
  if (failure !== undefined) throw failure;
}

/** Every regular file under `dir`, as paths relative to it ('/'-separated); none when it does not exist. */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    let entries;
    try {
      entries = await fsp.readdir(path.join(dir, rel), { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(r);
      else if (e.isFile()) out.push(r);
    }
  };
  await walk('');
  return out;
}
