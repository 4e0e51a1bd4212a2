import { HIERARCHY_SEPARATOR } from '../../store/types';
import { type CommandCursor, ParseError } from '../protocol/command-cursor';
import { type SequenceSet, formatSet, parseSequenceSet, resolveSet } from '../protocol/sequence-set';
import { flagList, keywordsIn } from '../session/flags';
import { AUTHENTICATED, type CommandSpec, SELECTED, bad, no, ok } from '../session/command-types';
import type { ImapSession } from '../session/imap-session';
import { SelectedView } from '../session/selected-view';
import { mailboxOut, readFinalMailboxName, readMailboxName, readMailboxNameAsSent } from './names';
import { selectedListLine } from './list';
import { DEFAULT_PUBLIC_ACL } from '../../store/acl';
import { OTHER_USERS, OTHER_USERS_PREFIX, PUBLIC_FOLDERS, PUBLIC_PREFIX, access, has, isMailAdministrator, refOf } from '../session/access';

const NOPERM = () => no('Permission denied', 'NOPERM');

/**
 * Who may create `name`: anyone in their own namespace, else who has 'k' on the existing
 * parent (RFC 4314 section 4); a top-level public folder only a mail administrator.
 */
function createTarget(s: ImapSession, name: string) {
  if (name === OTHER_USERS) return no(`${OTHER_USERS} holds other users' mailboxes only`, 'CANNOT');
  if (name === PUBLIC_FOLDERS) return no(`${PUBLIC_FOLDERS} holds public folders only`, 'CANNOT');
  if (name.startsWith(OTHER_USERS_PREFIX) || name.startsWith(PUBLIC_PREFIX)) {
    const ref = refOf(s, name);
    if (!ref) return no(`${OTHER_USERS} holds other users' mailboxes only`, 'CANNOT');
    if (ref.own) return ref;
    const cut = ref.local.lastIndexOf(HIERARCHY_SEPARATOR);
    if (cut <= 0 && ref.isPublic) return isMailAdministrator(s) ? ref : NOPERM();
    const parent = cut > 0 ? access(s, ref.visible.slice(0, ref.visible.length - ref.local.length + cut)) : undefined;
    if (!parent || !has(parent.rights, 'k')) return NOPERM();
    return ref;
  }
  return refOf(s, name)!;
}

