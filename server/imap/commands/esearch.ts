import { type CommandCursor, ParseError } from '../protocol/command-cursor';
import { formatSet } from '../protocol/sequence-set';
import { nstring } from '../protocol/encode';

/**
 * SEARCH and SORT result options of ESEARCH (RFC 4731) and ESORT (RFC 5267): MIN, MAX,
 * ALL and COUNT, and CONTEXT=SEARCH/SORT's (RFC 5267) PARTIAL and UPDATE. `RETURN ()` means
 * ALL. (SAVE, of SEARCHRES, is not offered.)
 */
export interface ReturnOptions {
  min: boolean;
  max: boolean;
  all: boolean;
  count: boolean;
  /** SEARCHRES (RFC 5182): keep the result for "$". */
  save: boolean;
  /** Positions first..last (1-based) of the result list. */
  partial?: { first: number; last: number };
  update: boolean;
}

/** Reads `RETURN (...)` if it comes next (after the command's SP); undefined when absent. */
export function parseReturn(args: CommandCursor): ReturnOptions | undefined {
  if (!args.maybeKeyword('RETURN')) return undefined;
  args.sp();
  const o: ReturnOptions = { min: false, max: false, all: false, count: false, update: false, save: false };
  const words = args.list(() => {
    const w = args.atom().toUpperCase();
    if (w === 'PARTIAL') {
      args.sp();
      const m = /^(\d{1,10}):(\d{1,10})$/.exec(args.token());
      if (!m || Number(m[1]) === 0 || Number(m[2]) === 0) throw new ParseError('PARTIAL takes a range of positions like 1:100');
      const [a, b] = [Number(m[1]), Number(m[2])];
      o.partial = { first: Math.min(a, b), last: Math.max(a, b) };
    }
    return w;
  });
  args.sp();
  for (const w of words) {
    if (w === 'PARTIAL') continue;
    if (w === 'UPDATE') o.update = true;
    else if (w === 'SAVE') o.save = true;
    else if (w === 'MIN') o.min = true;
    else if (w === 'MAX') o.max = true;
    else if (w === 'ALL') o.all = true;
    else if (w === 'COUNT') o.count = true;
    else throw new ParseError(`unknown RETURN option ${w.slice(0, 32)}`);
  }
  if (!o.min && !o.max && !o.count && !o.partial && !o.update && !o.save) o.all = true;
  if (o.partial && o.all) throw new ParseError('PARTIAL and ALL cannot be combined');
  return o;
}

/** The ESEARCH response for `found` (numbers in result order: ascending for SEARCH, sort order for SORT). */
export function esearchResponse(tag: string, uid: boolean, o: ReturnOptions, found: readonly number[], sorted = false, modseqs?: readonly number[]): string {
  let line = `* ESEARCH (TAG ${nstring(tag)})${uid ? ' UID' : ''}`;
  if (found.length > 0) {
    // For SORT, MIN and MAX are the first and last in sort order (RFC 5267 section 3.2).
    if (o.min) line += ` MIN ${sorted ? found[0] : found.reduce((a, b) => Math.min(a, b))}`;
    if (o.max) line += ` MAX ${sorted ? found[found.length - 1] : found.reduce((a, b) => Math.max(a, b))}`;
    if (o.all) line += ` ALL ${formatSet(found)}`;
  }
  if (o.partial) {
    const slice = found.slice(o.partial.first - 1, o.partial.last);
    line += ` PARTIAL (${o.partial.first}:${o.partial.last} ${slice.length ? formatSet(slice) : 'NIL'})`;
  }
  if (o.count) line += ` COUNT ${found.length}`;
  if (modseqs && found.length > 0) {
    // RFC 7162 section 3.1.5: with only MIN, MAX and/or PARTIAL, the highest MODSEQ of the
    // messages returned; else of all found. None returned (PARTIAL past the end, SAVE alone): no MODSEQ.
    let pick: number[];
    if (o.all || o.count) pick = found.map((_, i) => i);
    else {
      pick = [];
      const at = (v: number) => found.indexOf(v);
      if (o.min) pick.push(sorted ? 0 : at(found.reduce((a, b) => Math.min(a, b))));
      if (o.max) pick.push(sorted ? found.length - 1 : at(found.reduce((a, b) => Math.max(a, b))));
      if (o.partial) for (let i = o.partial.first - 1; i < Math.min(o.partial.last, found.length); i++) pick.push(i);
    }
    if (pick.length > 0) line += ` MODSEQ ${pick.map((i) => modseqs[i]).reduce((a, b) => Math.max(a, b))}`;
  }
  return line + '\r\n';
}
