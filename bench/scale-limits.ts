import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';
import pg from 'pg';
import type { Benchmark, BenchContext, BenchResult, Column, SideResult } from './types';
import { intFlag } from './lib/args';
import { makeWorkDir, removeDir } from './lib/workdir';
import { openDatabase } from '../server/db/database';
import { GroupCommit } from '../server/db/group-commit';
import { SelectedView } from '../server/imap/session/selected-view';
import type { MailStore } from '../server/store/store';
import type { MailboxInfo } from '../server/store/types';
import { postgresInstalled, startPostgres } from '../tests/helpers/postgres';

const COLUMNS: Column[] = [
  { key: 'opsPerSecond', label: 'ops/s', decimals: 0 },
  { key: 'usPerOp', label: 'µs/op', decimals: 1 },
  { key: 'bytesEach', label: 'bytes each', decimals: 0 },
];

/**
 * The limits of one box (docs/scale-out.md): what SQLite's single writer commits per second
 * with the engine's group commit, what a file look-up costs in a directory of 1,000 and of
 * 100,000 message files, what an open mailbox costs a session in memory, and what a message
 * body costs to write and read in PostgreSQL (bytea, on loopback) against a file on this disk.
 */
export const scaleLimitsBenchmark: Benchmark = {
  name: 'scale-limits',
  description: 'one box\'s limits: SQLite group-commit commits/s, file look-ups per directory size, memory per open mailbox, PostgreSQL bytea bodies vs files',
  flags: ['--commits N     commits per group-commit row (default 4000)', '--files N       files in the large directory (default 100000)', '--bodies N      bodies written per size (default 1000)', '--no-postgres   skip the PostgreSQL rows', '--drop-caches   drop the kernel\'s dentry and inode caches before the look-ups (root; the whole machine\'s, so not on a shared one)'],
  async run(ctx: BenchContext): Promise<BenchResult> {
    const commits = intFlag(ctx.flags, 'commits', 4000);
    const files = intFlag(ctx.flags, 'files', 100_000);
    const bodies = intFlag(ctx.flags, 'bodies', 1000);
    const dir = makeWorkDir(ctx.workDir, 'pillarbox-scale-limits');
    const sides: SideResult[] = [];
    const notes: string[] = [];
    try {
      for (const writers of [1, 20, 200]) sides.push(await groupCommitRate(dir, writers, commits, ctx));
      for (const n of [1000, files]) sides.push(await fileLookups(dir, n, ctx, ctx.flags.has('drop-caches')));
      sides.push(mailboxViewMemory(10_000, 50));
      for (const size of [4096, 100 * 1024]) sides.push(...(await fileBodies(dir, size, bodies)));
      if (ctx.flags.has('no-postgres')) notes.push('PostgreSQL rows skipped (--no-postgres)');
      else if (!postgresInstalled()) notes.push('PostgreSQL rows skipped: postgresql 15 is not installed');
      else sides.push(...(await postgresBodies(dir, bodies, ctx)));
    } finally {
      removeDir(dir);
    }
    notes.push('ops/s of a commit row: commits made durable per second (each writer waits for its fsync before the next)');
    return { benchmark: 'scale-limits', workload: { summary: `${commits} commits per row, ${files} files, ${bodies} bodies per size`, params: { commits, files, bodies } }, columns: COLUMNS, sides, notes };
  },
};

/** `writers` loops each awaiting one queue-sized commit (a row and two recipients) at a time, as SMTP sessions do. */
async function groupCommitRate(dir: string, writers: number, total: number, ctx: BenchContext): Promise<SideResult> {
  const file = path.join(dir, `commits-${writers}.db`);
  const db = openDatabase(file);
  const group = new GroupCommit(db);
  db.exec('CREATE TABLE bench_rows (id TEXT PRIMARY KEY, payload TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO bench_rows (id, payload) VALUES (?, ?)');
  const payload = 'x'.repeat(200);
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (next < total) {
        const i = next++;
        await group.run(() => {
          insert.run(`m${i}`, payload);
          insert.run(`m${i}.r1`, payload);
          insert.run(`m${i}.r2`, payload);
        }, { visibleEarly: true });
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  db.close();
  ctx.log(`group commit, ${writers} writers: ${(total / seconds).toFixed(0)} commits/s`);
  return { system: `SQLite group commit, ${writers} writer(s)`, ok: true, metrics: { opsPerSecond: total / seconds, usPerOp: (seconds * 1e6) / total } };
}

/** stat + open + close of random existing names in one directory of `n` files (a mailbox's directory). */
async function fileLookups(dir: string, n: number, ctx: BenchContext, dropCaches: boolean): Promise<SideResult> {
  const box = path.join(dir, `box-${n}`);
  fs.mkdirSync(box);
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = `${crypto.randomBytes(8).toString('hex')}.eml`;
    fs.closeSync(fs.openSync(path.join(box, name), 'w'));
    names.push(name);
  }
  // Cold dentries are what a busy box sees for old mail: drop what this run just cached (asked for only).
  if (dropCaches) await fsp.writeFile('/proc/sys/vm/drop_caches', '2').catch(() => ctx.log('cannot drop the dentry cache (not root?): warm look-ups only'));
  const lookups = 20_000;
  const start = process.hrtime.bigint();
  for (let i = 0; i < lookups; i++) {
    const fd = fs.openSync(path.join(box, names[(i * 7919) % n]), 'r');
    fs.fstatSync(fd);
    fs.closeSync(fd);
  }
  const us = Number(process.hrtime.bigint() - start) / 1e3 / lookups;
  ctx.log(`${n} files per directory: ${us.toFixed(1)} µs per open+fstat+close`);
  fs.rmSync(box, { recursive: true, force: true });
  return { system: `file open+fstat+close, ${n} per directory`, ok: true, metrics: { opsPerSecond: 1e6 / us, usPerOp: us } };
}

