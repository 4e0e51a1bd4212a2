import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { isShaCrypt, verifyShaCrypt } from './sha-crypt';

const scrypt = promisify(crypto.scrypt) as (
  password: crypto.BinaryLike,
  salt: crypto.BinaryLike,
  keylen: number,
  options: crypto.ScryptOptions,
) => Promise<Buffer>;

const N = 16384;
const R = 8;
const P = 1;
const KEYLEN = 32;

/** `$scrypt$N=16384,r=8,p=1$<salt b64>$<hash b64>`: one-way, salted, memory-hard. */
export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.randomBytes(16);
  const hash = await scrypt(password, salt, KEYLEN, { N, r: R, p: P, maxmem: 64 * 1024 * 1024 });
  return `$scrypt$N=${N},r=${R},p=${P}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

const SCRYPT_HASH = /^\$scrypt\$N=\d+,r=\d+,p=\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/;

/**
 * Whether `stored` is a hash a user may be imported with: ours (hashPassword), or SHA-crypt
 * ($5$, $6$, with or without Dovecot's {SHA256-CRYPT}/{SHA512-CRYPT}), which the first
 * login replaces with ours (isLegacyHash).
 */
export function isPasswordHash(stored: string): boolean {
  return SCRYPT_HASH.test(stored) || isShaCrypt(stored);
}

/** A hash from another system that a successful login should replace with ours. */
export function isLegacyHash(stored: string): boolean {
  return !SCRYPT_HASH.test(stored) && isShaCrypt(stored);
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (isShaCrypt(stored)) return verifyShaCrypt(password, stored);
  const m = /^\$scrypt\$N=(\d+),r=(\d+),p=(\d+)\$([^$]+)\$([^$]+)$/.exec(stored);
  if (!m) return false;
  const expected = Buffer.from(m[5], 'base64');
  const actual = await scrypt(password, Buffer.from(m[4], 'base64'), expected.length, {
    N: Number(m[1]),
    r: Number(m[2]),
    p: Number(m[3]),
    maxmem: 256 * 1024 * 1024,
  });
  return crypto.timingSafeEqual(actual, expected);
}

/**
 * Reversible password storage, used only for users whose password was set while
 * CRAM-MD5 or APOP was enabled (both need the plain password on the server side).
 * AES-256-GCM with a key kept in <data>/secrets/password.key (mode 0600).
 */
export class PasswordVault {
  private readonly key: Buffer;

  constructor(secretsDir: string) {
    fs.mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
    const file = path.join(secretsDir, 'password.key');
    if (!fs.existsSync(file)) {
      fs.writeFileSync(file, crypto.randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
    }
    this.key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  }

  seal(password: string): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(password, 'utf8'), cipher.final()]);
    return [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64')).join('.');
  }

  open(sealed: string): string | undefined {
    const [iv, tag, body] = sealed.split('.').map((s) => Buffer.from(s, 'base64'));
    try {
      const decipher = crypto.createDecipheriv('aes-256-gcm', this.key, iv);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}

export function generatePassword(length = 20): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  const bytes = crypto.randomBytes(length);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}
