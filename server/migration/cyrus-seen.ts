/**
 * A Cyrus user's seen database (before Cyrus 2.4, the owner's \Seen lived there, not in
 * cyrus.index): one entry per mailbox, keyed by the mailbox's unique id (in its
 * cyrus.header), valued "VERSION LASTREAD LASTUID LASTCHANGE SEENUIDS" where SEENUIDS is a
 * sequence set ("1:5,7"). Cyrus kept it in /var/imap/user/<letter>/<user>.seen, as a
 * skiplist (2.2's default) or, converted by `cvt_cyrusdb`, as flat text ("key TAB value").
 */

/** The UIDs seen in each mailbox, by unique id. */
export type SeenState = Map<string, UidSet>;

/** A set of UIDs as sorted, disjoint ranges. */
export class UidSet {
  constructor(private readonly ranges: [number, number][]) {}

  /** A sequence set such as "1:5,7,9:8"; anything that is not a number or range is ignored. */
  static parse(text: string): UidSet {
    const ranges: [number, number][] = [];
    for (const part of text.trim().split(',')) {
      const m = /^(\d+)(?::(\d+))?$/.exec(part.trim());
      if (!m) continue;
      const a = Number(m[1]);
      const b = m[2] === undefined ? a : Number(m[2]);
      ranges.push([Math.min(a, b), Math.max(a, b)]);
    }
    return new UidSet(ranges.sort((x, y) => x[0] - y[0]));
  }

  has(uid: number): boolean {
    return this.ranges.some(([lo, hi]) => uid >= lo && uid <= hi);
  }
}

const SKIPLIST_MAGIC = Buffer.from('\xa1\x02\x8b\x0dskiplist file\0\0\0', 'latin1');

/** Reads a seen database in either form; throws on a file that is neither. */
export function parseSeenDatabase(data: Buffer): SeenState {
  const entries = data.subarray(0, SKIPLIST_MAGIC.length).equals(SKIPLIST_MAGIC) ? readSkiplist(data) : readFlat(data);
  const seen: SeenState = new Map();
  for (const [key, value] of entries) {
    // VERSION LASTREAD LASTUID LASTCHANGE SEENUIDS: version 1 is the only one there was.
    const m = /^1 -?\d+ \d+ -?\d+ ?(.*)$/s.exec(value);
    if (m) seen.set(key, UidSet.parse(m[1]));
  }
  return seen;
}

/** Flat text: "key TAB value" per line. */
function readFlat(data: Buffer): Map<string, string> {
  const text = data.toString('utf8');
  if (text.includes('\0')) throw new Error('neither a flat text file nor a skiplist');
  const entries = new Map<string, string>();
  for (const line of text.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab > 0) entries.set(line.slice(0, tab), line.slice(tab + 1).replace(/\r$/, ''));
  }
  return entries;
}

// Record types of a Cyrus skiplist: the ordered records written at a checkpoint, then a log of transactions.
const INORDER = 1;
const ADD = 2;
const DELETE = 4;
const COMMIT = 255;
const DUMMY = 257;
const HEADER_SIZE = 48;
const OFFSET_LOGSTART = 40;
/** A skip pointer list ends with this word. */
const POINTERS_END = 0xffffffff;

/**
 * A skiplist read front to back, as Cyrus's recovery does: the records written in order at the
 * last checkpoint, then the log's transactions, each applied at its COMMIT (an unfinished one
 * at the end is left out). The skip pointers are not followed, so a damaged one does no harm.
 */
function readSkiplist(data: Buffer): Map<string, string> {
  if (data.length < HEADER_SIZE) throw new Error('the skiplist ends inside its header');
  const logStart = data.readUInt32BE(OFFSET_LOGSTART);
  const entries = new Map<string, string>();
  const keyAt = new Map<number, string>();
  let pending: (() => void)[] = [];
  let pos = HEADER_SIZE;
  while (pos + 4 <= data.length) {
    const type = data.readUInt32BE(pos);
    if (type === COMMIT) {
      for (const apply of pending) apply();
      pending = [];
      pos += 4;
      continue;
    }
    if (type === DELETE) {
      if (pos + 8 > data.length) break;
      const target = data.readUInt32BE(pos + 4);
      pending.push(() => {
        const key = keyAt.get(target);
        if (key !== undefined) entries.delete(key);
      });
      pos += 8;
      continue;
    }
    if (type !== INORDER && type !== ADD && type !== DUMMY) throw new Error(`unknown skiplist record type ${type} at byte ${pos}`);
    const record = readNode(data, pos);
    if (!record) break;
    if (type !== DUMMY) {
      const at = pos;
      const apply = () => {
        entries.set(record.key, record.value);
        keyAt.set(at, record.key);
      };
      // Records before the log were written whole at a checkpoint; the log's wait for their COMMIT.
      if (type === INORDER || pos < logStart) apply();
      else pending.push(apply);
    }
    pos = record.end;
  }
  return entries;
}

/** A node: type, key length, key (padded to 4 bytes), data length, data (padded), skip pointers, the end marker. */
function readNode(data: Buffer, pos: number): { key: string; value: string; end: number } | undefined {
  const roundUp = (n: number) => (n + 3) & ~3;
  if (pos + 8 > data.length) return undefined;
  const keyLength = data.readUInt32BE(pos + 4);
  const dataLengthAt = pos + 8 + roundUp(keyLength);
  if (dataLengthAt + 4 > data.length) return undefined;
  const valueLength = data.readUInt32BE(dataLengthAt);
  let p = dataLengthAt + 4 + roundUp(valueLength);
  // Cyrus's skiplists have at most 20 levels: more words than that before the end marker is damage.
  for (let level = 0; p + 4 <= data.length && level <= 32; level++, p += 4) {
    if (data.readUInt32BE(p) === POINTERS_END) {
      return { key: data.toString('utf8', pos + 8, pos + 8 + keyLength), value: data.toString('utf8', dataLengthAt + 4, dataLengthAt + 4 + valueLength), end: p + 4 };
    }
  }
  return undefined;
}
