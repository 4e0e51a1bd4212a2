import type { MessageMeta } from '../../store/types';
import { type CommandCursor, ParseError } from '../protocol/command-cursor';
import { headerDateDay, parseSearchDate, utcDay } from '../protocol/imap-date';
import { type SequenceSet, lowerBound, parseSequenceSet, resolveSet } from '../protocol/sequence-set';
import { type SearchableMessage, searchable } from '../../mail/mime/searchable';
import { type CommandSpec, SELECTED, no, ok } from '../session/command-types';
import type { ImapSession } from '../session/imap-session';
import { type ReturnOptions, esearchResponse, parseReturn } from './esearch';

type DateCmp = 'before' | 'on' | 'since';

export type SearchKey =
  | { op: 'all' }
  | { op: 'flag'; flag: string; has: boolean }
  | { op: 'recent'; has: boolean }
  | { op: 'new' }
  | { op: 'seq'; set: SequenceSet; resolved?: Set<number> }
  | { op: 'uid'; set: SequenceSet; resolved?: Set<number> }
  | { op: 'header'; field: string; value: string }
  | { op: 'body'; value: string }
  | { op: 'text'; value: string }
  | { op: 'date'; sent: boolean; cmp: DateCmp; day: number }
  | { op: 'size'; larger: boolean; n: number }
  | { op: 'modseq'; n: number }
  | { op: 'saved' }
  | { op: 'not'; key: SearchKey }
  | { op: 'or'; a: SearchKey; b: SearchKey }
  | { op: 'and'; keys: SearchKey[] };

const FLAG_KEYS: Record<string, [string, boolean]> = {
  ANSWERED: ['\\Answered', true],
  DELETED: ['\\Deleted', true],
  DRAFT: ['\\Draft', true],
  FLAGGED: ['\\Flagged', true],
  SEEN: ['\\Seen', true],
  UNANSWERED: ['\\Answered', false],
  UNDELETED: ['\\Deleted', false],
  UNDRAFT: ['\\Draft', false],
  UNFLAGGED: ['\\Flagged', false],
  UNSEEN: ['\\Seen', false],
};
const HEADER_KEYS = new Set(['FROM', 'TO', 'CC', 'BCC', 'SUBJECT']);
const DATE_KEYS: Record<string, [boolean, DateCmp]> = {
  BEFORE: [false, 'before'],
  ON: [false, 'on'],
  SINCE: [false, 'since'],
  SENTBEFORE: [true, 'before'],
  SENTON: [true, 'on'],
  SENTSINCE: [true, 'since'],
};
const SUPPORTED_CHARSETS = new Set(['UTF-8', 'US-ASCII']);

function text(args: CommandCursor): string {
  args.sp();
  return args.astring().toString('utf8');
}

function parseKey(args: CommandCursor, depth = 0): SearchKey {
  if (depth > 50) throw new ParseError('search program nested too deeply');
  if (args.peek() === 0x28) {
    const keys = args.list(() => parseKey(args, depth + 1), false);
    return keys.length === 1 ? keys[0] : { op: 'and', keys };
  }
  const c = args.peek();
  if (c === 0x24) {
    // "$": the saved SEARCHRES result (RFC 5182).
    if (args.token() !== '$') throw new ParseError('"$" stands alone');
    return { op: 'saved' };
  }
  if ((c >= 0x30 && c <= 0x39) || c === 0x2a) return { op: 'seq', set: parseSequenceSet(args.token()) };
  const word = args.atom().toUpperCase();
  if (word in FLAG_KEYS) {
    const [flag, has] = FLAG_KEYS[word];
    return { op: 'flag', flag, has };
  }
  if (HEADER_KEYS.has(word)) return { op: 'header', field: word.toLowerCase(), value: text(args) };
  if (word in DATE_KEYS) {
    const [sent, cmp] = DATE_KEYS[word];
    args.sp();
    return { op: 'date', sent, cmp, day: parseSearchDate(args.astring().toString('latin1')) };
  }
  switch (word) {
    case 'ALL':
      return { op: 'all' };
    case 'NEW':
      return { op: 'new' };
    case 'OLD':
      return { op: 'recent', has: false };
    case 'RECENT':
      return { op: 'recent', has: true };
    case 'KEYWORD':
    case 'UNKEYWORD':
      args.sp();
      return { op: 'flag', flag: args.atom(), has: word === 'KEYWORD' };
    case 'HEADER': {
      const field = text(args).toLowerCase();
      return { op: 'header', field, value: text(args) };
    }
    case 'BODY':
      return { op: 'body', value: text(args) };
    case 'TEXT':
      return { op: 'text', value: text(args) };
    case 'LARGER':
    case 'SMALLER':
      args.sp();
      return { op: 'size', larger: word === 'LARGER', n: args.number() };
    case 'UID': {
      args.sp();
      const set = args.token();
      return set === '$' ? { op: 'saved' } : { op: 'uid', set: parseSequenceSet(set) };
    }
    case 'MODSEQ': {
      // RFC 7162: MODSEQ [entry-name entry-type] n. Flags share one modseq here, so the entry is not used.
      args.sp();
      if (args.peek() === 0x22) {
        args.string();
        args.sp();
        const type = args.atom().toLowerCase();
        if (!['priv', 'shared', 'all'].includes(type)) throw new ParseError('MODSEQ entry type must be priv, shared or all');
        args.sp();
      }
      return { op: 'modseq', n: args.number() };
    }
    case 'NOT':
      args.sp();
      return { op: 'not', key: parseKey(args, depth + 1) };
    case 'OR': {
      args.sp();
      const a = parseKey(args, depth + 1);
      args.sp();
      return { op: 'or', a, b: parseKey(args, depth + 1) };
    }
    default:
      throw new ParseError(`unknown search key ${word.slice(0, 32)}`);
  }
}

