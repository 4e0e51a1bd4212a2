import type http from 'node:http';
import type { EngineContext } from '../../context';
import { type WebMessageId, webText } from '../../lists/i18n/web-catalogue';
import { listPagePaths } from '../../lists/archive';
import type { LanguageCode, MailingList } from '../../lists/types';
import type { ListRoles, ListWeb } from '../../lists/web';
import type { Logger } from '../../logs/logger';
import { tokenHash } from '../../directory/admins';
import { bearerToken } from '../http-util';
import { type NavLink, type PageParts, esc, postForm, sendPage } from './layout';
import type { ListSessions, Login } from './session';

/** One request to the list pages: who asks, about which list, in which language. */
export interface Visit {
  ctx: EngineContext;
  web: ListWeb;
  sessions: ListSessions;
  log: Logger;
  req: http.IncomingMessage;
  res: http.ServerResponse;
  url: URL;
  method: string;
  visitor: string;
  csrf: string;
  list?: MailingList;
  lang: LanguageCode;
  login?: Login;
  /** A server administrator (logged in here, or with a bearer token on the request). */
  admin: boolean;
  /** The administrator's account name, when `admin`. */
  adminName?: string;
  /** The address logged in to this list. */
  address?: string;
  roles: ListRoles;
  /** A POST's fields, its CSRF token checked. */
  form?: URLSearchParams;
}

export const NO_ROLES: ListRoles = { owner: false, moderator: false, member: false };

/** Fills in who the visitor is to the list and the page language (a member's own, else the list's). */
export function identify(v: Visit): void {
  const login = v.sessions.current(v.sessions.cookieId(v.req));
  v.login = login;
  const bearer = bearerToken(v.req.headers.authorization);
  const adminTokenHash = login && 'adminTokenHash' in login ? login.adminTokenHash : bearer && tokenHash(bearer);
  const account = adminTokenHash ? v.ctx.admins.verifyTokenHash(adminTokenHash) : undefined;
  v.admin = account?.role === 'admin';
  v.adminName = v.admin ? account?.username : undefined;
  if (!v.list) return;
  if (login && 'listId' in login && login.listId === v.list.id) {
    v.address = login.address;
    v.roles = v.web.rolesOf(v.list, login.address);
  }
  v.lang = (v.address && v.ctx.lists.member(v.list.id, v.address)?.language) || v.list.language;
}

export function t(v: Visit, id: WebMessageId, vars: Record<string, string | number> = {}): string {
  return webText(v.lang, id, { list: v.list?.address ?? '', ...vars });
}

export const listBase = (list: MailingList) => listPagePaths(list.address).info;

export function redirect(res: http.ServerResponse, location: string): void {
  res.writeHead(303, { location, 'cache-control': 'no-store' });
  res.end();
}

/** The navigation of a list's pages: what this visitor may open. */
function navOf(v: Visit, current: string): NavLink[] {
  const links: NavLink[] = [{ href: '', label: t(v, 'nav.label') }, { href: '/lists/', label: t(v, 'nav.lists') }];
  const list = v.list;
  if (list) {
    const base = listBase(list);
    links.push({ href: base, label: t(v, 'nav.info') });
    if (list.archive) links.push({ href: `/lists/archives/${encodeURIComponent(list.address)}/`, label: t(v, 'nav.archive') });
    if (v.roles.member) links.push({ href: `${base}options`, label: t(v, 'nav.options') });
    if (v.roles.owner || v.admin) links.push({ href: `${base}admin`, label: t(v, 'nav.settings') }, { href: `${base}admin/members`, label: t(v, 'nav.members') });
    if (v.roles.moderator || v.admin) links.push({ href: `${base}admin/held`, label: t(v, 'nav.held') }, { href: `${base}admin/pending`, label: t(v, 'nav.pending') });
    if (!v.address && !v.admin) links.push({ href: `${base}login`, label: t(v, 'nav.login') });
  }
  for (const l of links) l.current = l.href === current;
  return links;
}

/** Sends a page of the list pages with their navigation and the log-out button. */
export function page(v: Visit, status: number, current: string, p: Omit<PageParts, 'lang' | 'nav' | 'who' | 'personal'> & { personal?: boolean }): void {
  const name = v.address ?? v.adminName;
  const who =
    name && v.list && (v.address || (v.login && 'adminTokenHash' in v.login))
      ? postForm(`${listBase(v.list)}logout`, v.csrf, `<span class="who">${esc(t(v, 'session.as', { address: name }))}</span> <button type="submit" class="secondary">${esc(t(v, 'nav.logout'))}</button>`, ' class="actions"')
      : '';
  sendPage(v.res, status, { ...p, lang: v.lang, nav: navOf(v, current), who, personal: p.personal ?? !!(v.address || v.admin) });
}

export function errorPage(v: Visit, status: number, message: string): void {
  page(v, status, '', { title: t(v, 'error.title'), body: `<p>${esc(message)}</p>`, personal: true });
}
