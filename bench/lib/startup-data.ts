import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { hashPassword } from '../../server/directory/passwords';
import { PillarboxEngine } from './pillarbox-engine';
import { removeDir } from './workdir';

/**
 * The data directory of `bench startup`'s large case: `users` mail users made by the engine
 * itself (importUsers, so their rows, names, default mailboxes and subscriptions are the
 * engine's), then `messages` small messages spread evenly over them, 90 % in INBOX and 10 % in
 * Sent, written straight into the store: one file per message under store/<user>/<mailbox>/,
 * its row, the full-text index's row (text_indexed = 1), and each mailbox's uidnext, modseq,
 * count and size (the users' storage totals follow by the migration-18 triggers), one SQLite
 * transaction per 50,000 rows. Built once and kept (with a stamp) under `cacheRoot`, since
 * writing a million files takes minutes; the benchmark starts the engine on it in place.
 */

const ROWS_PER_TRANSACTION = 50_000;
const STAMP = 'built.json';
/** Bumped when what the build writes changes, so an old cache is built again. */
const FORMAT = 1;

export async function largeDataDir(log: (m: string) => void, cacheRoot: string, users: number, messages: number): Promise<string> {
  const dir = path.join(cacheRoot, `users${users}-messages${messages}-v${FORMAT}`);
  const data = path.join(dir, 'data');
  if (fs.existsSync(path.join(dir, STAMP))) {
    log(`using the data directory built before in ${data}`);
    return data;
  }
  removeDir(dir);
  fs.mkdirSync(data, { recursive: true });
  const started = performance.now();
  log(`building ${users} users and ${messages.toLocaleString('en')} messages in ${data} (kept for later runs)`);
  const engine = await PillarboxEngine.start(data);
  try {
    await engine.login();
    const hash = await hashPassword('bench-startup-user-1');
    const lines = ['address,name,passwordHash'];
    for (let i = 1; i <= users; i++) lines.push(`user${String(i).padStart(5, '0')}@example.test,Startup User ${i},"${hash}"`);
    const report = await engine.graphql<{ importUsers: { applied: boolean; errors: { message: string }[] } }>(
      'mutation ($input: ImportDirectoryInput!) { importUsers(input: $input) { applied errors { message } } }',
      { input: { text: lines.join('\n') } },
    );
    if (!report.importUsers.applied) throw new Error(`importUsers: ${report.importUsers.errors.map((e) => e.message).slice(0, 3).join('; ')}`);
  } finally {
    await engine.stop();
  }
  writeMessages(log, data, messages);
  fs.writeFileSync(path.join(dir, STAMP), JSON.stringify({ users, messages, format: FORMAT, seconds: (performance.now() - started) / 1000 }) + '\n');
  log(`built in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return data;
}

interface Box {
  id: number;
  userId: number;
  uidnext: number;
  modseq: number;
  count: number;
  bytes: number;
}

function writeMessages(log: (m: string) => void, data: string, messages: number): void {
  const db = new BetterSqlite3(path.join(data, 'db', 'pillarbox.db'));
  try {
    db.pragma('journal_mode = WAL');
    const rows = db
      .prepare(
        `SELECT m.id, m.user_id AS userId, m.name, m.uidnext, m.highest_modseq AS modseq FROM mailboxes m JOIN users u ON u.id = m.user_id
          WHERE u.short_name LIKE 'user%' AND m.name IN ('INBOX', 'Sent') ORDER BY m.user_id, m.name`,
      )
      .all() as (Box & { name: string })[];
    const inboxes = rows.filter((r) => r.name === 'INBOX').map((r) => ({ ...r, count: 0, bytes: 0 }));
    const sent = new Map(rows.filter((r) => r.name === 'Sent').map((r) => [r.userId, { ...r, count: 0, bytes: 0 }]));
    if (!inboxes.length) throw new Error('the imported users have no INBOX');
    const insert = db.prepare('INSERT INTO messages (mailbox_id, uid, modseq, flags, internal_date, size, path, text_indexed) VALUES (?, ?, ?, ?, ?, ?, ?, 1)');
    const text = db.prepare('INSERT INTO message_text (rowid, header, body) VALUES (?, ?, ?)');
    const update = db.prepare('UPDATE mailboxes SET uidnext = ?, highest_modseq = ?, message_count = message_count + ?, total_size = total_size + ? WHERE id = ?');
    const start = Date.UTC(2024, 0, 1);
    const made = new Set<string>();
    for (let first = 0; first < messages; first += ROWS_PER_TRANSACTION) {
      const touched = new Set<Box>();
      db.transaction(() => {
        for (let n = first; n < Math.min(messages, first + ROWS_PER_TRANSACTION); n++) {
          const inbox = inboxes[n % inboxes.length];
          // Every tenth message of a user is one they sent.
          const box = Math.floor(n / inboxes.length) % 10 === 9 ? (sent.get(inbox.userId) ?? inbox) : inbox;
          const date = new Date(start + n * 30_000);
          const subject = `Message ${n} about item ${n % 977}`;
          const header = `From: Sender ${n % 313} <sender${n % 313}@example.org>\r\nTo: <user${inbox.userId}@example.test>\r\nSubject: ${subject}\r\nDate: ${date.toUTCString().replace('GMT', '+0000')}\r\nMessage-ID: <${n}@example.org>\r\n`;
          const body = `Hello,\r\n\r\nthis is message ${n} of the start-up benchmark.\r\n`;
          const raw = `${header}\r\n${body}`;
          const dirPath = path.join(data, 'store', String(box.userId), String(box.id));
          if (!made.has(dirPath)) {
            fs.mkdirSync(dirPath, { recursive: true });
            made.add(dirPath);
          }
          const file = path.join(dirPath, `${n.toString(36)}-bench.eml`);
          fs.writeFileSync(file, raw);
          const uid = box.uidnext++;
          const id = Number(insert.run(box.id, uid, ++box.modseq, n % 5 ? '\\Seen' : '', date.getTime(), raw.length, file).lastInsertRowid);
          text.run(id, `${subject}\nsender ${n % 313} sender${n % 313}@example.org`.toLowerCase(), body.toLowerCase());
          box.count++;
          box.bytes += raw.length;
          touched.add(box);
        }
        for (const b of touched) {
          update.run(b.uidnext, b.modseq, b.count, b.bytes, b.id);
          b.count = 0;
          b.bytes = 0;
        }
      })();
      log(`  ${Math.min(messages, first + ROWS_PER_TRANSACTION).toLocaleString('en')} messages written`);
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}