/** DELETED and SIZE are RFC 9051's (SIZE also RFC 8438's); offered to IMAP4rev1 sessions too. */
const STATUS_ITEMS = ['MESSAGES', 'RECENT', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN', 'DELETED', 'HIGHESTMODSEQ', 'SIZE'];

interface SelectParams {
  condstore: boolean;
  /** QRESYNC (uidvalidity modseq [known-uids]) of RFC 7162 section 3.2.5. */
  qresync?: { uidValidity: number; modseq: number; knownUids?: SequenceSet };
}

/** SELECT/EXAMINE parameters (RFC 4466): CONDSTORE and QRESYNC (RFC 7162). */
function readSelectParams(args: CommandCursor): SelectParams {
  const p: SelectParams = { condstore: false };
  if (args.atEnd()) return p;
  args.sp();
  args.list(() => {
    const name = args.atom().toUpperCase();
    if (name === 'CONDSTORE') p.condstore = true;
    else if (name === 'QRESYNC') {
      args.sp();
      args.expect('(');
      const uidValidity = args.nzNumber();
      args.sp();
      const modseq = args.number();
      let knownUids: SequenceSet | undefined;
      if (args.maybe(' ')) {
        if (args.peek() !== 0x28) knownUids = parseSequenceSet(args.token());
        if (args.maybe(' ') || args.peek() === 0x28) {
          // seq-match-data: accepted; VANISHED is worked out from the server's own records.
          args.list(() => args.token(), false);
        }
      }
      args.expect(')');
      p.qresync = { uidValidity, modseq, knownUids };
    } else throw new ParseError(`unknown SELECT parameter ${name.slice(0, 32)}`);
  }, false);
  return p;
}

async function selectMailbox(s: ImapSession, sent: string, name: string, readOnly: boolean, params: SelectParams) {
  if (params.qresync && !s.qresync) return bad('QRESYNC must be enabled first');
  const store = s.ctx.store;
  if (s.selected) {
    s.unselect();
    await s.write('* OK [CLOSED] Previous mailbox closed\r\n');
  }
  const a = access(s, name);
  if (!a) return no('Mailbox does not exist', 'NONEXISTENT');
  if (!has(a.rights, 'r')) return NOPERM();
  // Without a right that changes something, SELECT opens the mailbox read-only (RFC 4314 section 4).
  if (!/[iestw]/.test(a.rights)) readOnly = true;
  const box = a.box;
  // Claim, snapshot and subscribe in one synchronous step so no store event falls in between.
  // IMAP4rev2 has no \Recent (RFC 9051 appendix E): such a session claims none and shows none.
  const firstRecent = s.rev2 ? Infinity : readOnly ? box.firstRecentUid : store.claimRecent(box.id);
  // UIDs, keywords in use and the first unseen message, each from one query: no object per message.
  const uids = store.columns.uids(box.id);
  const view = new SelectedView(box, readOnly, store, s, uids, keywordsIn(store.columns.keywordFlagStrings(box.id)), firstRecent);
  view.rights = a.rights;
  view.rev2 = s.rev2;
  view.viewer = s.user!.id;
  s.select(view);
  if (params.condstore) s.condstore = true;
  view.withModseq = s.condstore;
  view.withVanished = s.qresync;
  const unseenUid = store.columns.firstUnseenUid(box.id, s.user!.id);
  const firstUnseen = unseenUid === undefined ? 0 : view.seqOf(unseenUid) ?? 0;
  const lines = [view.flagsResponses(), `* ${view.exists} EXISTS\r\n`];
  if (s.rev2) {
    // RFC 9051 section 6.3.2: no RECENT and no UNSEEN code, but the mailbox's LIST (with OLDNAME when the name sent was not the canonical one).
    lines.push(selectedListLine(s, box, a.visible, sent));
  } else {
    lines.push(`* ${view.recent.size} RECENT\r\n`);
    if (firstUnseen) lines.push(`* OK [UNSEEN ${firstUnseen}] First unseen message\r\n`);
  }
  lines.push(`* OK [UIDVALIDITY ${box.uidValidity}] UIDs valid\r\n`, `* OK [UIDNEXT ${box.uidNext}] Predicted next UID\r\n`);
  if (s.condstore) lines.push(`* OK [HIGHESTMODSEQ ${box.highestModseq}] Highest mailbox modseq\r\n`);
  const q = params.qresync;
  if (q && q.uidValidity === box.uidValidity) {
    // Quick resynchronisation: what vanished and what changed since the client's modseq.
    const known = q.knownUids ? new Set(resolveSet(q.knownUids, view.uids.concat(store.expungedSince(box.id, q.modseq)).sort((a, b) => a - b))) : undefined;
    const vanished = store.expungedSince(box.id, q.modseq).filter((u) => !known || known.has(u));
    if (vanished.length) lines.push(`* VANISHED (EARLIER) ${formatSet(vanished)}\r\n`);
    for (const m of store.changedSince(box.id, q.modseq, s.user!.id)) {
      const seq = view.seqOf(m.uid);
      if (seq !== undefined) lines.push(`* ${seq} FETCH (UID ${m.uid} FLAGS ${flagList(m.flags, view.recent.has(m.uid))} MODSEQ (${m.modseq}))\r\n`);
    }
  }
  await s.write(lines.join(''));
  return ok(`${readOnly ? 'EXAMINE' : 'SELECT'} completed`, readOnly ? 'READ-ONLY' : 'READ-WRITE');
}

function statusItems(s: ImapSession, name: string, items: string[]): string | undefined {
  const store = s.ctx.store;
  const a = access(s, name);
  if (!a || !has(a.rights, 'r')) return undefined;
  const box = a.box;
  const counts = ['RECENT', 'UNSEEN', 'DELETED'].some((i) => items.includes(i)) ? store.counts(box.id, box.firstRecentUid, s.user!.id, items.includes('DELETED')) : { recent: 0, unseen: 0, deleted: 0 };
  const out: string[] = [];
  for (const item of items) {
    let value: number;
    switch (item) {
      case 'MESSAGES':
        value = box.messageCount;
        break;
      case 'RECENT':
        value = counts.recent;
        break;
      case 'UIDNEXT':
        value = box.uidNext;
        break;
      case 'UIDVALIDITY':
        value = box.uidValidity;
        break;
      case 'UNSEEN':
        value = counts.unseen;
        break;
      case 'DELETED':
        value = counts.deleted;
        break;
      case 'HIGHESTMODSEQ':
        value = box.highestModseq;
        break;
      default:
        value = box.totalSize;
    }
    out.push(`${item} ${value}`);
  }
  return `* STATUS ${mailboxOut(a.visible, s.utf8Accept)} (${out.join(' ')})\r\n`;
}

/** STATUS item names from a list; shared with LIST RETURN (STATUS ...). IMAP4rev2 has no RECENT (RFC 9051 section 6.3.11). */
export function parseStatusItems(args: CommandCursor, rev2 = false): string[] {
  const items = args.list(() => args.atom().toUpperCase(), false);
  for (const i of items) {
    if (!STATUS_ITEMS.includes(i) || (rev2 && i === 'RECENT')) throw new ParseError(`unknown STATUS item ${i.slice(0, 32)}${rev2 && i === 'RECENT' ? ' (not in IMAP4rev2)' : ''}`);
  }
  return items;
}

export { statusItems };

export const mailboxCommands: Record<string, CommandSpec> = {
  SELECT: {
    states: AUTHENTICATED,
    async run(s, args) {
      args.sp();
      const { sent, name } = readMailboxNameAsSent(args);
      const params = readSelectParams(args);
      args.end();
      return selectMailbox(s, sent, name, false, params);
    },
  },

  EXAMINE: {
    states: AUTHENTICATED,
    async run(s, args) {
      args.sp();
      const { sent, name } = readMailboxNameAsSent(args);
      const params = readSelectParams(args);
      args.end();
      return selectMailbox(s, sent, name, true, params);
    },
  },

  CREATE: {
    states: AUTHENTICATED,
    async run(s, args) {
      let name = readFinalMailboxName(args);
      // A trailing separator only says the client means to create children (RFC 3501 6.3.3).
      while (name.endsWith(HIERARCHY_SEPARATOR)) name = name.slice(0, -1);
      if (name.toUpperCase() === 'INBOX') return no('INBOX already exists', 'ALREADYEXISTS');
      const target = createTarget(s, name);
      if ('status' in target) return target;
      s.ctx.store.createMailboxInheritingAcl(target.ownerId, target.local, target.isPublic ? DEFAULT_PUBLIC_ACL : []);
      return ok('CREATE completed');
    },
  },

  DELETE: {
    states: AUTHENTICATED,
    async run(s, args) {
      const name = readFinalMailboxName(args);
      const a = access(s, name);
      if (!a) {
        // A name that is only the parent of other mailboxes (\Noselect) cannot be deleted (RFC 9051 section 6.3.5).
        const prefix = name + HIERARCHY_SEPARATOR;
        if (s.ctx.store.mailboxes(s.user!.id).some((b) => b.name.startsWith(prefix))) return no('Delete the mailboxes below it first', 'HASCHILDREN');
        return no('Mailbox does not exist', 'NONEXISTENT');
      }
      if (!has(a.rights, 'x')) return NOPERM();
      if (s.selected?.mailbox.id === a.box.id) {
        s.unselect();
        await s.write('* OK [CLOSED] Mailbox closed\r\n');
      }
      await s.ctx.store.deleteMailbox(a.ownerId, a.local);
      return ok('DELETE completed');
    },
  },

  RENAME: {
    states: AUTHENTICATED,
    async run(s, args) {
      args.sp();
      const from = readMailboxName(args);
      args.sp();
      let to = readMailboxName(args);
      args.end();
      while (to.endsWith(HIERARCHY_SEPARATOR)) to = to.slice(0, -1);
      const source = access(s, from);
      if (!source) return no('Mailbox does not exist', 'NONEXISTENT');
      if (!has(source.rights, 'x')) return NOPERM();
      const target = createTarget(s, to);
      if ('status' in target) return target;
      if (target.ownerId !== source.ownerId) return no('Mailboxes cannot be renamed into another user\u2019s namespace', 'CANNOT');
      s.ctx.store.renameMailbox(source.ownerId, source.local, target.local);
      return ok('RENAME completed');
    },
  },

  SUBSCRIBE: {
    states: AUTHENTICATED,
    async run(s, args) {
      const name = readFinalMailboxName(args);
      s.ctx.store.setSubscribed(s.user!.id, name, true);
      return ok('SUBSCRIBE completed');
    },
  },

  UNSUBSCRIBE: {
    states: AUTHENTICATED,
    async run(s, args) {
      const name = readFinalMailboxName(args);
      s.ctx.store.setSubscribed(s.user!.id, name, false);
      return ok('UNSUBSCRIBE completed');
    },
  },

  STATUS: {
    states: AUTHENTICATED,
    async run(s, args) {
      args.sp();
      const name = readMailboxName(args);
      args.sp();
      const items = parseStatusItems(args, s.rev2);
      args.end();
      if (items.includes('HIGHESTMODSEQ')) await s.enableCondstore();
      const a = access(s, name);
      if (!a) return no('Mailbox does not exist', 'NONEXISTENT');
      if (!has(a.rights, 'r')) return NOPERM();
      const line = statusItems(s, name, items);
      if (!line) return no('Mailbox does not exist', 'NONEXISTENT');
      await s.write(line);
      return ok('STATUS completed');
    },
  },

  CLOSE: {
    states: SELECTED,
    async run(s, args) {
      args.end();
      const view = s.selected!;
      s.unselect();
      // Expunged silently: CLOSE reports no EXPUNGE responses; only with the right to expunge.
      if (!view.readOnly && view.rights.includes('e')) await s.ctx.store.expunge(view.mailbox.id, undefined, s);
      return ok('CLOSE completed');
    },
  },

  UNSELECT: {
    states: SELECTED,
    async run(s, args) {
      args.end();
      s.unselect();
      return ok('UNSELECT completed');
    },
  },
};
