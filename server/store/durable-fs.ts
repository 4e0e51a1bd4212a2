import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';
import type { Readable } from 'node:stream';

interface DirSyncState {
  running: Promise<void>;
  queued?: Promise<void>;
}

const dirSyncs = new Map<string, DirSyncState>();

/**
 * fsync a directory so a rename or link inside it survives a crash. Concurrent calls
 * for one directory share work: a caller that arrives while a sync runs waits for the
 * next one (which starts after its own change), and every such caller shares it.
 */
export function fsyncDir(dir: string): Promise<void> {
  const state = dirSyncs.get(dir);
  if (!state) {
    const fresh: DirSyncState = { running: syncDirNow(dir) };
    dirSyncs.set(dir, fresh);
    void fresh.running.catch(() => undefined).then(() => settle(dir, fresh));
    return fresh.running;
  }
  state.queued ??= state.running
    .catch(() => undefined)
    .then(() => {
      state.running = syncDirNow(dir);
      state.queued = undefined;
      void state.running.catch(() => undefined).then(() => settle(dir, state));
      return state.running;
    });
  return state.queued;
}

function settle(dir: string, state: DirSyncState): void {
  if (!state.queued && dirSyncs.get(dir) === state) dirSyncs.delete(dir);
}

/** A directory kept open by keepDirOpen: its descriptor, holders and syncs running on it. */
interface KeptDir {
  fd: number;
  holders: number;
  syncing: number;
  closing: boolean;
}

const keptDirs = new Map<string, KeptDir>();

/**
 * Keeps `dir` open so that its syncs skip an open and a close (two system calls and thread-pool
 * trips per sync: several per cent of the CPU of an inbound message for the spool). Only for a
 * directory that is neither removed nor replaced while held (a replaced one would be synced
 * under its old inode); the returned function lets go of it.
 */
export function keepDirOpen(dir: string): () => void {
  let kept = keptDirs.get(dir);
  if (!kept) {
    kept = { fd: fs.openSync(dir, 'r'), holders: 0, syncing: 0, closing: false };
    keptDirs.set(dir, kept);
  }
  kept.holders++;
  let released = false;
  return () => {
    const k = keptDirs.get(dir);
    if (released || !k) return;
    released = true;
    if (--k.holders > 0) return;
    keptDirs.delete(dir);
    k.closing = true;
    closeKept(k);
  };
}

/** Closes a let-go descriptor once no sync uses it (its number could otherwise be reused under one). */
function closeKept(k: KeptDir): void {
  if (k.closing && k.syncing === 0) fs.close(k.fd, () => undefined);
}

async function syncDirNow(dir: string): Promise<void> {
  const kept = keptDirs.get(dir);
  if (kept) {
    kept.syncing++;
    return new Promise<void>((resolve, reject) => fs.fsync(kept.fd, (err) => (err ? reject(err) : resolve()))).finally(() => {
      kept.syncing--;
      closeKept(kept);
    });
  }
  const handle = await fsp.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Removes a file that may already be gone: one unlink (fsp.rm with `force` stats it first,
 * a second system call and thread-pool trip on every delivered message's spool file).
 */
export async function removeFile(file: string): Promise<void> {
  await fsp.unlink(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}

export function uniqueName(suffix: string): string {
  return `${Date.now().toString(36)}-${crypto.randomBytes(9).toString('base64url')}${suffix}`;
}

/** Parts and stream chunks are gathered and written with one writev per this many bytes or so. */
const WRITE_BATCH = 256 * 1024;

/**
 * Writes `parts` to `finalPath` durably: a temporary file next to it, fsync, rename,
 * fsync the directory. A crash leaves either the whole file or none of it.
 */
export async function writeFileDurably(
  finalPath: string,
  parts: (Buffer | Readable)[],
  options: { direct?: boolean } = {},
): Promise<number> {
  const dir = path.dirname(finalPath);
  // `direct` writes under the final name (new, exclusive) for callers that clean up
  // half-written files themselves; it saves the rename.
  const tmp = options.direct ? finalPath : path.join(dir, `.${path.basename(finalPath)}.tmp`);
  const flags = options.direct ? 'wx' : 'w';
  // The directory nearly always exists: it is made only when the open says it is missing.
  const fd = await openFd(tmp, flags).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
    await fsp.mkdir(dir, { recursive: true });
    return openFd(tmp, flags);
  });
  let size = 0;
  try {
    // A small message goes out in one write, not one per part and chunk.
    let batch: Buffer[] = [];
    let batchBytes = 0;
    const add = async (chunk: Buffer) => {
      batch.push(chunk);
      batchBytes += chunk.length;
      size += chunk.length;
      if (batchBytes < WRITE_BATCH) return;
      const full = batch;
      batch = [];
      batchBytes = 0;
      await writeAll(fd, full);
    };
    for (const part of parts) {
      if (Buffer.isBuffer(part)) await add(part);
      else for await (const chunk of part as AsyncIterable<Buffer>) await add(chunk);
    }
    await writeAll(fd, batch);
    // Written under its final name, the file's data and its name in the directory are
    // synced at once: both are done before this returns, in whichever order they finish.
    if (tmp === finalPath) await Promise.all([fsyncFd(fd), fsyncDir(dir)]);
    else await fsyncFd(fd);
  } catch (err) {
    fs.closeSync(fd);
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  // Closing a synced regular file does not wait on the disk: done here it saves a thread-pool
  // trip per file (about 4 % of the main thread's samples per inbound message).
  fs.closeSync(fd);
  if (tmp !== finalPath) {
    await fsp.rename(tmp, finalPath);
    await fsyncDir(dir);
  }
  return size;
}

function openFd(file: string, flags: string): Promise<number> {
  return new Promise((resolve, reject) => fs.open(file, flags, 0o600, (err, fd) => (err ? reject(err) : resolve(fd))));
}

function fsyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
}

/** Writes all of `buffers` in order at the file's position (a writev may write less than asked). */
async function writeAll(fd: number, buffers: Buffer[]): Promise<void> {
  const rest = buffers.filter((b) => b.length > 0);
  while (rest.length) {
    let bytesWritten = await new Promise<number>((resolve, reject) =>
      fs.writev(fd, rest, (err, n) => (err ? reject(err) : resolve(n))),
    );
    while (rest.length && bytesWritten >= rest[0].length) bytesWritten -= (rest.shift() as Buffer).length;
    if (rest.length && bytesWritten > 0) rest[0] = rest[0].subarray(bytesWritten);
  }
}
