/**
 * Cyrus IMAP's per-mailbox files, read for the disk migration (layouts from Cyrus's
 * imap/mailbox.h of 2.2 to 3.x): cyrus.header names the user flags (keywords) and gives
 * the mailbox's unique id; cyrus.index holds a record per message with its UID, internal
 * date and flags; Cyrus 2.3's cyrus.expunge lists messages expunged but not yet removed.
 * Every number is big-endian (network order).
 */

/** The first line of every cyrus.header. */
const HEADER_MAGIC = Buffer.from('\xa1\x02\x8b\x0dCyrus mailbox header\n', 'latin1');

// The index header: where the records start, how long each is, how many there are.
const OFFSET_MINOR_VERSION = 8;
const OFFSET_START_OFFSET = 12;
const OFFSET_RECORD_SIZE = 16;
const OFFSET_NUM_RECORDS = 20;

const FLAG_ANSWERED = 1 << 0;
const FLAG_FLAGGED = 1 << 1;
const FLAG_DELETED = 1 << 2;
const FLAG_DRAFT = 1 << 3;
/** Since minor version 12 (Cyrus 2.4), the owner's \Seen is in the index; before, in the user's seen database. */
const FLAG_SEEN = 1 << 4;
/** Since 2.4, an expunged message keeps its record (and, with delayed expunge, its file) until cyr_expire runs. */
const FLAG_UNLINKED = 1 << 30;
const FLAG_EXPUNGED = 2 ** 31;
/** The minor version from which \Seen and the expunged flags are in the index. */
export const CYRUS_SEEN_IN_INDEX = 12;
/** Cyrus keeps 128 user flags: four 32-bit words, bit n of the words being user flag n. */
const USER_FLAG_WORDS = 4;

export interface CyrusHeader {
  /** What the user's seen database is keyed by (before 2.4). */
  uniqueId?: string;
  /** The keyword of each user flag bit; a gap where a flag was removed. */
  userFlags: (string | undefined)[];
}

export interface CyrusIndexRecord {
  uid: number;
  internalDate?: Date;
  systemFlags: number;
  /** The user flag bits set, by number. */
  userFlagBits: number[];
}

export interface CyrusIndex {
  minorVersion: number;
  records: CyrusIndexRecord[];
  /** Why part of the index could not be read (the records before it were). */
  damage?: string;
}

export class CyrusFormatError extends Error {}

/**
 * cyrus.header: the magic lines, then either (Cyrus 3) one DLIST line "%(… I uniqueid … U (flag
 * flag …))" or (before) "quotaroot TAB uniqueid", a line of user flag names separated by
 * spaces (the position is the bit number), and the ACL.
 */
export function parseCyrusHeader(data: Buffer): CyrusHeader {
  if (data.length < HEADER_MAGIC.length || !data.subarray(0, HEADER_MAGIC.length).equals(HEADER_MAGIC)) throw new CyrusFormatError('not a Cyrus mailbox header (wrong magic)');
  // The magic is three lines: the one above, a quotation, and its attribution.
  let pos = HEADER_MAGIC.length;
  for (let i = 0; i < 2; i++) {
    const eol = data.indexOf(0x0a, pos);
    if (eol < 0) throw new CyrusFormatError('the header ends inside its magic lines');
    pos = eol + 1;
  }
  const lines = data.subarray(pos).toString('utf8').split('\n');
  if (lines[0].startsWith('%')) {
    const entry = new DlistReader(data.subarray(pos)).value();
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) throw new CyrusFormatError('the header\'s DLIST line is not a key-value list');
    const flags = entry.U;
    return {
      uniqueId: typeof entry.I === 'string' ? entry.I : undefined,
      userFlags: Array.isArray(flags) ? flags.map((f) => (typeof f === 'string' && f !== '' ? f : undefined)) : [],
    };
  }
  if (lines.length < 2) throw new CyrusFormatError('the header has no line of user flags');
  const tab = lines[0].indexOf('\t');
  const uniqueId = tab < 0 ? undefined : lines[0].slice(tab + 1).split('\t')[0] || undefined;
  const userFlags = lines[1] === '' ? [] : lines[1].split(' ').map((f) => f || undefined);
  return { uniqueId, userFlags };
}

/** cyrus.index (or Cyrus 2.3's cyrus.expunge, which has the same layout). A damaged tail is reported, not thrown. */
export function parseCyrusIndex(data: Buffer): CyrusIndex {
  if (data.length < OFFSET_NUM_RECORDS + 4) throw new CyrusFormatError(`the index is ${data.length} bytes long, shorter than its header`);
  const minorVersion = data.readUInt32BE(OFFSET_MINOR_VERSION);
  const start = data.readUInt32BE(OFFSET_START_OFFSET);
  const recordSize = data.readUInt32BE(OFFSET_RECORD_SIZE);
  const count = data.readUInt32BE(OFFSET_NUM_RECORDS);
  if (minorVersion < 1 || minorVersion > 64) throw new CyrusFormatError(`unknown index version ${minorVersion}`);
  const layout = recordLayout(minorVersion);
  if (start < OFFSET_NUM_RECORDS + 4 || start > data.length) throw new CyrusFormatError(`the records' start (${start}) is outside the file (${data.length} bytes)`);
  if (recordSize < layout.userFlags + USER_FLAG_WORDS * 4) throw new CyrusFormatError(`records of ${recordSize} bytes are too short for version ${minorVersion}`);
  const fit = Math.floor((data.length - start) / recordSize);
  const records: CyrusIndexRecord[] = [];
  for (let i = 0; i < Math.min(count, fit); i++) {
    const at = start + i * recordSize;
    const uid = data.readUInt32BE(at);
    if (uid === 0) continue;
    const userFlagBits: number[] = [];
    for (let w = 0; w < USER_FLAG_WORDS; w++) {
      const word = data.readUInt32BE(at + layout.userFlags + w * 4);
      for (let b = 0; b < 32; b++) if (word & (2 ** b)) userFlagBits.push(w * 32 + b);
    }
    const date = layout.internalDate(data, at);
    records.push({ uid, internalDate: date > 0 ? new Date(date) : undefined, systemFlags: data.readUInt32BE(at + layout.systemFlags), userFlagBits });
  }
  const damage = fit < count ? `the index announces ${count} records but holds ${fit}` : undefined;
  return { minorVersion, records, damage };
}

