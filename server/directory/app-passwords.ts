import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Db } from '../db/database';
import { generatePassword, hashPassword, verifyPassword } from './passwords';
import { DirectoryError } from './types';

export interface AppPassword {
  id: number;
  name: string;
  createdAt: string;
  /** The last successful login with it (any service), or undefined when never used. */
  lastUsedAt: string | undefined;
}

/** Emitted as 'changed' when an app password is made or revoked (by the user or an administrator). */
export interface AppPasswordChange {
  userId: number;
  change: 'created' | 'revoked';
  name: string;
}

/** A user may have this many; each one is a way in, so they are meant for clients, not for everyday use. */
export const MAX_APP_PASSWORDS = 50;
const NAME = /^\P{Cc}{1,64}$/u;
/** Last-used times are written at most this often per app password (a busy client logs in every minute). */
const LAST_USED_GRANULARITY_MS = 60_000;

/**
 * App passwords: random passwords a user makes for one mail client each, shown once, stored
 * scrypt-hashed like mail passwords, and accepted wherever the mail password is (IMAP, POP3,
 * submission, ManageSieve, the USER role's login) through Directory.authenticate. A tag of 16
 * bits of the password's SHA-256 picks which stored hash to check, so a login costs one scrypt
 * however many app passwords the user has; 16 bits of a hash say nothing useful about a
 * 140-bit random secret.
 */
export class AppPasswords extends EventEmitter {
  constructor(private readonly db: Db) {
    super();
  }

  list(userId: number): AppPassword[] {
    const rows = this.db.prepare('SELECT id, name, created_at, last_used_at FROM app_passwords WHERE user_id = ? ORDER BY name').all(userId) as {
      id: number;
      name: string;
      created_at: string;
      last_used_at: string | null;
    }[];
    return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at, lastUsedAt: r.last_used_at ?? undefined }));
  }

  /** Makes one; the returned password is the only copy there will ever be. */
  async create(userId: number, name: string): Promise<{ appPassword: AppPassword; password: string }> {
    const clean = name.trim();
    if (!NAME.test(clean)) throw new DirectoryError('INVALID_NAME', 'an app password needs a name of 1 to 64 printable characters (the client it is for)', 'name');
    if (this.list(userId).some((p) => p.name.toLowerCase() === clean.toLowerCase())) {
      throw new DirectoryError('NAME_TAKEN', `an app password named "${clean}" exists; revoke it first or choose another name`, 'name');
    }
    if (this.list(userId).length >= MAX_APP_PASSWORDS) throw new DirectoryError('LIMIT_REACHED', `a user may have at most ${MAX_APP_PASSWORDS} app passwords`);
    // 24 characters of a 57-letter alphabet: about 140 bits, grouped in fours for typing.
    const password = generatePassword(24).replace(/(.{4})(?!$)/g, '$1-');
    const hash = await hashPassword(password);
    const createdAt = new Date().toISOString();
    const r = this.db
      .prepare('INSERT INTO app_passwords (user_id, name, tag, password_hash, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(userId, clean, tagOf(password), hash, createdAt);
    this.emit('changed', { userId, change: 'created', name: clean } satisfies AppPasswordChange);
    return { appPassword: { id: Number(r.lastInsertRowid), name: clean, createdAt, lastUsedAt: undefined }, password };
  }

  /** Revokes one of the user's app passwords (and the API sessions opened with it); false when the user has none by that id. */
  revoke(userId: number, id: number): boolean {
    const row = this.db.prepare('DELETE FROM app_passwords WHERE id = ? AND user_id = ? RETURNING name').get(id, userId) as { name: string } | undefined;
    if (row) this.emit('changed', { userId, change: 'revoked', name: row.name } satisfies AppPasswordChange);
    return row !== undefined;
  }

  /** The id of the user's app password that `password` is, or undefined. */
  async match(userId: number, password: string): Promise<number | undefined> {
    if (password.length > 64) return undefined;
    const rows = this.db.prepare('SELECT id, password_hash, last_used_at FROM app_passwords WHERE user_id = ? AND tag = ?').all(userId, tagOf(password)) as {
      id: number;
      password_hash: string;
      last_used_at: string | null;
    }[];
    for (const row of rows) {
      if (!(await verifyPassword(password, row.password_hash))) continue;
      this.touch(row.id, row.last_used_at);
      return row.id;
    }
    return undefined;
  }

  /** Records a login (also one the directory's auth cache answered). */
  touch(id: number, lastUsedAt?: string | null): void {
    const previous = lastUsedAt === undefined ? (this.db.prepare('SELECT last_used_at FROM app_passwords WHERE id = ?').get(id) as { last_used_at: string | null } | undefined)?.last_used_at : lastUsedAt;
    if (previous && Date.now() - Date.parse(previous) < LAST_USED_GRANULARITY_MS) return;
    this.db.prepare('UPDATE app_passwords SET last_used_at = ? WHERE id = ?').run(new Date().toISOString(), id);
  }

  /** Whether the app password still exists (the auth cache must not outlive a revocation). */
  exists(id: number): boolean {
    return this.db.prepare('SELECT 1 FROM app_passwords WHERE id = ?').get(id) !== undefined;
  }
}

function tagOf(password: string): string {
  return crypto.createHash('sha256').update(password).digest('hex').slice(0, 4);
}
