import type { Db } from '../db/database';
import { PERMISSIVENESS_LEVELS, type Permissiveness } from '../config/settings-schema';
import { REQUIRED_SCORE, type Verdict } from './verdict';

/** A user's own junk settings: a level (undefined = the server's) and senders always or never junk. */
export interface UserJunkPreferences {
  permissiveness: Permissiveness | undefined;
  /** Addresses (local@domain) and domains (a domain also covers its subdomains) whose mail is never junk for this user. */
  allow: string[];
  /** Addresses and domains whose mail is always junk for this user. */
  block: string[];
}

export type SenderList = 'allow' | 'block';

export class JunkPreferenceError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

/** Per list; a list is for the senders a user cares about, not a blocklist feed. */
export const MAX_SENDERS = 500;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/;
const LOCAL = /^[^\s@<>()[\]\\,;:"]{1,64}$/;

/** An address or a domain as stored: lower case; "@example.com" is the domain example.com. */
export function normalizeSender(raw: string): string {
  const s = raw.trim().toLowerCase().replace(/^@/, '');
  const at = s.lastIndexOf('@');
  const ok = at < 0 ? DOMAIN.test(s) : LOCAL.test(s.slice(0, at)) && DOMAIN.test(s.slice(at + 1));
  if (!ok) throw new JunkPreferenceError(`"${raw}" is neither an address (name@example.com) nor a domain (example.com)`, 'senders');
  return s;
}

/** Whether a sender address is covered by a list entry: the same address, or its domain or a parent domain. */
export function senderMatches(entry: string, address: string): boolean {
  const a = address.toLowerCase();
  if (entry.includes('@')) return a === entry;
  const domain = a.slice(a.lastIndexOf('@') + 1);
  return domain === entry || domain.endsWith(`.${entry}`);
}

/**
 * What the junk stage decides for one user's copy of a message: a blocked sender is junk, an
 * allowed one is not (allow wins when both match, as mox and SpamAssassin's whitelist_from do),
 * else the user's own level against the message's score, else the server's verdict.
 */
export function junkForUser(prefs: UserJunkPreferences, senders: readonly string[], verdict: Verdict): { isJunk: boolean; reason: 'allowed' | 'blocked' | 'own level' | 'server' } {
  const matches = (list: string[]) => senders.some((s) => list.some((e) => senderMatches(e, s)));
  if (matches(prefs.allow)) return { isJunk: false, reason: 'allowed' };
  if (matches(prefs.block)) return { isJunk: true, reason: 'blocked' };
  if (prefs.permissiveness && verdict.tested) return { isJunk: verdict.score >= REQUIRED_SCORE[prefs.permissiveness], reason: 'own level' };
  return { isJunk: verdict.isJunk, reason: 'server' };
}

/** Users' junk preferences in the database (users.junk_permissiveness, user_junk_senders). */
export class UserJunkSettings {
  constructor(private readonly db: Db) {}

  get(userId: number): UserJunkPreferences {
    const row = this.db.prepare('SELECT junk_permissiveness FROM users WHERE id = ?').get(userId) as { junk_permissiveness: Permissiveness | null } | undefined;
    const senders = this.db.prepare('SELECT sender, list FROM user_junk_senders WHERE user_id = ? ORDER BY sender').all(userId) as { sender: string; list: SenderList }[];
    return {
      permissiveness: row?.junk_permissiveness ?? undefined,
      allow: senders.filter((s) => s.list === 'allow').map((s) => s.sender),
      block: senders.filter((s) => s.list === 'block').map((s) => s.sender),
    };
  }

  /** Whether the user has any preference at all: the junk stage skips the others quickly. */
  hasAny(userId: number): boolean {
    return (
      this.db.prepare('SELECT 1 FROM user_junk_senders WHERE user_id = ? LIMIT 1').get(userId) !== undefined ||
      this.db.prepare('SELECT 1 FROM users WHERE id = ? AND junk_permissiveness IS NOT NULL').get(userId) !== undefined
    );
  }

  /** The user's own level; undefined = the server's (setting junkPermissiveness). */
  setPermissiveness(userId: number, level: Permissiveness | undefined): void {
    if (level !== undefined && !(PERMISSIVENESS_LEVELS as readonly string[]).includes(level)) throw new JunkPreferenceError(`unknown junk level "${level}"`, 'permissiveness');
    this.db.prepare('UPDATE users SET junk_permissiveness = ? WHERE id = ?').run(level ?? null, userId);
  }

  /** Replaces one list; a sender put on this list leaves the other. */
  setSenders(userId: number, list: SenderList, raw: readonly string[]): void {
    const senders = [...new Set(raw.filter((s) => s.trim()).map(normalizeSender))];
    if (senders.length > MAX_SENDERS) throw new JunkPreferenceError(`at most ${MAX_SENDERS} senders per list`, 'senders');
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM user_junk_senders WHERE user_id = ? AND list = ?').run(userId, list);
      const put = this.db.prepare('INSERT OR REPLACE INTO user_junk_senders (user_id, sender, list) VALUES (?, ?, ?)');
      for (const s of senders) put.run(userId, s, list);
    })();
  }
}