/** Where a record keeps its fields: the same from 2.2 to 3.12 (version 19); moved by 64-bit dates in version 20. */
function recordLayout(minorVersion: number): { systemFlags: number; userFlags: number; internalDate: (data: Buffer, at: number) => number } {
  if (minorVersion >= 20) return { systemFlags: 36, userFlags: 40, internalDate: (d, at) => Number(d.readBigUInt64BE(at + 8) / 1_000_000n) };
  return { systemFlags: 32, userFlags: 36, internalDate: (d, at) => d.readUInt32BE(at + 4) * 1000 };
}

/** True for a record the user expunged (Cyrus 2.4+ keeps it until cyr_expire): not a message to copy. */
export function isExpunged(record: CyrusIndexRecord, minorVersion: number): boolean {
  return minorVersion >= CYRUS_SEEN_IN_INDEX && (record.systemFlags & (FLAG_EXPUNGED | FLAG_UNLINKED)) !== 0;
}

/** Our flags for a record: the system flags, \Seen (from the index since 2.4, else `seen`), and the keywords its user flag bits name. */
export function recordFlags(record: CyrusIndexRecord, minorVersion: number, userFlags: readonly (string | undefined)[], seen: boolean): string[] {
  const flags: string[] = [];
  if (record.systemFlags & FLAG_ANSWERED) flags.push('\\Answered');
  if (record.systemFlags & FLAG_FLAGGED) flags.push('\\Flagged');
  if (record.systemFlags & FLAG_DELETED) flags.push('\\Deleted');
  if (record.systemFlags & FLAG_DRAFT) flags.push('\\Draft');
  if (minorVersion >= CYRUS_SEEN_IN_INDEX ? record.systemFlags & FLAG_SEEN : seen) flags.push('\\Seen');
  for (const bit of record.userFlagBits) {
    const name = userFlags[bit];
    if (name) flags.push(name);
  }
  return flags;
}

type Dlist = string | null | Dlist[] | { [key: string]: Dlist };

/** Cyrus's DLIST text: %(key value …) maps, (a b …) lists, atoms, NIL, "quoted" strings and {n}/{n+} literals. */
class DlistReader {
  private pos = 0;
  constructor(private readonly data: Buffer) {}

  value(): Dlist {
    this.skipSpaces();
    const c = this.data[this.pos];
    if (c === undefined) throw new CyrusFormatError('the DLIST ends early');
    if (c === 0x25 /* % */ && this.data[this.pos + 1] === 0x28 /* ( */) {
      this.pos += 2;
      const map: { [key: string]: Dlist } = {};
      while (!this.closes()) {
        const key = this.atom();
        map[key] = this.value();
      }
      return map;
    }
    if (c === 0x28) {
      this.pos++;
      const list: Dlist[] = [];
      while (!this.closes()) list.push(this.value());
      return list;
    }
    if (c === 0x22 /* " */) return this.quoted();
    if (c === 0x7b /* { */) return this.literal();
    const atom = this.atom();
    return atom === 'NIL' ? null : atom;
  }

  private closes(): boolean {
    this.skipSpaces();
    if (this.pos >= this.data.length) throw new CyrusFormatError('a DLIST list is not closed');
    if (this.data[this.pos] !== 0x29) return false;
    this.pos++;
    return true;
  }

  private skipSpaces(): void {
    while (this.data[this.pos] === 0x20) this.pos++;
  }

  private atom(): string {
    this.skipSpaces();
    const start = this.pos;
    while (this.pos < this.data.length && ![0x20, 0x28, 0x29, 0x0a, 0x0d].includes(this.data[this.pos])) this.pos++;
    if (this.pos === start) throw new CyrusFormatError(`an empty DLIST atom at byte ${start}`);
    return this.data.toString('utf8', start, this.pos);
  }

  private quoted(): string {
    const bytes: number[] = [];
    for (this.pos++; this.pos < this.data.length; this.pos++) {
      const c = this.data[this.pos];
      if (c === 0x22) {
        this.pos++;
        return Buffer.from(bytes).toString('utf8');
      }
      if (c === 0x5c /* \ */) this.pos++;
      bytes.push(this.data[this.pos]);
    }
    throw new CyrusFormatError('a DLIST string is not closed');
  }

  private literal(): string {
    const m = /^\{(\d+)\+?\}\r?\n/.exec(this.data.toString('latin1', this.pos, this.pos + 24));
    if (!m) throw new CyrusFormatError(`a bad DLIST literal at byte ${this.pos}`);
    const start = this.pos + m[0].length;
    const end = start + Number(m[1]);
    if (end > this.data.length) throw new CyrusFormatError('a DLIST literal runs past the end');
    this.pos = end;
    return this.data.toString('utf8', start, end);
  }
}
