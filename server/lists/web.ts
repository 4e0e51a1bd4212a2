import type { Db } from '../db/database';
import type { Directory } from '../directory/directory';
import { parseAddress } from '../directory/address';
import type { Logger } from '../logs/logger';
import { Effect, listMail } from './effects';
import { formatDate, text } from './i18n/catalogue';
import { webText } from './i18n/web-catalogue';
import { hashToken } from './list-store';
import type { MailingLists } from './lists';
import { newToken } from './subscriptions';
import type { DigestMode, MailingList, PendingKind } from './types';

/** How long a mailed login link works (once). */
export const LOGIN_LINK_MINUTES = 60;
/** Unused, unexpired login links one address may hold per list: more requests mail nothing (no mail bombing). */
const MAX_OPEN_LINKS = 5;
/** Used and expired login links are kept this long, so a replay gets its own answer. */
const KEEP_LINKS_MS = 7 * 24 * 3600_000;

export interface ListRoles {
  owner: boolean;
  moderator: boolean;
  member: boolean;
}

export type LinkState = 'valid' | 'unknown' | 'expired' | 'used';

export interface ListWebDeps {
  lists: MailingLists;
  db: Db;
  directory: Directory;
  hostname: string;
  log: Logger;
}

/** Whether a subscriber's address is one a list can take (the rule of addListMembers). */
export function validMemberAddress(address: string): boolean {
  return !!parseAddress(address) && !/[\s<>,;]/.test(address) && address.length <= 320;
}

/**
 * What the list pages (server/web/list-pages/) may do: who an address is to a list, one-time
 * login links mailed to members, owners and moderators (128-bit tokens kept as their SHA-256,
 * expiring, used once), logins with the mail password of a local user, and subscriptions and
 * confirmations by the same steps as the mail commands.
 */
export class ListWeb {
  constructor(private readonly d: ListWebDeps) {}

  /** What the address is to the list: owner, moderator (owners moderate too), member. */
  rolesOf(list: MailingList, address: string): ListRoles {
    const a = address.trim().toLowerCase();
    const named = (names: string[]) => names.some((n) => (n.includes('@') ? n : `${n}@${list.domain}`).toLowerCase() === a);
    const owner = named(list.owners);
    return { owner, moderator: owner || named(list.moderators), member: !!this.d.lists.member(list.id, a) };
  }

  /** Mails a login link when the address is a member, owner or moderator; does nothing otherwise (the page says the same either way). */
  async mailLoginLink(list: MailingList, address: string, pageUrl: (token: string) => string): Promise<void> {
    const roles = this.rolesOf(list, address);
    if (!validMemberAddress(address) || !(roles.owner || roles.moderator || roles.member)) {
      this.d.log.message('login link asked for an address with no part in the list', { list: list.address, address });
      return;
    }
    const now = Date.now();
    const open = this.d.db.prepare('SELECT COUNT(*) AS n FROM list_web_logins WHERE list_id = ? AND address = ? AND used_at IS NULL AND expires_at > ?').get(list.id, address.toLowerCase(), now) as { n: number };
    if (open.n >= MAX_OPEN_LINKS) {
      this.d.log.message('login link not sent: too many unused ones', { list: list.address, address });
      return;
    }
    const token = newToken();
    const expiresAt = now + LOGIN_LINK_MINUTES * 60_000;
    const language = this.d.lists.member(list.id, address)?.language ?? list.language;
    const vars = { list: list.address, address, url: pageUrl(token), expires: formatDate(language, new Date(expiresAt)) };
    const effect = new Effect();
    effect.changes.push(() => {
      this.d.db.prepare('DELETE FROM list_web_logins WHERE expires_at < ?').run(now - KEEP_LINKS_MS);
      this.d.db.prepare('INSERT INTO list_web_logins (list_id, address, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)').run(list.id, address.toLowerCase(), hashToken(token), now, expiresAt);
    });
    effect.mails.push(listMail(list, this.d.hostname, { to: address, subject: { text: webText(language, 'mail.loginSubject', vars) }, body: webText(language, 'mail.loginBody', vars), automatic: 'auto-generated' }));
    effect.logs.push(() => this.d.log.message('login link sent', { list: list.address, address }));
    await this.d.lists.perform(list, effect);
  }

  /** What a login link is, without using it (the page that shows the button). */
  loginLinkState(list: MailingList, token: string): { state: LinkState; address?: string } {
    const row = /^[0-9a-f]{32}$/i.test(token)
      ? (this.d.db.prepare('SELECT id, address, expires_at, used_at FROM list_web_logins WHERE token_hash = ? AND list_id = ?').get(hashToken(token), list.id) as { id: number; address: string; expires_at: number; used_at: number | null } | undefined)
      : undefined;
    if (!row) return { state: 'unknown' };
    if (row.used_at !== null) return { state: 'used' };
    if (row.expires_at < Date.now()) return { state: 'expired' };
    return { state: 'valid', address: row.address };
  }

  /** Uses a login link: the address it logs in, once; a second use (even at the same instant) gets 'used'. */
  useLoginLink(list: MailingList, token: string): { state: LinkState; address?: string } {
    const found = this.loginLinkState(list, token);
    if (found.state !== 'valid') return found;
    const used = this.d.db.prepare('UPDATE list_web_logins SET used_at = ? WHERE token_hash = ? AND used_at IS NULL').run(Date.now(), hashToken(token)).changes === 1;
    if (!used) return { state: 'used' };
    this.d.log.message('logged in to the list pages by a mailed link', { list: list.address, address: found.address });
    return found;
  }

  /** A local user's mail password: the address when it is the user's and has a part in the list. */
  async passwordLogin(list: MailingList, address: string, password: string): Promise<string | undefined> {
    const a = address.trim();
    if (!a.includes('@') || a.length > 320 || password.length > 1024) return undefined;
    const user = await this.d.directory.authenticate(a, password);
    const roles = this.rolesOf(list, a);
    if (!user || !(roles.owner || roles.moderator || roles.member)) {
      this.d.log.message('list page login refused', { list: list.address, address: a });
      return undefined;
    }
    this.d.log.message('logged in to the list pages with the mail password', { list: list.address, address: a });
    return a.toLowerCase();
  }

  /** The subscribe form: the same confirmation request as mail to NAME-join@ (or the list's refusal). */
  async subscribe(list: MailingList, address: string, opts: { name?: string; digest?: DigestMode }): Promise<{ ok: boolean; answer: string }> {
    const step = this.d.lists.subscriptions.requestJoin(list, address, opts);
    await this.d.lists.perform(list, step.effect);
    return step;
  }

  /** What a confirmation token asks, without using it: the page shows it and a button. */
  pendingConfirmation(token: string): { list: MailingList; kind: PendingKind; address: string; change: string; answer?: string } | undefined {
    const p = /^[0-9a-f]{32}$/i.test(token) ? this.d.lists.store.pendingByToken(hashToken(token)) : undefined;
    const list = p && this.d.lists.list(p.listId);
    if (!p || !list || p.kind === 'approval') return undefined;
    const refused = p.usedAt ? 'confirm.used' : p.expiresAt.getTime() < Date.now() ? 'confirm.expired' : undefined;
    return { list, kind: p.kind, address: p.displayAddress, change: p.change, answer: refused && text(list.language, refused, { list: list.address }) };
  }

  /** Confirms by the page's POST: the same step as `confirm TOKEN` by mail. */
  async confirm(list: MailingList, token: string): Promise<{ ok: boolean; answer: string }> {
    const step = this.d.lists.subscriptions.confirm(list, token);
    await this.d.lists.perform(list, step.effect);
    return step;
  }
}
