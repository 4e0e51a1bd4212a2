import crypto from 'node:crypto';
import type http from 'node:http';
import type { Db } from '../../db/database';
import { inClear } from '../public-http';

const COOKIE = 'pillarbox_lists';
/** A login lasts this long; then the person logs in again. */
const SESSION_MS = 8 * 3600_000;
/** Logins kept at most (the oldest dropped first): the table stays bounded whatever visitors do. */
const MAX_SESSIONS = 20_000;

/**
 * Who a logged-in visitor is: an address logged in to one list, or a server administrator (the
 * SHA-256 of their GraphQL bearer token: the token itself is never stored).
 */
export type Login = { listId: number; address: string } | { adminTokenHash: string };

interface SessionRow {
  list_id: number | null;
  address: string | null;
  admin_token_hash: string | null;
  expires_at: number;
}

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

/**
 * The list pages' visitors. Every visitor carries a random id in an HttpOnly, SameSite=Lax
 * cookie (Secure over HTTPS); a login is a row under the SHA-256 of that id (migration 21), so it
 * survives a restart and a copy of the database logs nobody in; each login gets a new id (no
 * session fixation). A form's CSRF token is an HMAC of the visitor's id under a key kept in the
 * database, so nothing is stored for visitors who never log in, and forms open before a
 * restart still post.
 */
export class ListSessions {
  private readonly key: Buffer;

  constructor(private readonly db: Db) {
    db.prepare('INSERT OR IGNORE INTO list_web_keys (id, csrf_key) VALUES (1, ?)').run(crypto.randomBytes(32));
    this.key = (db.prepare('SELECT csrf_key FROM list_web_keys WHERE id = 1').get() as { csrf_key: Buffer }).csrf_key;
  }

  /** The visitor's id: the cookie's, or a new one set on the answer. */
  visitor(req: http.IncomingMessage, res: http.ServerResponse): string {
    const id = this.cookieId(req);
    if (id) return id;
    const fresh = crypto.randomBytes(24).toString('base64url');
    this.setCookie(req, res, fresh);
    return fresh;
  }

  /** The visitor's id when the request carries one (a POST without it is no form of ours). */
  cookieId(req: http.IncomingMessage): string | undefined {
    for (const part of (req.headers.cookie ?? '').split(';')) {
      const [name, value] = part.trim().split('=');
      if (name === COOKIE && value && /^[A-Za-z0-9_-]{32}$/.test(value)) return value;
    }
    return undefined;
  }

  login(req: http.IncomingMessage, res: http.ServerResponse, who: Login): void {
    const old = this.cookieId(req);
    const id = crypto.randomBytes(24).toString('base64url');
    const now = Date.now();
    this.db.transaction(() => {
      if (old) this.db.prepare('DELETE FROM list_web_sessions WHERE id_hash = ?').run(sha256(old));
      this.db.prepare('DELETE FROM list_web_sessions WHERE expires_at < ?').run(now);
      const count = (this.db.prepare('SELECT COUNT(*) AS n FROM list_web_sessions').get() as { n: number }).n;
      if (count >= MAX_SESSIONS) this.db.prepare('DELETE FROM list_web_sessions WHERE id_hash IN (SELECT id_hash FROM list_web_sessions ORDER BY created_at LIMIT ?)').run(count - MAX_SESSIONS + 1);
      this.db
        .prepare('INSERT INTO list_web_sessions (id_hash, list_id, address, admin_token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(sha256(id), 'listId' in who ? who.listId : null, 'listId' in who ? who.address : null, 'adminTokenHash' in who ? who.adminTokenHash : null, now, now + SESSION_MS);
    })();
    this.setCookie(req, res, id);
  }

  /** The visitor's login, while it lasts. */
  current(id: string | undefined): Login | undefined {
    if (id === undefined) return undefined;
    const row = this.db.prepare('SELECT list_id, address, admin_token_hash, expires_at FROM list_web_sessions WHERE id_hash = ?').get(sha256(id)) as SessionRow | undefined;
    if (!row) return undefined;
    if (row.expires_at < Date.now()) {
      this.db.prepare('DELETE FROM list_web_sessions WHERE id_hash = ?').run(sha256(id));
      return undefined;
    }
    if (row.admin_token_hash !== null) return { adminTokenHash: row.admin_token_hash };
    return { listId: row.list_id as number, address: row.address as string };
  }

  logout(id: string | undefined): Login | undefined {
    const found = this.current(id);
    if (id) this.db.prepare('DELETE FROM list_web_sessions WHERE id_hash = ?').run(sha256(id));
    return found;
  }

  csrfToken(visitorId: string): string {
    return crypto.createHmac('sha256', this.key).update(visitorId).digest('base64url');
  }

  /** Whether a form's token is the one this visitor's pages carry. */
  csrfValid(visitorId: string | undefined, given: string | null): boolean {
    if (!visitorId || !given) return false;
    const expected = Buffer.from(this.csrfToken(visitorId));
    const actual = Buffer.from(given);
    return expected.length === actual.length && crypto.timingSafeEqual(expected, actual);
  }

  private setCookie(req: http.IncomingMessage, res: http.ServerResponse, id: string): void {
    res.setHeader('set-cookie', `${COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax${inClear(req) ? '' : '; Secure'}`);
  }
}
