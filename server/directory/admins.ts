import crypto from 'node:crypto';
import type { Db } from '../db/database';
import { isDiskFull } from '../db/storage-faults';
import { hashPassword, verifyPassword } from './passwords';

export type AdminRole = 'admin' | 'monitor';

export interface AdminAccount {
  id: number;
  username: string;
  role: AdminRole;
}

const TOKEN_LIFETIME_MS = 12 * 3600_000;

/**
 * Management accounts (GraphQL). Separate from mail users: the administrator of the
 * appliance need not have a mailbox. Tokens are random, stored only as SHA-256.
 */
export class AdminAccounts {
  /**
   * Sessions that could not be written because the disk is full: an administrator must
   * still be able to log in and free space. Held in memory only, so lost on a restart.
   */
  private readonly unsavedSessions = new Map<string, { adminId: number; expiresAt: number }>();

  constructor(private readonly db: Db) {}

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM admins').get() as { n: number }).n;
  }

  list(): AdminAccount[] {
    return this.db.prepare('SELECT id, username, role FROM admins ORDER BY username').all() as AdminAccount[];
  }

  async create(username: string, password: string, role: AdminRole): Promise<AdminAccount> {
    const hash = await hashPassword(password);
    const r = this.db
      .prepare('INSERT INTO admins (username, password_hash, role, created_at) VALUES (?, ?, ?, ?)')
      .run(username, hash, role, new Date().toISOString());
    return { id: Number(r.lastInsertRowid), username, role };
  }

  async setPassword(username: string, password: string): Promise<boolean> {
    const hash = await hashPassword(password);
    const changed = this.db.prepare('UPDATE admins SET password_hash = ? WHERE username = ?').run(hash, username).changes > 0;
    if (changed) {
      this.db.prepare('DELETE FROM sessions WHERE admin_id = (SELECT id FROM admins WHERE username = ?)').run(username);
      this.forgetUnsavedSessions(username);
    }
    return changed;
  }

  delete(username: string): boolean {
    this.forgetUnsavedSessions(username);
    return this.db.prepare('DELETE FROM admins WHERE username = ?').run(username).changes > 0;
  }

  /** Checks the password and returns a new bearer token. */
  async login(username: string, password: string): Promise<{ token: string; account: AdminAccount; expiresAt: Date } | undefined> {
    const row = this.db.prepare('SELECT id, username, role, password_hash FROM admins WHERE username = ?').get(username) as
      | (AdminAccount & { password_hash: string })
      | undefined;
    if (!row) {
      await hashPassword(password);
      return undefined;
    }
    if (!(await verifyPassword(password, row.password_hash))) return undefined;
    const token = crypto.randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + TOKEN_LIFETIME_MS);
    try {
      this.db.prepare('DELETE FROM sessions WHERE expires_at < ?').run(new Date().toISOString());
      this.db
        .prepare('INSERT INTO sessions (token_hash, admin_id, created_at, expires_at) VALUES (?, ?, ?, ?)')
        .run(tokenHash(token), row.id, new Date().toISOString(), expiresAt.toISOString());
    } catch (err) {
      if (!isDiskFull(err)) throw err;
      this.unsavedSessions.set(tokenHash(token), { adminId: row.id, expiresAt: expiresAt.getTime() });
    }
    return { token, account: { id: row.id, username: row.username, role: row.role }, expiresAt };
  }

  verifyToken(token: string): AdminAccount | undefined {
    return this.verifyTokenHash(tokenHash(token));
  }

  /** As verifyToken, by the token's SHA-256 (tokenHash): what the list pages keep for an administrator's login. */
  verifyTokenHash(hash: string): AdminAccount | undefined {
    const row = this.db
      .prepare(
        `SELECT a.id, a.username, a.role FROM sessions s JOIN admins a ON a.id = s.admin_id
         WHERE s.token_hash = ? AND s.expires_at > ?`,
      )
      .get(hash, new Date().toISOString()) as AdminAccount | undefined;
    return row ?? this.unsavedSession(hash);
  }

  logout(token: string): void {
    this.logoutHash(tokenHash(token));
  }

  logoutHash(hash: string): void {
    this.unsavedSessions.delete(hash);
    this.db.prepare('DELETE FROM sessions WHERE token_hash = ?').run(hash);
  }

  private unsavedSession(hash: string): AdminAccount | undefined {
    const session = this.unsavedSessions.get(hash);
    if (!session) return undefined;
    if (session.expiresAt <= Date.now()) {
      this.unsavedSessions.delete(hash);
      return undefined;
    }
    return this.db.prepare('SELECT id, username, role FROM admins WHERE id = ?').get(session.adminId) as AdminAccount | undefined;
  }

  private forgetUnsavedSessions(username: string): void {
    const row = this.db.prepare('SELECT id FROM admins WHERE username = ?').get(username) as { id: number } | undefined;
    for (const [hash, s] of this.unsavedSessions) if (s.adminId === row?.id) this.unsavedSessions.delete(hash);
  }
}

/** The key a bearer token is stored under (its SHA-256, hex). */
export function tokenHash(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}
