import type { ImapFlow, ListResponse } from 'imapflow';
import { headerFields } from '../mail/header-fields';
import { inTurns, moduleSteps } from '../net/turns';
import { appendBatch, BATCH_BYTES, BATCH_MESSAGES, type SourceMessage } from './append-batch';
import { ensureMailbox, targetMailboxName, VIRTUAL_SPECIAL_USE } from './folder-names';
import { MigrationLedger } from './ledger';
import type { RunHandle } from './run-handle';
import { type FolderProgress, type ImapSource, type MigrationContext, MigrationError } from './types';

/** imapflow's dependencies, in an order where each loads little that the ones before have not. */
const IMAPFLOW_PARTS = ['iconv-lite', 'encoding-japanese', 'libqp', 'libbase64', 'libmime', '@zone-eu/mailsplit', 'pino', 'socks'];

/** How a run names an IMAP source (no password), as GraphQL shows it. */
export function imapSourceName(source: ImapSource): string {
  return `imap://${encodeURIComponent(source.authorizeAs ?? source.username)}@${source.host}:${imapPort(source)}`;
}

/** The ledger's key of an IMAP account: the same mailbox whichever port or TLS mode reaches it. */
function imapLedgerKey(source: ImapSource): string {
  return `imap://${encodeURIComponent((source.authorizeAs ?? source.username).toLowerCase())}@${source.host.toLowerCase()}`;
}

function imapPort(source: ImapSource): number {
  return source.port ?? (source.tls === 'implicit' ? 993 : 143);
}

interface FolderPlan {
  entry: ListResponse;
  levels: string[];
  progress: FolderProgress;
}

/**
 * Copies one user's mail from a remote IMAP server, imapsync-style: every folder (its
 * levels under our "/" separator, special-use folders into ours), flags and keywords,
 * internal dates. Per folder the ledger keeps UIDVALIDITY and the last UID copied, so a
 * second run fetches only newer messages; when UIDVALIDITY changed, messages are matched by
 * Message-ID, internal date and size instead. A connection lost mid-run is opened again
 * (reconnectAttempts, after 2, 10 and 30 s), carrying on from what was committed; when it
 * cannot be, the run ends with CONNECTION_LOST and the next run carries on from there.
 */
export async function importImap(ctx: MigrationContext, userId: number, source: ImapSource, run: RunHandle): Promise<void> {
  const attempts = source.reconnectAttempts ?? RECONNECT_DELAYS_MS.length;
  for (let attempt = 0; ; attempt++) {
    try {
      return await importOnce(ctx, userId, source, run, attempt > 0);
    } catch (err) {
      const retryable = err instanceof MigrationError && (err.code === 'CONNECTION_LOST' || (attempt > 0 && err.code === 'CONNECTION_FAILED'));
      if (!retryable || attempt >= attempts) throw err;
      const delay = RECONNECT_DELAYS_MS[Math.min(attempt, RECONNECT_DELAYS_MS.length - 1)];
      ctx.log.message('migration: connection lost, reconnecting', { user: userId, source: imapSourceName(source), attempt: attempt + 1, inSeconds: delay / 1000, error: err.message });
      await abortableDelay(delay, run.signal);
      if (run.signal.aborted) throw new MigrationError('CANCELLED', 'the migration was cancelled; what was copied stays, and starting it again resumes');
    }
  }
}

/** Waits between reconnection attempts: a server restarting, a network blip. */
const RECONNECT_DELAYS_MS = [2_000, 10_000, 30_000];

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

