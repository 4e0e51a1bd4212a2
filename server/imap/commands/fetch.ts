import type { Readable } from 'node:stream';
import type { MessageMeta } from '../../store/types';
import { SYNC_READ_MAX } from '../../store/store';
import { type CommandCursor, ParseError } from '../protocol/command-cursor';
import { formatInternalDate } from '../protocol/imap-date';
import { decodeTransferExact } from '../../mail/mime/transfer';
import { withoutNul, withoutNulStream } from '../mime/binary';
import { headerValue, parseHeaderFields } from '../../mail/mime/header';
import { type Section, type SectionText, filterHeader, sectionRange } from '../mime/sections';
import { type MessageSummary, messageSummary } from '../mime/summary';
import { formatSet, parseSequenceSet, resolveSet } from '../protocol/sequence-set';
import { type CommandSpec, SELECTED, bad, no, ok } from '../session/command-types';
import { flagList } from '../session/flags';
import type { ImapSession } from '../session/imap-session';
import { type Target, loadMetas, resolveTargets } from './message-set';
import { fetchFlags, flagsOnly } from './fetch-flags';

type Simple = 'UID' | 'FLAGS' | 'INTERNALDATE' | 'RFC822.SIZE' | 'ENVELOPE' | 'BODY' | 'BODYSTRUCTURE' | 'MODSEQ';

type FetchItem =
  | { kind: Simple }
  | { kind: 'BINARY'; path: number[]; partial?: { start: number; length: number }; peek: boolean; sizeOnly: boolean }
  | { kind: 'SECTION'; label: string; section: Section; partial?: { start: number; length: number }; peek: boolean };

const MACROS: Record<string, Simple[]> = {
  ALL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'],
  FAST: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE'],
  FULL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY'],
};
const SIMPLE = new Set<string>(['UID', 'FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY', 'BODYSTRUCTURE', 'MODSEQ']);

function parseSection(args: CommandCursor): { section: Section; label: string } {
  args.expect('[');
  const section: Section = { path: [] };
  const path = args.match(/\d+(\.\d+)*/);
  if (path) {
    section.path = path.split('.').map(Number);
    if (section.path.some((n) => n === 0)) throw new ParseError('part numbers start at 1');
  }
  let text: string | undefined;
  if (!path || args.maybe('.')) {
    text = args.match(path ? /(HEADER\.FIELDS\.NOT|HEADER\.FIELDS|HEADER|TEXT|MIME)/i : /(HEADER\.FIELDS\.NOT|HEADER\.FIELDS|HEADER|TEXT)/i);
    if (path && !text) throw new ParseError('invalid section');
  }
  let label = path ?? '';
  if (text) {
    section.text = text.toUpperCase() as SectionText;
    label += (path ? '.' : '') + section.text;
    if (section.text.startsWith('HEADER.FIELDS')) {
      args.sp();
      section.fields = args.list(() => args.astring().toString('latin1'), false);
      label += ' (' + section.fields.join(' ') + ')';
    }
  }
  args.expect(']');
  return { section, label: `[${label}]` };
}

function parsePartial(args: CommandCursor): { start: number; length: number } | undefined {
  if (!args.maybe('<')) return undefined;
  const start = args.number();
  args.expect('.');
  const length = args.nzNumber();
  args.expect('>');
  return { start, length };
}

/** section-binary of RFC 3516: "[" [part numbers] "]". */
function parseBinarySection(args: CommandCursor): number[] {
  args.expect('[');
  const path = args.match(/\d+(\.\d+)*/);
  args.expect(']');
  const parts = path ? path.split('.').map(Number) : [];
  if (parts.some((n) => n === 0)) throw new ParseError('part numbers start at 1');
  return parts;
}

function parseItem(args: CommandCursor, out: FetchItem[]): void {
  const name = args.match(/[A-Za-z0-9.]+/)?.toUpperCase();
  if (!name) throw new ParseError('expected a FETCH item');
  if ((name === 'BINARY' || name === 'BINARY.PEEK' || name === 'BINARY.SIZE') && args.peek() === 0x5b) {
    const path = parseBinarySection(args);
    const sizeOnly = name === 'BINARY.SIZE';
    out.push({ kind: 'BINARY', path, partial: sizeOnly ? undefined : parsePartial(args), peek: name !== 'BINARY', sizeOnly });
  } else if ((name === 'BODY' || name === 'BODY.PEEK') && args.peek() === 0x5b) {
    const { section, label } = parseSection(args);
    const partial = parsePartial(args);
    out.push({ kind: 'SECTION', label: `BODY${label}`, section, partial, peek: name === 'BODY.PEEK' });
  } else if (SIMPLE.has(name)) {
    out.push({ kind: name as Simple });
  } else if (name === 'RFC822') {
    out.push({ kind: 'SECTION', label: 'RFC822', section: { path: [] }, peek: false });
  } else if (name === 'RFC822.HEADER') {
    out.push({ kind: 'SECTION', label: 'RFC822.HEADER', section: { path: [], text: 'HEADER' }, peek: true });
  } else if (name === 'RFC822.TEXT') {
    out.push({ kind: 'SECTION', label: 'RFC822.TEXT', section: { path: [], text: 'TEXT' }, peek: false });
  } else {
    throw new ParseError(`unknown FETCH item ${name.slice(0, 32)}`);
  }
}

