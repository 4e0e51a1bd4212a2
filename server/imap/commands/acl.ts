import { ALL_RIGHTS, NEGATIVE, canonicalRights, identifierProblem } from '../../store/acl';
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

/** The reason an identifier cannot be used, if it cannot (see identifierProblem). */
function checkIdentifier(s: ImapSession, raw: string): string | undefined {
  return identifierProblem(raw, (name) => s.ctx.directory.userByName(name)?.shortName === name);
}

/** Whether an identifier (or its negative) names the owner of a personal mailbox, who always has every right. */
const isOwner = (a: MailboxAccess, raw: string) => !!a.owner && (raw === a.owner.shortName || raw === NEGATIVE + a.owner.shortName);

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
      const problem = checkIdentifier(s, rawId);
      if (problem) return no(problem, 'INVALID');
      if (isOwner(a, rawId)) return no('The owner always has every right', 'CANNOT');
      const mode = rawRights.startsWith('+') ? '+' : rawRights.startsWith('-') ? '-' : '';
      const rights = parseRights(mode ? rawRights.slice(1) : rawRights);
      if (rights === undefined) return no('Unknown right (rights are lrswipkxtea)', 'INVALID');
      const current = s.ctx.store.acl.entries(a.box.id).find((e) => e.identifier === rawId)?.rights ?? '';
      const next = mode === '+' ? current + rights : mode === '-' ? current.replace(new RegExp(`[${rights || ' '}]`, 'g'), '') : rights;
      s.ctx.store.acl.set(a.box.id, rawId, next);
      s.log.event('setacl', { user: s.user!.shortName, mailbox: a.visible, identifier: rawId, rights: canonicalRights(next) });
      return ok('SETACL completed');
    },
  },

  DELETEACL: {
    states: AUTHENTICATED,
    async run(s, args) {
      const got = administered(s, args, 1);
      if (isResult(got)) return got;
      const { a, values: [rawId] } = got;
      if (isOwner(a, rawId)) return no('The owner always has every right', 'CANNOT');
      s.ctx.store.acl.remove(a.box.id, rawId);
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