async function importOnce(ctx: MigrationContext, userId: number, source: ImapSource, run: RunHandle, resuming: boolean): Promise<void> {
  const ledger = new MigrationLedger(ctx.db, userId, imapLedgerKey(source));
  const where = `${source.host}:${imapPort(source)}`;
  // imapflow (with pino and socks) loads at the first import, not at the engine's start-up: its
  // dependencies a turn of the event loop each (all at once took 136 ms, a stall of the mail
  // flowing meanwhile; the largest piece is encoding-japanese, about 45 ms).
  await inTurns(moduleSteps(IMAPFLOW_PARTS, 'imapflow'));
  const { ImapFlow } = await import('imapflow');
  const client = new ImapFlow({
    host: source.host,
    port: imapPort(source),
    secure: source.tls === 'implicit',
    doSTARTTLS: source.tls === 'starttls' ? true : source.tls === 'none' ? false : undefined,
    auth: source.authorizeAs ? { user: source.username, pass: source.password, authzid: source.authorizeAs, loginMethod: 'AUTH=PLAIN' } : { user: source.username, pass: source.password },
    tls: { rejectUnauthorized: source.verifyCertificate !== false },
    logger: false,
    disableAutoIdle: true,
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 5 * 60_000,
  });
  // Without a listener an 'error' event would end the process; the command that failed reports it.
  client.on('error', () => undefined);
  const onAbort = () => client.close();
  run.signal.addEventListener('abort', onAbort);
  let current: FolderProgress | undefined;
  try {
    try {
      await client.connect();
    } catch (err) {
      // [UNAVAILABLE] and the like are the server's trouble, not a wrong password: worth another attempt.
      if ((err as { authenticationFailed?: boolean }).authenticationFailed && !/UNAVAILABLE|temporar/i.test(describe(err))) {
        throw new MigrationError('AUTHENTICATION_FAILED', `${where} refused the login of "${source.username}"${source.authorizeAs ? ` for "${source.authorizeAs}"` : ''}: ${describe(err)}`);
      }
      throw new MigrationError('CONNECTION_FAILED', `cannot connect to ${where}: ${describe(err)}`);
    }
    const plans = planFolders(await client.list(), source, ctx, userId);
    for (const plan of plans) {
      // After a reconnection the folders' progress so far carries on.
      const earlier = resuming ? run.folders.find((f) => f.source === plan.progress.source) : undefined;
      if (earlier) plan.progress = earlier;
      else run.folders.push(plan.progress);
    }
    run.changed();
    for (const plan of plans) {
      current = plan.progress;
      ensureMailbox(ctx.store, userId, plan.progress.target, plan.entry.subscribed);
      if (plan.entry.flags.has('\\Noselect') || plan.entry.flags.has('\\NonExistent')) continue;
      try {
        await copyFolder(ctx, client, ledger, plan, run);
        delete plan.progress.error;
      } catch (err) {
        // A folder the server refuses (NO, BAD) does not stop the others, as imapsync goes on.
        const status = (err as { responseStatus?: string }).responseStatus;
        if (!client.usable || (status !== 'NO' && status !== 'BAD')) throw err;
        plan.progress.error = `the server refused it: ${describe(err)}`;
        run.changed();
      }
    }
    await client.logout().catch(() => undefined);
    const refused = plans.filter((p) => p.progress.error);
    if (refused.length) {
      throw new MigrationError('FOLDERS_REFUSED', `${refused.length} folder(s) could not be copied (${refused.map((p) => `"${p.progress.source}": ${p.progress.error}`).join('; ')}); the others were`);
    }
  } catch (err) {
    if (run.signal.aborted) throw new MigrationError('CANCELLED', 'the migration was cancelled; what was copied stays, and starting it again resumes');
    if (err instanceof MigrationError) throw err;
    if (isConnectionError(err) || !client.usable) {
      const at = current ? ` while copying "${current.source}" (${current.copied} of ${current.total} copied in this run)` : '';
      throw new MigrationError('CONNECTION_LOST', `the connection to ${where} was lost${at}: ${describe(err)}; what was copied stays and is not copied twice: start the migration again to resume`);
    }
    throw err;
  } finally {
    run.signal.removeEventListener('abort', onAbort);
    client.close();
  }
}

/** The source folders to copy, in listing order (parents first), each with its target mailbox. */
function planFolders(entries: ListResponse[], source: ImapSource, ctx: MigrationContext, userId: number): FolderPlan[] {
  // Courier and Cyrus put every folder under "INBOX.": those levels go to the top here.
  const underInbox = entries.length > 1 && entries.every((e) => e.path.toUpperCase() === 'INBOX' || (e.delimiter && e.path.toUpperCase().startsWith('INBOX' + e.delimiter)));
  const wanted = source.folders?.length ? source.folders : undefined;
  const plans: FolderPlan[] = [];
  for (const entry of entries) {
    if (entry.specialUse && VIRTUAL_SPECIAL_USE.has(entry.specialUse)) continue;
    if (wanted && !wanted.some((w) => entry.path === w || (entry.delimiter && entry.path.startsWith(w + entry.delimiter)))) continue;
    let levels = entry.delimiter ? entry.path.split(entry.delimiter) : [entry.path];
    if (underInbox && levels.length > 1) levels = levels.slice(1);
    const specialUse = entry.specialUse === '\\Inbox' ? undefined : entry.specialUse;
    const target = targetMailboxName(levels, specialUse, ctx.store, userId);
    plans.push({ entry, levels, progress: { source: entry.path, target, total: 0, copied: 0, skipped: 0, bytes: 0 } });
  }
  return plans;
}

interface RemoteMessage {
  uid: number;
  size: number;
  key: string;
}