/** SEARCH [CHARSET x] key *(SP key); returns undefined charset when none given. */
export function parseSearch(args: CommandCursor): { charset?: string; key: SearchKey; ret?: ReturnOptions } {
  args.sp();
  const ret = parseReturn(args);
  let charset: string | undefined;
  if (args.maybeKeyword('CHARSET')) {
    args.sp();
    charset = args.astring().toString('latin1').toUpperCase();
    args.sp();
  }
  return { charset, key: parseSearchKeys(args), ret };
}

/** search-key *(SP search-key) up to the end of the command (SEARCH, SORT and THREAD end with it). */
export function parseSearchKeys(args: CommandCursor): SearchKey {
  const keys = [parseKey(args)];
  while (!args.atEnd()) {
    args.sp();
    keys.push(parseKey(args));
  }
  return keys.length === 1 ? keys[0] : { op: 'and', keys };
}

/** True when the program has a MODSEQ key: then results carry the highest MODSEQ (RFC 7162 section 3.1.5). */
export function usesModseq(k: SearchKey): boolean {
  switch (k.op) {
    case 'modseq':
      return true;
    case 'not':
      return usesModseq(k.key);
    case 'or':
      return usesModseq(k.a) || usesModseq(k.b);
    case 'and':
      return k.keys.some(usesModseq);
    default:
      return false;
  }
}

/** Forgets sets resolved against an earlier numbering, so the key can be evaluated again (search contexts). */
export function resetResolved(k: SearchKey): void {
  if (k.op === 'seq' || k.op === 'uid') k.resolved = undefined;
  else if (k.op === 'not') resetResolved(k.key);
  else if (k.op === 'or') {
    resetResolved(k.a);
    resetResolved(k.b);
  } else if (k.op === 'and') k.keys.forEach(resetResolved);
}

/** What SAVE keeps: the whole result, or with MIN and/or MAX only those (RFC 5182 section 2.1). UIDs in result order. */
export function saveResult(ret: ReturnOptions, uids: number[]): Set<number> {
  if (uids.length === 0 || ret.all || ret.count || (!ret.min && !ret.max)) return new Set(uids);
  const out = new Set<number>();
  // Search results come in ascending order, sort results in sort order: first and last either way.
  if (ret.min) out.add(uids[0]);
  if (ret.max) out.add(uids[uids.length - 1]);
  return out;
}

/** RETURN (SAVE) alone: the result is kept and nothing is sent (RFC 5182 section 2.4). */
export function onlySave(ret: ReturnOptions): boolean {
  return ret.save && !(ret.min || ret.max || ret.all || ret.count || ret.partial || ret.update);
}

export function supportedCharset(charset: string): boolean {
  return SUPPORTED_CHARSETS.has(charset.toUpperCase());
}

export interface SearchHit {
  seq: number;
  meta: MessageMeta;
}

