import crypto from 'node:crypto';
import type { Db } from '../db/database';
import type { Directory } from './directory';
import type { User } from './types';

/** A mail user's API session (the GraphQL USER role). */
export interface UserSession {
  user: User;
  /** Set when the session was opened with an app password rather than the mail password. */
  appPasswordId: number | undefined;
}

const TOKEN_LIFETIME_MS = 12 * 3600_000;

/**
 * Mail users' bearer tokens for the API, kept apart from the management accounts' (admins.ts):
 * the two name spaces never meet, so a user's token can never be taken for an administrator's.
 * Tokens are random and stored only as SHA-256; a session ends at logout, after 12 hours, when
 * the user's password changes, when the app password it was opened with is revoked, or when the
 * user is deleted or has mail turned off.
 */
export class UserSessions {
  constructor(
    private readonly db: Db,
    private readonly directory: Directory,
  ) {}

  /** Checks the mail password or an app password (Directory.verifyLogin) and opens a session. */
  async login(username: string, password: string): Promise<{ token: string; session: UserSession; expiresAt: Date } | undefined> {
    const verified = await this.directory.verifyLogin(username, password);
    if (!verified || !verified.user.mailEnabled) return undefined;
    const token = crypto.randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + TOKEN_LIFETIME_MS);
    const now = new Date().toISOString();
    this.db.prepare('DELETE FROM user_sessions WHERE expires_at < ?').run(now);
    this.db
      .prepare('INSERT INTO user_sessions (token_hash, user_id, app_password_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)')
      .run(sha256(token), verified.user.id, verified.appPasswordId ?? null, now, expiresAt.toISOString());
    return { token, session: { user: verified.user, appPasswordId: verified.appPasswordId }, expiresAt };
  }

  verifyToken(token: string): UserSession | undefined {
    const row = this.db.prepare('SELECT user_id, app_password_id FROM user_sessions WHERE token_hash = ? AND expires_at > ?').get(sha256(token), new Date().toISOString()) as
      | { user_id: number; app_password_id: number | null }
      | undefined;
    const user = row && this.directory.user(row.user_id);
    if (!row || !user || !user.mailEnabled) return undefined;
    return { user, appPasswordId: row.app_password_id ?? undefined };
  }

  logout(token: string): void {
    this.db.prepare('DELETE FROM user_sessions WHERE token_hash = ?').run(sha256(token));
  }

  /** Ends every session of the user but the one given (after a password change). */
  endOthers(userId: number, keepToken: string | undefined): void {
    this.db.prepare('DELETE FROM user_sessions WHERE user_id = ? AND token_hash <> ?').run(userId, keepToken ? sha256(keepToken) : '');
  }
}

function sha256(s: string): string {
  return crypto.createHash('sha256').update(s).digest('hex');
}
