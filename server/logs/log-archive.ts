import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { LOG_SERVICES, type LogHub, type LogService } from './logger';

const DAY_MS = 86_400_000;
/** Where the management endpoint serves an archive: `GET /logs/archive/<name>` with a bearer token. */
export const LOG_ARCHIVE_PATH = '/logs/archive/';
/** `smtp-2026-12-07T031500Z.log.gz`: the service and when it was archived (UTC). */
const ARCHIVE_NAME = /^([a-z]+)-(\d{4}-\d{2}-\d{2}T\d{6}Z)(?:-\d+)?\.log\.gz$/;

export interface LogArchive {
  name: string;
  service: LogService;
  sizeBytes: number;
  archivedAt: Date;
}

export class LogArchiveError extends Error {
  constructor(
    readonly code: 'NOT_FOUND' | 'BAD_USER_INPUT',
    message: string,
    /** The argument at fault, for BAD_USER_INPUT. */
    readonly field?: 'names' | 'olderThanDays',
  ) {
    super(message);
  }
}

/**
 * The seed's "Archive Logs Every N Days" and "Reclaiming Disk Space Used by Mail Service Log
 * Archives": a service's log whose first entry is `days` old is moved aside and compressed into
 * `<logs>/archive/`, and a new one begun; archives older than `keepDays` (0: kept for ever) are
 * removed, and so are their entries in the search index.
 */
export class LogArchives {
  readonly dir: string;

  constructor(
    private readonly hub: LogHub,
    private readonly logDir: string,
  ) {
    this.dir = path.join(logDir, 'archive');
  }

  /** Archives every log due, then applies the retention; a summary of what was done. */
  async run(days: number, keepDays: number, now = new Date()): Promise<string> {
    const archived: string[] = [];
    for (const file of await fsp.readdir(this.logDir)) {
      const match = /^([a-z]+)\.log$/.exec(file);
      if (!match) continue;
      const first = await firstEntryTime(path.join(this.logDir, file));
      if (first === undefined || now.getTime() - first.getTime() < days * DAY_MS) continue;
      archived.push(await this.archive(match[1] as LogService, now));
    }
    const removed = keepDays > 0 ? await this.remove({ olderThanDays: keepDays }, now) : [];
    const forgotten = keepDays > 0 ? ((await this.hub.search?.prune(new Date(now.getTime() - keepDays * DAY_MS))) ?? 0) : 0;
    const parts = [archived.length ? `archived ${archived.join(', ')}` : `no log is ${days} ${days === 1 ? 'day' : 'days'} old yet`];
    if (removed.length) parts.push(`removed ${removed.length} ${removed.length === 1 ? 'archive' : 'archives'} older than ${keepDays} days`);
    if (forgotten) parts.push(`forgot ${forgotten} indexed entries older than ${keepDays} days`);
    return parts.join('; ');
  }

  /** Moves a service's log aside and compresses it; the name of the archive. */
  async archive(service: LogService, now = new Date()): Promise<string> {
    await fsp.mkdir(this.dir, { recursive: true });
    const stamp = now.toISOString().replace(/[-:]/g, '').replace(/^(\d{4})(\d{2})(\d{2})T(\d{6})\.\d+Z$/, '$1-$2-$3T$4Z');
    let name = `${service}-${stamp}.log.gz`;
    for (let n = 2; fs.existsSync(path.join(this.dir, name)); n++) name = `${service}-${stamp}-${n}.log.gz`;
    const moved = path.join(this.dir, `${name}.part`);
    await this.hub.rotate(service, moved.replace(/\.gz\.part$/, ''));
    const plain = moved.replace(/\.gz\.part$/, '');
    // Compressed on libuv's threads, a piece at a time: the engine's thread only hands over buffers.
    await pipeline(fs.createReadStream(plain), zlib.createGzip({ level: 6 }), fs.createWriteStream(moved, { flags: 'wx' }));
    await fsp.rename(moved, path.join(this.dir, name));
    await fsp.rm(plain);
    return name;
  }

  async list(): Promise<LogArchive[]> {
    const names = await fsp.readdir(this.dir).catch(() => [] as string[]);
    const out: LogArchive[] = [];
    for (const name of names) {
      const match = ARCHIVE_NAME.exec(name);
      // Only what archive() writes: a stranger's file is no archive of ours.
      if (!match || !(LOG_SERVICES as readonly string[]).includes(match[1])) continue;
      const stat = await fsp.stat(path.join(this.dir, name)).catch(() => undefined);
      if (!stat) continue;
      out.push({ name, service: match[1] as LogService, sizeBytes: stat.size, archivedAt: parseStamp(match[2]) });
    }
    return out.sort((a, b) => b.archivedAt.getTime() - a.archivedAt.getTime() || a.name.localeCompare(b.name));
  }

  /** The path of an archive to send; refuses names that are not archives (no way out of the folder). */
  file(name: string): string {
    if (!ARCHIVE_NAME.test(name)) throw new LogArchiveError('BAD_USER_INPUT', `"${name}" is not the name of a log archive`, 'names');
    const file = path.join(this.dir, name);
    if (!fs.existsSync(file)) throw new LogArchiveError('NOT_FOUND', `there is no log archive "${name}"`);
    return file;
  }

  /** Removes the archives named, or (exactly one of the two) those archived more than `olderThanDays` before `now`; the names removed. */
  async remove(which: { names?: readonly string[]; olderThanDays?: number }, now = new Date()): Promise<string[]> {
    const { names, olderThanDays } = which;
    if ((names === undefined) === (olderThanDays === undefined)) throw new LogArchiveError('BAD_USER_INPUT', 'give either names or olderThanDays');
    if (olderThanDays !== undefined && (!Number.isInteger(olderThanDays) || olderThanDays < 0)) {
      throw new LogArchiveError('BAD_USER_INPUT', 'olderThanDays must be a whole number of days, 0 or more', 'olderThanDays');
    }
    const before = new Date(now.getTime() - (olderThanDays ?? 0) * DAY_MS);
    const targets = names ? names.map((n) => path.basename(this.file(n))) : (await this.list()).filter((a) => a.archivedAt < before).map((a) => a.name);
    for (const name of targets) await fsp.rm(path.join(this.dir, name), { force: true });
    return targets;
  }
}

function parseStamp(stamp: string): Date {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(stamp);
  return m ? new Date(`${m[1]}T${m[2]}:${m[3]}:${m[4]}Z`) : new Date(0);
}

/** The time of a log file's first entry, read from its first line; undefined for an empty or unreadable file. */
async function firstEntryTime(file: string): Promise<Date | undefined> {
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(file, 'r');
    const buffer = Buffer.alloc(16 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const line = buffer.subarray(0, bytesRead).toString('utf8').split('\n')[0];
    const time = (JSON.parse(line) as { time?: unknown }).time;
    const date = typeof time === 'string' ? new Date(time) : undefined;
    return date && !Number.isNaN(date.getTime()) ? date : undefined;
  } catch {
    return undefined;
  } finally {
    await handle?.close();
  }
}
