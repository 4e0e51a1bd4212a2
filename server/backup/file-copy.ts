import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';

const CHUNK = 256 * 1024;

export interface HashedFile {
  size: number;
  sha256: string;
}

/**
 * Copies `from` to a new file `to` (owner-only; never over an existing file), hashing the
 * bytes as they pass and fsyncing the copy, so a manifest written afterwards never names a
 * file that a crash could still lose.
 */
export async function copyHashed(from: string, to: string): Promise<HashedFile> {
  const source = await fsp.open(from, 'r');
  try {
    await fsp.mkdir(path.dirname(to), { recursive: true, mode: 0o700 });
    const target = await fsp.open(to, 'wx', 0o600);
    try {
      const hash = crypto.createHash('sha256');
      const buf = Buffer.allocUnsafe(CHUNK);
      let size = 0;
      for (;;) {
        const { bytesRead } = await source.read(buf, 0, CHUNK, null);
        if (bytesRead === 0) break;
        const chunk = buf.subarray(0, bytesRead);
        hash.update(chunk);
        for (let at = 0; at < chunk.length; ) at += (await target.write(chunk, at, chunk.length - at)).bytesWritten;
        size += bytesRead;
      }
      await target.sync();
      return { size, sha256: hash.digest('hex') };
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}

/** The size and SHA-256 of a file; `sync` fsyncs it too (a copy SQLite wrote without). */
export async function hashFile(file: string, options: { sync?: boolean } = {}): Promise<HashedFile> {
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
    if (options.sync) await handle.sync();
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
