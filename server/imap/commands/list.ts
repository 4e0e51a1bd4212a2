import { HIERARCHY_SEPARATOR, type MailboxInfo } from '../../store/types';
import { type CommandCursor, ParseError } from '../protocol/command-cursor';
import { MailboxNameError } from '../../mail/mutf7';
import { AUTHENTICATED, type CommandSpec, ok } from '../session/command-types';
import type { ImapSession } from '../session/imap-session';
import { parseStatusItems, statusItems } from './mailbox';
import { decodeName, mailboxOut } from './names';
import { OTHER_USERS_PREFIX, sharedMailboxes } from '../session/access';

const SEP = HIERARCHY_SEPARATOR;

/**
 * A LIST pattern as a test on names: "*" matches any run of characters, "%" any run without the
 * hierarchy separator (RFC 3501 section 6.3.8). The pattern runs as an automaton over the name, one
 * step per character with at most one visit per pattern position, so a test costs at most
 * name × pattern steps, and less (below). A backtracking RegExp such as /^.*a.*a.*a…b$/ took
 * exponential time in the number of wildcards: one LIST or LSUB could stall the engine for minutes.
 */
export function listPatternMatcher(pattern: string): (name: string) => boolean {
  let p = pattern;
  if (/^inbox(?=$|[/*%])/i.test(p)) p = 'INBOX' + p.slice(5);
  // A run of wildcards is one: "*" if it holds a "*", else "%".
  const units = p.replace(/[*%]{2,}/g, (run) => (run.includes('*') ? '*' : '%'));
  const m = units.length;
  const wild = (k: number) => units[k] === '*' || units[k] === '%';
  // Each literal character takes one of the name's: a shorter name cannot match. This also bounds
  // the work: wildcards alternate with literals, so a name of n characters costs at most n × (2n + 1) steps.
  const literals = units.replace(/[*%]/g, '').length;
  return (name) => {
    if (name.length < literals) return false;
    // seen[k] = the step at which pattern position k was last reached.
    const seen = new Int32Array(m + 1).fill(-1);
    const reach = (list: number[], k: number, step: number) => {
      // A wildcard may match nothing, so reaching it reaches the position after it too.
      for (; seen[k] !== step; k++) {
        seen[k] = step;
        list.push(k);
        if (k === m || !wild(k)) break;
      }
    };
    let current: number[] = [];
    reach(current, 0, 0);
    for (let i = 0; i < name.length && current.length > 0; i++) {
      const c = name[i];
      const next: number[] = [];
      for (const k of current) {
        if (k === m) continue;
        const u = units[k];
        if (u === '*' || (u === '%' && c !== SEP)) reach(next, k, i + 1);
        else if (u === c) reach(next, k + 1, i + 1);
      }
      current = next;
    }
    return seen[m] === name.length;
  };
}

interface Entry {
  name: string;
  box?: MailboxInfo;
  hasChildren: boolean;
  subscribed: boolean;
}

/**
 * Every mailbox plus the missing ancestors of nested ones (those list as \Noselect /
 * \NonExistent), and, when `withSubscriptions`, subscribed names that have no mailbox.
 */
function entries(boxes: MailboxInfo[], subscriptions: Set<string>, withSubscriptions: boolean): Entry[] {
  const byName = new Map<string, Entry>();
  for (const box of boxes) byName.set(box.name, { name: box.name, box, hasChildren: false, subscribed: subscriptions.has(box.name) });
  for (const box of boxes) {
    const parts = box.name.split(SEP);
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join(SEP);
      const e = byName.get(parent) ?? { name: parent, hasChildren: false, subscribed: subscriptions.has(parent) };
      e.hasChildren = true;
      byName.set(parent, e);
    }
  }
  if (withSubscriptions) {
    for (const name of subscriptions) if (!byName.has(name)) byName.set(name, { name, hasChildren: false, subscribed: true });
  }
  return [...byName.values()].sort((a, b) => (a.name === 'INBOX' ? -1 : b.name === 'INBOX' ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

interface ListOptions {
  selectSubscribed: boolean;
  selectSpecialUse: boolean;
  recursiveMatch: boolean;
  returnSubscribed: boolean;
  returnStatus?: string[];
  extended: boolean;
}

/** A LIST pattern that is not valid modified UTF-7 matches names spelled exactly so (none, as stored names are valid), rather than being an error. */
function decodePattern(args: CommandCursor, wire: string): string {
  try {
    return decodeName(args, wire);
  } catch (err) {
    if (err instanceof MailboxNameError) return wire;
    throw err;
  }
}

function readPatterns(args: CommandCursor): string[] {
  if (args.peek() === 0x28) return args.list(() => decodePattern(args, args.listMailbox().toString('utf8')), false);
  return [decodePattern(args, args.listMailbox().toString('utf8'))];
}

async function list(s: ImapSession, args: CommandCursor): Promise<void> {
  const o: ListOptions = { selectSubscribed: false, selectSpecialUse: false, recursiveMatch: false, returnSubscribed: false, extended: false };
  args.sp();
  if (args.peek() === 0x28) {
    o.extended = true;
    for (const opt of args.list(() => args.atom().toUpperCase())) {
      if (opt === 'SUBSCRIBED') o.selectSubscribed = true;
      else if (opt === 'SPECIAL-USE') o.selectSpecialUse = true;
      else if (opt === 'RECURSIVEMATCH') o.recursiveMatch = true;
      else if (opt !== 'REMOTE') throw new ParseError(`unknown LIST selection option ${opt}`);
    }
    if (o.recursiveMatch && !o.selectSubscribed && !o.selectSpecialUse) throw new ParseError('RECURSIVEMATCH needs another selection option');
    args.sp();
  }
  const reference = decodeName(args, args.astring().toString('utf8'));
  args.sp();
  const patterns = readPatterns(args);
  if (!args.atEnd()) {
    args.sp();
    if (!args.maybeKeyword('RETURN')) throw new ParseError('expected RETURN');
    args.sp();
    o.extended = true;
    args.expect('(');
    let first = true;
    while (!args.maybe(')')) {
      if (!first) args.sp();
      first = false;
      const opt = args.atom().toUpperCase();
      if (opt === 'SUBSCRIBED') o.returnSubscribed = true;
      else if (opt === 'STATUS') {
        args.sp();
        o.returnStatus = parseStatusItems(args, s.rev2);
      } else if (opt !== 'CHILDREN' && opt !== 'SPECIAL-USE') throw new ParseError(`unknown LIST return option ${opt}`);
    }
  }
  args.end();

  if (patterns.length === 1 && patterns[0] === '') {
    // RFC 3501: an empty pattern asks for the hierarchy delimiter and the root.
    await s.write(`* LIST (\\Noselect) "${SEP}" ""\r\n`);
    return;
  }
  const matchers = patterns.map((p) => listPatternMatcher(reference + p));
  const matchesPattern = (name: string) => matchers.some((m) => m(name));
  const subscriptions = new Set(s.ctx.store.subscriptions(s.user!.id));
  // Other users' mailboxes the session may see ('l') list under the other-users namespace.
  const all = entries([...s.ctx.store.mailboxes(s.user!.id), ...sharedMailboxes(s)], subscriptions, o.selectSubscribed);
  const selects = (x: Entry) => (!o.selectSubscribed || x.subscribed) && (!o.selectSpecialUse || !!x.box?.specialUse);
  const parentsOfUnlisted = o.recursiveMatch ? parentsOfSelectedUnlisted(all, selects, matchesPattern) : new Set<string>();
  const lines: string[] = [];
  for (const e of all) {
    if (!matchesPattern(e.name)) continue;
    const box = e.box;
    let childInfo = false;
    if ((o.selectSubscribed || o.selectSpecialUse) && !selects(e)) {
      // RFC 5258 RECURSIVEMATCH: a parent is listed for a selected descendant that the patterns do not list themselves.
      if (!parentsOfUnlisted.has(e.name)) continue;
      childInfo = true;
    }
    const attrs: string[] = [];
    // RFC 9051's LIST is the extended one (RFC 5258): a name that is no mailbox is \NonExistent there.
    if (!box) attrs.push(o.extended || s.rev2 ? '\\NonExistent' : '\\Noselect');
    attrs.push(e.hasChildren ? '\\HasChildren' : '\\HasNoChildren');
    if (box?.specialUse) attrs.push(box.specialUse);
    if (e.subscribed && (o.returnSubscribed || o.selectSubscribed)) attrs.push('\\Subscribed');
    const extra = childInfo ? ` ("CHILDINFO" (${o.selectSubscribed ? '"SUBSCRIBED"' : '"SPECIAL-USE"'}))` : '';
    lines.push(`* LIST (${attrs.join(' ')}) "${SEP}" ${mailboxOut(e.name, s.utf8Accept)}${extra}\r\n`);
    if (o.returnStatus && box) {
      const status = statusItems(s, box.name, o.returnStatus);
      if (status) lines.push(status);
    }
  }
  await s.write(lines.join(''));
}

/**
 * Every ancestor name of the selected entries that the patterns do not list themselves: the
 * parents RECURSIVEMATCH reports with CHILDINFO. One pass, so a user with many mailboxes does not
 * make LIST quadratic.
 */
function parentsOfSelectedUnlisted(all: readonly Entry[], selects: (e: Entry) => boolean, listed: (name: string) => boolean): Set<string> {
  const parents = new Set<string>();
  for (const c of all) {
    if (!selects(c) || listed(c.name)) continue;
    for (let i = c.name.indexOf(SEP); i > 0; i = c.name.indexOf(SEP, i + 1)) parents.add(c.name.slice(0, i));
  }
  return parents;
}

/**
 * The LIST response an IMAP4rev2 SELECT/EXAMINE includes (RFC 9051 section 6.3.2): the
 * mailbox's canonical name and attributes, and OLDNAME with the name as the client sent it
 * when that differs (a differently cased INBOX).
 */
export function selectedListLine(s: ImapSession, box: MailboxInfo, visible: string, sent: string): string {
  const prefix = visible + SEP;
  const own = s.ctx.store.mailboxes(s.user!.id);
  const hasChildren = (visible.startsWith(OTHER_USERS_PREFIX) ? sharedMailboxes(s) : own).some((b) => b.name.startsWith(prefix));
  const attrs = [hasChildren ? '\\HasChildren' : '\\HasNoChildren'];
  if (box.specialUse) attrs.push(box.specialUse);
  const oldName = sent !== visible ? ` ("OLDNAME" (${mailboxOut(sent, s.utf8Accept)}))` : '';
  return `* LIST (${attrs.join(' ')}) "${SEP}" ${mailboxOut(visible, s.utf8Accept)}${oldName}\r\n`;
}

async function lsub(s: ImapSession, args: CommandCursor): Promise<void> {
  args.sp();
  const reference = decodeName(args, args.astring().toString('utf8'));
  args.sp();
  const pattern = decodePattern(args, args.listMailbox().toString('utf8'));
  args.end();
  if (pattern === '') {
    await s.write(`* LSUB (\\Noselect) "${SEP}" ""\r\n`);
    return;
  }
  const matches = listPatternMatcher(reference + pattern);
  const names = new Set(s.ctx.store.subscriptions(s.user!.id));
  const boxes = new Map(s.ctx.store.mailboxes(s.user!.id).map((b) => [b.name, b]));
  const out = new Map<string, string[]>();
  for (const name of names) {
    const box = boxes.get(name);
    if (matches(name)) out.set(name, box?.specialUse ? [box.specialUse] : []);
    // With "%", a parent that is not subscribed itself still shows, as \Noselect (RFC 3501 6.3.9).
    const parts = name.split(SEP);
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join(SEP);
      if (!names.has(parent) && !out.has(parent) && matches(parent)) out.set(parent, ['\\Noselect']);
    }
  }
  const lines = [...out.entries()].map(([name, attrs]) => `* LSUB (${attrs.join(' ')}) "${SEP}" ${mailboxOut(name, s.utf8Accept)}\r\n`);
  await s.write(lines.join(''));
}

export const listCommands: Record<string, CommandSpec> = {
  LIST: {
    states: AUTHENTICATED,
    async run(s, args) {
      await list(s, args);
      return ok('LIST completed');
    },
  },
  LSUB: {
    states: AUTHENTICATED,
    async run(s, args) {
      await lsub(s, args);
      return ok('LSUB completed');
    },
  },
};
