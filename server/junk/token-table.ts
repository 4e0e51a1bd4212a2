import { PACK } from './classifier';
import { HASH, hashString } from './token-hash';

/**
 * The classifier's in-memory copy of the token counts: an open-addressing hash table in
 * one Int32Array, four words per slot (two 32-bit halves of the token's 64-bit hash,
 * spam count, ham count). Scoring a message looks up a few hundred tokens; in a
 * Map<string, number> of 400,000 tokens each lookup chases pointers to the key string
 * and a boxed number (several cache misses), here it reads one 16-byte slot. The table
 * is also its own file format: JunkFilter stores it whole in junk.db (TokenStore
 * snapshot) so a new process loads it in milliseconds instead of rebuilding it.
 *
 * Tokens are identified by their hash alone, as SpamAssassin's Bayes store does (40
 * bits there, 64 here): with a million tokens the chance that any two collide is about
 * 3·10⁻⁸, and a collision would only merge two tokens' counts.
 */
export class TokenTable {
  /** Bumped when the hash function or the layout changes: older snapshots are then ignored. */
  static readonly FORMAT = 1;
  /** [h1, h2, spam, ham] per slot; read directly by classifier.ts scoreHashes (find gives the offset). */
  slots: Int32Array;
  private mask: number;
  /** Occupied slots (tokens whose counts dropped to zero keep theirs until the next rebuild). */
  size = 0;

  constructor(capacity = 1024) {
    let c = 1024;
    while (c < capacity) c *= 2;
    this.slots = new Int32Array(c * 4);
    this.mask = c - 1;
  }

  get capacity(): number {
    return this.mask + 1;
  }

  /** Counts packed as classifier.ts pack(spam, ham), or undefined for a token never learnt. */
  get(token: string): number | undefined {
    hashString(token);
    return this.getHashed(HASH[0], HASH[1]);
  }

  getHashed(h1: number, h2: number): number | undefined {
    const o = this.find(h1, h2);
    return o < 0 ? undefined : this.slots[o + 2] * PACK + this.slots[o + 3];
  }

  /**
   * The offset in slots of a token already hashed (token-hash.ts), or -1: the scoring
   * fast path, which reads the two counts itself rather than have them packed into a
   * double and unpacked again.
   */
  find(h1: number, h2: number): number {
    const s = this.slots;
    const mask = this.mask;
    for (let i = h1 & mask; ; i = (i + 1) & mask) {
      const o = i * 4;
      const a = s[o];
      if (a === h1 && s[o + 1] === h2) return o;
      if (a === 0 && s[o + 1] === 0) return -1;
    }
  }

  /** Adds (or with negative numbers removes) sightings; counts never go below zero. */
  add(token: string, spam: number, ham: number): void {
    hashString(token);
    const o = this.slotFor(HASH[0], HASH[1]);
    this.slots[o + 2] = Math.max(0, this.slots[o + 2] + spam);
    this.slots[o + 3] = Math.max(0, this.slots[o + 3] + ham);
  }

  /** The table as bytes (native byte order: snapshots never leave the machine that made them). */
  toBuffer(): Buffer {
    const header = new Uint32Array([TokenTable.FORMAT, this.capacity, this.size, 0]);
    return Buffer.concat([Buffer.from(header.buffer), Buffer.from(this.slots.buffer, this.slots.byteOffset, this.slots.byteLength)]);
  }

  /** The inverse of toBuffer; undefined for a buffer of another format or a damaged one. */
  static fromBuffer(buf: Buffer): TokenTable | undefined {
    if (buf.length < 16) return undefined;
    const format = new Uint32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + 16));
    if (format[0] !== TokenTable.FORMAT) return undefined;
    const capacity = format[1];
    if (capacity < 1024 || (capacity & (capacity - 1)) !== 0 || buf.length !== 16 + capacity * 16) return undefined;
    // A view over the blob's own memory, not a copy: touching 16 MiB of fresh memory costs a
    // `pillarbox classify` process some 50 ms of page faults. SQLite's blobs of this size have
    // a memory of their own; any other buffer (a slice of a pool, a misaligned one) is copied.
    const own = buf.byteOffset === 0 && buf.buffer.byteLength === buf.length;
    const slots = own ? new Int32Array(buf.buffer, 16, capacity * 4) : new Int32Array(capacity * 4);
    if (!own) buf.copy(new Uint8Array(slots.buffer), 0, 16);
    return TokenTable.over(slots, format[2]);
  }

  /**
   * The slots in shared memory (a copy unless they are already), for worker threads
   * that only read them (`pillarbox classify` spreads a big run over the cores): one
   * copy of the table, not one per thread.
   */
  toShared(): { slots: Int32Array; size: number } {
    if (this.slots.buffer instanceof SharedArrayBuffer) return { slots: this.slots, size: this.size };
    const slots = new Int32Array(new SharedArrayBuffer(this.slots.byteLength));
    slots.set(this.slots);
    return { slots, size: this.size };
  }

  /** A table over slots from toShared (or any array of its layout), without copying. */
  static over(slots: Int32Array, size: number): TokenTable {
    const table = new TokenTable();
    table.slots = slots;
    table.mask = slots.length / 4 - 1;
    table.size = size;
    return table;
  }

  private slotFor(a: number, b: number): number {
    const s = this.slots;
    const mask = this.mask;
    for (let i = a & mask; ; i = (i + 1) & mask) {
      const o = i * 4;
      if (s[o] === a && s[o + 1] === b) return o;
      if (s[o] === 0 && s[o + 1] === 0) {
        // Kept at most 5/8 full: linear probing stays short.
        if ((this.size + 1) * 8 > this.capacity * 5) {
          this.grow();
          return this.slotFor(a, b);
        }
        s[o] = a;
        s[o + 1] = b;
        this.size++;
        return o;
      }
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    this.mask = this.mask * 2 + 1;
    this.size = 0;
    for (let o = 0; o < old.length; o += 4) {
      if (old[o] === 0 && old[o + 1] === 0) continue;
      if (old[o + 2] === 0 && old[o + 3] === 0) continue;
      const n = this.slotFor(old[o], old[o + 1]);
      this.slots[n + 2] = old[o + 2];
      this.slots[n + 3] = old[o + 3];
    }
  }
}
