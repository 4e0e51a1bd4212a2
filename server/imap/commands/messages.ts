import type { FlagMode } from '../../store/types';
import { ParseError } from '../protocol/command-cursor';
import { formatSet } from '../protocol/sequence-set';
import { type CommandResult, type CommandSpec, SELECTED, bad, no, ok } from '../session/command-types';
import { checkStorableFlags, flagList, permittedFlags } from '../session/flags';
import type { ImapSession } from '../session/imap-session';
import { loadMetas, resolveTargets } from './message-set';
import { readFinalMailboxName } from './names';
import { access, has } from '../session/access';
import { wouldExceedQuota } from './quota';

const READ_ONLY = (): CommandResult => no('Mailbox is open read-only', 'CANNOT');
const NOPERM = (): CommandResult => no('Permission denied', 'NOPERM');

async function copyOrMove(s: ImapSession, setText: string, name: string, uid: boolean, move: boolean): Promise<CommandResult> {
  const view = s.selected!;
  if (move && view.readOnly) return READ_ONLY();
  // MOVE removes from the source: it needs the rights to delete and expunge there (RFC 6851 section 3.3, RFC 4314).
  if (move && !has(view.rights, 'te')) return NOPERM();
  const targets = resolveTargets(s, setText, uid);
  const a = access(s, name);
  if (!a) return no('Mailbox does not exist', 'TRYCREATE');
  if (!has(a.rights, 'i')) return NOPERM();
  const dest = a.box;
  // With their summaries: the copies keep them, and the store need not read the rows again.
  const metas = loadMetas(s, targets, { summary: true });
  const present = targets.filter((t) => metas.has(t.uid));
  if (present.length < targets.length && !uid) return no('Some of the messages no longer exist', 'EXPUNGEISSUED');
  const bytes = present.reduce((sum, t) => sum + metas.get(t.uid)!.size, 0);
  if (dest.id !== view.mailbox.id && wouldExceedQuota(s, bytes, a.ownerId)) return no('Quota exceeded', 'OVERQUOTA');
  const verb = move ? 'MOVE' : 'COPY';
  if (present.length === 0) return ok(`${verb} completed, nothing to do`);
  const r = await s.ctx.store.copyMessages(view.mailbox.id, present.map((t) => metas.get(t.uid)!), dest.id, s.user!.id);
  const code = r.pairs.length ? `COPYUID ${r.uidValidity} ${formatSet(r.pairs.map((p) => p[0]))} ${formatSet(r.pairs.map((p) => p[1]))}` : undefined;
  if (!move) return ok(`${verb} completed`, code);
  if (code) await s.write(`* OK [${code}] Moved\r\n`);
  await s.ctx.store.expunge(view.mailbox.id, r.pairs.map((p) => p[0]), s);
  return ok(`${verb} completed`);
}

