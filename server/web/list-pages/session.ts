import crypto from 'node:crypto';
import type http from 'node:http';
import { inClear } from '../public-http';

const COOKIE = 'pillarbox_lists';
/** A login lasts this long; then the person logs in again. */
const SESSION_MS = 8 * 3600_000;
/** Logins kept at most (the oldest dropped first): memory stays bounded whatever visitors do. */
const MAX_SESSIONS = 20_000;

/** Who a logged-in visitor is: an address logged in to one list, or a server administrator (their GraphQL bearer token). */
export type Login = { listId: number; address: string } | { adminToken: string };

/**
 * The list pages' visitors. Every visitor carries a random id in an HttpOnly, SameSite=Lax
 * cookie (Secure over HTTPS); a login is kept in memory under that id, and each login gets a
 * new id (no session fixation). A form's CSRF token is an HMAC of the visitor's id under a key
 * of this process, so nothing is stored for visitors who never log in. The engine is one
 * process: a restart logs everyone out, which costs a new login link at worst.
 */
export class ListSessions {
  private readonly key = crypto.randomBytes(32);
  private readonly logins = new Map<string, Login & { expires: number }>();

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
    if (old) this.logins.delete(old);
    const id = crypto.randomBytes(24).toString('base64url');
    if (this.logins.size >= MAX_SESSIONS) this.logins.delete(this.logins.keys().next().value as string);
    this.logins.set(id, { ...who, expires: Date.now() + SESSION_MS });
    this.setCookie(req, res, id);
  }

  /** The visitor's login, while it lasts. */
  current(id: string | undefined): Login | undefined {
    const found = id === undefined ? undefined : this.logins.get(id);
    if (!found) return undefined;
    if (found.expires < Date.now()) {
      this.logins.delete(id as string);
      return undefined;
    }
    return found;
  }

  logout(id: string | undefined): Login | undefined {
    const found = this.current(id);
    if (id) this.logins.delete(id);
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
