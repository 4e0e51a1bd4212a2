import fsp from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';
import type { Readable } from 'node:stream';

/** fsync a directory so a rename or link inside it survives a crash. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await fsp.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export function uniqueName(suffix: string): string {
  return `${Date.now().toString(36)}-${crypto.randomBytes(9).toString('base64url')}${suffix}`;
}

/**
 * Writes `parts` to `finalPath` durably: a temporary file next to it, fsync, rename,
 * fsync the directory. A crash leaves either the whole file or none of it.
 */
export async function writeFileDurably(finalPath: string, parts: (Buffer | Readable)[]): Promise<number> {
  const dir = path.dirname(finalPath);
  await fsp.mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(finalPath)}.tmp`);
  const handle = await fsp.open(tmp, 'w', 0o640);
  let size = 0;
  try {
    for (const part of parts) {
      if (Buffer.isBuffer(part)) {
        await handle.write(part);
        size += part.length;
      } else {
        for await (const chunk of part as AsyncIterable<Buffer>) {
          await handle.write(chunk);
          size += chunk.length;
        }
      }
    }
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  await fsp.rename(tmp, finalPath);
  await fsyncDir(dir);
  return size;
}
