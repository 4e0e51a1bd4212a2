import fs from 'node:fs';
import fsp, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { writeFileDurably } from './durable-fs';
import { RetainedFiles } from './retained-files';
import type { MessageMeta } from './types';

/**
 * Ranges up to this size are read with blocking calls: for a small file on a local disk
 * three system calls cost far less than three trips through libuv's thread pool, and
 * FETCH of many small messages is what clients do most. Bigger ranges are streamed.
 */
export const SYNC_READ_MAX = 64 * 1024;

/**
 * Reading message files: whole, a range, or a stream, from the file or, for a message expunged
 * while a session still shows it, from the handle kept open for it (RFC 2180 section 4.1.2).
 */
export class MessageFiles {
  /** Files of expunged messages that sessions still show. */
  readonly retained = new RetainedFiles();

  /** The whole message as a stream (from the kept handle when it was expunged meanwhile). */
  openMessage(meta: Pick<MessageMeta, 'file'>, range?: { start: number; end?: number }): Readable {
    const kept = this.retained.handle(meta.file);
    if (!kept) return fs.createReadStream(meta.file, range);
    return Readable.from(readKept(kept, meta.file, range?.start ?? 0, range?.end === undefined ? Infinity : range.end + 1));
  }

  async readMessage(meta: Pick<MessageMeta, 'file' | 'size'>): Promise<Buffer> {
    const kept = this.retained.handle(meta.file);
    if (kept) {
      const handle = await kept;
      if (!handle) throw missingFile(meta.file);
      return readFully(handle, 0, (await handle.stat()).size);
    }
    return meta.size <= SYNC_READ_MAX ? fs.readFileSync(meta.file) : fsp.readFile(meta.file);
  }

  /** Bytes [start, end) of a message; once this returns, an expunge elsewhere cannot take them away. */
  async readRange(meta: Pick<MessageMeta, 'file'>, start: number, end: number): Promise<Buffer> {
    const length = end - start;
    if (length <= 0) return Buffer.alloc(0);
    const kept = this.retained.handle(meta.file);
    if (kept) {
      const handle = await kept;
      if (!handle) throw missingFile(meta.file);
      return readFully(handle, start, length);
    }
    if (length <= SYNC_READ_MAX) {
      const fd = fs.openSync(meta.file, 'r');
      try {
        const buf = Buffer.allocUnsafe(length);
        let got = 0;
        while (got < length) {
          const n = fs.readSync(fd, buf, got, length - got, start + got);
          if (n === 0) break;
          got += n;
        }
        return buf.subarray(0, got);
      } finally {
        fs.closeSync(fd);
      }
    }
    const handle = await fsp.open(meta.file, 'r');
    try {
      return await readFully(handle, start, length);
    } finally {
      await handle.close();
    }
  }

  /** A stream of bytes [start, end), returned once the file is open (then it stays readable if expunged). */
  async openRange(meta: Pick<MessageMeta, 'file'>, start: number, end: number): Promise<Readable> {
    const kept = this.retained.handle(meta.file);
    const handle = kept ? await kept : await fsp.open(meta.file, 'r');
    if (!handle) throw missingFile(meta.file);
    return handle.createReadStream({ start, end: end - 1, autoClose: !kept });
  }
}

function missingFile(file: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`ENOENT: no such file, open '${file}'`), { code: 'ENOENT' });
}

async function readFully(handle: FileHandle, start: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await handle.read(buf, got, length - got, start + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return buf.subarray(0, got);
}

/** Chunks of a kept (expunged) file, read by position so several readers can share the handle. */
async function* readKept(kept: Promise<FileHandle | undefined>, file: string, start: number, end: number): AsyncGenerator<Buffer> {
  const handle = await kept;
  if (!handle) throw missingFile(file);
  for (let at = start; at < end; ) {
    const chunk = await readFully(handle, at, Math.min(64 * 1024, end - at));
    if (chunk.length === 0) return;
    yield chunk;
    at += chunk.length;
  }
}

/**
 * A hard link to the spool file when the store is on the same file system, else a durable copy.
 * The directory of `to` is made when the link says it is missing: it nearly always exists, and
 * a mkdir before every link cost two system calls per delivered message.
 */
export async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await fsp.link(from, to).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
      await fsp.mkdir(path.dirname(to), { recursive: true });
      await fsp.link(from, to);
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV' && (err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
    await writeFileDurably(to, [fs.createReadStream(from)]);
  }
}
