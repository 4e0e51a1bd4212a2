import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Db } from '../db/database';
import type { Queue } from '../queue/queue';
import { newQueueId } from '../queue/queue';
import { writeFileDurably } from '../store/durable-fs';

/** virus: infected mail (virusAction quarantine); junk: junk mail (junkAction quarantine). */
export const QUARANTINE_KINDS = ['virus', 'junk'] as const;
export type QuarantineKind = (typeof QUARANTINE_KINDS)[number];

export interface QuarantinedMessage {
  id: string;
  kind: QuarantineKind;
  quarantinedAt: Date;
  sender: string;
  /** The local recipients it was meant for: queue targets ("local:<id>") and the address the client used. */
  recipients: { address: string; original: string }[];
  /** What clamd found; '' for junk. */
  virus: string;
  /** The junk filter's score; undefined for a virus. */
  junkScore: number | undefined;
  subject: string;
  size: number;
  file: string;
  client: string;
}

interface QuarantineRow {
  id: string;
  kind: QuarantineKind;
  junk_score: number | null;
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
 * Infected messages and junk kept for the administrator: a file in <data-dir>/quarantine and
 * a row. Release puts the message back on the queue for its original recipients, marked so
 * that screening (the virus and the junk stage) lets it through once; delete removes file
 * and row.
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

  /**
   * Copies the message (without the spool's Return-Path line, after `headers` when given: the
   * junk verdict's) in; the file is fsynced before the row exists.
   */
  async add(input: {
    kind: QuarantineKind;
    sender: string;
    recipients: { address: string; original: string }[];
    virus?: string;
    junkScore?: number;
    headers?: string[];
    client: string;
    file: string;
    start: number;
  }): Promise<QuarantinedMessage> {
    const id = `${Date.now().toString(36)}${crypto.randomBytes(5).toString('hex')}`;
    const file = path.join(this.dir, `${id}.eml`);
    const head = input.headers?.length ? [Buffer.from(input.headers.join(''), 'latin1')] : [];
    const size = await writeFileDurably(file, [...head, fs.createReadStream(input.file, { start: input.start })]);
    const subject = await subjectOf(file);
    this.db
      .prepare('INSERT INTO quarantine (id, kind, quarantined_at, sender, recipients, virus, junk_score, subject, size, path, client) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, input.kind, Date.now(), input.sender, JSON.stringify(input.recipients), input.virus ?? '', input.junkScore ?? null, subject, size, file, input.client);
    return this.get(id) as QuarantinedMessage;
  }

  /** Oldest first; of one kind when given. */
  list(kind?: QuarantineKind): QuarantinedMessage[] {
    const rows = kind
      ? this.db.prepare('SELECT * FROM quarantine WHERE kind = ? ORDER BY quarantined_at, id').all(kind)
      : this.db.prepare('SELECT * FROM quarantine ORDER BY quarantined_at, id').all();
    return (rows as QuarantineRow[]).map(toMessage);
  }

  get(id: string): QuarantinedMessage | undefined {
    const row = this.db.prepare('SELECT * FROM quarantine WHERE id = ?').get(id) as QuarantineRow | undefined;
    return row && toMessage(row);
  }

  /** Queues the message for its original recipients, skipping screening (virus and junk); returns the queue ID. */
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

  /** True for a message released from quarantine: it is not screened again (virus or junk). */
  isExempt(queueId: string): boolean {
    return this.db.prepare('SELECT 1 FROM virus_scan_exempt WHERE queue_id = ?').get(queueId) !== undefined;
  }
}

function toMessage(r: QuarantineRow): QuarantinedMessage {
  return {
    id: r.id,
    kind: r.kind,
    quarantinedAt: new Date(r.quarantined_at),
    sender: r.sender,
    recipients: JSON.parse(r.recipients) as { address: string; original: string }[],
    virus: r.virus,
    junkScore: r.junk_score ?? undefined,
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