export function parseFetchItems(args: CommandCursor): FetchItem[] {
  const items: FetchItem[] = [];
  if (args.peek() === 0x28) {
    args.list(() => parseItem(args, items), false);
  } else {
    const macro = args.match(/(ALL|FAST|FULL)(?![A-Za-z0-9.[])/i)?.toUpperCase();
    if (macro) items.push(...MACROS[macro].map((kind) => ({ kind })));
    else parseItem(args, items);
  }
  return items;
}

/** A piece of a FETCH response: text, or bytes (small ranges), or a stream (large ones, never held whole). */
type Segment = string | Buffer | Readable;

/** Bytes [start, end) of the message: from the summary's copy of the header when it has them, else from the file. */
async function readSmall(s: ImapSession, meta: MessageMeta, start: number, end: number, summary: MessageSummary | undefined): Promise<Buffer> {
  if (summary?.header !== undefined && end <= summary.header.length) return Buffer.from(summary.header.slice(start, end), 'latin1');
  return s.ctx.store.readRange(meta, start, end);
}

async function sectionSegments(s: ImapSession, meta: MessageMeta, item: Extract<FetchItem, { kind: 'SECTION' }>, summary: MessageSummary | undefined): Promise<Segment[]> {
  const sec = item.section;
  const range = sec.path.length === 0 && !sec.text ? { start: 0, end: meta.size } : summary && sectionRange(summary.tree, sec);
  const label = item.partial ? `${item.label}<${item.partial.start}>` : item.label;
  if (!range) return [`${label} NIL`];
  let data: Buffer | undefined;
  let { start, end } = range;
  if (sec.text === 'HEADER.FIELDS' || sec.text === 'HEADER.FIELDS.NOT') {
    data = filterHeader(await readSmall(s, meta, start, end, summary), sec.fields ?? [], sec.text === 'HEADER.FIELDS.NOT');
    start = 0;
    end = data.length;
  }
  if (item.partial) {
    const from = Math.min(start + item.partial.start, end);
    end = Math.min(from + item.partial.length, end);
    start = from;
  }
  const length = end - start;
  // No NUL in a literal: they go out as 0x80 (withoutNul); BINARY[] has the real bytes.
  if (data) return [`${label} {${length}}\r\n`, withoutNul(data.subarray(start, end))];
  if (length <= SYNC_READ_MAX) return [`${label} {${length}}\r\n`, withoutNul(await readSmall(s, meta, start, end, summary))];
  return [`${label} {${length}}\r\n`, withoutNulStream(await s.ctx.store.openRange(meta, start, end))];
}

/** Thrown for BINARY of a part whose Content-Transfer-Encoding is unknown (RFC 3516 section 4.3). */
class UnknownCte extends Error {}

async function binarySegments(s: ImapSession, meta: MessageMeta, item: Extract<FetchItem, { kind: 'BINARY' }>, summary: MessageSummary | undefined): Promise<Segment[]> {
  const sectionLabel = `[${item.path.join('.')}]`;
  let data: Buffer | undefined;
  if (item.path.length === 0) {
    data = await s.ctx.store.readRange(meta, 0, meta.size);
  } else {
    const body = summary && sectionRange(summary.tree, { path: item.path });
    const mime = summary && sectionRange(summary.tree, { path: item.path, text: 'MIME' });
    if (body && mime) {
      const header = await s.ctx.store.readRange(meta, mime.start, mime.end);
      const encoding = headerValue(parseHeaderFields(header, 0, header.length), 'content-transfer-encoding');
      data = decodeTransferExact(await s.ctx.store.readRange(meta, body.start, body.end), encoding);
      if (!data) throw new UnknownCte();
    }
  }
  if (item.sizeOnly) return [`BINARY.SIZE${sectionLabel} ${data ? data.length : 0}`];
  let label = `BINARY${sectionLabel}`;
  if (!data) return [`${label} NIL`];
  if (item.partial) {
    label += `<${item.partial.start}>`;
    data = data.subarray(Math.min(item.partial.start, data.length), Math.min(item.partial.start + item.partial.length, data.length));
  }
  // NUL can only travel in a literal8 (RFC 3516 section 4.2).
  return [`${label} ${data.includes(0) ? '~' : ''}{${data.length}}\r\n`, data];
}

/** What the whole FETCH decided before answering for each message. */
interface FetchPlan {
  items: FetchItem[];
  needsSummary: boolean;
  /** UIDs whose \Seen this FETCH set: their FLAGS are sent even when not asked for. */
  seenSet: Set<number>;
}

async function fetchMessage(s: ImapSession, seq: number, meta: MessageMeta, plan: FetchPlan): Promise<Segment[]> {
  const view = s.selected!;
  const { items } = plan;
  const summary = plan.needsSummary ? await messageSummary(s.ctx.store, meta) : undefined;
  const { flags, modseq } = meta;
  const addFlags = plan.seenSet.has(meta.uid) && !items.some((i) => i.kind === 'FLAGS');
  const parts: Segment[][] = [];
  try {
    await collectItems(s, meta, items, summary, flags, modseq, parts);
  } catch (err) {
    for (const p of parts) for (const seg of p) if (typeof seg !== 'string' && !Buffer.isBuffer(seg)) seg.destroy();
    throw err;
  }
  if (addFlags) {
    parts.push([`FLAGS ${flagList(flags, view.recent.has(meta.uid))}`]);
    // A flag change the client did not ask for carries its MODSEQ under CONDSTORE (RFC 7162 section 3.1.4.1).
    if (s.condstore && !items.some((i) => i.kind === 'MODSEQ')) parts.push([`MODSEQ (${modseq})`]);
  }
  const out: Segment[] = [view.announceKeywords(flags) + `* ${seq} FETCH (`];
  parts.forEach((p, i) => {
    if (i > 0) out.push(' ');
    out.push(...p);
  });
  out.push(')\r\n');
  return out;
}

/**
 * Sets \Seen, in one store call, on the targets a non-PEEK body item reads (RFC 3501
 * section 6.4.5); the metadata in `metas` is updated to what the store now holds.
 */
function markSeen(s: ImapSession, items: FetchItem[], targets: Target[], metas: Map<number, MessageMeta>): Set<number> {
  const view = s.selected!;
  const seenSet = new Set<number>();
  if (view.readOnly || !view.rights.includes('s') || !items.some((i) => (i.kind === 'SECTION' || i.kind === 'BINARY') && !i.peek)) return seenSet;
  const unseen = targets.flatMap((t) => {
    const m = metas.get(t.uid);
    return m && !m.flags.includes('\\Seen') ? [m] : [];
  });
  if (unseen.length === 0) return seenSet;
  const r = s.ctx.store.setFlags(view.mailbox.id, unseen.map((m) => m.uid), 'add', ['\\Seen'], { origin: s, viewer: s.user!.id });
  for (const changed of r.changed) metas.set(changed.uid, { ...metas.get(changed.uid)!, flags: changed.flags, modseq: changed.modseq });
  for (const m of unseen) {
    // Expunged elsewhere (kept for this session): shown as read, as the store would have made it.
    if (!r.changed.some((c) => c.uid === m.uid)) metas.set(m.uid, { ...m, flags: [...m.flags, '\\Seen'] });
    seenSet.add(m.uid);
  }
  return seenSet;
}

async function collectItems(s: ImapSession, meta: MessageMeta, items: FetchItem[], summary: MessageSummary | undefined, flags: string[], modseq: number, parts: Segment[][]): Promise<void> {
  const view = s.selected!;
  for (const item of items) {
    switch (item.kind) {
      case 'UID':
        parts.push([`UID ${meta.uid}`]);
        break;
      case 'FLAGS':
        parts.push([`FLAGS ${flagList(flags, view.recent.has(meta.uid))}`]);
        break;
      case 'MODSEQ':
        parts.push([`MODSEQ (${modseq})`]);
        break;
      case 'INTERNALDATE':
        parts.push([`INTERNALDATE "${formatInternalDate(meta.internalDate)}"`]);
        break;
      case 'RFC822.SIZE':
        parts.push([`RFC822.SIZE ${meta.size}`]);
        break;
      case 'ENVELOPE':
        parts.push([`ENVELOPE ${summary!.envelope}`]);
        break;
      case 'BODY':
        parts.push([`BODY ${summary!.body}`]);
        break;
      case 'BODYSTRUCTURE':
        parts.push([`BODYSTRUCTURE ${summary!.bodystructure}`]);
        break;
      case 'SECTION':
        parts.push(await sectionSegments(s, meta, item, summary));
        break;
      case 'BINARY':
        parts.push(await binarySegments(s, meta, item, summary));
        break;
    }
  }
}

/** Bytes gathered before a write: many small FETCH responses go to the socket as one buffer. */
const WRITE_CHUNK = 64 * 1024;

/** Gathers FETCH output into few, large writes; streams (large bodies) pass straight through. */
class FetchOutput {
  private text = '';
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly s: ImapSession) {}

  async add(segments: Segment[]): Promise<void> {
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i];
      if (typeof seg === 'string') {
        this.text += seg;
        this.size += seg.length;
      } else if (Buffer.isBuffer(seg)) {
        this.takeText();
        this.chunks.push(seg);
        this.size += seg.length;
      } else {
        try {
          await this.flush();
          await this.s.writeStream(seg);
        } catch (err) {
          // The streams not yet sent hold open files.
          for (const rest of segments.slice(i)) if (typeof rest !== 'string' && !Buffer.isBuffer(rest)) rest.destroy();
          throw err;
        }
      }
    }
    if (this.size >= WRITE_CHUNK) await this.flush();
  }

  async flush(): Promise<void> {
    this.takeText();
    if (this.size === 0) return;
    const data = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.size);
    this.chunks = [];
    this.size = 0;
    await this.s.write(data);
  }

  private takeText(): void {
    if (!this.text) return;
    this.chunks.push(Buffer.from(this.text, 'latin1'));
    this.text = '';
  }
}