export const messageCommands: Record<string, CommandSpec> = {
  STORE: {
    states: SELECTED,
    uid: true,
    async run(s, args, call) {
      args.sp();
      const setText = args.token();
      args.sp();
      let unchangedSince: number | undefined;
      if (args.peek() === 0x28) {
        // store-modifiers of RFC 4466: UNCHANGEDSINCE (RFC 7162 section 3.1.3).
        args.list(() => {
          if (!args.maybeKeyword('UNCHANGEDSINCE')) throw new ParseError('unknown STORE modifier');
          args.sp();
          unchangedSince = args.number();
        }, false);
        args.sp();
      }
      const item = /^([+-]?)FLAGS(\.SILENT)?$/i.exec(args.atom());
      if (!item) throw new ParseError('expected FLAGS, +FLAGS or -FLAGS');
      args.sp();
      const flags = args.flagList(true);
      args.end();
      const problem = checkStorableFlags(flags);
      if (problem) return bad(problem);
      const mode: FlagMode = item[1] === '+' ? 'add' : item[1] === '-' ? 'remove' : 'replace';
      const view = s.selected!;
      if (view.readOnly) return READ_ONLY();
      // Flags the session has no right to change are left alone; none at all is a NO (RFC 4314 section 4).
      const allowed = permittedFlags(view.rights, flags);
      if (flags.length && !allowed.length) return NOPERM();
      if (mode === 'replace' && !has(view.rights, 'stw')) return NOPERM();
      if (unchangedSince !== undefined) await s.enableCondstore();
      const targets = resolveTargets(s, setText, call.uid);
      const candidates = targets.filter((t) => !view.isExpungedElsewhere(t.uid));
      const r = s.ctx.store.setFlags(view.mailbox.id, candidates.map((t) => t.uid), mode, allowed, { origin: s, unchangedSince, viewer: s.user!.id });
      const failed = new Set(r.failedUnchangedSince);
      const changed = new Set(r.changed.map((m) => m.uid));
      const live = candidates.filter((t) => !failed.has(t.uid));
      const metas = loadMetas(s, live);
      const announce = view.announceKeywords(allowed);
      if (announce) await s.write(announce);
      const lines: string[] = [];
      for (const t of live) {
        const m = metas.get(t.uid);
        if (!m) continue;
        const uidPart = call.uid ? `UID ${t.uid} ` : '';
        const modseq = s.condstore ? `MODSEQ (${m.modseq})` : '';
        // Under CONDSTORE even .SILENT reports the new MODSEQ of what changed (RFC 7162 section 3.1.3).
        if (!item[2]) lines.push(`* ${t.seq} FETCH (${uidPart}FLAGS ${flagList(m.flags, view.recent.has(t.uid))}${modseq ? ' ' + modseq : ''})\r\n`);
        else if (modseq && changed.has(t.uid)) lines.push(`* ${t.seq} FETCH (${uidPart}${modseq})\r\n`);
      }
      await s.write(lines.join(''));
      const modified = failed.size ? `MODIFIED ${formatSet(targets.filter((t) => failed.has(t.uid)).map((t) => (call.uid ? t.uid : t.seq)))}` : undefined;
      // Messages another session expunged are left out without an error (RFC 2180 section 4.2.1), as Dovecot does:
      // the flags could not be kept anyway, and a NO would make clients retry a STORE that cannot succeed.
      return ok(modified ? 'Some messages were modified since' : `${call.uid ? 'UID ' : ''}STORE completed`, modified);
    },
  },

  COPY: copyCommand(false),
  MOVE: copyCommand(true),

  EXPUNGE: {
    states: SELECTED,
    uid: true,
    async run(s, args, call) {
      let uids: number[] | undefined;
      const view = s.selected!;
      if (call.uid) {
        args.sp();
        const setText = args.token();
        args.end();
        if (view.readOnly) return READ_ONLY();
        if (!has(view.rights, 'e')) return NOPERM();
        const candidates = resolveTargets(s, setText, true).map((t) => t.uid);
        const metas = loadMetas(s, candidates.map((u) => ({ uid: u, seq: 0 })));
        uids = candidates.filter((u) => metas.get(u)?.flags.includes('\\Deleted'));
        if (uids.length === 0) return ok('UID EXPUNGE completed');
      } else {
        args.end();
        if (view.readOnly) return READ_ONLY();
        if (!has(view.rights, 'e')) return NOPERM();
      }
      await s.ctx.store.expunge(view.mailbox.id, uids, s);
      return ok(`${call.uid ? 'UID ' : ''}EXPUNGE completed`);
    },
  },
};

/** COPY and MOVE (and their UID forms) take the same arguments: a set and a mailbox. */
function copyCommand(move: boolean): CommandSpec {
  return {
    states: SELECTED,
    uid: true,
    async run(s, args, call) {
      args.sp();
      const setText = args.token();
      const name = readFinalMailboxName(args);
      return copyOrMove(s, setText, name, call.uid, move);
    },
  };
}
