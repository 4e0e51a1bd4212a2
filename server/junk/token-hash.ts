/**
 * The 64-bit token hash that identifies a token in the classifier's table (token-table.ts),
 * computed incrementally so the tokenizer can hash "prefix + word" or "word word" straight
 * from the message text without making the string. Two 32-bit hashes of the UTF-16 code
 * units in one pass (FNV-1a and a multiply-xorshift), each finished with MurmurHash3's
 * avalanche so the low bits used for the slot index depend on every character.
 *
 * The state is module-level and the result lands in HASH: no object per token.
 */

/** The last hash finished: two 32-bit halves, signed (small integers to V8 in every tier). Never both zero (zero marks an empty slot). */
export const HASH = new Int32Array(2);
let a = 0;
let b = 0;

export function hashBegin(): void {
  a = 0x811c9dc5;
  b = 0x9747b28c;
}

export function hashFeed(text: string, start: number, end: number): void {
  let x = a;
  let y = b;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    x = Math.imul(x ^ c, 0x01000193);
    y = Math.imul(y ^ c, 0x5bd1e995);
    y ^= y >>> 13;
  }
  a = x;
  b = y;
}

/** The state so far, to continue from it later (hashRestore): "a b" reuses the hash of "a". */
export const SAVED = new Int32Array(2);

export function hashSave(): void {
  SAVED[0] = a;
  SAVED[1] = b;
}

export function hashRestore(): void {
  a = SAVED[0];
  b = SAVED[1];
}

export function hashChar(c: number): void {
  a = Math.imul(a ^ c, 0x01000193);
  b = Math.imul(b ^ c, 0x5bd1e995);
  b ^= b >>> 13;
}

export function hashEnd(): void {
  const x = fmix(a);
  const y = fmix(b ^ 0x2545f491);
  HASH[0] = x;
  HASH[1] = x === 0 && y === 0 ? 1 : y;
}

export function hashString(token: string): void {
  hashBegin();
  hashFeed(token, 0, token.length);
  hashEnd();
}

function fmix(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x | 0;
}