export const fetchCommands: Record<string, CommandSpec> = {
  FETCH: {
    states: SELECTED,
    uid: true,
    async run(s, args, call) {
      args.sp();
      const setText = args.token();
      args.sp();
      const items = parseFetchItems(args);
      let changedSince: number | undefined;
      let vanished = false;
      if (!args.atEnd()) {
        // fetch-modifiers of RFC 4466: CHANGEDSINCE and VANISHED (RFC 7162).
        args.sp();
        args.list(() => {
          if (args.maybeKeyword('VANISHED')) {
            vanished = true;
            return;
          }
          if (!args.maybeKeyword('CHANGEDSINCE')) throw new ParseError('unknown FETCH modifier');
          args.sp();
          changedSince = args.number();
        }, false);
      }
      args.end();
      if (vanished && (!call.uid || !s.qresync || changedSince === undefined)) {
        return bad('VANISHED needs UID FETCH, CHANGEDSINCE and QRESYNC enabled');
      }
      if (call.uid && !items.some((i) => i.kind === 'UID')) items.unshift({ kind: 'UID' });
      if (changedSince !== undefined && !items.some((i) => i.kind === 'MODSEQ')) items.push({ kind: 'MODSEQ' });
      if (items.some((i) => i.kind === 'MODSEQ')) await s.enableCondstore();
      let targets = resolveTargets(s, setText, call.uid);
      if (changedSince === undefined && flagsOnly(s, items, targets)) {
        if ((await fetchFlags(s, targets, items.map((i) => i.kind))) > 0) return no('Some of the requested messages no longer exist', 'EXPUNGEISSUED');
        return ok(`${call.uid ? 'UID ' : ''}FETCH completed`);
      }
      const needsSummary = items.some(
        (i) =>
          i.kind === 'ENVELOPE' ||
          i.kind === 'BODY' ||
          i.kind === 'BODYSTRUCTURE' ||
          (i.kind === 'BINARY' && i.path.length > 0) ||
          (i.kind === 'SECTION' && (i.section.path.length > 0 || !!i.section.text)),
      );
      const metas = loadMetas(s, targets, { retained: true, summary: needsSummary });
      if (changedSince !== undefined) {
        const since = changedSince;
        targets = targets.filter((t) => (metas.get(t.uid)?.modseq ?? Infinity) > since);
        if (vanished) {
          // UIDs of the set expunged since then (RFC 7162 section 3.2.6), sent before the FETCH responses.
          const view = s.selected!;
          const gone = s.ctx.store.expungedSince(view.mailbox.id, since);
          const inSet = new Set(resolveSet(parseSequenceSet(setText), [...view.uids, ...gone].sort((a, b) => a - b)));
          const earlier = gone.filter((u) => inSet.has(u));
          if (earlier.length) await s.write(`* VANISHED (EARLIER) ${formatSet(earlier)}\r\n`);
        }
      }
      const plan: FetchPlan = { items, needsSummary, seenSet: markSeen(s, items, targets, metas) };
      const output = new FetchOutput(s);
      let missing = 0;
      try {
        for (const t of targets) {
          const meta = metas.get(t.uid);
          if (!meta) {
            missing++;
            continue;
          }
          let segments: Segment[];
          try {
            segments = await fetchMessage(s, t.seq, meta, plan);
          } catch (err) {
            if (err instanceof UnknownCte) return no('Unknown Content-Transfer-Encoding', 'UNKNOWN-CTE');
            if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
              missing++;
              continue;
            }
            throw err;
          }
          await output.add(segments);
          if (s.isClosed) break;
        }
      } finally {
        await output.flush();
      }
      if (missing > 0) return no('Some of the requested messages no longer exist', 'EXPUNGEISSUED');
      return ok(`${call.uid ? 'UID ' : ''}FETCH completed`);
    },
  },
};