/** Heap of `views` IMAP sessions' selected-mailbox state for a mailbox of `messages` messages. */
function mailboxViewMemory(messages: number, views: number): SideResult {
  const mailbox = { id: 1, name: 'INBOX' } as MailboxInfo;
  const uids = Array.from({ length: messages }, (_, i) => i + 1);
  global.gc?.();
  const before = process.memoryUsage().heapUsed;
  const kept = Array.from({ length: views }, () => new SelectedView(mailbox, false, {} as MailStore, {}, [...uids], [], messages + 1));
  global.gc?.();
  const bytes = (process.memoryUsage().heapUsed - before) / views;
  if (kept.length !== views) throw new Error('unreachable');
  return { system: `open mailbox per session, ${messages} messages${global.gc ? '' : ' (no --expose-gc: rough)'}`, ok: true, metrics: { bytesEach: bytes } };
}

/** A body as the store writes it (file, fsync, directory fsync), one writer and 20, and read back whole. */
async function fileBodies(dir: string, size: number, count: number): Promise<SideResult[]> {
  const box = path.join(dir, `bodies-${size}`);
  fs.mkdirSync(box);
  const body = crypto.randomBytes(size);
  const dirFd = fs.openSync(box, 'r');
  const written = await timed(count, async (i) => {
    const fd = fs.openSync(path.join(box, `${i}.eml`), 'w');
    fs.writeSync(fd, body);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.fsyncSync(dirFd);
  });
  fs.closeSync(dirFd);
  // 20 at once on the thread pool, as the engine's sessions write theirs.
  const many = await timed(count, async (i) => {
    const handle = await fsp.open(path.join(box, `p${i}.eml`), 'w');
    await handle.writeFile(body);
    await handle.sync();
    await handle.close();
    const dirHandle = await fsp.open(box, 'r');
    await dirHandle.sync();
    await dirHandle.close();
  }, 20);
  const read = await timed(count, async (i) => void fs.readFileSync(path.join(box, `${(i * 7919) % count}.eml`)));
  fs.rmSync(box, { recursive: true, force: true });
  const kb = Math.round(size / 1024);
  return [
    { system: `file body ${kb} KB: write+fsync, 1 writer`, ok: true, metrics: { opsPerSecond: 1e6 / written, usPerOp: written, bytesEach: size } },
    { system: `file body ${kb} KB: write+fsync, 20 writers`, ok: true, metrics: { opsPerSecond: 1e6 / many, usPerOp: many, bytesEach: size } },
    { system: `file body ${kb} KB: read (page cache)`, ok: true, metrics: { opsPerSecond: 1e6 / read, usPerOp: read, bytesEach: size } },
  ];
}

/** The same bodies as bytea rows in a private PostgreSQL on loopback TCP (default fsync and synchronous_commit). */
async function postgresBodies(dir: string, count: number, ctx: BenchContext): Promise<SideResult[]> {
  ctx.log('starting a private PostgreSQL cluster');
  const cluster = await startPostgres(dir);
  const pool = new pg.Pool({ host: cluster.host, port: cluster.port, user: cluster.user, database: cluster.database, max: 20 });
  const out: SideResult[] = [];
  try {
    await pool.query('CREATE TABLE bodies (id bigint PRIMARY KEY, body bytea NOT NULL)');
    let id = 0;
    for (const size of [4096, 100 * 1024]) {
      const body = crypto.randomBytes(size);
      const kb = Math.round(size / 1024);
      const first = id;
      const one = await timed(count, async () => void (await pool.query('INSERT INTO bodies (id, body) VALUES ($1, $2)', [id++, body])));
      // 20 writers at once: PostgreSQL's own group commit shares WAL flushes between them.
      const many = await timed(count, async () => void (await pool.query('INSERT INTO bodies (id, body) VALUES ($1, $2)', [id++, body])), 20);
      const read = await timed(count, async (i) => void (await pool.query('SELECT body FROM bodies WHERE id = $1', [first + ((i * 7919) % count)])));
      out.push(
        { system: `PostgreSQL bytea ${kb} KB: insert, 1 writer`, ok: true, metrics: { opsPerSecond: 1e6 / one, usPerOp: one, bytesEach: size } },
        { system: `PostgreSQL bytea ${kb} KB: insert, 20 writers`, ok: true, metrics: { opsPerSecond: 1e6 / many, usPerOp: many, bytesEach: size } },
        { system: `PostgreSQL bytea ${kb} KB: read by key`, ok: true, metrics: { opsPerSecond: 1e6 / read, usPerOp: read, bytesEach: size } },
      );
      ctx.log(`bytea ${kb} KB: ${(1e6 / one).toFixed(0)}/s one writer, ${(1e6 / many).toFixed(0)}/s 20 writers, ${(1e6 / read).toFixed(0)} reads/s`);
    }
  } finally {
    await pool.end();
    await cluster.stop();
  }
  return out;
}

/** Wall µs per operation over `count` operations run `parallel` at a time. */
async function timed(count: number, op: (i: number) => Promise<void>, parallel = 1): Promise<number> {
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) await op(next++);
    }),
  );
  return Number(process.hrtime.bigint() - start) / 1e3 / count;
}
