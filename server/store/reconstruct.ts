import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Db } from '../db/database';
import type { MailboxInfo } from './types';

interface MessageFileRow {
  id: number;
  uid: number;
  path: string;
}

/**
 * Rebuilds a mailbox's index from its files (the seed's Reconstruct): files without a
 * row are added with new UIDs, rows without a file are removed, counters recomputed.
 */
export async function reconstructMailbox(db: Db, box: MailboxInfo, dir: string): Promise<{ added: number; removed: number }> {
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  for (const stale of names.filter((n) => n.endsWith('.tmp'))) await fsp.rm(path.join(dir, stale), { force: true });
  const files = names.filter((n) => n.endsWith('.eml')).map((n) => path.join(dir, n));
  const stats = await Promise.all(files.map(async (f) => ({ file: f, stat: await fsp.stat(f) })));
  stats.sort((a, b) => a.stat.mtimeMs - b.stat.mtimeMs || a.file.localeCompare(b.file));
  return db.transaction(() => {
    const rows = db.prepare('SELECT * FROM messages WHERE mailbox_id = ?').all(box.id) as MessageFileRow[];
    const known = new Set(rows.map((r) => r.path));
    const present = new Set(files);
    let removed = 0;
    for (const r of rows) {
      if (!present.has(r.path)) {
        db.prepare('DELETE FROM messages WHERE id = ?').run(r.id);
        removed++;
      }
    }
    let uid = Math.max(box.uidNext, ...rows.map((r) => r.uid + 1));
    let modseq = box.highestModseq;
    let added = 0;
    for (const s of stats) {
      if (known.has(s.file)) continue;
      modseq++;
      db
        .prepare('INSERT INTO messages (mailbox_id, uid, modseq, flags, internal_date, size, path) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(box.id, uid++, modseq, '', Math.floor(s.stat.mtimeMs), s.stat.size, s.file);
      added++;
    }
    const totals = db
      .prepare('SELECT COUNT(*) AS n, COALESCE(SUM(size), 0) AS bytes FROM messages WHERE mailbox_id = ?')
      .get(box.id) as { n: number; bytes: number };
    db
      .prepare('UPDATE mailboxes SET uidnext = ?, highest_modseq = ?, message_count = ?, total_size = ? WHERE id = ?')
      .run(uid, modseq + (removed ? 1 : 0), totals.n, totals.bytes, box.id);
    return { added, removed };
  })();
}
