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

async function syncDirNow(dir: string): Promise<void> {
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
export async function writeFileDurably(
  finalPath: string,
  parts: (Buffer | Readable)[],
  options: { direct?: boolean } = {},
): Promise<number> {
  const dir = path.dirname(finalPath);
  await fsp.mkdir(dir, { recursive: true });
  // `direct` writes under the final name (new, exclusive) for callers that clean up
  // half-written files themselves; it saves the rename.
  const tmp = options.direct ? finalPath : path.join(dir, `.${path.basename(finalPath)}.tmp`);
  const handle = await fsp.open(tmp, options.direct ? 'wx' : 'w', 0o640);
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
  if (tmp !== finalPath) await fsp.rename(tmp, finalPath);
  await fsyncDir(dir);
  return size;
}
