import { nstring } from '../protocol/encode';
import { AUTHENTICATED, type CommandSpec, no, ok } from '../session/command-types';
import type { ImapSession } from '../session/imap-session';
import { mailboxOut, readFinalMailboxName } from './names';
import { access } from '../session/access';

/** The one quota root: all of a user's mailboxes share the mail quota set for the user. */
export const QUOTA_ROOT = 'User quota';

function currentQuota(s: ImapSession, ownerId = s.user!.id): { limitBytes: number; usedBytes: number } {
  // Public folders (whose owner row is no user) count against nobody's quota.
  const user = s.ctx.directory.user(ownerId) ?? (ownerId === s.user!.id ? s.user! : undefined);
  return user ? s.ctx.accounts.quota(user) : { limitBytes: 0, usedBytes: 0 };
}

/** True when adding `bytes` would take the user over quota (0 = no quota). Reads the current quota, not the one at login. */
export function wouldExceedQuota(s: ImapSession, bytes: number, ownerId = s.user!.id): boolean {
  const q = currentQuota(s, ownerId);
  return q.limitBytes > 0 && q.usedBytes + bytes > q.limitBytes;
}

/** `* QUOTA "User quota" (STORAGE used limit)` in KiB (RFC 9208 section 5.1), or undefined without a quota. */
function quotaResponse(s: ImapSession): string | undefined {
  const q = currentQuota(s);
  if (q.limitBytes <= 0) return undefined;
  return `* QUOTA ${nstring(QUOTA_ROOT)} (STORAGE ${Math.ceil(q.usedBytes / 1024)} ${Math.floor(q.limitBytes / 1024)})\r\n`;
}

/**
 * QUOTA (RFC 9208) over the user's mail quota (`quotaMb`, set by the administrator):
 * GETQUOTAROOT and GETQUOTA report it; SETQUOTA is refused, as users may not raise their
 * own quota (QUOTASET is not offered).
 */
export const quotaCommands: Record<string, CommandSpec> = {
  GETQUOTAROOT: {
    states: AUTHENTICATED,
    async run(s, args) {
      const name = readFinalMailboxName(args);
      const a = access(s, name);
      if (!a) return no('Mailbox does not exist', 'NONEXISTENT');
      // Another user's mailbox counts against that user's quota and a public folder against none: no root of this user's.
      const quota = a.own ? quotaResponse(s) : undefined;
      await s.write(`* QUOTAROOT ${mailboxOut(a.visible, s.utf8Accept)}${quota ? ' ' + nstring(QUOTA_ROOT) : ''}\r\n${quota ?? ''}`);
      return ok('GETQUOTAROOT completed');
    },
  },

  GETQUOTA: {
    states: AUTHENTICATED,
    async run(s, args) {
      args.sp();
      const root = args.astring().toString('utf8');
      args.end();
      const quota = quotaResponse(s);
      if (root !== QUOTA_ROOT || !quota) return no('No such quota root', 'NONEXISTENT');
      await s.write(quota);
      return ok('GETQUOTA completed');
    },
  },

  SETQUOTA: {
    states: AUTHENTICATED,
    async run() {
      return no('Quotas are set by the mail administrator', 'NOPERM');
    },
  },
};
