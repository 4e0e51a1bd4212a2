import crypto from 'node:crypto';

/**
 * SHA-crypt ($5$ SHA-256, $6$ SHA-512; Ulrich Drepper's specification, glibc's crypt(3)),
 * the hashes Dovecot passwd-files ({SHA512-CRYPT}), /etc/shadow and many user databases
 * hold: verified so that users imported with them keep their passwords.
 */

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SHA_CRYPT = /^(?:\{SHA(256|512)-CRYPT\})?\$(5|6)\$(?:rounds=(\d+)\$)?([^$]{0,16})\$([./0-9A-Za-z]+)$/;

/** Byte triplets in the order the result is encoded (glibc's b64_from_24bit calls). */
const ORDER_512 = [[0, 21, 42], [22, 43, 1], [44, 2, 23], [3, 24, 45], [25, 46, 4], [47, 5, 26], [6, 27, 48], [28, 49, 7], [50, 8, 29], [9, 30, 51], [31, 52, 10], [53, 11, 32], [12, 33, 54], [34, 55, 13], [56, 14, 35], [15, 36, 57], [37, 58, 16], [59, 17, 38], [18, 39, 60], [40, 61, 19], [62, 20, 41]];
const ORDER_256 = [[0, 10, 20], [21, 1, 11], [12, 22, 2], [3, 13, 23], [24, 4, 14], [15, 25, 5], [6, 16, 26], [27, 7, 17], [18, 28, 8], [9, 19, 29]];

export function isShaCrypt(stored: string): boolean {
  const m = SHA_CRYPT.exec(stored);
  return !!m && (m[1] === undefined || (m[1] === '256') === (m[2] === '5'));
}

export function verifyShaCrypt(password: string, stored: string): boolean {
  const m = SHA_CRYPT.exec(stored);
  if (!m) return false;
  const algorithm = m[2] === '5' ? 'sha256' : 'sha512';
  const rounds = m[3] === undefined ? 5000 : Math.min(999_999_999, Math.max(1000, Number(m[3])));
  const expected = Buffer.from(m[5]);
  const actual = Buffer.from(shaCrypt(algorithm, Buffer.from(password, 'utf8'), Buffer.from(m[4], 'utf8'), rounds));
  return actual.length === expected.length && crypto.timingSafeEqual(actual, expected);
}

function shaCrypt(algorithm: 'sha256' | 'sha512', p: Buffer, s: Buffer, rounds: number): string {
  const h = () => crypto.createHash(algorithm);
  const size = algorithm === 'sha256' ? 32 : 64;
  const b = h().update(p).update(s).update(p).digest();
  const a = h().update(p).update(s);
  let i: number;
  for (i = p.length; i > size; i -= size) a.update(b);
  a.update(b.subarray(0, i));
  for (i = p.length; i > 0; i >>= 1) a.update(i & 1 ? b : p);
  const ad = a.digest();
  const dp = h();
  for (i = 0; i < p.length; i++) dp.update(p);
  const pSeq = repeatTo(dp.digest(), p.length);
  const ds = h();
  for (i = 0; i < 16 + ad[0]; i++) ds.update(s);
  const sSeq = repeatTo(ds.digest(), s.length);
  let c = ad;
  for (let r = 0; r < rounds; r++) {
    const x = h();
    x.update(r & 1 ? pSeq : c);
    if (r % 3) x.update(sSeq);
    if (r % 7) x.update(pSeq);
    x.update(r & 1 ? c : pSeq);
    c = x.digest();
  }
  let out = '';
  const encode = (b2: number, b1: number, b0: number, n: number) => {
    let w = (b2 << 16) | (b1 << 8) | b0;
    for (let k = 0; k < n; k++, w >>= 6) out += ITOA64[w & 0x3f];
  };
  for (const [x, y, z] of algorithm === 'sha256' ? ORDER_256 : ORDER_512) encode(c[x], c[y], c[z], 4);
  if (algorithm === 'sha256') encode(0, c[31], c[30], 3);
  else encode(0, 0, c[63], 2);
  return out;
}

function repeatTo(block: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i += block.length) block.copy(out, i, 0, Math.min(block.length, length - i));
  return out;
}