async function copyFolder(ctx: MigrationContext, client: ImapFlow, ledger: MigrationLedger, plan: FolderPlan, run: RunHandle): Promise<void> {
  const folder = plan.progress;
  const box = await client.mailboxOpen(plan.entry.path, { readOnly: true });
  const uidValidity = Number(box.uidValidity);
  const known = ledger.folderState(folder.source);
  const sameValidity = known?.uidValidity === uidValidity;
  const after = sameValidity ? known.lastUid : 0;
  if (box.exists === 0) {
    if (!sameValidity) await appendBatch(ctx, ledger, folder, [], { uidValidity, lastUid: 0 });
    return;
  }
  // What is newer than the last copy, without the bodies: the sizes make the batches. After a
  // UIDVALIDITY change the Message-ID and date too, to recognise what was copied before.
  const renumbered = known !== undefined && !sameValidity;
  let remote: RemoteMessage[] = [];
  const query = renumbered ? { uid: true, size: true, internalDate: true, headers: ['message-id'] } : { uid: true, size: true };
  for await (const m of client.fetch(`${after + 1}:*`, query, { uid: true })) {
    if (m.uid <= after) continue;
    remote.push({ uid: m.uid, size: m.size ?? 0, key: renumbered ? messageKey(m.headers, m.internalDate, m.size) : '' });
  }
  remote.sort((a, b) => a.uid - b.uid);
  // Counted from what earlier connections of this run did, so a reconnection does not reset the figures.
  folder.total = folder.copied + folder.skipped + remote.length;
  if (renumbered) {
    const copied = ledger.copiedKeys(folder.source, remote.map((m) => m.key));
    folder.skipped += remote.filter((m) => copied.has(m.key)).length;
    remote = remote.filter((m) => !copied.has(m.key));
  }
  run.changed();
  if (remote.length === 0) {
    await appendBatch(ctx, ledger, folder, [], { uidValidity, lastUid: Math.max(after, box.uidNext - 1) });
    return;
  }
  const fetchBatch = async (batch: RemoteMessage[]): Promise<SourceMessage[]> => {
    const sizes = new Map(batch.map((m) => [m.uid, m.size]));
    const fetched: (SourceMessage & { uid: number })[] = [];
    for await (const m of client.fetch(uidSet(batch.map((b) => b.uid)), { uid: true, flags: true, internalDate: true, source: true }, { uid: true })) {
      const size = sizes.get(m.uid);
      if (size === undefined || !m.source) continue;
      fetched.push({ raw: m.source, flags: [...(m.flags ?? [])], internalDate: toDate(m.internalDate), key: messageKey(headerOf(m.source), m.internalDate, size), uid: m.uid });
    }
    // Messages expunged at the source since the listing are simply not there.
    return fetched.sort((a, b) => a.uid - b.uid);
  };
  const all = [...batches(remote)];
  // The next batch is fetched while this one is written: the network and the disk work at once.
  let next = fetchBatch(all[0]);
  for (let i = 0; i < all.length; i++) {
    const fetched = await next;
    if (run.signal.aborted) return;
    if (i + 1 < all.length) {
      next = fetchBatch(all[i + 1]);
      next.catch(() => undefined);
    }
    await appendBatch(ctx, ledger, folder, fetched, { uidValidity, lastUid: all[i].at(-1)!.uid });
    run.changed();
  }
}

/** A message's header (up to the empty line). */
function headerOf(source: Buffer): Buffer {
  const end = source.indexOf('\r\n\r\n');
  const lfEnd = source.indexOf('\n\n');
  const cut = end >= 0 && (lfEnd < 0 || end < lfEnd) ? end + 2 : lfEnd >= 0 ? lfEnd + 1 : source.length;
  return source.subarray(0, cut);
}

/** Batches of ascending UIDs, each at most BATCH_MESSAGES messages and BATCH_BYTES bytes (one message may be more). */
function* batches(messages: RemoteMessage[]): Generator<RemoteMessage[]> {
  let batch: RemoteMessage[] = [];
  let bytes = 0;
  for (const m of messages) {
    if (batch.length && (batch.length >= BATCH_MESSAGES || bytes + m.size > BATCH_BYTES)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(m);
    bytes += m.size;
  }
  if (batch.length) yield batch;
}

/** "1:3,7,9:10" for ascending UIDs. */
export function uidSet(uids: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < uids.length; ) {
    let j = i;
    while (j + 1 < uids.length && uids[j + 1] === uids[j] + 1) j++;
    parts.push(i === j ? String(uids[i]) : `${uids[i]}:${uids[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** Message-ID, internal date and size: what recognises a message again after the source changed its UIDVALIDITY. */
function messageKey(headers: Buffer | undefined, internalDate: Date | string | undefined, size: number | undefined): string {
  const id = headers ? headerFields(headers.toString('latin1').replace(/\r?\n/g, '\r\n'), 'message-id')[0] ?? '' : '';
  return `${id}|${toDate(internalDate).getTime()}|${size ?? 0}`;
}

function toDate(d: Date | string | undefined): Date {
  const date = d === undefined ? new Date() : new Date(d);
  return Number.isNaN(date.getTime()) ? new Date() : date;
}

function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? '';
  return ['NoConnection', 'ETIMEOUT', 'ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ClosedAfterConnectTLS', 'ClosedAfterConnectText'].includes(code) || /connection|socket/i.test(String((err as Error).message));
}

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string; responseText?: string };
  return e.responseText ?? e.message ?? e.code ?? String(err);
}