/** The messages of the selected mailbox that match, in sequence order, numbered as the client knows them. */
export async function searchMessages(s: ImapSession, key: SearchKey): Promise<SearchHit[]> {
  const view = s.selected!;
  // Snapshot the numbering before any await: it must match what the client knows.
  const uids = [...view.uids];
  const universe: Universe = { seqs: uids.map((_, i) => i + 1), uids, saved: s.savedResult };
  const withContent = needsContent(key);
  const needles = withContent ? textNeedles(key) : [];
  if (needles.length > MAX_TEXT_KEYS) throw new SearchLimitError(`A search may look for at most ${MAX_TEXT_KEYS} different BODY or TEXT strings`);
  const possible = withContent ? indexCandidates(s, view.mailbox.id, key) : undefined;
  // When no message can match without a text key matching, only the index's candidates are loaded.
  const narrow = possible !== undefined && requiresText(key);
  const metas = narrow ? s.ctx.store.messagesById(view.mailbox.id, possible, s.user!.id) : s.ctx.store.messages(view.mailbox.id, s.user!.id);
  const scan = new ScanClock();
  const found: SearchHit[] = [];
  // In UID order either way; the sequence numbers are those of the snapshot.
  for (const meta of metas) {
    const i = lowerBound(uids, meta.uid);
    if (uids[i] !== meta.uid) continue;
    const candidate: Candidate = { seq: i + 1, meta, recent: view.recent.has(meta.uid) };
    if (possible && !possible.has(meta.id)) {
      // The index says no string of the program is in this message: every text key is false.
      candidate.text = NOTHING_FOUND;
    } else if (withContent) {
      try {
        candidate.content = searchable(await s.ctx.store.readMessage(meta));
      } catch {
        continue;
      }
      candidate.text = await scanText(candidate.content, needles, scan);
    }
    if (matches(key, candidate, universe)) found.push({ seq: i + 1, meta });
  }
  return found;
}

const NOTHING_FOUND = { body: new Set<string>(), header: new Set<string>() };

/**
 * The messages that may match some text key of the program, from the full-text index
 * (server/store/text-index.ts); the others need not be read. Undefined when a key needs the
 * message itself: a sent date, a header that only has to exist, a string too short for the index.
 */
function indexCandidates(s: ImapSession, mailboxId: number, key: SearchKey): Set<number> | undefined {
  const union = new Set<number>();
  const visit = (k: SearchKey): boolean => {
    let found: Set<number> | undefined;
    switch (k.op) {
      case 'header':
        if (k.value === '') return false;
        found = s.ctx.store.textCandidates(mailboxId, 'header', k.value.toLowerCase());
        break;
      case 'body':
      case 'text':
        found = s.ctx.store.textCandidates(mailboxId, k.op, k.value.toLowerCase());
        break;
      case 'date':
        return !k.sent;
      case 'not':
        return visit(k.key);
      case 'or':
        return visit(k.a) && visit(k.b);
      case 'and':
        return k.keys.every(visit);
      default:
        return true;
    }
    if (!found) return false;
    for (const id of found) union.add(id);
    return true;
  };
  return visit(key) ? union : undefined;
}

/** True when a message matches only if some text key does (then messages the index rules out need not be looked at). */
function requiresText(k: SearchKey): boolean {
  switch (k.op) {
    case 'header':
    case 'body':
    case 'text':
      return true;
    case 'and':
      return k.keys.some(requiresText);
    case 'or':
      return requiresText(k.a) && requiresText(k.b);
    default:
      return false;
  }
}

function needsContent(k: SearchKey): boolean {
  switch (k.op) {
    case 'header':
    case 'body':
    case 'text':
      return true;
    case 'date':
      return k.sent;
    case 'not':
      return needsContent(k.key);
    case 'or':
      return needsContent(k.a) || needsContent(k.b);
    case 'and':
      return k.keys.some(needsContent);
    default:
      return false;
  }
}

interface Candidate {
  seq: number;
  meta: MessageMeta;
  recent: boolean;
  content?: SearchableMessage;
  /** Which BODY/TEXT strings (lower case) occur in the body and in the header, found before matching. */
  text?: { body: Set<string>; header: Set<string> };
}

/**
 * BODY and TEXT read the whole message text once per string, so their cost is chosen by the
 * client (issue 17: 200 "NOT TEXT" keys on one 10 MB message held the event loop for 2.4 s).
 * The strings are looked up once each per message, before the program is evaluated, with the
 * event loop given a turn every few milliseconds; their number is limited.
 */
const MAX_TEXT_KEYS = 100;
const SCAN_SLICE_MS = 10;

export class SearchLimitError extends Error {}

class ScanClock {
  private since = performance.now();
  async yieldIfDue(): Promise<void> {
    if (performance.now() - this.since < SCAN_SLICE_MS) return;
    await new Promise((resolve) => setImmediate(resolve));
    this.since = performance.now();
  }
}

/** The distinct BODY and TEXT strings of a program, in lower case. */
function textNeedles(k: SearchKey, out = new Set<string>()): string[] {
  if (k.op === 'body' || k.op === 'text') out.add(k.value.toLowerCase());
  else if (k.op === 'not') textNeedles(k.key, out);
  else if (k.op === 'or') {
    textNeedles(k.a, out);
    textNeedles(k.b, out);
  } else if (k.op === 'and') for (const key of k.keys) textNeedles(key, out);
  return [...out];
}

