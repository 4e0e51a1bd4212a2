import type { SortColumn } from '../../store/message-columns';
import type { MessageMeta } from '../../store/types';
import { type CommandCursor, ParseError } from '../protocol/command-cursor';
import { parseHeaderFields, splitHeader } from '../../mail/mime/header';
import { type SortKeys, sortKeys } from '../mime/sort-keys';
import { type CommandSpec, SELECTED, no, ok } from '../session/command-types';
import type { ImapSession } from '../session/imap-session';
import { esearchResponse, parseReturn } from './esearch';
import { type SearchKey, onlySave, parseSearchKeys, resetResolved, saveResult, searchMessages, supportedCharset } from './search';

/** SORT (RFC 5256 with RFC 5957's DISPLAYFROM/DISPLAYTO) and THREAD (ORDEREDSUBJECT, REFERENCES). */

type Criterion = 'ARRIVAL' | 'CC' | 'DATE' | 'FROM' | 'SIZE' | 'SUBJECT' | 'TO' | 'DISPLAYFROM' | 'DISPLAYTO';
const CRITERIA = new Set<string>(['ARRIVAL', 'CC', 'DATE', 'FROM', 'SIZE', 'SUBJECT', 'TO', 'DISPLAYFROM', 'DISPLAYTO']);

/** What SORT and THREAD know of a message: light, so 100,000 of them cost little. */
interface Item {
  seq: number;
  uid: number;
  internalDate: number;
  size: number;
  keys: SortKeys;
}

function parseProgram(args: CommandCursor): { charset: string; key: SearchKey } {
  args.sp();
  const charset = args.astring().toString('latin1');
  args.sp();
  const key = parseSearchKeys(args);
  args.end();
  return { charset, key };
}

async function loadItems(s: ImapSession, args: CommandCursor): Promise<Item[] | undefined> {
  const { charset, key } = parseProgram(args);
  if (!supportedCharset(charset)) return undefined;
  return itemsFor(s, key);
}

/** Files read at once when SORT or THREAD meets messages whose keys are not cached yet. */
const READ_CONCURRENCY = 8;

/**
 * Works out and keeps the keys of the messages that have none yet (read from their files,
 * eight at a time), as Dovecot's cache file does; returns them by message id. A message
 * whose file cannot be read has none and is left out, as before.
 */
async function fillKeys(s: ImapSession, missing: readonly MessageMeta[]): Promise<Map<number, SortKeys>> {
  const out = new Map<number, SortKeys>();
  const fresh: [number, string][] = [];
  let next = 0;
  const reader = async () => {
    while (next < missing.length) {
      const meta = missing[next++];
      let buf: Buffer;
      try {
        buf = await s.ctx.store.readMessage(meta);
      } catch {
        continue;
      }
      const { headerEnd } = splitHeader(buf, 0, buf.length);
      const keys = sortKeys(parseHeaderFields(buf, 0, headerEnd));
      out.set(meta.id, keys);
      fresh.push([meta.id, JSON.stringify(keys)]);
      // Kept a thousand at a time: 100,000 in one transaction held the event loop.
      if (fresh.length >= 1000) s.ctx.store.saveSortKeys(fresh.splice(0));
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, missing.length) }, reader));
  s.ctx.store.saveSortKeys(fresh);
  return out;
}

/** Keys for every message of the selected mailbox that lacks them, so the whole-mailbox reads below see all. */
async function fillMailboxKeys(s: ImapSession): Promise<void> {
  const view = s.selected!;
  const missing = s.ctx.store.messagesWithoutSortKeys(view.mailbox.id).filter((m) => view.seqOf(m.uid) !== undefined);
  await fillKeys(s, missing);
}

