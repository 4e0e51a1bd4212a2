import type { ImapSession } from '../session/imap-session';

/** True when adding `bytes` would take the user over quota (0 = no quota). Reads the current quota, not the one at login. */
export function wouldExceedQuota(s: ImapSession, bytes: number): boolean {
  const user = s.ctx.directory.user(s.user!.id) ?? s.user!;
  const q = s.ctx.accounts.quota(user);
  return q.limitBytes > 0 && q.usedBytes + bytes > q.limitBytes;
}
