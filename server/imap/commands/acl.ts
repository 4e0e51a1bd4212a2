import { ALL_RIGHTS, type AclChangeContext, AclError, canonicalRights } from '../../store/acl';
import { nstring } from '../protocol/encode';
import { type MailboxAccess, access, has } from '../session/access';
import { AUTHENTICATED, type CommandResult, type CommandSpec, no, ok } from '../session/command-types';
import type { ImapSession } from '../session/imap-session';
import { mailboxOut, readFinalMailboxName, readMailboxName } from './names';

/**
 * ACL (RFC 4314). Identifiers are user short names, "anyone" and "group:NAME" (Cyrus's
 * spelling), each optionally with a "-" in front for negative rights; the owner of a
 * personal mailbox has every right and cannot be given fewer. The obsolete "c" and "d" of
 * RFC 2086 are taken as "k" and "xte" (RFC 4314 section 2.1.1, as RIGHTS=texk says).
 */

const NOPERM = (): CommandResult => no('Permission denied', 'NOPERM');
const NONEXISTENT = (): CommandResult => no('Mailbox does not exist', 'NONEXISTENT');

/** What the ACL rules check a change against (server/store/acl.ts). */
function changeContext(s: ImapSession, a: MailboxAccess): AclChangeContext {
  return { ownerShortName: a.owner?.shortName, isUser: (name) => s.ctx.directory.userByName(name)?.shortName === name };
}

/** The rules' refusal in IMAP's words. */
function refused(err: unknown): CommandResult {
  if (!(err instanceof AclError)) throw err;
  return err.code === 'OWNER' ? no('The owner always has every right', 'CANNOT') : no(err.message, 'INVALID');
}

/** A rights string as sent, with "c" and "d" expanded; undefined when it names a right that does not exist. */
function parseRights(text: string): string | undefined {
  const expanded = text.replace(/c/g, 'k').replace(/d/g, 'xte');
  for (const ch of expanded) if (!ALL_RIGHTS.includes(ch)) return undefined;
  return canonicalRights(expanded);
}

/** The mailbox named, if the session has `needed` on it (the NO to answer otherwise). */
function withRights(s: ImapSession, name: string, needed: (rights: string) => boolean): MailboxAccess | CommandResult {
  const a = access(s, name);
  if (!a) return NONEXISTENT();
  if (!needed(a.rights)) return NOPERM();
  return a;
}

const isResult = <T extends object>(x: T | CommandResult): x is CommandResult => 'status' in x;

/** Reads `SP mailbox` and `count` more `SP astring` arguments to the end; the caller must hold 'a' (administer) on the mailbox. */
function administered(s: ImapSession, args: Parameters<CommandSpec['run']>[1], count: number): { a: MailboxAccess; values: string[] } | CommandResult {
  args.sp();
  const name = readMailboxName(args);
  const values: string[] = [];
  for (let i = 0; i < count; i++) {
    args.sp();
    values.push(args.astring().toString('utf8'));
  }
  args.end();
  const a = withRights(s, name, (r) => has(r, 'a'));
  return isResult(a) ? a : { a, values };
}

export const aclCommands: Record<string, CommandSpec> = {
  SETACL: {
    states: AUTHENTICATED,
    async run(s, args) {
      const got = administered(s, args, 2);
      if (isResult(got)) return got;
      const { a, values: [rawId, rawRights] } = got;
      const mode = rawRights.startsWith('+') ? '+' : rawRights.startsWith('-') ? '-' : '';
      const rights = parseRights(mode ? rawRights.slice(1) : rawRights);
      let next: string;
      try {
        s.ctx.store.acl.checkIdentifier(rawId, changeContext(s, a));
        // Rights as sent, with RFC 2086's "c" and "d" (which the shared rule does not know) expanded.
        if (rights === undefined) return no('Unknown right (rights are lrswipkxtea)', 'INVALID');
        next = s.ctx.store.acl.change(a.box.id, rawId, rights, changeContext(s, a), mode);
      } catch (err) {
        return refused(err);
      }
      s.log.event('setacl', { user: s.user!.shortName, mailbox: a.visible, identifier: rawId, rights: next });
      return ok('SETACL completed');
    },
  },

  DELETEACL: {
    states: AUTHENTICATED,
    async run(s, args) {
      const got = administered(s, args, 1);
      if (isResult(got)) return got;
      const { a, values: [rawId] } = got;
      try {
        s.ctx.store.acl.removeEntry(a.box.id, rawId, changeContext(s, a));
      } catch (err) {
        return refused(err);
      }
      return ok('DELETEACL completed');
    },
  },

  GETACL: {
    states: AUTHENTICATED,
    async run(s, args) {
      const got = administered(s, args, 0);
      if (isResult(got)) return got;
      const { a } = got;
      // A public folder has no owner: only its entries.
      const pairs = a.owner ? [`${nstring(a.owner.shortName)} ${ALL_RIGHTS}`] : [];
      for (const e of s.ctx.store.acl.entries(a.box.id)) pairs.push(`${nstring(e.identifier)} ${e.rights}`);
      await s.write(`* ACL ${mailboxOut(a.visible, s.utf8Accept)}${pairs.map((p) => ' ' + p).join('')}\r\n`);
      return ok('GETACL completed');
    },
  },

  LISTRIGHTS: {
    states: AUTHENTICATED,
    async run(s, args) {
      const got = administered(s, args, 1);
      if (isResult(got)) return got;
      const { a, values: [rawId] } = got;
      // The owner has every right, always; anyone else may be given any of them, none is required.
      const rights = a.owner && rawId === a.owner.shortName ? ALL_RIGHTS : `"" ${ALL_RIGHTS.split('').join(' ')}`;
      await s.write(`* LISTRIGHTS ${mailboxOut(a.visible, s.utf8Accept)} ${nstring(rawId)} ${rights}\r\n`);
      return ok('LISTRIGHTS completed');
    },
  },

  MYRIGHTS: {
    states: AUTHENTICATED,
    async run(s, args) {
      const name = readFinalMailboxName(args);
      const a = access(s, name);
      if (!a) return NONEXISTENT();
      await s.write(`* MYRIGHTS ${mailboxOut(a.visible, s.utf8Accept)} ${a.rights}\r\n`);
      return ok('MYRIGHTS completed');
    },
  },
};