async function itemsFor(s: ImapSession, key: SearchKey): Promise<Item[]> {
  const view = s.selected!;
  if (key.op === 'all') {
    // The whole mailbox (the usual SORT and THREAD): raw rows of four columns, no search.
    await fillMailboxKeys(s);
    const items: Item[] = [];
    for (const [uid, internalDate, size, json] of s.ctx.store.columns.sortRows(view.mailbox.id)) {
      const seq = view.seqOf(uid);
      if (seq !== undefined) items.push({ seq, uid, internalDate, size, keys: JSON.parse(json) as SortKeys });
    }
    return items;
  }
  const hits = await searchMessages(s, key);
  // Keys worked out before come from the database; the others from the files, then are kept.
  const cached = s.ctx.store.sortKeys(view.mailbox.id);
  const fresh = await fillKeys(s, hits.filter((h) => !cached.has(h.meta.id)).map((h) => h.meta));
  const items: Item[] = [];
  for (const { seq, meta } of hits) {
    const json = cached.get(meta.id);
    const keys = json === undefined ? fresh.get(meta.id) : (JSON.parse(json) as SortKeys);
    if (keys) items.push({ seq, uid: meta.uid, internalDate: meta.internalDate.getTime(), size: meta.size, keys });
  }
  return items;
}

/** RFC 5256: the sent date, or INTERNALDATE when the message has no usable Date header. */
const sentDate = (i: Item): number => i.keys.sent ?? i.internalDate;

function criterionValue(i: Item, c: Criterion): string | number {
  switch (c) {
    case 'ARRIVAL':
      return i.internalDate;
    case 'DATE':
      return sentDate(i);
    case 'SIZE':
      return i.size;
    case 'SUBJECT':
      return i.keys.baseSubject;
    case 'FROM':
      return i.keys.from;
    case 'TO':
      return i.keys.to;
    case 'CC':
      return i.keys.cc;
    case 'DISPLAYFROM':
      return i.keys.displayFrom;
    case 'DISPLAYTO':
      return i.keys.displayTo;
  }
}