async function scanText(content: SearchableMessage, needles: string[], clock: ScanClock): Promise<{ body: Set<string>; header: Set<string> }> {
  const result = { body: new Set<string>(), header: new Set<string>() };
  if (needles.length === 0) return result;
  const body = content.bodyText.toLowerCase();
  await clock.yieldIfDue();
  const header = content.headerText.toLowerCase();
  for (const needle of needles) {
    if (body.includes(needle)) result.body.add(needle);
    if (header.includes(needle)) result.header.add(needle);
    await clock.yieldIfDue();
  }
  return result;
}

interface Universe {
  seqs: number[];
  uids: number[];
  saved: Set<number>;
}

function includes(haystack: string, needle: string): boolean {
  return haystack.toLowerCase().includes(needle.toLowerCase());
}

function compareDay(day: number, cmp: DateCmp, target: number): boolean {
  return cmp === 'before' ? day < target : cmp === 'on' ? day === target : day >= target;
}

function matches(k: SearchKey, m: Candidate, u: Universe): boolean {
  switch (k.op) {
    case 'all':
      return true;
    case 'flag':
      return m.meta.flags.some((f) => f.toLowerCase() === k.flag.toLowerCase()) === k.has;
    case 'recent':
      return m.recent === k.has;
    case 'new':
      return m.recent && !m.meta.flags.includes('\\Seen');
    case 'seq':
      k.resolved ??= new Set(resolveSet(k.set, u.seqs));
      return k.resolved.has(m.seq);
    case 'uid':
      k.resolved ??= new Set(resolveSet(k.set, u.uids));
      return k.resolved.has(m.meta.uid);
    case 'header': {
      // No content: the index ruled the message out (indexCandidates).
      const values = m.content?.headers.get(k.field);
      if (!values) return false;
      return k.value === '' || values.some((v) => includes(v, k.value));
    }
    case 'body':
      return m.text!.body.has(k.value.toLowerCase());
    case 'text': {
      const needle = k.value.toLowerCase();
      return m.text!.header.has(needle) || m.text!.body.has(needle);
    }
    case 'date': {
      if (!k.sent) return compareDay(utcDay(m.meta.internalDate), k.cmp, k.day);
      const date = m.content!.headers.get('date')?.[0];
      const day = date === undefined ? undefined : headerDateDay(date);
      return day !== undefined && compareDay(day, k.cmp, k.day);
    }
    case 'size':
      return k.larger ? m.meta.size > k.n : m.meta.size < k.n;
    case 'modseq':
      return m.meta.modseq >= k.n;
    case 'saved':
      return u.saved.has(m.meta.uid);
    case 'not':
      return !matches(k.key, m, u);
    case 'or':
      return matches(k.a, m, u) || matches(k.b, m, u);
    case 'and':
      return k.keys.every((x) => matches(x, m, u));
  }
}

const ALL_RETURN: ReturnOptions = { min: false, max: false, all: true, count: false, save: false, update: false };

export const searchCommands: Record<string, CommandSpec> = {
  SEARCH: {
    states: SELECTED,
    uid: true,
    async run(s, args, call) {
      const parsed = parseSearch(args);
      args.end();
      const { charset, key } = parsed;
      // IMAP4rev2 has no SEARCH response: a SEARCH without RETURN is RETURN (ALL), answered with ESEARCH (RFC 9051 section 6.4.4).
      const ret = parsed.ret ?? (s.rev2 ? ALL_RETURN : undefined);
      if (charset && !SUPPORTED_CHARSETS.has(charset)) return no('Unsupported charset', 'BADCHARSET (UTF-8 US-ASCII)');
      const withModseq = usesModseq(key);
      if (withModseq) await s.enableCondstore();
      const hits = await searchMessages(s, key);
      const found = hits.map((h) => (call.uid ? h.meta.uid : h.seq));
      const modseqs = withModseq ? hits.map((h) => h.meta.modseq) : undefined;
      if (ret?.save) s.savedResult = saveResult(ret, hits.map((h) => h.meta.uid));
      if (ret?.update) {
        s.searchContexts.set(call.tag, {
          tag: call.tag,
          uid: call.uid,
          sorted: false,
          results: hits.map((h) => h.meta.uid),
          compute: async () => {
            resetResolved(key);
            return (await searchMessages(s, key)).map((h) => h.meta.uid);
          },
        });
      }
      if (ret) {
        if (!onlySave(ret)) await s.write(esearchResponse(call.tag, call.uid, ret, found, false, modseqs));
      } else {
        const highest = modseqs?.length ? ` (MODSEQ ${modseqs.reduce((a, b) => Math.max(a, b))})` : '';
        await s.write(`* SEARCH${found.map((n) => ' ' + n).join('')}${highest}\r\n`);
      }
      return ok(`${call.uid ? 'UID ' : ''}SEARCH completed`);
    },
  },
};
