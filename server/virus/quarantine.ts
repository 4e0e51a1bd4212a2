import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Db } from '../db/database';
import type { Queue } from '../queue/queue';
import { newQueueId } from '../queue/queue';
import { writeFileDurably } from '../store/durable-fs';

export interface QuarantinedMessage {
  id: string;
  quarantinedAt: Date;
  sender: string;
  /** The local recipients it was meant for: queue targets ("local:<id>") and the address the client used. */
  recipients: { address: string; original: string }[];
  virus: string;
  subject: string;
  size: number;
  file: string;
  client: string;
}

interface QuarantineRow {
  id: string;
  quarantined_at: number;
  sender: string;
  recipients: string;
  virus: string;
  subject: string;
  size: number;
  path: string;
  client: string;
}

/**
 * Infected messages kept for the administrator: a file in <data-dir>/quarantine and a
 * row. Release puts the message back on the queue for its original recipients, marked
 * so the virus stage lets it through once; delete removes file and row.
 */
export class Quarantine {
  constructor(
    private readonly db: Db,
    readonly dir: string,
    private readonly queue: Queue,
  ) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Exemptions of released messages that have left the queue are done with. Only here, at
    // start-up: a release in progress has its exemption before its queue row exists.
    db.prepare('DELETE FROM virus_scan_exempt WHERE queue_id NOT IN (SELECT id FROM queue)').run();
  }

  /** Copies the message (without the spool's Return-Path line) in; the file is fsynced before the row exists. */
  async add(input: { sender: string; recipients: { address: string; original: string }[]; virus: string; client: string; file: string; start: number }): Promise<QuarantinedMessage> {
    const id = `${Date.now().toString(36)}${crypto.randomBytes(5).toString('hex')}`;
    const file = path.join(this.dir, `${id}.eml`);
    const size = await writeFileDurably(file, [fs.createReadStream(input.file, { start: input.start })]);
    const subject = await subjectOf(file);
    this.db
      .prepare('INSERT INTO quarantine (id, quarantined_at, sender, recipients, virus, subject, size, path, client) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, Date.now(), input.sender, JSON.stringify(input.recipients), input.virus, subject, size, file, input.client);
    return this.get(id) as QuarantinedMessage;
  }

  list(): QuarantinedMessage[] {
    return (this.db.prepare('SELECT * FROM quarantine ORDER BY quarantined_at, id').all() as QuarantineRow[]).map(toMessage);
  }

  get(id: string): QuarantinedMessage | undefined {
    const row = this.db.prepare('SELECT * FROM quarantine WHERE id = ?').get(id) as QuarantineRow | undefined;
    return row && toMessage(row);
  }

  /** Queues the message for its original recipients, skipping the virus scan; returns the queue ID. */
  async release(id: string): Promise<string | undefined> {
    const m = this.get(id);
    if (!m) return undefined;
    const queueId = newQueueId();
    this.db.prepare('INSERT INTO virus_scan_exempt (queue_id) VALUES (?)').run(queueId);
    const prefix = Buffer.from(`Return-Path: <${m.sender}>\r\n`);
    try {
      await this.queue.enqueue({ id: queueId, sender: m.sender, recipients: m.recipients, client: m.client, localPrefix: prefix.length }, [prefix, fs.createReadStream(m.file)]);
    } catch (err) {
      this.db.prepare('DELETE FROM virus_scan_exempt WHERE queue_id = ?').run(queueId);
      throw err;
    }
    this.db.prepare('DELETE FROM quarantine WHERE id = ?').run(id);
    await fsp.rm(m.file, { force: true });
    return queueId;
  }

  async delete(id: string): Promise<boolean> {
    const m = this.get(id);
    if (!m) return false;
    this.db.prepare('DELETE FROM quarantine WHERE id = ?').run(id);
    await fsp.rm(m.file, { force: true });
    return true;
  }

  /** True for a message released from quarantine: it is not scanned again. */
  isExempt(queueId: string): boolean {
    return this.db.prepare('SELECT 1 FROM virus_scan_exempt WHERE queue_id = ?').get(queueId) !== undefined;
  }
}

function toMessage(r: QuarantineRow): QuarantinedMessage {
  return {
    id: r.id,
    quarantinedAt: new Date(r.quarantined_at),
    sender: r.sender,
    recipients: JSON.parse(r.recipients) as { address: string; original: string }[],
    virus: r.virus,
    subject: r.subject,
    size: r.size,
    file: r.path,
    client: r.client,
  };
}

/** The Subject header (unfolded, undecoded) from the first 64 KB. */
async function subjectOf(file: string): Promise<string> {
  const handle = await fsp.open(file, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    const text = buf.subarray(0, bytesRead).toString('latin1');
    const end = text.search(/\r?\n\r?\n/);
    const header = end >= 0 ? text.slice(0, end) : text;
    const m = /^subject:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(header);
    return m ? m[1].replace(/\r?\n[ \t]+/g, ' ').trim().slice(0, 998) : '';
  } finally {
    await handle.close();
  }
}