function compareValues(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function parseCriteria(args: CommandCursor): { criterion: Criterion; reverse: boolean }[] {
  const words = args.list(() => args.atom().toUpperCase(), false);
  const out: { criterion: Criterion; reverse: boolean }[] = [];
  for (let i = 0; i < words.length; i++) {
    const reverse = words[i] === 'REVERSE';
    const word = reverse ? words[++i] : words[i];
    if (word === undefined || !CRITERIA.has(word)) throw new ParseError(`unknown sort criterion ${String(word).slice(0, 32)}`);
    out.push({ criterion: word as Criterion, reverse });
  }
  return out;
}

// ---- THREAD ------------------------------------------------------------------------------

interface Node {
  item?: Item;
  parent?: Node;
  children: Node[];
}

function nodeDate(n: Node): number {
  if (n.item) return sentDate(n.item);
  return n.children.length ? nodeDate(n.children[0]) : 0;
}

function nodeSeq(n: Node): number {
  if (n.item) return n.item.seq;
  return n.children.length ? nodeSeq(n.children[0]) : 0;
}

function byDate(a: Node, b: Node): number {
  return nodeDate(a) - nodeDate(b) || nodeSeq(a) - nodeSeq(b);
}

function sortTree(nodes: Node[]): void {
  for (const n of nodes) sortTree(n.children);
  nodes.sort(byDate);
}

/** thread-members / thread-nested of RFC 5256's grammar: a chain of single children is written flat. */
function members(node: Node): string {
  const parts: string[] = [];
  let cur: Node | undefined = node;
  while (cur) {
    if (cur.item) parts.push(String(cur.item.seq));
    if (cur.children.length === 1) {
      cur = cur.children[0];
      continue;
    }
    if (cur.children.length > 1) parts.push(cur.children.map((c) => `(${members(c)})`).join(''));
    cur = undefined;
  }
  return parts.join(' ');
}

function orderedSubject(items: Item[]): Node[] {
  const groups = new Map<string, Item[]>();
  for (const i of items) {
    const g = groups.get(i.keys.baseSubject) ?? [];
    g.push(i);
    groups.set(i.keys.baseSubject, g);
  }
  const roots: Node[] = [];
  for (const g of groups.values()) {
    g.sort((a, b) => sentDate(a) - sentDate(b) || a.seq - b.seq);
    const root: Node = { item: g[0], children: [] };
    root.children = g.slice(1).map((item) => ({ item, parent: root, children: [] }));
    roots.push(root);
  }
  return roots.sort(byDate);
}

function isAncestor(maybe: Node, of: Node): boolean {
  for (let p: Node | undefined = of; p; p = p.parent) if (p === maybe) return true;
  return false;
}

function link(parent: Node, child: Node): void {
  if (child.parent === parent || isAncestor(child, parent)) return;
  if (child.parent) child.parent.children = child.parent.children.filter((c) => c !== child);
  child.parent = parent;
  parent.children.push(child);
}

function unlink(n: Node): void {
  if (!n.parent) return;
  n.parent.children = n.parent.children.filter((c) => c !== n);
  n.parent = undefined;
}

/** RFC 5256 section 2.2 step 4: dummies without children go; others give their children to their parent (or to the root set when they have one child). */
function prune(nodes: Node[], isRoot: boolean): Node[] {
  const out: Node[] = [];
  for (const n of nodes) {
    n.children = prune(n.children, false);
    for (const c of n.children) c.parent = n;
    if (n.item) out.push(n);
    else if (n.children.length === 0) continue;
    else if (isRoot && n.children.length > 1) out.push(n);
    else {
      for (const c of n.children) c.parent = isRoot ? undefined : n.parent;
      out.push(...n.children);
    }
  }
  return out;
}

function threadSubject(n: Node): { subject: string; isReply: boolean } | undefined {
  const item = n.item ?? n.children[0]?.item;
  return item ? { subject: item.keys.baseSubject, isReply: item.keys.isReply } : undefined;
}

function references(items: Item[]): Node[] {
  const byId = new Map<string, Node>();
  const container = (id: string): Node => {
    let n = byId.get(id);
    if (!n) byId.set(id, (n = { children: [] }));
    return n;
  };
  const loose: Node[] = [];
  for (const item of items) {
    const refs = item.keys.references.map(container);
    for (let i = 1; i < refs.length; i++) if (!refs[i].parent) link(refs[i - 1], refs[i]);
    let own: Node;
    const id = item.keys.messageId;
    const existing = id ? byId.get(id) : undefined;
    if (id && existing && !existing.item) own = existing;
    else if (id && !existing) own = container(id);
    else loose.push((own = { children: [] })); // no or duplicate Message-ID: a container of its own
    own.item = item;
    const last = refs[refs.length - 1];
    unlink(own);
    if (last && last !== own) link(last, own);
  }
  // Step 2: the root set is every container without a parent.
  let roots = prune([...byId.values(), ...loose].filter((n) => !n.parent), true);
  sortTree(roots);

  // Step 5: merge threads with the same base subject.
  const table = new Map<string, Node>();
  for (const r of roots) {
    const subj = threadSubject(r);
    if (!subj || subj.subject === '') continue;
    const cur = table.get(subj.subject);
    if (!cur || (!r.item && cur.item) || (threadSubject(cur)!.isReply && !subj.isReply && r.item)) table.set(subj.subject, r);
  }
  const merged: Node[] = [];
  // Where each root sits in `merged`: looking it up with indexOf made the merge quadratic.
  const position = new Map<Node, number>();
  for (const r of roots) {
    const subj = threadSubject(r);
    const target = subj && subj.subject !== '' ? table.get(subj.subject) : undefined;
    if (!target || target === r) {
      position.set(r, merged.length);
      merged.push(r);
      continue;
    }
    if (!target.item && !r.item) {
      for (const c of r.children) c.parent = target;
      target.children.push(...r.children);
    } else if (!target.item && r.item) {
      r.parent = target;
      target.children.push(r);
    } else if (target.item && !threadSubject(target)!.isReply && subj!.isReply && r.item) {
      r.parent = target;
      target.children.push(r);
    } else {
      const dummy: Node = { children: [target, r] };
      target.parent = dummy;
      r.parent = dummy;
      table.set(subj!.subject, dummy);
      const at = position.get(target);
      if (at !== undefined) {
        merged[at] = dummy;
        position.delete(target);
        position.set(dummy, at);
      } else {
        position.set(dummy, merged.length);
        merged.push(dummy);
      }
    }
  }
  roots = merged.filter((n) => !n.parent);
  sortTree(roots);
  return roots;
}

/** SORT criteria SQLite orders by itself, numbers compared as the code below compares them. */
const SQL_COLUMNS: Partial<Record<Criterion, SortColumn>> = { DATE: 'sort_date', ARRIVAL: 'internal_date', SIZE: 'size' };

type Criteria = ReturnType<typeof parseCriteria>;

/**
 * The messages in SORT order. Over the whole mailbox by dates and sizes (the usual SORT),
 * SQLite orders the UIDs (DATE walks an index, migration 27); otherwise the matches' keys are
 * compared here. Both end on the sequence number (UID order), as RFC 5256 asks.
 */
async function sortedMessages(s: ImapSession, key: SearchKey, criteria: Criteria): Promise<{ uid: number; seq: number }[]> {
  const columns = criteria.map((c) => SQL_COLUMNS[c.criterion]);
  if (key.op === 'all' && columns.every((c) => c !== undefined)) {
    const view = s.selected!;
    if (columns.includes('sort_date')) await fillMailboxKeys(s);
    const order = criteria.map((c, i) => ({ column: columns[i]!, reverse: c.reverse }));
    const out: { uid: number; seq: number }[] = [];
    for (const uid of s.ctx.store.columns.sortedUids(view.mailbox.id, order)) {
      const seq = view.seqOf(uid);
      if (seq !== undefined) out.push({ uid, seq });
    }
    return out;
  }
  const items = await itemsFor(s, key);
  return items.sort((a, b) => {
    for (const { criterion, reverse } of criteria) {
      const d = compareValues(criterionValue(a, criterion), criterionValue(b, criterion));
      if (d !== 0) return reverse ? -d : d;
    }
    return a.seq - b.seq;
  });
}

export const sortCommands: Record<string, CommandSpec> = {
  SORT: {
    states: SELECTED,
    uid: true,
    async run(s, args, call) {
      args.sp();
      const ret = parseReturn(args);
      const criteria = parseCriteria(args);
      const { charset, key } = parseProgram(args);
      if (!supportedCharset(charset)) return no('Unsupported charset', 'BADCHARSET (UTF-8 US-ASCII)');
      const sorted = () => sortedMessages(s, key, criteria);
      const items = await sorted();
      if (ret?.save) s.savedResult = saveResult(ret, items.map((i) => i.uid));
      if (ret?.update) {
        s.searchContexts.set(call.tag, {
          tag: call.tag,
          uid: call.uid,
          sorted: true,
          results: items.map((i) => i.uid),
          compute: async () => {
            resetResolved(key);
            return (await sorted()).map((i) => i.uid);
          },
        });
      }
      const found = items.map((i) => (call.uid ? i.uid : i.seq));
      if (ret) {
        if (!onlySave(ret)) await s.write(esearchResponse(call.tag, call.uid, ret, found, true));
      } else await s.write(`* SORT${found.map((n) => ' ' + n).join('')}\r\n`);
      return ok(`${call.uid ? 'UID ' : ''}SORT completed`);
    },
  },

  THREAD: {
    states: SELECTED,
    uid: true,
    async run(s, args, call) {
      args.sp();
      const algorithm = args.atom().toUpperCase();
      if (algorithm !== 'ORDEREDSUBJECT' && algorithm !== 'REFERENCES') throw new ParseError(`unknown thread algorithm ${algorithm.slice(0, 32)}`);
      const items = await loadItems(s, args);
      if (!items) return no('Unsupported charset', 'BADCHARSET (UTF-8 US-ASCII)');
      if (call.uid) for (const i of items) i.seq = i.uid;
      const roots = algorithm === 'ORDEREDSUBJECT' ? orderedSubject(items) : references(items);
      await s.write(`* THREAD ${roots.map((r) => `(${members(r)})`).join('')}\r\n`);
      return ok(`${call.uid ? 'UID ' : ''}THREAD completed`);
    },
  },
};
