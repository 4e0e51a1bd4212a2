/**
 * Errors of the disk or the database that are the server's passing state, not the
 * client's fault: each protocol answers them with its "try again later" reply
 * (SMTP 452 4.3.1, IMAP NO [UNAVAILABLE], POP3 -ERR [SYS/TEMP], GraphQL INSUFFICIENT_SPACE)
 * and carries on. Nothing here may ever stop the engine.
 */

/** No room left: a full file system, a user quota of the file system, or SQLite's own "disk is full". */
const DISK_FULL = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);

/** Faults that pass by themselves: descriptors, locks, an I/O hiccup. */
const PASSING = new Set(['EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY', 'EIO', 'SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_IOERR']);

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function isDiskFull(err: unknown): boolean {
  const code = codeOf(err);
  if (code && DISK_FULL.has(code)) return true;
  // A stream or a wrapper may keep the real cause one level down.
  const cause = (err as { cause?: unknown } | null)?.cause;
  return cause !== undefined && cause !== err && isDiskFull(cause);
}

/** Disk full, or another fault after which the same request may well succeed. */
export function isTemporaryFault(err: unknown): boolean {
  const code = codeOf(err);
  return isDiskFull(err) || (code !== undefined && (PASSING.has(code) || code.startsWith('SQLITE_IOERR')));
}
