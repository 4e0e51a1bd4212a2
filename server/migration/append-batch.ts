import type { MigrationLedger } from './ledger';
import { type FolderProgress, type MigrationContext, MigrationError } from './types';

/** A message read from a source, ready for the store. */
export interface SourceMessage {
  raw: Buffer;
  flags: string[];
  internalDate: Date;
  /** What identifies it at the source across runs (see MigrationLedger). */
  key: string;
}

/** How many messages, and how many bytes, a batch holds at most: one store transaction (one fsync of the index) each. */
export const BATCH_MESSAGES = 200;
export const BATCH_BYTES = 32 * 1024 * 1024;

/**
 * Appends a batch to a user's mailbox through the store's own door (the one IMAP APPEND
 * uses: files fsynced, then one transaction), recording in that same transaction what was
 * copied, so a run stopped at any instant neither loses nor repeats a message.
 */
export async function appendBatch(
  ctx: MigrationContext,
  ledger: MigrationLedger,
  folder: FolderProgress,
  batch: SourceMessage[],
  state?: { uidValidity: number; lastUid: number },
): Promise<void> {
  const bytes = batch.reduce((n, m) => n + m.raw.length, 0);
  if (bytes > 0 && !(await ctx.diskReserve.hasRoom(bytes))) {
    throw new MigrationError('INSUFFICIENT_SPACE', `not enough free disk space to copy more messages into "${folder.target}"; free space and start the migration again to resume`);
  }
  await ctx.store.append(
    batch.map((m) => ({ userId: ledger.userId, mailbox: folder.target, flags: m.flags, internalDate: m.internalDate, source: { parts: [m.raw] } })),
    () => ledger.record(folder.source, batch.map((m) => m.key), state),
  );
  folder.copied += batch.length;
  folder.bytes += bytes;
}
